package fleet

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The built-in fleets. All four start from the same seven demo hosts.
const (
	FleetDemo     = "demo"
	FleetClean    = "clean"
	FleetOutbreak = "outbreak"
	FleetDegraded = "degraded"
)

// demoHosts are the seven hosts of the built-in fleets. Addresses come from
// the documentation ranges (RFC 5737, RFC 7042).
var demoHosts = []hostSpec{
	{hostname: "WIN-FIN-01", platform: Windows, osVersion: "Windows 10", tags: []string{"FalconGroupingTags/finance"},
		localIP: "192.0.2.11", utcOffset: -5, user: "mhall", role: "workstation", agentVersion: "7.16.18605.0"},
	{hostname: "WIN-HR-02", platform: Windows, osVersion: "Windows 11", tags: []string{"FalconGroupingTags/hr"},
		localIP: "192.0.2.12", utcOffset: -5, user: "kpatel", role: "workstation", agentVersion: "7.16.18605.0"},
	{hostname: "WIN-DC-01", platform: Windows, osVersion: "Windows Server 2022", tags: []string{"FalconGroupingTags/servers"},
		localIP: "192.0.2.10", utcOffset: 0, role: "dc", agentVersion: "7.15.18513.0"},
	{hostname: "lnx-web-01", platform: Linux, osVersion: "Ubuntu 22.04", tags: []string{"FalconGroupingTags/servers"},
		localIP: "192.0.2.20", utcOffset: 0, user: "deploy", role: "web", agentVersion: "7.14.16703.0"},
	{hostname: "lnx-db-02", platform: Linux, osVersion: "RHEL 9", tags: []string{"FalconGroupingTags/servers"},
		localIP: "192.0.2.21", utcOffset: 0, role: "db", agentVersion: "7.14.16703.0"},
	{hostname: "mac-dev-01", platform: Mac, osVersion: "Sonoma (14)", tags: []string{"FalconGroupingTags/engineering"},
		localIP: "192.0.2.31", utcOffset: -8, user: "alee", role: "workstation", agentVersion: "7.15.18404.0"},
	{hostname: "mac-ceo-02", platform: Mac, osVersion: "Sonoma (14)", tags: []string{"FalconGroupingTags/executive"},
		localIP: "192.0.2.32", utcOffset: -5, user: "cbrooks", role: "workstation", agentVersion: "7.15.18404.0"},
}

// Names returns the names of the built-in fleets.
func Names() []string {
	names := []string{FleetDemo, FleetClean, FleetOutbreak, FleetDegraded}
	sort.Strings(names)
	return names
}

// Named builds a built-in fleet with new random AIDs and PIDs:
//   - demo: WIN-FIN-01 is compromised;
//   - clean: no host is compromised;
//   - outbreak: WIN-FIN-01, WIN-HR-02 and WIN-DC-01 are compromised;
//   - degraded: like demo, with WIN-HR-02 offline and WIN-DC-01 online but
//     unreachable (RTR returns 40401 at session init).
//   - generated:N and generated:N:SEED: Generate with N hosts and the
//     seed (default 1).
func Named(name string) (*Fleet, error) {
	if strings.HasPrefix(name, GeneratedPrefix) {
		opts, err := parseGeneratedName(name)
		if err != nil {
			return nil, err
		}
		return Generate(opts)
	}
	compromised := map[string]bool{}
	switch name {
	case FleetDemo, FleetDegraded:
		compromised["WIN-FIN-01"] = true
	case FleetOutbreak:
		compromised["WIN-FIN-01"], compromised["WIN-HR-02"], compromised["WIN-DC-01"] = true, true, true
	case FleetClean:
	default:
		return nil, fmt.Errorf("unknown fleet %q: use one of %v or a fleet file", name, Names())
	}
	rng := newRand()
	cid := randomHex(rng, 32)
	hosts := make([]*Host, 0, len(demoHosts))
	for i, spec := range demoHosts {
		spec.online, spec.reachable = true, true
		if name == FleetDegraded && spec.hostname == "WIN-HR-02" {
			spec.online = false
		}
		if name == FleetDegraded && spec.hostname == "WIN-DC-01" {
			spec.reachable = false
		}
		spec.externalIP = "198.51.100.200"
		spec.macAddress = fmt.Sprintf("00-00-5e-00-53-%02x", 0x10+i)
		b := build(spec, cid, rng, time.Now, true, compromised[spec.hostname])
		hosts = append(hosts, b.h)
	}
	return newFleet(cid, hosts)
}
