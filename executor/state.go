package executor

import "encoding/json"

// State is the final (or current) state of one step on one host.
type State string

// The states of a step on a host. Every (step, host) pair of a run ends in
// one of the final states.
const (
	StatePending   State = "pending"
	StateSucceeded State = "succeeded"
	StateFailed    State = "failed"
	StateSkipped   State = "skipped"
	// StateQueued: Falcon queued the work for an offline host; it runs when
	// the host returns, and its output is not collected by this run.
	StateQueued State = "queued"
	// StateUnknown: the command may or may not have run, for example when a
	// destructive command's request timed out after it was sent. It is never
	// re-sent blindly.
	StateUnknown State = "unknown"
)

// Final reports whether s is a final state.
func (s State) Final() bool { return s != StatePending && s != "" }

// blocksDependents reports whether a dependency in state s stops a host
// from going on to later steps. A skipped dependency does not: the later
// step's own condition decides.
func (s State) blocksDependents() bool {
	return s == StateFailed || s == StateQueued || s == StateUnknown
}

// ErrorEntry is one error that Falcon reported for a host.
type ErrorEntry struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// HostStepResult is the result of one step on one host.
type HostStepResult struct {
	State  State        `json:"state"`
	Reason string       `json:"reason,omitempty"`
	Errors []ErrorEntry `json:"errors,omitempty"`
	// Command is the command string sent, or the path retrieved.
	Command   string `json:"command,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	TaskID    string `json:"task_id,omitempty"`
	// StdoutFile and StderrFile are relative to the run directory.
	StdoutFile string `json:"stdout_file,omitempty"`
	StderrFile string `json:"stderr_file,omitempty"`
	StartedAt  string `json:"started_at,omitempty"`
	FinishedAt string `json:"finished_at,omitempty"`

	// ran is set when the host ran the command, so that its output is
	// stored even when empty.
	ran            bool
	stdout, stderr string
	sha256         string
	size           int64
}

// MarshalJSON keeps the output text out of run.json: it lives in files.
func (r HostStepResult) MarshalJSON() ([]byte, error) {
	type plain HostStepResult
	return json.Marshal(plain(r))
}
