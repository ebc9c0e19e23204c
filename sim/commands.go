package sim

import (
	"context"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// commandRoute ties a tier to its batch command path and its single-host
// status path.
type commandRoute struct {
	tier       fleet.Tier
	batchPath  string
	statusPath string
}

var commandRoutes = []commandRoute{
	{tier: fleet.ReadOnly, batchPath: pathBatchCommand, statusPath: pathStatusCommand},
	{tier: fleet.ActiveResponder, batchPath: pathBatchResponder, statusPath: pathStatusResponder},
	{tier: fleet.Admin, batchPath: pathBatchAdmin, statusPath: pathStatusAdmin},
}

// task is a command that a host ran, kept so that the status calls can
// return its output by cloud_request_id.
type task struct {
	id          string
	sessionID   string
	tier        fleet.Tier
	baseCommand string
	stdout      string
	stderr      string
	// doneAt is when the simulated run ends; until then the status calls
	// report the task as running.
	doneAt time.Time
	// chunkSize is the host's stdout chunk size, or 0 for the server's.
	chunkSize int
}

type batchCommandRequest struct {
	BaseCommand   string   `json:"base_command"`
	CommandString string   `json:"command_string"`
	BatchID       string   `json:"batch_id"`
	OptionalHosts []string `json:"optional_hosts"`
	PersistAll    bool     `json:"persist_all"`
}

// combinedResources is domain.MultiCommandExecuteResponse: batch commands
// nest their per-host map one level deeper than batch init does.
type combinedResources struct {
	Resources map[string]sensorResult `json:"resources"`
}

// batchCommandResponse is domain.MultiCommandExecuteResponseWrapper.
type batchCommandResponse struct {
	Meta     metaInfo          `json:"meta"`
	Combined combinedResources `json:"combined"`
	Errors   []apiError        `json:"errors"`
}

// job is one target host of a batch call: either a result that is already
// known (an error, or a command queued for an offline host) or a session
// to run the command in.
type job struct {
	aid    string
	sess   *session
	result *sensorResult
}

// prepareJobs resolves the targets of a batch call and checks each
// session at now.
func (s *Server) prepareJobs(b *batch, optional []string, persist bool, now time.Time) []job {
	s.mu.Lock()
	defer s.mu.Unlock()
	var jobs []job
	for _, t := range b.targets(optional) {
		queued, problem := s.checkSession(t.sess, persist, now)
		switch {
		case problem != nil:
			res := failedResult(t.aid, *problem)
			if t.sess != nil {
				res.SessionID = t.sess.id
			}
			jobs = append(jobs, job{aid: t.aid, result: &res})
		case queued:
			// The caller queues the command in the session (queue.go); it
			// runs when the host is back.
			res := sensorResult{AID: t.aid, SessionID: t.sess.id, TaskID: newUUID(),
				OfflineQueued: true, Errors: noErrors()}
			jobs = append(jobs, job{aid: t.aid, sess: t.sess, result: &res})
		default:
			jobs = append(jobs, job{aid: t.aid, sess: t.sess})
		}
	}
	return jobs
}

// handleBatchCommand serves the batch command call of one tier. The call
// blocks until every host has finished or its wait has passed, like the
// live API; a host still running then comes back complete:false with its
// task_id, to be polled through the status call of the same tier.
func (s *Server) handleBatchCommand(route commandRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req batchCommandRequest
		b, wt, ok := s.readBatchRequest(w, r, &req)
		if !ok {
			return
		}

		start := time.Now()
		resources := map[string]sensorResult{}
		var longest time.Duration
		for _, j := range s.prepareJobs(b, req.OptionalHosts, req.PersistAll, start) {
			if j.result != nil {
				if j.result.OfflineQueued {
					s.enqueue(j.sess, route, route.batchPath, req.BaseCommand, req.CommandString, j.result.TaskID, start)
				}
				resources[j.aid] = *j.result
				continue
			}
			res, took := s.runCommand(route, j.sess, req, wt.host, start)
			resources[j.aid] = res
			longest = max(longest, took)
		}
		if !s.pause(r.Context(), longest-time.Since(start)) {
			return
		}
		s.writeJSON(w, http.StatusCreated, batchCommandResponse{
			Meta:     meta(r, poweredByRTR),
			Combined: combinedResources{Resources: resources},
			Errors:   noErrors(),
		})
	}
}

// runCommand runs the request's command string in sess and returns the
// host's entry and how long the host took, capped at hostWait.
func (s *Server) runCommand(route commandRoute, sess *session, req batchCommandRequest, hostWait time.Duration, start time.Time) (sensorResult, time.Duration) {
	taskID := newUUID()
	out := sess.host.Exec(sess.shell, route.tier, req.CommandString)
	base := out.BaseCommand
	if base == "" {
		base = req.BaseCommand
	}
	if req.BaseCommand != base {
		// The API reference does not say whether Falcon checks base_command
		// against the command string; the emulator runs the command string.
		s.log.Debug("base_command differs from the command string's first word",
			"base_command", req.BaseCommand, "command", base, "aid", sess.aid)
	}
	s.recordCommand(CommandRecord{
		Time: start, AID: sess.aid, Hostname: sess.host.Info().Hostname,
		Endpoint: route.batchPath, BaseCommand: base, CommandString: req.CommandString,
		SessionID: sess.id, CloudRequestID: taskID,
	})
	res := sensorResult{AID: sess.aid, SessionID: sess.id, TaskID: taskID, BaseCommand: reportedBase(out, base), Errors: noErrors()}
	if out.ErrCode != 0 {
		res.Errors = []apiError{{Code: out.ErrCode, Message: out.ErrMessage}}
		return res, 0
	}

	s.mu.Lock()
	s.tasks.add(&task{
		id: taskID, sessionID: sess.id, tier: route.tier, baseCommand: reportedBase(out, base),
		stdout: out.Stdout, stderr: out.Stderr, doneAt: start.Add(out.Duration), chunkSize: out.ChunkSize,
	}, time.Now())
	s.mu.Unlock()

	took := min(out.Duration, hostWait)
	res.QueryTime = took.Seconds()
	if out.Duration > hostWait {
		s.markHostTimeout(&res)
		return res, took
	}
	res.Complete = true
	res.Stdout, res.Stderr = out.Stdout, out.Stderr
	return res, took
}

// pause waits for d. It returns false when the client went away or the
// server is closing, in which case no response should be written.
func (s *Server) pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// statusResource is domain.StatusResponse.
type statusResource struct {
	SessionID   string `json:"session_id"`
	TaskID      string `json:"task_id"`
	Complete    bool   `json:"complete"`
	Stdout      string `json:"stdout"`
	Stderr      string `json:"stderr"`
	BaseCommand string `json:"base_command"`
	SequenceID  int    `json:"sequence_id"`
}

// handleCommandStatus serves the single-host status call of one tier, by
// cloud_request_id and sequence_id.
//
// How the live API numbers chunks is not documented. The emulator follows
// the reading that gofalcon's WaitForExecution relies on: stdout is split
// into ChunkSize pieces, sequence_id n returns piece n, and every piece but
// the last comes back complete:false with the sequence_id to request next.
// The last piece is complete:true and carries stderr. While the command
// still runs, the response is complete:false with empty output and the
// same sequence_id.
func (s *Server) handleCommandStatus(route commandRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		id := q.Get("cloud_request_id")
		if !isUUID(id) {
			s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "cloud_request_id must be a uuid string")
			return
		}
		seq, err := strconv.Atoi(q.Get("sequence_id"))
		if err != nil || seq < 0 {
			s.writeError(w, r, http.StatusBadRequest, poweredByRTR,
				"sequence_id must be a whole number from 0; start at 0")
			return
		}
		s.mu.Lock()
		t := s.tasks.get(id)
		s.mu.Unlock()
		// A task polled through another tier's status call is not found:
		// the reference pairs each execute call with its own status call.
		if t == nil || t.tier != route.tier {
			s.writeError(w, r, http.StatusNotFound, poweredByRTR, "could not find command "+id)
			return
		}
		s.writeJSON(w, http.StatusOK, listReply{
			Meta:      meta(r, poweredByRTR),
			Resources: []statusResource{s.taskStatus(t, seq, time.Now())},
			Errors:    noErrors(),
		})
	}
}

func (s *Server) taskStatus(t *task, seq int, now time.Time) statusResource {
	res := statusResource{SessionID: t.sessionID, TaskID: t.id, BaseCommand: t.baseCommand, SequenceID: seq}
	if now.Before(t.doneAt) {
		return res
	}
	chunks := chunkText(t.stdout, s.chunkSizeOf(t))
	last := len(chunks) - 1
	switch {
	case seq < last:
		res.Stdout = chunks[seq]
		res.SequenceID = seq + 1
	case seq == last:
		res.Stdout, res.Stderr = chunks[seq], t.stderr
		res.Complete = true
	default:
		res.Complete = true
	}
	return res
}

// chunkText splits text into pieces of at most size bytes, cutting only at
// UTF-8 character boundaries: JSON encoding would replace a split character
// with U+FFFD and the joined output would differ. Empty text is one empty
// piece.
func chunkText(text string, size int) []string {
	var chunks []string
	for len(text) > size {
		cut := size
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		if cut == 0 {
			cut = size
		}
		chunks = append(chunks, text[:cut])
		text = text[cut:]
	}
	return append(chunks, text)
}
