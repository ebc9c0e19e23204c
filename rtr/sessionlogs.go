package rtr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

const pathSessionEntities = "/real-time-response/entities/sessions/GET/v1"

// SessionLog is one command that a host's session received, as Falcon
// records it.
type SessionLog struct {
	// SessionID is the session the command ran in.
	SessionID string
	// BaseCommand and CommandString are the command as sent.
	BaseCommand   string
	CommandString string
	// CloudRequestID is the command's request id, which CommandStatus
	// takes (the task id of a batch command).
	CloudRequestID string
	// CreatedAt is when Falcon recorded the command.
	CreatedAt time.Time
	// ID is the log entry's number (id).
	ID int64
	// CurrentDirectory is the session's working directory as the entry
	// records it (current_directory).
	CurrentDirectory string
}

// SessionLogs returns the commands each session received, keyed by
// session id, from the session records (POST entities/sessions/GET/v1),
// in chunks of Limits.SessionDetails ids per request. Falcon returns only
// the caller's own sessions. A caller uses it to learn
// whether a command whose request failed midway reached a host, before
// deciding to send it again.
func (c *Client) SessionLogs(ctx context.Context, sessionIDs []string) (map[string][]SessionLog, error) {
	if len(sessionIDs) == 0 {
		return nil, errors.New("session logs: no session ids")
	}
	sessions, err := c.GetSessions(ctx, sessionIDs)
	if err != nil {
		return nil, fmt.Errorf("session logs: %w", err)
	}
	out := make(map[string][]SessionLog, len(sessions))
	for _, s := range sessions {
		out[s.ID] = s.Logs
	}
	return out, nil
}

const pathSessionFilesV2 = "/real-time-response/entities/file/v2"

// SessionFile is one file that a get uploaded from a host's session, as
// the session's file list (v2) shows it.
type SessionFile struct {
	// ID is the file's id in the session.
	ID string
	// CloudRequestID is the task id of the get that uploaded it.
	CloudRequestID string
	// SessionID is the session the get ran in.
	SessionID string
	// Name is the path on the host, often as an NT device path.
	Name string
	// SHA256 is Falcon's hash of the file, which DownloadFile takes.
	SHA256 string
	// Size is the file's size in bytes.
	Size int64
	// Complete is true once the upload has finished.
	Complete bool
}

// SessionFiles lists the files that gets uploaded in one session (GET
// entities/file/v2). A caller uses it to find a file whose batch get
// response was lost, by its cloud request id.
func (c *Client) SessionFiles(ctx context.Context, sessionID string) ([]SessionFile, error) {
	if sessionID == "" {
		return nil, errors.New("session files: empty session id")
	}
	q := url.Values{"session_id": {sessionID}}
	r := &request{method: http.MethodGet, path: pathSessionFilesV2, query: q, ok: []int{http.StatusOK}, repeatable: true}
	var resp struct {
		envelope
		Resources []struct {
			ID             string `json:"id"`
			CloudRequestID string `json:"cloud_request_id"`
			SessionID      string `json:"session_id"`
			Name           string `json:"name"`
			SHA256         string `json:"sha256"`
			Size           int64  `json:"size"`
			Complete       bool   `json:"complete"`
		} `json:"resources"`
	}
	if _, err := c.call(ctx, r, &resp); err != nil {
		return nil, fmt.Errorf("session files of %s: %w", sessionID, err)
	}
	files := make([]SessionFile, 0, len(resp.Resources))
	for _, f := range resp.Resources {
		files = append(files, SessionFile{ID: f.ID, CloudRequestID: f.CloudRequestID, SessionID: f.SessionID,
			Name: f.Name, SHA256: f.SHA256, Size: f.Size, Complete: f.Complete})
	}
	return files, nil
}
