package rtr

import "encoding/json"

// HostResult is one host's part of an RTR response. Batch calls (init,
// refresh, commands, get) return a map of them keyed by AID; single-host
// calls return one. Both shapes decode into it: the batch name task_id and
// the single-host name cloud_request_id both fill TaskID, and the batch
// offline_queued and single-host queued_command_offline both fill
// OfflineQueued.
//
// A successful HTTP status does not mean the host succeeded: check Err.
type HostResult struct {
	// AID is the host's agent id (aid), 32 hex digits. A batch result
	// without aid takes it from its map key. It is empty in a single-host
	// result whose body has no aid, such as a command status.
	AID string
	// SessionID is the host's RTR session id (session_id), empty when no
	// session was opened.
	SessionID string
	// TaskID identifies the command on this host: task_id in batch
	// responses, cloud_request_id in single-host ones. CommandStatus takes
	// it as the cloud request id.
	TaskID string
	// BaseCommand is the command's first word (base_command), such as "ls".
	BaseCommand string
	// Stdout and Stderr are the command's output on the host. A
	// CommandStatus result contains only the chunk for its SequenceID.
	Stdout string
	Stderr string
	// Complete is true once the command has finished on the host. It is
	// false while the command still runs, so the caller polls TaskID with
	// CommandStatus, and in responses without a complete field, such as
	// BatchRefresh's.
	Complete bool
	// OfflineQueued is set when the host was offline and Falcon queued the
	// session or command to run when it comes back. Such a host has not
	// failed, but its output never comes back through this API.
	OfflineQueued bool
	Errors        []ErrorEntry
	// QueryTime is the host's processing time in seconds, as Falcon reports it.
	QueryTime float64
}

// Connected reports whether the host has a live session: a non-empty
// session id and no errors.
func (r HostResult) Connected() bool {
	return r.SessionID != "" && len(r.Errors) == 0
}

// Err returns a *HostError for a host with errors, or nil.
func (r HostResult) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	return &HostError{AID: r.AID, Errors: r.Errors}
}

// wireHostResult has every field name that Falcon uses for a host result.
type wireHostResult struct {
	AID                  string       `json:"aid"`
	SessionID            string       `json:"session_id"`
	TaskID               string       `json:"task_id"`
	CloudRequestID       string       `json:"cloud_request_id"`
	BaseCommand          string       `json:"base_command"`
	Stdout               string       `json:"stdout"`
	Stderr               string       `json:"stderr"`
	Complete             bool         `json:"complete"`
	OfflineQueued        bool         `json:"offline_queued"`
	QueuedCommandOffline bool         `json:"queued_command_offline"`
	Errors               []ErrorEntry `json:"errors"`
	QueryTime            float64      `json:"query_time"`
}

// UnmarshalJSON decodes both the batch and the single-host field names.
func (r *HostResult) UnmarshalJSON(data []byte) error {
	var w wireHostResult
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	// Falcon sends one of the two names; should both come, task_id wins,
	// because failing the decode would lose every host of the response.
	taskID := w.TaskID
	if taskID == "" {
		taskID = w.CloudRequestID
	}
	*r = HostResult{
		AID:           w.AID,
		SessionID:     w.SessionID,
		TaskID:        taskID,
		BaseCommand:   w.BaseCommand,
		Stdout:        w.Stdout,
		Stderr:        w.Stderr,
		Complete:      w.Complete,
		OfflineQueued: w.OfflineQueued || w.QueuedCommandOffline,
		Errors:        w.Errors,
		QueryTime:     w.QueryTime,
	}
	return nil
}

// hostMap is a batch "resources" object keyed by AID.
type hostMap map[string]HostResult

// withKeys returns the map with each result's AID set from its key where
// the body left it empty, and a non-nil map even for a null body.
func (m hostMap) withKeys() map[string]HostResult {
	out := make(map[string]HostResult, len(m))
	for aid, r := range m {
		if r.AID == "" {
			r.AID = aid
		}
		out[aid] = r
	}
	return out
}
