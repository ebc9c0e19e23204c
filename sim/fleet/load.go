package fleet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"time"
)

// fleetFile is the JSON fleet file. See testdata/lab.json for an example.
type fleetFile struct {
	CID   string            `json:"cid"`
	Hosts []json.RawMessage `json:"hosts"`
	// Generate adds generated hosts before the listed ones.
	Generate *generateFile `json:"generate"`
}

// hostFile is one host of a fleet file. Pointers tell "absent" from a zero
// value where the default is not zero.
type hostFile struct {
	Hostname     string            `json:"hostname"`
	Platform     string            `json:"platform"`
	AID          string            `json:"aid"`
	OSVersion    string            `json:"os_version"`
	Tags         []string          `json:"tags"`
	Groups       []string          `json:"groups"`
	Online       *bool             `json:"online"`
	Reachable    *bool             `json:"reachable"`
	Containment  string            `json:"containment"`
	LocalIP      string            `json:"local_ip"`
	ExternalIP   string            `json:"external_ip"`
	MACAddress   string            `json:"mac_address"`
	AgentVersion string            `json:"agent_version"`
	UTCOffset    int               `json:"utc_offset"`
	User         string            `json:"user"`
	Role         string            `json:"role"`
	Base         *bool             `json:"base"`
	Compromised  bool              `json:"compromised"`
	Files        []fileEntry       `json:"files"`
	Processes    []processEntry    `json:"processes"`
	Connections  []connectionEntry `json:"connections"`
	Registry     []registryEntry   `json:"registry"`
	Env          map[string]string `json:"env"`
	Faults       *faultsFile       `json:"faults"`
}

type fileEntry struct {
	Path          string     `json:"path"`
	Dir           bool       `json:"dir"`
	Content       *string    `json:"content"`
	ContentBase64 *string    `json:"content_base64"`
	Size          *int64     `json:"size"`
	Modified      *time.Time `json:"modified"`
}

type processEntry struct {
	PID         int        `json:"pid"`
	PPID        int        `json:"ppid"`
	Name        string     `json:"name"`
	Path        string     `json:"path"`
	CommandLine string     `json:"command_line"`
	User        string     `json:"user"`
	Start       *time.Time `json:"start"`
	Protected   bool       `json:"protected"`
}

type connectionEntry struct {
	Proto   string `json:"proto"`
	Local   string `json:"local"`
	Remote  string `json:"remote"`
	State   string `json:"state"`
	PID     int    `json:"pid"`
	Process string `json:"process"`
}

type registryEntry struct {
	Key  string          `json:"key"`
	Name string          `json:"name"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

var defaultOSVersion = map[Platform]string{Windows: "Windows 10", Linux: "Ubuntu 22.04", Mac: "Sonoma (14)"}

var roles = map[string]bool{"": true, "workstation": true, "server": true, "dc": true, "web": true, "db": true}

// Load reads a JSON fleet file. Every error names the file, and for a
// host's problem the host and the field.
func Load(path string) (*Fleet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load fleet: %w", err)
	}
	f, err := parseFleet(data, newRand(), time.Now)
	if err != nil {
		return nil, fmt.Errorf("fleet file %s: %w", path, err)
	}
	return f, nil
}

func parseFleet(data []byte, rng *rand.Rand, now func() time.Time) (*Fleet, error) {
	var ff fleetFile
	if err := decodeStrict(data, &ff); err != nil {
		return nil, err
	}
	if len(ff.Hosts) == 0 && ff.Generate == nil {
		return nil, errors.New("hosts: missing or empty; list at least one host or add a generate section")
	}
	cid := strings.ToLower(ff.CID)
	if cid != "" && !isHex32(cid) {
		return nil, fmt.Errorf("cid: %q is not 32 hex digits", ff.CID)
	}
	var hosts []*Host
	names, aids := map[string]bool{}, map[string]bool{}
	if ff.Generate != nil {
		var err error
		if hosts, cid, err = ff.Generate.generatedHosts(cid); err != nil {
			return nil, err
		}
		for _, h := range hosts {
			names[h.info.Hostname], aids[h.info.AID] = true, true
		}
	}
	if cid == "" {
		cid = randomHex(rng, 32)
	}
	for i, raw := range ff.Hosts {
		h, err := loadHost(raw, i, cid, rng, now)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", hostLabel(raw, i), err)
		}
		if names[h.info.Hostname] {
			return nil, fmt.Errorf("%s: hostname: %q is used by an earlier host; hostnames must be unique",
				hostLabel(raw, i), h.info.Hostname)
		}
		if aids[h.info.AID] {
			return nil, fmt.Errorf("%s: aid: %q is used by an earlier host; agent ids must be unique",
				hostLabel(raw, i), h.info.AID)
		}
		names[h.info.Hostname], aids[h.info.AID] = true, true
		hosts = append(hosts, h)
	}
	return newFleet(cid, hosts)
}

// hostLabel names a host in errors by index and, when it can be read, its
// hostname.
func hostLabel(raw json.RawMessage, i int) string {
	var named struct {
		Hostname string `json:"hostname"`
	}
	if json.Unmarshal(raw, &named) == nil && named.Hostname != "" {
		return fmt.Sprintf("host %q (hosts[%d])", named.Hostname, i)
	}
	return fmt.Sprintf("hosts[%d]", i)
}

// decodeStrict decodes JSON, rejecting unknown fields and trailing data,
// and reports syntax and type errors with their line and column.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the top-level object")
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		line, col := lineCol(data, syntax.Offset)
		return fmt.Errorf("line %d, column %d: invalid JSON: %w", line, col, err)
	case errors.As(err, &typeErr):
		return fmt.Errorf("%s: expected %s, got a JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	return err
}

func lineCol(data []byte, offset int64) (int, int) {
	before := data[:min(int(offset), len(data))]
	line := bytes.Count(before, []byte("\n")) + 1
	return line, len(before) - bytes.LastIndexByte(before, '\n')
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func loadHost(raw json.RawMessage, i int, cid string, rng *rand.Rand, now func() time.Time) (*Host, error) {
	var hf hostFile
	if err := decodeStrict(raw, &hf); err != nil {
		return nil, err
	}
	spec, err := hf.spec(i)
	if err != nil {
		return nil, err
	}
	b := build(spec, cid, rng, now, hf.Base == nil || *hf.Base, hf.Compromised)
	for _, step := range []func(*builder) error{hf.addFiles, hf.addProcesses, hf.addConnections, hf.addRegistry, hf.addEnv, hf.addFaults} {
		if err := step(b); err != nil {
			return nil, err
		}
	}
	return b.h, nil
}

func (hf *hostFile) spec(i int) (hostSpec, error) {
	if hf.Hostname == "" {
		return hostSpec{}, errors.New("hostname: missing")
	}
	p, err := ParsePlatform(hf.Platform)
	if err != nil {
		return hostSpec{}, fmt.Errorf("platform: %w", err)
	}
	aid := strings.ToLower(hf.AID)
	if aid != "" && !isHex32(aid) {
		return hostSpec{}, fmt.Errorf("aid: %q is not 32 hex digits", hf.AID)
	}
	if hf.Containment != "" && !validContainment(hf.Containment) {
		return hostSpec{}, fmt.Errorf("containment: unknown status %q; use normal, containment_pending, contained or lift_containment_pending", hf.Containment)
	}
	if hf.UTCOffset < -12 || hf.UTCOffset > 14 {
		return hostSpec{}, fmt.Errorf("utc_offset: %d is outside -12..14 hours", hf.UTCOffset)
	}
	if !roles[hf.Role] {
		return hostSpec{}, fmt.Errorf("role: unknown role %q; use workstation, server, dc, web or db", hf.Role)
	}
	for field, ip := range map[string]string{"local_ip": hf.LocalIP, "external_ip": hf.ExternalIP} {
		if _, err := netip.ParseAddr(ip); ip != "" && err != nil {
			return hostSpec{}, fmt.Errorf("%s: %q is not an IP address", field, ip)
		}
	}
	spec := hostSpec{aid: aid, hostname: hf.Hostname, platform: p, osVersion: hf.OSVersion, tags: hf.Tags, groups: hf.Groups,
		online: hf.Online == nil || *hf.Online, reachable: hf.Reachable == nil || *hf.Reachable,
		containment: hf.Containment, localIP: hf.LocalIP, externalIP: hf.ExternalIP, macAddress: hf.MACAddress,
		agentVersion: hf.AgentVersion, utcOffset: hf.UTCOffset, user: hf.User, role: hf.Role}
	defaults := map[*string]string{
		&spec.osVersion: defaultOSVersion[p], &spec.localIP: fmt.Sprintf("192.0.2.%d", 100+i%150),
		&spec.externalIP: "198.51.100.200", &spec.macAddress: fmt.Sprintf("00-00-5e-00-53-%02x", i%256),
		&spec.agentVersion: "7.16.18605.0",
	}
	for field, value := range defaults {
		if *field == "" {
			*field = value
		}
	}
	return spec, nil
}
