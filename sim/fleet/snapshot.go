package fleet

import (
	"fmt"
	"time"
)

// State is a deep copy of a fleet's host state, built for comparison and
// for JSON output. Two snapshots are reflect.DeepEqual exactly when no
// host state changed between them; a session's working directory is not
// host state.
type State struct {
	CID   string      `json:"cid"`
	Hosts []HostState `json:"hosts"`
}

// HostState is one host's state, every list in a stable order.
type HostState struct {
	AID         string            `json:"aid"`
	Hostname    string            `json:"hostname"`
	Platform    Platform          `json:"platform"`
	Online      bool              `json:"online"`
	Reachable   bool              `json:"reachable"`
	Containment string            `json:"containment"`
	Files       []FileState       `json:"files"`
	Processes   []ProcessState    `json:"processes"`
	Connections []ConnectionState `json:"connections"`
	Registry    []RegistryKey     `json:"registry,omitempty"`
	Env         []EnvVar          `json:"env"`
}

// FileState is a file or directory. ContentID stands for the content:
// "sha256:<hex>" for stored content, "generated:<seed>" for content made on
// demand, empty for directories.
type FileState struct {
	Path      string    `json:"path"`
	Dir       bool      `json:"dir,omitempty"`
	Size      int64     `json:"size,omitempty"`
	ContentID string    `json:"content_id,omitempty"`
	Modified  time.Time `json:"modified"`
	Created   time.Time `json:"created"`
}

// ProcessState is a running process.
type ProcessState struct {
	PID         int       `json:"pid"`
	PPID        int       `json:"ppid"`
	Name        string    `json:"name"`
	Path        string    `json:"path,omitempty"`
	CommandLine string    `json:"command_line,omitempty"`
	User        string    `json:"user"`
	Start       time.Time `json:"start"`
}

// ConnectionState is an open socket.
type ConnectionState struct {
	Proto  string `json:"proto"`
	Local  string `json:"local"`
	Remote string `json:"remote,omitempty"`
	State  string `json:"state,omitempty"`
	PID    int    `json:"pid"`
}

// RegistryKey is a key with its values, by its full reg.exe path.
type RegistryKey struct {
	Path   string          `json:"path"`
	Values []RegistryValue `json:"values,omitempty"`
}

// RegistryValue is a value with its data as reg query prints it.
type RegistryValue struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Data string `json:"data"`
}

// EnvVar is an environment variable in its scope (Machine, User or
// Process; only Process outside Windows).
type EnvVar struct {
	Scope string `json:"scope"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Snapshot returns a deep copy of every host's state, hosts in hostname
// order. Each host is copied under its lock.
func (f *Fleet) Snapshot() State {
	s := State{CID: f.cid, Hosts: make([]HostState, 0, len(f.hosts))}
	for _, h := range f.hosts {
		s.Hosts = append(s.Hosts, h.snapshot())
	}
	return s
}

func (h *Host) snapshot() HostState {
	if src := h.snapshotSource(); src != h {
		return src.snapshot()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	hs := HostState{
		AID: h.info.AID, Hostname: h.info.Hostname, Platform: h.platform,
		Online: h.info.Online, Reachable: h.info.Reachable, Containment: h.info.Containment,
		Files: []FileState{}, Processes: []ProcessState{}, Connections: []ConnectionState{}, Env: []EnvVar{},
	}
	h.fs.walk(nil, h.fs.root, func(comps []string, n *fsNode) {
		hs.Files = append(hs.Files, fileState(h.platform, comps, n))
	})
	for _, p := range h.sortedProcesses() {
		hs.Processes = append(hs.Processes, ProcessState{PID: p.pid, PPID: p.ppid, Name: p.name, Path: p.path,
			CommandLine: p.commandLine, User: p.user, Start: p.start.UTC()})
	}
	for _, c := range h.sortedConnections() {
		hs.Connections = append(hs.Connections, ConnectionState{Proto: c.proto, Local: c.local, Remote: c.remote,
			State: string(c.state), PID: c.pid})
	}
	if h.reg != nil {
		h.reg.walk(func(path string, k *regKey) {
			key := RegistryKey{Path: path}
			for _, v := range k.values {
				key.Values = append(key.Values, RegistryValue{Name: v.name, Type: string(v.typ), Data: v.regData()})
			}
			hs.Registry = append(hs.Registry, key)
		})
	}
	for _, v := range h.env {
		hs.Env = append(hs.Env, EnvVar{Scope: string(v.scope), Name: v.name, Value: v.value})
	}
	return hs
}

func fileState(p Platform, comps []string, n *fsNode) FileState {
	fs := FileState{Path: formatPath(p, comps), Dir: n.dir, Modified: n.modified.UTC(), Created: n.created.UTC()}
	if n.dir {
		return fs
	}
	fs.Size = n.size
	if n.gen != nil {
		// Hashing generated content would read all of it (gigabytes for
		// a page file); its seed identifies it as well.
		fs.ContentID = fmt.Sprintf("generated:%016x", n.gen.seed)
	} else {
		fs.ContentID = "sha256:" + n.fileHashes().sha256
	}
	return fs
}
