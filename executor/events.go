package executor

import "time"

// Event is something that happened during a run. Views render events; the
// journal stores them, one JSON object per line.
type Event interface {
	// Type names the event in the journal and in JSON output.
	Type() string
}

// Sink receives events. It is called from many goroutines and must not
// block for long.
type Sink func(Event)

// RunStarted is the first event of a run.
type RunStarted struct {
	Time     time.Time `json:"time"`
	Playbook string    `json:"playbook"`
	RunDir   string    `json:"run_dir"`
	Hosts    int       `json:"hosts"`
	Steps    []string  `json:"steps"`
}

// SessionOpened reports a batch session and how many of its hosts joined.
type SessionOpened struct {
	Time      time.Time `json:"time"`
	BatchID   string    `json:"batch_id"`
	Hosts     int       `json:"hosts"`
	Connected int       `json:"connected"`
	Queued    int       `json:"queued"`
	Failed    int       `json:"failed"`
	// FailedHosts names each host that got no session, with the reason.
	FailedHosts []HostFailure `json:"failed_hosts,omitempty"`
}

// HostFailure is one host that could not take part, and why.
type HostFailure struct {
	HostID   string `json:"host_id"`
	Hostname string `json:"hostname"`
	Reason   string `json:"reason"`
}

// SessionRefreshed reports a refresh of a batch session.
type SessionRefreshed struct {
	Time    time.Time `json:"time"`
	BatchID string    `json:"batch_id"`
	Removed int       `json:"removed"`
	Err     string    `json:"error,omitempty"`
}

// StepStarted reports that a step began on its hosts.
type StepStarted struct {
	Time  time.Time `json:"time"`
	Step  string    `json:"step"`
	Hosts int       `json:"hosts"`
}

// RequestSent records one Falcon request that carries work, with the ids
// Falcon gave it, for the audit trail.
type RequestSent struct {
	Time      time.Time `json:"time"`
	Step      string    `json:"step"`
	Operation string    `json:"operation"`
	BatchID   string    `json:"batch_id,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	Command   string    `json:"command,omitempty"`
	Hosts     int       `json:"hosts"`
	Err       string    `json:"error,omitempty"`
}

// HostStepFinished reports the final state of a step on one host.
type HostStepFinished struct {
	Time     time.Time    `json:"time"`
	Step     string       `json:"step"`
	HostID   string       `json:"host_id"`
	Hostname string       `json:"hostname"`
	State    State        `json:"state"`
	Reason   string       `json:"reason,omitempty"`
	Errors   []ErrorEntry `json:"errors,omitempty"`
	TaskID   string       `json:"task_id,omitempty"`
}

// StepFinished reports that a step reached a final state on every host.
type StepFinished struct {
	Time   time.Time     `json:"time"`
	Step   string        `json:"step"`
	Counts map[State]int `json:"counts"`
}

// ArtifactSaved reports a file retrieved from a host and stored.
type ArtifactSaved struct {
	Time        time.Time `json:"time"`
	Step        string    `json:"step"`
	HostID      string    `json:"host_id"`
	Hostname    string    `json:"hostname"`
	RemotePath  string    `json:"remote_path"`
	ArchivePath string    `json:"archive_path"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
}

// Interrupted reports that the run was asked to stop: no new commands are
// sent, and those in flight are awaited.
type Interrupted struct {
	Time time.Time `json:"time"`
}

// RunFinished is the last event of a run.
type RunFinished struct {
	Time     time.Time     `json:"time"`
	Status   RunStatus     `json:"status"`
	ExitCode int           `json:"exit_code"`
	Counts   map[State]int `json:"counts"`
}

func (RunStarted) Type() string       { return "run_started" }
func (SessionOpened) Type() string    { return "session_opened" }
func (SessionRefreshed) Type() string { return "session_refreshed" }
func (StepStarted) Type() string      { return "step_started" }
func (RequestSent) Type() string      { return "request_sent" }
func (HostStepFinished) Type() string { return "host_step_finished" }
func (StepFinished) Type() string     { return "step_finished" }
func (ArtifactSaved) Type() string    { return "artifact_saved" }
func (Interrupted) Type() string      { return "interrupted" }
func (RunFinished) Type() string      { return "run_finished" }
