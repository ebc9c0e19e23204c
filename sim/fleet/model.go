package fleet

import (
	"errors"
	"sort"
	"strings"
	"time"
)

// process is one running process on a simulated host.
type process struct {
	pid, ppid   int
	name        string // image name: "svchost.exe" on Windows, the comm elsewhere
	path        string // image path; empty for protected or kernel processes
	commandLine string
	user        string
	start       time.Time
	userCPU     time.Duration
	kernelCPU   time.Duration
	workingSet  int64 // bytes
	session     int   // Windows session id; 0 for services
	tty         string
	// protected processes cannot be stopped from RTR: kernel and PPL
	// processes on Windows, init and the sensor elsewhere.
	protected bool
}

// connState is a TCP connection state. UDP sockets have none.
type connState string

const (
	stateNone        connState = ""
	stateListen      connState = "LISTEN"
	stateEstablished connState = "ESTABLISHED"
	stateSynSent     connState = "SYN_SENT"
	stateTimeWait    connState = "TIME_WAIT"
	stateCloseWait   connState = "CLOSE_WAIT"
	stateFinWait2    connState = "FIN_WAIT2"
)

// parseConnState accepts both the Linux (LISTEN) and the Windows
// (LISTENING, FIN_WAIT_2) spellings.
func parseConnState(s string) (connState, error) {
	switch strings.ToUpper(strings.ReplaceAll(s, "-", "_")) {
	case "":
		return stateNone, nil
	case "LISTEN", "LISTENING":
		return stateListen, nil
	case "ESTABLISHED":
		return stateEstablished, nil
	case "SYN_SENT":
		return stateSynSent, nil
	case "TIME_WAIT":
		return stateTimeWait, nil
	case "CLOSE_WAIT":
		return stateCloseWait, nil
	case "FIN_WAIT2", "FIN_WAIT_2":
		return stateFinWait2, nil
	}
	return "", errors.New("unknown connection state " + s +
		": use LISTEN, ESTABLISHED, SYN_SENT, TIME_WAIT, CLOSE_WAIT or FIN_WAIT2")
}

// windowsName returns the state as netstat.exe prints it.
func (s connState) windowsName() string {
	switch s {
	case stateListen:
		return "LISTENING"
	case stateFinWait2:
		return "FIN_WAIT_2"
	}
	return string(s)
}

// connection is one socket. Remote is empty for listening TCP sockets and
// for UDP sockets.
type connection struct {
	proto  string // "TCP" or "UDP"
	local  string // address:port, IPv6 in brackets
	remote string
	state  connState
	pid    int
}

// envScope is the scope of an environment variable. Only Windows has the
// Machine and User scopes.
type envScope string

const (
	scopeMachine envScope = "Machine"
	scopeUser    envScope = "User"
	scopeProcess envScope = "Process"
)

type envVar struct {
	scope       envScope
	name, value string
}

// user is a local account.
type user struct {
	name     string
	sid      string // Windows and macOS
	uid, gid int    // Linux and macOS
	home     string
	shell    string
}

func (h *Host) sortedProcesses() []*process {
	out := make([]*process, 0, len(h.procs))
	for _, p := range h.procs {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out
}

var (
	errNoProcess    = errors.New("no such process")
	errAccessDenied = errors.New("access is denied")
)

// killProcess stops a process and closes its sockets. Its children keep
// running, as they do on every platform when a parent exits.
func (h *Host) killProcess(pid int) error {
	p, ok := h.procs[pid]
	if !ok {
		return errNoProcess
	}
	if p.protected {
		return errAccessDenied
	}
	delete(h.procs, pid)
	kept := h.conns[:0]
	for _, c := range h.conns {
		if c.pid != pid {
			kept = append(kept, c)
		}
	}
	h.conns = kept
	return nil
}

// imageInUse reports whether a running process was started from the file
// at comps. Windows locks a running image against deletion; Linux and
// macOS let it be unlinked.
func (h *Host) imageInUse(comps []string) bool {
	if h.platform != Windows {
		return false
	}
	want := formatPath(Windows, comps)
	for _, p := range h.procs {
		if strings.EqualFold(p.path, want) {
			return true
		}
	}
	return false
}

// envLookup returns the value of a variable, preferring the Process scope
// as a new process would see it.
func (h *Host) envLookup(name string) (string, bool) {
	found, value := false, ""
	for _, v := range h.env {
		match := v.name == name
		if h.platform == Windows {
			match = strings.EqualFold(v.name, name)
		}
		if match && (!found || v.scope == scopeProcess) {
			found, value = true, v.value
		}
	}
	return value, found
}
