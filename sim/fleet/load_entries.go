package fleet

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"
)

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
