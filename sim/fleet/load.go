package fleet

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"sort"
	"strings"
	"time"
)

// fleetFile is the JSON fleet file. See testdata/lab.json for an example.
type fleetFile struct {
	CID   string            `json:"cid"`
	Hosts []json.RawMessage `json:"hosts"`
}

// hostFile is one host of a fleet file. Pointers tell "absent" from a zero
// value where the default is not zero.
type hostFile struct {
	Hostname     string            `json:"hostname"`
	Platform     string            `json:"platform"`
	AID          string            `json:"aid"`
	OSVersion    string            `json:"os_version"`
	Tags         []string          `json:"tags"`
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
	if len(ff.Hosts) == 0 {
		return nil, errors.New("hosts: missing or empty; list at least one host")
	}
	cid := strings.ToLower(ff.CID)
	if cid == "" {
		cid = randomHex(rng, 32)
	} else if !isHex32(cid) {
		return nil, fmt.Errorf("cid: %q is not 32 hex digits", ff.CID)
	}
	hosts := make([]*Host, 0, len(ff.Hosts))
	names, aids := map[string]bool{}, map[string]bool{}
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
	for _, step := range []func(*builder) error{hf.addFiles, hf.addProcesses, hf.addConnections, hf.addRegistry, hf.addEnv} {
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
	spec := hostSpec{aid: aid, hostname: hf.Hostname, platform: p, osVersion: hf.OSVersion, tags: hf.Tags,
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

func (hf *hostFile) addFiles(b *builder) error {
	for i, f := range hf.Files {
		if err := addFile(b, f); err != nil {
			return fmt.Errorf("files[%d]: %w", i, err)
		}
	}
	return nil
}

func addFile(b *builder, f fileEntry) error {
	p := b.h.platform
	if !isAbsolute(p, f.Path) {
		return fmt.Errorf("path: %q is not an absolute %s path", f.Path, p)
	}
	kinds := 0
	for _, set := range []bool{f.Dir, f.Content != nil, f.ContentBase64 != nil, f.Size != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return fmt.Errorf("path %q: give exactly one of dir, content, content_base64 or size", f.Path)
	}
	modified := b.now
	if f.Modified != nil {
		modified = f.Modified.UTC()
	}
	comps := b.comps(f.Path)
	if f.Dir {
		if _, err := b.h.fs.mkdirAll(comps, modified); err != nil {
			return fmt.Errorf("path %q: %w", f.Path, err)
		}
		return nil
	}
	n := &fsNode{created: modified, modified: modified, mode: 0o644, owner: "root", group: "root"}
	switch {
	case f.Content != nil:
		n.content = []byte(*f.Content)
	case f.ContentBase64 != nil:
		data, err := base64.StdEncoding.DecodeString(*f.ContentBase64)
		if err != nil {
			return fmt.Errorf("content_base64: %w", err)
		}
		n.content = data
	default:
		if *f.Size < 0 {
			return fmt.Errorf("size: %d is negative", *f.Size)
		}
		n.size = *f.Size
		n.gen = newGenerator(p, strings.ToLower(f.Path), contentKindFor(p, comps[len(comps)-1]))
		if n.gen.kind == contentExecutable {
			n.mode = 0o755
		}
	}
	if n.gen == nil {
		n.size = int64(len(n.content))
	}
	if err := b.h.fs.putFile(comps, n); err != nil {
		return fmt.Errorf("path %q: %w", f.Path, err)
	}
	return nil
}

func isAbsolute(p Platform, path string) bool {
	if p == Windows {
		return len(path) >= 3 && strings.EqualFold(path[:3], `C:\`)
	}
	return strings.HasPrefix(path, "/")
}

func (hf *hostFile) addProcesses(b *builder) error {
	for i, pe := range hf.Processes {
		if pe.Name == "" {
			return fmt.Errorf("processes[%d].name: missing", i)
		}
		if pe.PID < 0 || pe.PPID < 0 {
			return fmt.Errorf("processes[%d]: pid and ppid must not be negative", i)
		}
		if _, used := b.h.procs[pe.PID]; pe.PID != 0 && used {
			return fmt.Errorf("processes[%d].pid: %d is already in use by %s", i, pe.PID, b.h.procs[pe.PID].name)
		}
		p := process{pid: pe.PID, ppid: pe.PPID, name: pe.Name, path: pe.Path, commandLine: pe.CommandLine,
			user: pe.User, protected: pe.Protected}
		if pe.Start != nil {
			p.start = pe.Start.UTC()
		} else {
			p.start = b.now.Add(-time.Hour)
		}
		if p.user == "" {
			p.user = "root"
			if b.h.platform == Windows {
				p.user = ntSystem
			}
		}
		b.proc(p, 0)
	}
	return nil
}

func (hf *hostFile) addConnections(b *builder) error {
	for i, ce := range hf.Connections {
		c, err := connectionFrom(b.h, ce)
		if err != nil {
			return fmt.Errorf("connections[%d].%w", i, err)
		}
		b.h.conns = append(b.h.conns, c)
	}
	return nil
}

func connectionFrom(h *Host, ce connectionEntry) (*connection, error) {
	proto := strings.ToUpper(ce.Proto)
	if proto != "TCP" && proto != "UDP" {
		return nil, fmt.Errorf("proto: %q is not TCP or UDP", ce.Proto)
	}
	if _, err := netip.ParseAddrPort(ce.Local); err != nil {
		return nil, fmt.Errorf("local: %q is not address:port (IPv6 in brackets)", ce.Local)
	}
	if _, err := netip.ParseAddrPort(ce.Remote); ce.Remote != "" && err != nil {
		return nil, fmt.Errorf("remote: %q is not address:port (IPv6 in brackets)", ce.Remote)
	}
	state, err := parseConnState(ce.State)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if proto == "TCP" && state == stateNone {
		return nil, errors.New("state: missing for a TCP connection")
	}
	pid := ce.PID
	if ce.Process != "" {
		pid = -1
		for _, p := range h.sortedProcesses() {
			if strings.EqualFold(p.name, ce.Process) {
				pid = p.pid
				break
			}
		}
		if pid < 0 {
			return nil, fmt.Errorf("process: no process named %q on the host", ce.Process)
		}
	} else if _, ok := h.procs[pid]; !ok && pid != 0 {
		return nil, fmt.Errorf("pid: no process with PID %d on the host", pid)
	}
	return &connection{proto: proto, local: ce.Local, remote: ce.Remote, state: state, pid: pid}, nil
}

func (hf *hostFile) addRegistry(b *builder) error {
	if len(hf.Registry) > 0 && b.h.reg == nil {
		return fmt.Errorf("registry: only windows hosts have a registry, this host is %s", b.h.platform)
	}
	for i, re := range hf.Registry {
		if err := addRegistryValue(b.h.reg, re); err != nil {
			return fmt.Errorf("registry[%d].%w", i, err)
		}
	}
	return nil
}

func addRegistryValue(r *registry, re registryEntry) error {
	hive, subkeys, err := parseKeyPath(re.Key)
	if err != nil || len(subkeys) == 0 {
		return fmt.Errorf("key: %q is not a registry key under a hive such as HKLM or HKEY_LOCAL_MACHINE", re.Key)
	}
	typ, err := parseRegType(re.Type)
	if err != nil {
		return fmt.Errorf("type: %w", err)
	}
	v, err := registryData(re.Name, typ, re.Data)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	r.setValue(hive, subkeys, v)
	return nil
}

// registryData reads value data: a string for string types, a number (or a
// "0x" string) for DWORD and QWORD, a list of strings for REG_MULTI_SZ and
// a hex string for binary types.
func registryData(name string, typ regType, raw json.RawMessage) (*regValue, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("missing for %s value %q", typ, name)
	}
	switch typ {
	case regMultiSZ:
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%s needs a list of strings", typ)
		}
		return &regValue{name: name, typ: typ, multi: list}, nil
	case regDWORD, regQWORD:
		var num json.Number
		if err := json.Unmarshal(raw, &num); err == nil {
			v, err := parseRegData(name, typ, num.String())
			if err != nil {
				return nil, fmt.Errorf("%s is not a valid %s number", num, typ)
			}
			return v, nil
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s needs a string", typ)
	}
	v, err := parseRegData(name, typ, s)
	if err != nil {
		return nil, fmt.Errorf("%q is not valid %s data", s, typ)
	}
	return v, nil
}

func (hf *hostFile) addEnv(b *builder) error {
	names := make([]string, 0, len(hf.Env))
	for name := range hf.Env {
		if name == "" || strings.ContainsAny(name, "=\x00") {
			return fmt.Errorf("env: %q is not a valid variable name", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.setEnv(name, hf.Env[name])
	}
	return nil
}

// setEnv sets a Process-scope variable, replacing one of the same name.
func (b *builder) setEnv(name, value string) {
	for i, v := range b.h.env {
		if v.scope == scopeProcess && v.name == name {
			b.h.env[i].value = value
			return
		}
	}
	b.env(scopeProcess, name, value)
}
