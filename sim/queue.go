package sim

import (
	"net/http"
	"strings"
	"time"
)

// Commands sent to an offline host with persist (or in a session opened
// with queue_offline) wait in the session's queue. They run in the order
// they were sent, at the first API request after the host is back online
// and reachable. Every request checks the queue first, so any response
// already reflects the commands that ran. A command still waiting after
// Options.QueueTTL (7 days by default) expires. Until a queued command
// runs, its status call answers complete:false.

// Paths of the queued-session calls.
const (
	pathQueuedSessions = "/real-time-response/entities/queued-sessions/GET/v1"
	pathQueuedCommand  = "/real-time-response/entities/queued-sessions/command/v1"
)

// queueStatus is the status of a queued command, and of a queued session
// as a whole.
// NOTE: only PENDING is documented; the other values are the emulator's.
type queueStatus string

const (
	queuePending   queueStatus = "PENDING"
	queueCompleted queueStatus = "COMPLETED"
	queueCanceled  queueStatus = "CANCELED"
	queueExpired   queueStatus = "EXPIRED"
)

// queuedCommand is one command waiting for an offline host.
type queuedCommand struct {
	cloudRequestID string
	baseCommand    string
	commandString  string
	route          commandRoute
	endpoint       string // the path the command arrived at
	status         queueStatus
	statusText     string
	createdAt      time.Time
	updatedAt      time.Time
	deletedAt      time.Time // set when canceled
}

// notYet is the doneAt of the task of a command that has not run, so its
// status calls return complete:false until the command runs.
var notYet = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// enqueue queues a command for sess's offline host and stores a task whose
// status is complete:false until the command runs.
func (s *Server) enqueue(sess *session, route commandRoute, endpoint, base, commandString, taskID string, now time.Time) {
	if first, _, _ := strings.Cut(strings.TrimSpace(commandString), " "); first != "" {
		base = first
	}
	qc := &queuedCommand{
		cloudRequestID: taskID, baseCommand: base, commandString: commandString,
		route: route, endpoint: endpoint, status: queuePending,
		createdAt: now, updatedAt: now,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess.queue = append(sess.queue, qc)
	sess.requestIDs = append(sess.requestIDs, taskID)
	sess.updatedAt = now
	if s.queued == nil {
		s.queued = map[string]*session{}
	}
	s.queued[sess.id] = sess
	s.queuedCount.Add(1)
	s.tasks.add(&task{id: taskID, sessionID: sess.id, tier: route.tier, baseCommand: base, doneAt: notYet}, now)
}

// settleQueues runs the queued commands whose host is back and expires the
// ones that waited too long. It costs one atomic load when nothing is
// queued.
func (s *Server) settleQueues(now time.Time) {
	if s.queuedCount.Load() == 0 {
		return
	}
	for _, d := range s.takeDueCommands(now) {
		s.runQueued(d.sess, d.cmd, now)
	}
}

type dueCommand struct {
	sess *session
	cmd  *queuedCommand
}

// takeDueCommands expires old commands and takes the ones whose host can
// run them now, in queue order, so that no other request runs them too.
func (s *Server) takeDueCommands(now time.Time) []dueCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []dueCommand
	for id, sess := range s.queued {
		info := sess.host.Info()
		ready := info.Online && info.Reachable
		waiting := 0
		for _, qc := range sess.queue {
			if qc.status != queuePending {
				continue
			}
			switch {
			case now.Sub(qc.createdAt) >= s.opts.QueueTTL:
				qc.status, qc.statusText = queueExpired, "the host did not come online before the command expired"
				qc.updatedAt = qc.createdAt.Add(s.opts.QueueTTL)
				s.tasks.remove(qc.cloudRequestID)
				s.queuedCount.Add(-1)
			case ready:
				// Marked done now so that no other request takes it. The
				// task gets its output when runQueued finishes.
				qc.status, qc.updatedAt = queueCompleted, now
				s.queuedCount.Add(-1)
				due = append(due, dueCommand{sess: sess, cmd: qc})
			default:
				waiting++
			}
		}
		if waiting == 0 {
			delete(s.queued, id)
		}
	}
	return due
}

// runQueued runs a queued command that its host can now take. A command in
// a single-host session starts at the drive root like any other, and one
// in a batch session runs in the session's shell.
func (s *Server) runQueued(sess *session, qc *queuedCommand, now time.Time) {
	shell := sess.shell
	if sess.single {
		shell = nil
	}

	out := sess.host.Exec(shell, qc.route.tier, qc.commandString)
	base := out.BaseCommand
	if base == "" {
		base = qc.baseCommand
	}
	s.recordCommand(CommandRecord{
		Time: now, AID: sess.aid, Hostname: sess.host.Info().Hostname,
		Endpoint: qc.endpoint, BaseCommand: base, CommandString: qc.commandString,
		SessionID: sess.id, CloudRequestID: qc.cloudRequestID,
	})
	t := &task{
		id: qc.cloudRequestID, sessionID: sess.id, tier: qc.route.tier, baseCommand: reportedBase(out, base),
		stdout: out.Stdout, stderr: out.Stderr, doneAt: now.Add(out.Duration),
	}
	if out.ErrCode != 0 {
		// NOTE: how the live API reports a queued command that the host
		// rejects is unverified. The emulator completes it with the RTR
		// error message in stderr and status_text.
		t.stderr = out.ErrMessage
	} else if base == "get" && sess.single {
		s.uploadSingleGet(sess, qc.commandString, qc.cloudRequestID, now)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if out.ErrCode != 0 {
		qc.statusText = out.ErrMessage
	}
	s.tasks.replace(t)
}

// queuedCommandJSON is domain.QueuedSessionCommand.
type queuedCommandJSON struct {
	CloudRequestID string  `json:"cloud_request_id"`
	BaseCommand    string  `json:"base_command"`
	CommandString  string  `json:"command_string"`
	Status         string  `json:"status"`
	StatusText     string  `json:"status_text"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
	DeletedAt      *string `json:"deleted_at"`
}

// queuedJobJSON is domain.QueuedSessionJob. Unlike its other keys, the
// key of its command list is capitalised: Commands.
type queuedJobJSON struct {
	ID        string              `json:"id"`
	AID       string              `json:"aid"`
	UserID    string              `json:"user_id"`
	UserUUID  string              `json:"user_uuid"`
	Status    string              `json:"status"`
	CreatedAt string              `json:"created_at"`
	UpdatedAt string              `json:"updated_at"`
	DeletedAt *string             `json:"deleted_at"`
	Commands  []queuedCommandJSON `json:"Commands"`
}

// queuedJob renders sess's queue. The caller holds s.mu.
func queuedJob(sess *session) queuedJobJSON {
	job := queuedJobJSON{
		ID: sess.id, AID: sess.aid, UserID: sess.owner, UserUUID: userUUID(sess.owner),
		Status:    string(queueCompleted),
		CreatedAt: formatTime(sess.queue[0].createdAt),
		Commands:  make([]queuedCommandJSON, 0, len(sess.queue)),
	}
	updated := sess.queue[0].updatedAt
	for _, qc := range sess.queue {
		if qc.status == queuePending {
			job.Status = string(queuePending)
		}
		if qc.updatedAt.After(updated) {
			updated = qc.updatedAt
		}
		c := queuedCommandJSON{
			CloudRequestID: qc.cloudRequestID, BaseCommand: qc.baseCommand,
			CommandString: qc.commandString, Status: string(qc.status), StatusText: qc.statusText,
			CreatedAt: formatTime(qc.createdAt), UpdatedAt: formatTime(qc.updatedAt),
		}
		if !qc.deletedAt.IsZero() {
			d := formatTime(qc.deletedAt)
			c.DeletedAt = &d
		}
		job.Commands = append(job.Commands, c)
	}
	job.UpdatedAt = formatTime(updated)
	return job
}

// handleQueuedSessions serves POST queued-sessions/GET: the queues of the
// caller's sessions among ids, with every command ever queued in them and
// its status. An id that names no session of the caller with a queue gets
// a 404 entry in errors, and the call returns 404 when it found nothing.
// NOTE: the live handling of such ids is unverified.
func (s *Server) handleQueuedSessions(w http.ResponseWriter, r *http.Request) {
	ids, ok := s.readIDs(w, r)
	if !ok {
		return
	}
	jobs := []queuedJobJSON{}
	errs := noErrors()
	s.mu.Lock()
	for _, id := range ids {
		sess := s.sessions[id]
		if sess == nil || len(sess.queue) == 0 || sess.owner != s.apiUserID() ||
			s.visibleHost(r.Context(), sess.aid) == nil {
			errs = append(errs, apiError{Code: http.StatusNotFound, Message: "could not find queued session", ID: id})
			continue
		}
		jobs = append(jobs, queuedJob(sess))
	}
	s.mu.Unlock()
	status := http.StatusOK
	if len(jobs) == 0 {
		status = http.StatusNotFound
	}
	s.writeJSON(w, status, listReply{Meta: meta(r, poweredByRTR), Resources: jobs, Errors: errs})
}

// handleCancelQueued serves DELETE queued-sessions/command: it cancels a
// command that still waits for its host. The command stays in the
// session's queue with status CANCELED and a deleted_at, and its status
// call returns 404 from then on.
func (s *Server) handleCancelQueued(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sessionID, requestID := q.Get("session_id"), q.Get("cloud_request_id")
	if sessionID == "" || requestID == "" {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "session_id and cloud_request_id are required")
		return
	}

	now := time.Now()
	s.mu.Lock()
	sess := s.sessions[sessionID]
	var found *queuedCommand
	if sess != nil && sess.owner == s.apiUserID() && s.visibleHost(r.Context(), sess.aid) != nil {
		for _, qc := range sess.queue {
			if qc.cloudRequestID == requestID && qc.status == queuePending {
				found = qc
			}
		}
	}
	if found != nil {
		found.status, found.statusText = queueCanceled, "canceled by the user"
		found.updatedAt, found.deletedAt = now, now
		s.tasks.remove(requestID)
		s.queuedCount.Add(-1)
	}
	s.mu.Unlock()
	if found == nil {
		// NOTE: the live message for a command that is not waiting (never
		// queued, already run, canceled or expired) is unverified.
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR,
			"could not find a queued command "+requestID+" in session "+sessionID)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// settling runs due queued commands before every request, API and /_sim
// paths alike, so that whatever a client or test looks at already shows
// the commands that ran when their host came back.
func (s *Server) settling(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.settleQueues(time.Now())
		next.ServeHTTP(w, r)
	})
}
