package rtr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const pathRefreshSession = "/real-time-response/entities/refresh-session/v1"

// rtrCodeMin is the smallest RTR error code. Per-host codes such as 40401
// and 50007 have five digits, while request errors carry the HTTP status
// (400, 404) as their code.
const rtrCodeMin = 10000

// InitSessionRequest opens (or reuses) an RTR session on one host.
//
// Prefer batch sessions, even for one host: a single-host session resets
// the working directory to the drive root before each command, so a cd
// does not carry over to the next command.
type InitSessionRequest struct {
	// HostID is the host's AID (device_id).
	HostID string
	// QueueOffline makes Falcon accept the session for an offline host
	// and queue its commands until the host comes back. It is always sent,
	// false included.
	QueueOffline bool
	// Origin is a free-text label that Falcon stores with the session
	// (origin). It is always sent, empty included.
	Origin string
	// Timeout is how long Falcon waits for the host to connect (1 s to
	// 5 min, whole seconds; zero means Falcon's default of 30 s).
	Timeout time.Duration
}

// SessionInit is the response to a single-host session init or pulse.
// Its HostResult carries the host's AID, the session id and OfflineQueued,
// or, when the host could not be reached, the per-host errors.
type SessionInit struct {
	HostResult
	// CreatedAt is when the session was opened (created_at).
	CreatedAt time.Time
	// ExistingAIDSessions is the number of sessions open on the host
	// (existing_aid_sessions).
	ExistingAIDSessions int
	// Pwd is the session's working directory (pwd).
	Pwd string
	// Platform is the host's platform as RTR names it: windows, linux or
	// mac.
	Platform Platform
	// PreviousCommands are the command strings the session already ran
	// (previous_commands).
	PreviousCommands []string
	// Commands describes the commands that RTR offers on the host, from
	// the response's scripts list.
	Commands []CommandHelp
}

// CommandHelp describes one RTR command as a session init lists it
// (domain.ScriptHelp).
type CommandHelp struct {
	// Command is the base command, such as "ls".
	Command string
	// Description and Examples are RTR's help text for the command.
	Description string
	Examples    string
	// Runnable is false for entries that only group sub-commands.
	Runnable bool
	// InternalOnly marks commands that API clients cannot send.
	InternalOnly bool
	// SubCommands are the command's sub-commands, such as "query" of reg.
	SubCommands []CommandHelp
}

type wireCommandHelp struct {
	Command      string            `json:"command"`
	Description  string            `json:"description"`
	Examples     string            `json:"examples"`
	Runnable     bool              `json:"runnable"`
	InternalOnly bool              `json:"internal_only"`
	SubCommands  []wireCommandHelp `json:"sub_commands"`
}

func (w wireCommandHelp) help() CommandHelp {
	h := CommandHelp{Command: w.Command, Description: w.Description, Examples: w.Examples,
		Runnable: w.Runnable, InternalOnly: w.InternalOnly}
	for _, sub := range w.SubCommands {
		h.SubCommands = append(h.SubCommands, sub.help())
	}
	return h
}

// UnmarshalJSON decodes domain.InitResponse: device_id fills AID.
func (s *SessionInit) UnmarshalJSON(data []byte) error {
	var w struct {
		DeviceID            string            `json:"device_id"`
		CreatedAt           apiTime           `json:"created_at"`
		ExistingAIDSessions int               `json:"existing_aid_sessions"`
		Pwd                 string            `json:"pwd"`
		Platform            Platform          `json:"platform"`
		PreviousCommands    []string          `json:"previous_commands"`
		Scripts             []wireCommandHelp `json:"scripts"`
	}
	if err := s.HostResult.UnmarshalJSON(data); err != nil {
		return err
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	if s.AID == "" {
		s.AID = w.DeviceID
	}
	s.CreatedAt = time.Time(w.CreatedAt)
	s.ExistingAIDSessions = w.ExistingAIDSessions
	s.Pwd, s.Platform, s.PreviousCommands = w.Pwd, w.Platform, w.PreviousCommands
	s.Commands = nil
	for _, c := range w.Scripts {
		s.Commands = append(s.Commands, c.help())
	}
	return nil
}

// InitSession opens an RTR session on one host, or returns the caller's
// session that is already open there. A host that cannot take a session
// (offline without QueueOffline, no sensor comms) is not an error: the
// result's Err is a *HostError with the RTR code, such as 40407 or 40401,
// as in a batch init. The request is repeated after a connection failure,
// because a second init returns the same session or opens another.
func (c *Client) InitSession(ctx context.Context, req InitSessionRequest) (SessionInit, error) {
	if err := hostIDForm.check("host id", req.HostID); err != nil {
		return SessionInit{}, fmt.Errorf("init session: %w", err)
	}
	query, err := timeoutQuery(req.Timeout, 0)
	if err != nil {
		return SessionInit{}, fmt.Errorf("init session on %s: %w", req.HostID, err)
	}
	body := struct {
		DeviceID     string `json:"device_id"`
		QueueOffline bool   `json:"queue_offline"`
		Origin       string `json:"origin"`
	}{req.HostID, req.QueueOffline, req.Origin}
	r := &request{
		method: http.MethodPost, path: pathSessions, query: query, body: body,
		ok: []int{http.StatusCreated, http.StatusBadRequest}, repeatable: true, serverTimeout: req.Timeout,
	}
	return c.sessionInitCall(ctx, r, req.HostID)
}

// PulseSession keeps the caller's single-host session on the host alive
// (Falcon closes idle sessions after 5 to 10 minutes). A host that cannot
// be reached comes back with per-host errors, as in InitSession. When the
// caller has no open session on the host, the emulator returns an
// *APIError with status 400 "could not find session"; open one with
// InitSession. queueOffline is always sent, false included.
func (c *Client) PulseSession(ctx context.Context, hostID string, queueOffline bool) (SessionInit, error) {
	if err := hostIDForm.check("host id", hostID); err != nil {
		return SessionInit{}, fmt.Errorf("pulse session: %w", err)
	}
	body := struct {
		DeviceID     string `json:"device_id"`
		QueueOffline bool   `json:"queue_offline"`
	}{hostID, queueOffline}
	r := &request{
		method: http.MethodPost, path: pathRefreshSession, body: body,
		ok: []int{http.StatusCreated, http.StatusBadRequest}, repeatable: true,
	}
	return c.sessionInitCall(ctx, r, hostID)
}

func (c *Client) sessionInitCall(ctx context.Context, r *request, hostID string) (SessionInit, error) {
	var out struct {
		envelope
		Resources []SessionInit `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return SessionInit{}, err
	}
	if resp.StatusCode != http.StatusCreated || len(out.Resources) == 0 {
		host, err := singleHostFailure(r, resp, out.envelope, hostID)
		return SessionInit{HostResult: host}, err
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	s := out.Resources[0]
	if s.AID == "" {
		s.AID = hostID
	}
	return s, nil
}

// singleHostFailure reads the error response of a single-host call. When
// every error carries an RTR code, the host failed and the request did
// not: the result holds the errors and the error is nil. Anything else is
// an *APIError.
// NOTE: the reference does not give the HTTP status of per-host failures
// of single-host calls. The emulator sends 400 with the RTR code in
// errors, so any status whose errors all have RTR codes is read as one.
func singleHostFailure(r *request, resp *http.Response, env envelope, hostID string) (HostResult, error) {
	if len(env.Errors) == 0 {
		return HostResult{}, fmt.Errorf("%s %s: HTTP %d without a result or an error (trace id %s)",
			r.method, r.path, resp.StatusCode, resp.Header.Get(headerTraceID))
	}
	for _, e := range env.Errors {
		if e.Code < rtrCodeMin {
			return HostResult{}, envelopeError(r, resp, env)
		}
	}
	return HostResult{AID: hostID, Errors: env.Errors}, nil
}

// ExecuteRequest runs one command in a single-host session.
type ExecuteRequest struct {
	// SessionID is the session from InitSession.
	SessionID string
	// HostID is the session's host (device_id). It may be empty; when set
	// it is sent and copied to the result's AID.
	HostID string
	// BaseCommand is the first word of CommandString.
	BaseCommand   string
	CommandString string
	// Persist queues the command when the host is offline (persist). It
	// is always sent, false included.
	Persist bool
	// Repeatable marks a command that is safe to run twice, as in
	// BatchCommandRequest.
	Repeatable bool
}

// Execute sends a command to one host through tier's single-host endpoint.
// Falcon responds at once: the result has the TaskID (cloud_request_id) to
// poll with CommandStatus of the same tier, which returns the output, and
// OfflineQueued (queued_command_offline) for a command queued for an
// offline host. A command that the host rejects (40007 for the wrong tier,
// 50007 for a closed session) comes back as per-host errors in the result
// with a nil error. After a failure that may have left the command
// running, it is not sent again and the error wraps ErrOutcomeUnknown.
func (c *Client) Execute(ctx context.Context, tier Tier, req ExecuteRequest) (HostResult, error) {
	path, err := tier.statusPath()
	if err != nil {
		return HostResult{}, fmt.Errorf("execute: %w", err)
	}
	if err := req.check(); err != nil {
		return HostResult{}, fmt.Errorf("execute %q: %w", req.BaseCommand, err)
	}

	body := struct {
		BaseCommand   string `json:"base_command"`
		CommandString string `json:"command_string"`
		SessionID     string `json:"session_id"`
		DeviceID      string `json:"device_id,omitempty"`
		Persist       bool   `json:"persist"`
	}{req.BaseCommand, req.CommandString, req.SessionID, req.HostID, req.Persist}
	r := &request{
		method: http.MethodPost, path: path, body: body,
		ok: []int{http.StatusCreated, http.StatusBadRequest}, repeatable: req.Repeatable,
	}
	var out struct {
		envelope
		Resources []HostResult `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return HostResult{}, err
	}

	if resp.StatusCode != http.StatusCreated || len(out.Resources) == 0 {
		host, err := singleHostFailure(r, resp, out.envelope, req.HostID)
		if err == nil {
			host.SessionID, host.BaseCommand = req.SessionID, req.BaseCommand
		}
		return host, err
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	host := out.Resources[0]
	if host.AID == "" {
		host.AID = req.HostID
	}
	if host.BaseCommand == "" {
		host.BaseCommand = req.BaseCommand
	}
	return host, nil
}

func (req ExecuteRequest) check() error {
	if err := sessionIDForm.check("session id", req.SessionID); err != nil {
		return err
	}
	if req.HostID != "" {
		if err := hostIDForm.check("host id", req.HostID); err != nil {
			return err
		}
	}
	fields := strings.Fields(req.CommandString)
	if len(fields) == 0 {
		return errors.New("empty command string")
	}
	if req.BaseCommand != fields[0] {
		return fmt.Errorf("base command %q is not the first word of the command string %q",
			req.BaseCommand, req.CommandString)
	}
	return nil
}
