package fleet

import (
	"sync"
	"time"
)

// HostInfo is a host's record in the Hosts API.
type HostInfo struct {
	AID, CID, Hostname string
	Platform           Platform
	PlatformName       string // Windows, Linux or Mac
	OSVersion          string
	Tags               []string
	// Groups are the ids of the host groups the host belongs to.
	Groups            []string
	Online, Reachable bool
	// Containment is one of the Containment* constants.
	Containment  string
	LocalIP      string
	ExternalIP   string
	MACAddress   string
	AgentVersion string
	FirstSeen    time.Time
	LastSeen     time.Time
}

// Host is one simulated endpoint. Its methods are safe for concurrent use.
type Host struct {
	mu       sync.Mutex
	info     HostInfo
	platform Platform
	zone     *time.Location // the host's local time zone, a whole-hour offset
	now      func() time.Time

	fs       *fileSystem
	procs    map[int]*process
	conns    []*connection
	reg      *registry // nil except on Windows
	env      []envVar
	users    []user
	nextPID  int // next PID handed out on Linux and macOS, where PIDs grow
	bootTime time.Time

	// content is the RTR admin library (put-files, scripts), or nil.
	content ContentStore
	// sys is the state that only system commands read, built on first use.
	sys *systemState

	// lazy is the base system still to build for a generated host, or nil.
	lazy *lazyBase
	// faults makes the host misbehave, or is nil.
	faults *faultState
}

// Info returns a copy of the host's Hosts API record.
func (h *Host) Info() HostInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	info := h.info
	info.Tags = append([]string(nil), h.info.Tags...)
	info.Groups = append([]string(nil), h.info.Groups...)
	return info
}

// AID returns the host's agent id.
func (h *Host) AID() string { return h.info.AID }

// Hostname returns the host's name.
func (h *Host) Hostname() string { return h.info.Hostname }

// Platform returns the host's platform.
func (h *Host) Platform() Platform { return h.platform }

// SetContainment sets the network containment status, one of the
// Containment* constants. An unknown status is a programmer error.
func (h *Host) SetContainment(status string) {
	if !validContainment(status) {
		panic("fleet: unknown containment status " + status)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.info.Containment = status
}

// SetOnline marks the sensor online or offline. Going online also updates
// LastSeen; going offline leaves it at the last contact.
func (h *Host) SetOnline(online bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.info.Online = online
	if online {
		h.info.LastSeen = h.now().UTC()
	}
}

// SetReachable sets whether an online sensor responds to RTR. The server
// returns 40401 "Could not establish sensor comms" for unreachable hosts.
func (h *Host) SetReachable(reachable bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.info.Reachable = reachable
}

// Shell is the state of one RTR session on a host: its working directory and
// the commands it ran. A batch session keeps one Shell across commands.
type Shell struct {
	host    *Host
	mu      sync.Mutex
	cwd     []string
	history []string
}

// NewShell starts a session whose working directory is the system drive's
// root (C:\) on Windows and / elsewhere.
func (h *Host) NewShell() *Shell {
	return &Shell{host: h, cwd: rootPath(h.platform)}
}

// Cwd returns the session's working directory.
func (sh *Shell) Cwd() string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return formatPath(sh.host.platform, sh.cwd)
}

func (sh *Shell) dir() []string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return append([]string(nil), sh.cwd...)
}

func (sh *Shell) setDir(comps []string) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.cwd = comps
}

func (sh *Shell) record(command string) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.history = append(sh.history, command)
}

func (sh *Shell) commands() []string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return append([]string(nil), sh.history...)
}

// shellFor returns sh, or a fresh shell when sh is nil (a single-host
// session, which starts every command at the root). A shell of another
// host is a programmer error.
func (h *Host) shellFor(sh *Shell) *Shell {
	if sh == nil {
		return h.NewShell()
	}
	if sh.host != h {
		panic("fleet: shell of host " + sh.host.info.Hostname + " used on host " + h.info.Hostname)
	}
	return sh
}

// Result is the outcome of one command on one host. A command that ran
// sets Stdout and Stderr; one that the API rejected sets ErrCode and
// ErrMessage and leaves both empty.
type Result struct {
	BaseCommand string
	Stdout      string
	Stderr      string
	// ReportedBaseCommand is the base_command that the API reports in the
	// command's result when it differs from BaseCommand: put reports
	// DOWNLOAD_RENAME. Empty means BaseCommand.
	ReportedBaseCommand string
	ErrCode             int
	ErrMessage          string
	// Duration is the simulated run time (runscript's Start-Sleep or
	// sleep); zero means the command finished at once. Exec itself never
	// waits.
	Duration time.Duration
	// ChunkSize, when positive, is the host's own size of the stdout
	// chunks in command status; zero means the server's.
	ChunkSize int
}

// local converts a time to the host's zone.
func (h *Host) local(t time.Time) time.Time { return t.In(h.zone) }
