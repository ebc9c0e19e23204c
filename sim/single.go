package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// Single-host RTR sessions differ from batch sessions in two ways that
// clients trip over. Each command starts at the drive root, because the
// single-host API resets the working directory before every command while
// a batch session keeps it. And the execute call returns at once with a
// cloud_request_id, so the output comes only from the status call of the
// same tier.

// Paths of the single-host calls. The execute calls share their paths with
// the status calls of commands.go.
const (
	pathRefreshSession = "/real-time-response/entities/refresh-session/v1"
)

// singleHostRoundTrip is how long a single-host command takes to come back
// from the host even when it runs at once. A status call made straight
// after the execute call then gets complete:false, as on the live API.
const singleHostRoundTrip = 40 * time.Millisecond

// initRequest is domain.InitRequest, the body of init and pulse.
type initRequest struct {
	DeviceID     string `json:"device_id"`
	QueueOffline bool   `json:"queue_offline"`
	Origin       string `json:"origin"`
}

// initResource is domain.InitResponse.
type initResource struct {
	SessionID           string       `json:"session_id"`
	CreatedAt           string       `json:"created_at"`
	ExistingAIDSessions int          `json:"existing_aid_sessions"`
	OfflineQueued       bool         `json:"offline_queued"`
	Pwd                 string       `json:"pwd"`
	DeviceID            string       `json:"device_id"`
	Platform            string       `json:"platform"`
	PreviousCommands    []string     `json:"previous_commands"`
	Scripts             []scriptHelp `json:"scripts"`
}

// apiUserID returns the user_id that sessions record as their owner. The
// emulator serves one API client, so every token belongs to it.
// NOTE: what the live API records as user_id for a session opened by an
// API client is unverified; the emulator uses the client id.
func (s *Server) apiUserID() string { return s.opts.ClientID }

// userUUID returns a stable user_uuid for a user_id.
func userUUID(userID string) string {
	sum := sha256.Sum256([]byte("rtrplay-sim-user:" + userID))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// hostProblem returns the per-host error that keeps a session or command
// from reaching host, or nil. queued allows an offline host, whose
// commands then wait in a queue.
func hostProblem(host *fleet.Host, queued bool) *apiError {
	info := host.Info()
	switch {
	case !info.Online && !queued:
		return &errSensorOffline
	case info.Online && !info.Reachable:
		return &errNoSensorComms
	}
	return nil
}

// writeHostError sends the response to a single-host call that failed with
// an RTR error code (40401, 40407, 50007, 40007, ...) in the errors array.
// NOTE: the live API's HTTP status for these is unverified. The emulator
// sends 400, which the reference lists for every single-host call, with
// the RTR code in errors[0].code, so that a client which reads only the
// HTTP status cannot tell an offline host from a malformed request.
func (s *Server) writeHostError(w http.ResponseWriter, r *http.Request, e apiError) {
	s.log.Debug("single-host call failed", "path", r.URL.Path, "code", e.Code, "message", e.Message)
	s.writeJSON(w, http.StatusBadRequest, errorsReply{Meta: meta(r, poweredByRTR), Errors: []apiError{e}})
}

// handleInitSession serves POST entities/sessions/v1. It returns the
// caller's open session on the host when there is one, as the reference
// describes, and opens a new one otherwise.
func (s *Server) handleInitSession(w http.ResponseWriter, r *http.Request) {
	if _, err := parseWaits(r.URL.Query()); err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	req, host, ok := s.readInitRequest(w, r)
	if !ok {
		return
	}
	if problem := hostProblem(host, req.QueueOffline); problem != nil {
		s.writeHostError(w, r, *problem)
		return
	}

	now := time.Now()
	online := host.Info().Online
	s.mu.Lock()
	sess := s.callerSession(req.DeviceID, now)
	if sess == nil {
		sess = &session{
			id: newUUID(), aid: req.DeviceID, host: host, shell: host.NewShell(),
			refreshedAt: now, createdAt: now, updatedAt: now,
			owner: s.apiUserID(), origin: req.Origin, single: true,
			offlineQueued: !online,
		}
		s.sessions[sess.id] = sess
	}
	// NOTE: whether an init that returns an existing session also extends
	// it is unverified. Here only the pulse call does, which is the reading
	// hardest on a client that re-inits instead of pulsing.
	res := s.initResource(sess, now)
	s.mu.Unlock()
	s.writeJSON(w, http.StatusCreated, listReply{
		Meta: meta(r, poweredByRTR), Resources: []initResource{res}, Errors: noErrors(),
	})
}

// handlePulseSession serves POST refresh-session. It extends the caller's
// open single-host session on the host, and fails when there is none.
// NOTE: whether pulse opens a session when there is none is unverified.
// Failing is the reading hardest on a client.
func (s *Server) handlePulseSession(w http.ResponseWriter, r *http.Request) {
	req, host, ok := s.readInitRequest(w, r)
	if !ok {
		return
	}
	now := time.Now()
	s.mu.Lock()
	sess := s.callerSession(req.DeviceID, now)
	var problem *apiError
	if sess == nil {
		problem = &apiError{Code: http.StatusBadRequest, Message: "could not find session"}
	} else {
		problem = hostProblem(host, sess.offlineQueued || req.QueueOffline)
	}
	var res initResource
	if problem == nil {
		sess.refreshedAt, sess.updatedAt = now, now
		res = s.initResource(sess, now)
	}
	s.mu.Unlock()
	if problem != nil {
		s.writeHostError(w, r, *problem)
		return
	}
	s.writeJSON(w, http.StatusCreated, listReply{
		Meta: meta(r, poweredByRTR), Resources: []initResource{res}, Errors: noErrors(),
	})
}

// readInitRequest decodes an init or pulse body and finds its host. When
// it cannot, it sends the error response itself and returns false.
func (s *Server) readInitRequest(w http.ResponseWriter, r *http.Request) (initRequest, *fleet.Host, bool) {
	var req initRequest
	if err := s.decodeBody(r, &req); err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return req, nil, false
	}
	if req.DeviceID == "" {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR,
			"device_id is required: send the host's 32-hex agent id")
		return req, nil, false
	}
	// The batch init reports a malformed AID as a per-host 500 with Go's
	// uuid parser message, so the single-host call sends the same as a 500.
	// NOTE: the live single-host answer to a malformed device_id is
	// unverified.
	if e, ok := checkAIDFormat(req.DeviceID); !ok {
		s.writeJSON(w, http.StatusInternalServerError, errorsReply{Meta: meta(r, poweredByRTR), Errors: []apiError{e}})
		return req, nil, false
	}
	host := s.visibleHost(r.Context(), req.DeviceID)
	if host == nil {
		// As in the batch init, no sensor answers for an AID that is not
		// in the caller's CID.
		s.writeHostError(w, r, errNoSensorComms)
		return req, nil, false
	}
	return req, host, true
}

// callerSession returns the caller's open single-host session on the host
// with the AID, or nil. The caller holds s.mu.
func (s *Server) callerSession(aid string, now time.Time) *session {
	var found *session
	for _, sess := range s.sessions {
		if sess.single && sess.aid == aid && sess.owner == s.apiUserID() && s.open(sess, now) &&
			(found == nil || sess.createdAt.After(found.createdAt)) {
			found = sess
		}
	}
	return found
}

// open reports whether sess is neither deleted nor expired at now.
func (s *Server) open(sess *session, now time.Time) bool {
	return !sess.deleted && !s.expired(sess, now)
}

// initResource builds the init and pulse answer for sess. The caller
// holds s.mu.
func (s *Server) initResource(sess *session, now time.Time) initResource {
	// NOTE: existing_aid_sessions counts the caller's open sessions on the
	// host, batch sessions and the returned one included; the live API's
	// exact rule is unverified.
	count := 0
	for _, other := range s.sessions {
		if other.aid == sess.aid && other.owner == sess.owner && s.open(other, now) {
			count++
		}
	}
	previous := []string{}
	for _, l := range sess.logs {
		previous = append(previous, l.rec.CommandString)
	}
	return initResource{
		SessionID:           sess.id,
		CreatedAt:           formatTime(sess.createdAt),
		ExistingAIDSessions: count,
		OfflineQueued:       sess.offlineQueued && !sess.host.Info().Online,
		Pwd:                 sess.shell.Cwd(),
		DeviceID:            sess.aid,
		Platform:            string(sess.host.Platform()),
		PreviousCommands:    previous,
		Scripts:             scriptsFor(sess.host.Platform()),
	}
}

// formatTime renders t as the API's timestamps: RFC 3339 in UTC with
// nanoseconds.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// executeRequest is domain.CommandExecuteRequest. The reference marks
// device_id, id and persist required, but its own description uses only
// the first three fields. persist queues the command for an offline host.
type executeRequest struct {
	BaseCommand   string `json:"base_command"`
	CommandString string `json:"command_string"`
	SessionID     string `json:"session_id"`
	DeviceID      string `json:"device_id"`
	ID            int    `json:"id"`
	Persist       bool   `json:"persist"`
}

// executeResource is domain.CommandExecuteResponse.
type executeResource struct {
	SessionID            string `json:"session_id"`
	CloudRequestID       string `json:"cloud_request_id"`
	QueuedCommandOffline bool   `json:"queued_command_offline"`
}

// handleExecute serves the single-host execute call of one tier. It runs
// the command in a fresh shell at the drive root, stores the output for the
// status call, and answers 201 with the cloud_request_id.
func (s *Server) handleExecute(route commandRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req executeRequest
		if err := s.decodeBody(r, &req); err != nil {
			s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
		if strings.TrimSpace(req.CommandString) == "" {
			s.writeError(w, r, http.StatusBadRequest, poweredByRTR,
				"command_string is required: send the whole command line, such as ls C:\\Windows")
			return
		}
		now := time.Now()
		sess, queued, problem := s.executeTarget(r, req)
		if problem != nil {
			s.writeHostError(w, r, *problem)
			return
		}
		taskID := newUUID()
		if queued {
			s.enqueue(sess, route, route.statusPath, req.BaseCommand, req.CommandString, taskID, now)
		} else if e := s.runSingle(route, sess, req, taskID, now); e != nil {
			s.writeHostError(w, r, *e)
			return
		}
		s.writeJSON(w, http.StatusCreated, listReply{
			Meta: meta(r, poweredByRTR),
			Resources: []executeResource{{
				SessionID: sess.id, CloudRequestID: taskID, QueuedCommandOffline: queued,
			}},
			Errors: noErrors(),
		})
	}
}

// executeTarget finds the session of an execute call and checks its host.
// A session that is unknown, closed, another user's, or in another CID is
// "could not get session", as a batch host without a session is.
func (s *Server) executeTarget(r *http.Request, req executeRequest) (*session, bool, *apiError) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[req.SessionID]
	if sess == nil || !s.open(sess, now) || sess.owner != s.apiUserID() ||
		s.visibleHost(r.Context(), sess.aid) == nil {
		return nil, false, &errNoSession
	}
	// A session opened with queue_offline queues every command while the
	// host is offline, as the init call's description says; any other
	// session queues only with persist.
	queued, problem := s.checkSession(sess, req.Persist || sess.offlineQueued, now)
	return sess, queued, problem
}

// runSingle runs one single-host command and stores its task. It returns
// the RTR error when the command was rejected (unknown command, wrong
// tier, bad flags or arguments).
func (s *Server) runSingle(route commandRoute, sess *session, req executeRequest, taskID string, now time.Time) *apiError {
	// A nil shell runs the command in a fresh session at the drive root:
	// this is the single-host working-directory reset.
	out := sess.host.Exec(nil, route.tier, req.CommandString)
	base := out.BaseCommand
	if base == "" {
		base = req.BaseCommand
	}
	if req.BaseCommand != base {
		s.log.Debug("base_command differs from the command string's first word",
			"base_command", req.BaseCommand, "command", base, "aid", sess.aid)
	}
	s.recordCommand(CommandRecord{
		Time: now, AID: sess.aid, Hostname: sess.host.Info().Hostname,
		Endpoint: route.statusPath, BaseCommand: base, CommandString: req.CommandString,
		SessionID: sess.id, CloudRequestID: taskID,
	})
	if out.ErrCode != 0 {
		return &apiError{Code: out.ErrCode, Message: out.ErrMessage}
	}
	if base == "get" && out.Stderr == "" {
		s.uploadSingleGet(sess, req.CommandString, taskID, now)
	}
	s.mu.Lock()
	s.tasks.add(&task{
		id: taskID, sessionID: sess.id, tier: route.tier, baseCommand: reportedBase(out, base),
		stdout: out.Stdout, stderr: out.Stderr,
		doneAt:    now.Add(max(out.Duration, singleHostRoundTrip)),
		chunkSize: out.ChunkSize,
	}, time.Now())
	s.mu.Unlock()
	return nil
}

// uploadSingleGet registers the file that a single-host get pulled off the
// host, so that the session's file list and extracted-file-contents serve
// it. Its cloud_request_id is the command's.
func (s *Server) uploadSingleGet(sess *session, commandString, taskID string, now time.Time) {
	_, pathArg, _ := strings.Cut(strings.TrimSpace(commandString), " ")
	// A fresh shell, as for the command itself: relative paths resolve
	// against the drive root.
	got := sess.host.Get(sess.host.NewShell(), strings.TrimSpace(pathArg))
	if got.ErrCode != 0 || got.SHA256 == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFileID++
	s.uploads[uploadKey{sess.id, got.SHA256}] = &upload{
		id: s.nextFileID, cloudRequestID: taskID, sessionID: sess.id,
		name: got.DevicePath, sha256: got.SHA256, content: got.Reader, size: got.Size,
		readyAt: uploadReadyAt(now, s.opts.UploadDelay, got), startedAt: now,
	}
}
