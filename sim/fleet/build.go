package fleet

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// hostSpec is the identity of a host to build.
type hostSpec struct {
	aid          string // random when empty
	hostname     string
	platform     Platform
	osVersion    string
	tags         []string
	groups       []string
	online       bool
	reachable    bool
	containment  string
	localIP      string
	externalIP   string
	macAddress   string
	agentVersion string
	utcOffset    int    // hours
	user         string // the interactive user, "" for servers without one
	role         string // the host's purpose, which picks its services: workstation, dc, web, db
}

// builder fills a new host. Its random source picks AIDs, PIDs, ports and
// times, so every build of the same fleet differs in those.
type builder struct {
	h    *Host
	rng  *rand.Rand
	now  time.Time
	spec hostSpec
}

func newBuilder(spec hostSpec, cid string, rng *rand.Rand, now func() time.Time) *builder {
	t := now().UTC().Truncate(time.Second)
	aid := spec.aid
	if aid == "" {
		aid = randomHex(rng, 32)
	}
	boot := t.Add(-time.Duration(2+rng.IntN(7))*24*time.Hour - time.Duration(rng.IntN(86400))*time.Second)
	installed := t.AddDate(-1, -rng.IntN(6), -rng.IntN(28))
	h := &Host{
		info: HostInfo{
			AID: aid, CID: cid, Hostname: spec.hostname, Platform: spec.platform,
			PlatformName: spec.platform.APIName(), OSVersion: spec.osVersion,
			Tags: append([]string(nil), spec.tags...), Groups: append([]string(nil), spec.groups...),
			Online: spec.online, Reachable: spec.reachable,
			Containment: spec.containment, LocalIP: spec.localIP, ExternalIP: spec.externalIP,
			MACAddress: spec.macAddress, AgentVersion: spec.agentVersion,
			FirstSeen: installed, LastSeen: t,
		},
		platform: spec.platform,
		zone:     time.FixedZone(fmt.Sprintf("UTC%+d", spec.utcOffset), spec.utcOffset*3600),
		now:      now,
		fs:       newFileSystem(spec.platform, installed),
		procs:    map[int]*process{},
		bootTime: boot,
		nextPID:  1,
	}
	if h.info.Containment == "" {
		h.info.Containment = ContainmentNormal
	}
	if !spec.online {
		h.info.LastSeen = t.Add(-time.Duration(1+rng.IntN(48)) * time.Hour)
	}
	if spec.platform == Windows {
		h.reg = newRegistry()
	}
	return &builder{h: h, rng: rng, now: t, spec: spec}
}

func randomHex(rng *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[rng.IntN(16)]
	}
	return string(b)
}

// comps parses an absolute path written in the platform's own form.
func (b *builder) comps(path string) []string {
	c, _ := resolvePath(b.h.platform, rootPath(b.h.platform), path)
	return c
}

// dir creates a directory and its parents.
func (b *builder) dir(path string, created time.Time) *fsNode {
	n, err := b.h.fs.mkdirAll(b.comps(path), created)
	if err != nil {
		panic(fmt.Sprintf("fleet: built-in directory %s: %v", path, err))
	}
	return n
}

// text adds a file with the given content.
func (b *builder) text(path, content string, modified time.Time) *fsNode {
	return b.putFile(path, &fsNode{content: []byte(content), size: int64(len(content)),
		created: modified, modified: modified})
}

// sized adds a file of size bytes whose content is generated from its path.
func (b *builder) sized(path string, size int64, modified time.Time) *fsNode {
	comps := b.comps(path)
	name := comps[len(comps)-1]
	kind := contentKindFor(b.h.platform, name)
	return b.putFile(path, &fsNode{gen: newGenerator(b.h.platform, strings.ToLower(path), kind),
		size: size, created: modified, modified: modified})
}

func (b *builder) putFile(path string, n *fsNode) *fsNode {
	n.mode, n.owner, n.group = 0o644, "root", "root"
	if n.gen != nil && n.gen.kind == contentExecutable {
		n.mode = 0o755
	}
	if err := b.h.fs.putFile(b.comps(path), n); err != nil {
		panic(fmt.Sprintf("fleet: built-in file %s: %v", path, err))
	}
	return n
}

// pid picks a free PID: a random multiple of 4 on Windows, the next
// rising number elsewhere.
func (b *builder) pid() int {
	if b.h.platform == Windows {
		for {
			pid := 4 * (25 + b.rng.IntN(4000))
			if _, used := b.h.procs[pid]; !used {
				return pid
			}
		}
	}
	for {
		b.h.nextPID += 1 + b.rng.IntN(40)
		if _, used := b.h.procs[b.h.nextPID]; !used {
			return b.h.nextPID
		}
	}
}

// proc adds a process. The start is an offset from boot.
func (b *builder) proc(p process, afterBoot time.Duration) *process {
	if p.pid == 0 && p.name != "Idle" {
		p.pid = b.pid()
	}
	if p.start.IsZero() {
		p.start = b.h.bootTime.Add(afterBoot)
	}
	if p.workingSet == 0 {
		p.workingSet = int64(2+b.rng.IntN(120)) << 20
	}
	if p.userCPU == 0 && p.kernelCPU == 0 {
		p.userCPU = time.Duration(b.rng.IntN(300)) * time.Second
		p.kernelCPU = time.Duration(b.rng.IntN(120)) * time.Second
	}
	b.h.procs[p.pid] = &p
	return &p
}

// port picks an ephemeral port in the platform's dynamic range.
func (b *builder) port() int {
	if b.h.platform == Linux {
		return 32768 + b.rng.IntN(28231)
	}
	return 49152 + b.rng.IntN(16383)
}

func (b *builder) listen(proto, local string, pid int) {
	state := stateListen
	if proto == "UDP" {
		state = stateNone
	}
	b.h.conns = append(b.h.conns, &connection{proto: proto, local: local, state: state, pid: pid})
}

// connect adds an outbound TCP connection from the host's address.
func (b *builder) connect(remote string, state connState, pid int) {
	local := fmt.Sprintf("%s:%d", b.spec.localIP, b.port())
	b.h.conns = append(b.h.conns, &connection{proto: "TCP", local: local, remote: remote, state: state, pid: pid})
}

func (b *builder) reg(key, name string, typ regType, data any) {
	hive, subkeys, err := parseKeyPath(key)
	if err != nil {
		panic("fleet: built-in registry key " + key)
	}
	v := &regValue{name: name, typ: typ}
	switch d := data.(type) {
	case string:
		v.str = d
	case int:
		v.num = uint64(d)
	case []string:
		v.multi = d
	case []byte:
		v.binary = d
	}
	b.h.reg.setValue(hive, subkeys, v)
}

func (b *builder) regKey(key string) {
	hive, subkeys, err := parseKeyPath(key)
	if err != nil {
		panic("fleet: built-in registry key " + key)
	}
	b.h.reg.createKey(hive, subkeys)
}

func (b *builder) env(scope envScope, name, value string) {
	b.h.env = append(b.h.env, envVar{scope: scope, name: name, value: value})
}
