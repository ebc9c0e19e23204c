package rtr

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

const pathSessionIDs = "/real-time-response/queries/sessions/v1"

// Session is an RTR session's record (domain.Session), from GetSessions
// or the RTR audit.
type Session struct {
	// ID is the session id.
	ID string
	// CID is the customer id of the host's tenant.
	CID string
	// AID is the host's agent id (device_id).
	AID string
	// Hostname is the host's name.
	Hostname string
	// UserID and UserUUID identify the user or API client that opened the
	// session.
	UserID   string
	UserUUID string
	// Origin is the label the session was opened with.
	Origin string
	// PlatformName is the host's platform, such as Windows.
	PlatformName string
	// Pwd is the session's working directory.
	Pwd string
	// Duration is how long the session has been open, or was open.
	Duration time.Duration
	// OfflineQueued is set for a session opened for an offline host.
	OfflineQueued bool
	// CommandsQueued is set while commands wait for the host.
	CommandsQueued bool
	// CloudRequestIDs are the task ids of the session's commands. The
	// audit fills them only with WithCommandInfo.
	CloudRequestIDs []string
	// Logs are the commands the session received. The audit fills them
	// only with WithCommandInfo.
	Logs []SessionLog
	// CreatedAt and UpdatedAt are when the session was opened and last
	// changed. DeletedAt is when it was closed or expired, zero while it
	// is open.
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt time.Time
	// ExecutionID is the workflow execution that opened the session,
	// empty for other sessions.
	ExecutionID string
}

// Open reports whether the session was neither closed nor expired when
// Falcon returned it.
func (s Session) Open() bool { return s.DeletedAt.IsZero() }

type wireSession struct {
	ID              string             `json:"id"`
	CID             string             `json:"cid"`
	DeviceID        string             `json:"device_id"`
	Hostname        string             `json:"hostname"`
	UserID          string             `json:"user_id"`
	UserUUID        string             `json:"user_uuid"`
	Origin          string             `json:"origin"`
	PlatformName    string             `json:"platform_name"`
	Pwd             string             `json:"pwd"`
	Duration        float64            `json:"duration"`
	OfflineQueued   bool               `json:"offline_queued"`
	CommandsQueued  bool               `json:"commands_queued"`
	CloudRequestIDs []string           `json:"cloud_request_ids"`
	Logs            []wireSessionEntry `json:"logs"`
	CreatedAt       apiTime            `json:"created_at"`
	UpdatedAt       apiTime            `json:"updated_at"`
	DeletedAt       apiTime            `json:"deleted_at"`
	ExecutionID     string             `json:"execution_id"`
}

// wireSessionEntry is model.SessionLog, one entry of a session record.
type wireSessionEntry struct {
	ID               int64   `json:"id"`
	SessionID        string  `json:"session_id"`
	BaseCommand      string  `json:"base_command"`
	CommandString    string  `json:"command_string"`
	CloudRequestID   string  `json:"cloud_request_id"`
	CurrentDirectory string  `json:"current_directory"`
	CreatedAt        apiTime `json:"created_at"`
}

func (w wireSession) session() Session {
	s := Session{
		ID: w.ID, CID: w.CID, AID: w.DeviceID, Hostname: w.Hostname,
		UserID: w.UserID, UserUUID: w.UserUUID, Origin: w.Origin,
		PlatformName: w.PlatformName, Pwd: w.Pwd,
		Duration:      time.Duration(w.Duration * float64(time.Second)),
		OfflineQueued: w.OfflineQueued, CommandsQueued: w.CommandsQueued,
		CloudRequestIDs: w.CloudRequestIDs,
		CreatedAt:       time.Time(w.CreatedAt), UpdatedAt: time.Time(w.UpdatedAt),
		DeletedAt: time.Time(w.DeletedAt), ExecutionID: w.ExecutionID,
	}
	for _, l := range w.Logs {
		sessionID := l.SessionID
		if sessionID == "" {
			sessionID = w.ID
		}
		s.Logs = append(s.Logs, SessionLog{
			SessionID: sessionID, BaseCommand: l.BaseCommand, CommandString: l.CommandString,
			CloudRequestID: l.CloudRequestID, CreatedAt: time.Time(l.CreatedAt),
			ID: l.ID, CurrentDirectory: l.CurrentDirectory,
		})
	}
	return s
}

// QuerySessionIDs returns one page of the ids of the RTR sessions in the
// tenant, every user's, that match q.Filter. The filter
// "user_id:'@me'" keeps the caller's own sessions, and
// "deleted_at:null" the open ones. q.Limit may be at most
// Limits.SessionQueryPage. AllPages reads every page:
//
//	ids, err := rtr.AllPages(ctx, rtr.ListQuery{Filter: f}, c.QuerySessionIDs)
func (c *Client) QuerySessionIDs(ctx context.Context, q ListQuery) ([]string, Page, error) {
	query, err := q.values(c.limits.SessionQueryPage, nil)
	if err != nil {
		return nil, Page{}, fmt.Errorf("query sessions: %w", err)
	}
	r := &request{
		method: http.MethodGet, path: pathSessionIDs, query: query,
		ok: []int{http.StatusOK}, repeatable: true,
	}
	var out struct {
		envelope
		Resources []string `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, Page{}, fmt.Errorf("query sessions with filter %q: %w", q.Filter, err)
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	return out.Resources, out.Meta.Pagination.page(), nil
}

// GetSessions returns the records of the sessions ids, with their command
// logs, in chunks of Limits.SessionDetails ids per request. Falcon
// returns only the caller's own sessions: other users' sessions and
// unknown ids are absent from the result. The RTR audit returns every
// user's.
func (c *Client) GetSessions(ctx context.Context, ids []string) ([]Session, error) {
	if err := sessionIDForm.checkAll("session ids", ids); err != nil {
		return nil, fmt.Errorf("get sessions: %w", err)
	}
	wires, err := fetchEntities[wireSession](ctx, c, ids, c.limits.SessionDetails, idsInBody(pathSessionEntities))
	if err != nil {
		return nil, fmt.Errorf("get sessions: %w", err)
	}
	sessions := make([]Session, 0, len(wires))
	for _, w := range wires {
		sessions = append(sessions, w.session())
	}
	return sessions, nil
}

// notFoundOnly returns an *APIError for a response whose errors are not
// all 404 "not found" entries for single ids, which the entity calls send
// next to the records they found.
func notFoundOnly(r *request, resp *http.Response, env envelope) error {
	for _, e := range env.Errors {
		if e.Code != http.StatusNotFound {
			return envelopeError(r, resp, env)
		}
	}
	if resp.StatusCode == http.StatusNotFound && len(env.Errors) == 0 {
		return envelopeError(r, resp, env)
	}
	return nil
}
