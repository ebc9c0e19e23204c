package sim

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// maxBatchHosts is the default of Options.BatchHostLimit, the maximum
// number of host_ids in one batch init, from the API reference's
// description of batch-init-session.
const maxBatchHosts = 10000

// Per-host errors of the RTR batch calls, with the codes and messages that
// the live API sends.
var (
	errNoSensorComms = apiError{Code: 40401, Message: "Could not establish sensor comms"}
	errSensorOffline = apiError{Code: 40407, Message: "Sensor appears to be offline"}
	errNoSession     = apiError{Code: 50007, Message: "could not get session"}
)

// session is one host's RTR session, opened by a batch init.
type session struct {
	id    string
	aid   string
	host  *fleet.Host
	shell *fleet.Shell
	// refreshedAt is the init or last refresh time. The session expires
	// SessionTTL after it.
	refreshedAt time.Time
	// offlineQueued marks a session opened for an offline host with
	// queue_offline: its commands are queued, not run.
	offlineQueued bool
	deleted       bool

	// The fields below describe the session in the session listings, the
	// audit and the queued-session records.
	createdAt time.Time
	updatedAt time.Time // last init, refresh, command or delete
	deletedAt time.Time // zero until deleted
	owner     string    // user_id of the API client that opened it
	origin    string
	// single marks a session opened by the single-host init, whose
	// commands each start at the drive root.
	single bool
	// logs are the commands that ran in the session, oldest first.
	// requestIDs are the cloud_request_ids of every command sent to it,
	// queued ones included.
	logs       []sessionLog
	requestIDs []string
	// queue holds the commands sent while the host was offline, in the
	// order they were sent.
	queue []*queuedCommand
}

// batch is a batch session: the sessions of its hosts, keyed by AID.
type batch struct {
	id       string
	cid      string   // the CID of the token that opened it
	aids     []string // in the order the hosts joined
	sessions map[string]*session
}

// target is one host that a batch call addresses. sess is nil when the host
// is not part of the batch.
type target struct {
	aid  string
	sess *session
}

// targets returns the hosts a batch call addresses: optional_hosts when it
// is not empty, else every host of the batch.
func (b *batch) targets(optional []string) []target {
	aids := b.aids
	if len(optional) > 0 {
		aids = dedupe(optional)
	}
	out := make([]target, 0, len(aids))
	for _, aid := range aids {
		out = append(out, target{aid: aid, sess: b.sessions[aid]})
	}
	return out
}

// sensorResult is domain.MultiStatusSensorResponse, one host's entry in the
// resources of batch init, batch commands and batch get.
type sensorResult struct {
	AID           string     `json:"aid"`
	SessionID     string     `json:"session_id"`
	TaskID        string     `json:"task_id,omitempty"`
	BaseCommand   string     `json:"base_command,omitempty"`
	Complete      bool       `json:"complete"`
	OfflineQueued bool       `json:"offline_queued"`
	Stdout        string     `json:"stdout"`
	Stderr        string     `json:"stderr"`
	QueryTime     float64    `json:"query_time"`
	Errors        []apiError `json:"errors"`
}

func failedResult(aid string, e apiError) sensorResult {
	return sensorResult{AID: aid, Errors: []apiError{e}}
}

type batchInitRequest struct {
	HostIDs         []string `json:"host_ids"`
	QueueOffline    bool     `json:"queue_offline"`
	ExistingBatchID string   `json:"existing_batch_id"`
}

// batchInitResponse is domain.BatchInitSessionResponse.
type batchInitResponse struct {
	Meta      metaInfo                `json:"meta"`
	BatchID   string                  `json:"batch_id"`
	Resources map[string]sensorResult `json:"resources"`
	Errors    []apiError              `json:"errors"`
}

// handleBatchInit serves POST batch-init-session. It opens a session on
// every host it can reach and returns 201 with an entry per host, errors
// included, or 404 when no host initialised.
func (s *Server) handleBatchInit(w http.ResponseWriter, r *http.Request) {
	if _, err := parseWaits(r.URL.Query()); err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	var req batchInitRequest
	if err := s.decodeBody(r, &req); err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	ids := dedupe(req.HostIDs)
	if len(ids) == 0 || len(ids) > s.opts.BatchHostLimit {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, fmt.Sprintf(
			"Invalid number of hosts in request: %d. Must be an integer greater than 0 and less than or equal to %d",
			len(ids), s.opts.BatchHostLimit))
		return
	}
	existing, ok := s.lookupBatch(r.Context(), req.ExistingBatchID)
	if req.ExistingBatchID != "" && !ok {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, batchNotFound(req.ExistingBatchID))
		return
	}

	now := time.Now()
	resources := make(map[string]sensorResult, len(ids))
	var opened []*session
	online := 0
	for _, aid := range ids {
		res, sess := s.initHost(r.Context(), aid, req.QueueOffline, now)
		resources[aid] = res
		if sess != nil {
			opened = append(opened, sess)
			if !sess.offlineQueued {
				online++
			}
		}
	}

	// Falcon returns 404 when no host initialised, even when some were
	// queued for offline hosts (PSFalcon users report the 404 with
	// QueueOffline set), so there is no batch to queue commands in.
	if online == 0 {
		s.log.Debug("batch init found no host to open a session on", "hosts", len(ids))
		for aid, res := range resources {
			res.SessionID = ""
			resources[aid] = res
		}
		s.writeJSON(w, http.StatusNotFound, batchInitResponse{
			Meta:      meta(r, poweredByRTR),
			Resources: resources,
			Errors:    []apiError{{Code: http.StatusNotFound, Message: "no successful hosts initialized on RTR"}},
		})
		return
	}
	b := s.addToBatch(existing, opened, s.scopeCID(r.Context()))
	s.log.Debug("batch sessions opened", "batch_id", b.id, "hosts", len(ids), "sessions", len(opened))
	s.writeJSON(w, http.StatusCreated, batchInitResponse{
		Meta:      meta(r, poweredByRTR),
		BatchID:   b.id,
		Resources: resources,
		Errors:    noErrors(),
	})
}

// initHost opens a session on one host that the request's CID may see. It
// returns the host's entry and the session, or nil when none was opened.
func (s *Server) initHost(ctx context.Context, aid string, queueOffline bool, now time.Time) (sensorResult, *session) {
	if e, ok := checkAIDFormat(aid); !ok {
		return failedResult(aid, e), nil
	}
	host := s.visibleHost(ctx, aid)
	if host == nil {
		// NOTE: what the live API sends for a well-formed AID outside the
		// CID is not documented. No sensor can respond, so this is 40401.
		return failedResult(aid, errNoSensorComms), nil
	}
	info := host.Info()
	// Queued sessions get a shell too, so that once the host is back the
	// session keeps its working directory like any other.
	sess := &session{id: newUUID(), aid: aid, host: host, shell: host.NewShell(), refreshedAt: now,
		createdAt: now, updatedAt: now, owner: s.apiUserID()}
	switch {
	case !info.Online && queueOffline:
		sess.offlineQueued = true
		return sensorResult{AID: aid, SessionID: sess.id, OfflineQueued: true, Errors: noErrors()}, sess
	case !info.Online:
		return failedResult(aid, errSensorOffline), nil
	case !info.Reachable:
		return failedResult(aid, errNoSensorComms), nil
	}
	// A successful init entry echoes the session's start directory as the
	// output of a pwd, as captured responses show.
	return sensorResult{
		AID:         aid,
		SessionID:   sess.id,
		TaskID:      newUUID(),
		BaseCommand: "pwd",
		Complete:    true,
		Stdout:      sess.shell.Cwd(),
		QueryTime:   time.Since(now).Seconds(),
		Errors:      noErrors(),
	}, sess
}

// checkAIDFormat checks that aid is 32 hex digits, and returns the
// per-host error that the API sends for a malformed one.
func checkAIDFormat(aid string) (apiError, bool) {
	if len(aid) != 32 {
		return apiError{Code: 500, Message: fmt.Sprintf("uuid: incorrect UUID length %d in string %q", len(aid), aid)}, false
	}
	for i := 0; i < len(aid); i++ {
		if !isHex(aid[i]) {
			return apiError{Code: 500, Message: fmt.Sprintf("uuid: incorrect UUID format in string %q", aid)}, false
		}
	}
	return apiError{}, true
}

// addToBatch adds sessions to b, or to a new batch of cid when b is nil. A
// host that is already in the batch gets the new session in place of the
// old.
func (s *Server) addToBatch(b *batch, opened []*session, cid string) *batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b == nil {
		b = &batch{id: newUUID(), cid: cid, sessions: map[string]*session{}}
		s.batches[b.id] = b
	}
	for _, sess := range opened {
		if _, ok := b.sessions[sess.aid]; !ok {
			b.aids = append(b.aids, sess.aid)
		}
		b.sessions[sess.aid] = sess
		s.sessions[sess.id] = sess
	}
	return b
}

// lookupBatch returns the batch with the id if the request's CID opened
// it. A batch of another CID is not found, as in a separate tenant.
func (s *Server) lookupBatch(ctx context.Context, id string) (*batch, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.batches[id]
	if !ok || b.cid != s.scopeCID(ctx) {
		return nil, false
	}
	return b, true
}

func batchNotFound(id string) string {
	return fmt.Sprintf("could not find batch session %q; open one with batch-init-session", id)
}

// checkSession returns whether a call that needs sess at now is queued for
// an offline host, or the per-host error that stops it. The caller holds
// s.mu. persist is the request's persist_all.
func (s *Server) checkSession(sess *session, persist bool, now time.Time) (queued bool, problem *apiError) {
	if sess == nil || sess.deleted || s.expired(sess, now) {
		return false, &errNoSession
	}
	info := sess.host.Info()
	// A command waits in the queue only when the request asks for it with
	// persist_all. The reference does not say whether a session opened with
	// queue_offline queues commands without it; requiring persist_all is
	// the reading hardest on a client.
	switch {
	case !info.Online && persist:
		return true, nil
	case !info.Online:
		return false, &errSensorOffline
	case !info.Reachable:
		return false, &errNoSensorComms
	}
	return false, nil
}

// expired reports whether sess has been idle longer than SessionTTL at now.
// Only init and refresh count: commands do not extend a session. The
// reference does not say whether commands keep a session alive, and this is
// the reading hardest on a client, which must refresh on schedule.
func (s *Server) expired(sess *session, now time.Time) bool {
	return now.Sub(sess.refreshedAt) > s.opts.SessionTTL
}

type batchRefreshRequest struct {
	BatchID       string   `json:"batch_id"`
	HostsToRemove []string `json:"hosts_to_remove"`
}

// refreshResult is one host's entry in a batch refresh response.
type refreshResult struct {
	AID       string     `json:"aid"`
	SessionID string     `json:"session_id"`
	Errors    []apiError `json:"errors"`
}

// batchRefreshResponse is domain.BatchRefreshSessionResponse.
type batchRefreshResponse struct {
	Meta      metaInfo                 `json:"meta"`
	Resources map[string]refreshResult `json:"resources"`
	Errors    []apiError               `json:"errors"`
}

// handleBatchRefresh serves POST batch-refresh-session: it removes the
// hosts in hosts_to_remove from the batch and extends every other session.
func (s *Server) handleBatchRefresh(w http.ResponseWriter, r *http.Request) {
	var req batchRefreshRequest
	b, _, ok := s.readBatchRequest(w, r, &req)
	if !ok {
		return
	}
	resources := s.refreshBatch(b, req.HostsToRemove, time.Now())
	s.writeJSON(w, http.StatusCreated, batchRefreshResponse{
		Meta:      meta(r, poweredByRTR),
		Resources: resources,
		Errors:    noErrors(),
	})
}

// refreshBatch drops the hosts in remove from b and extends the session of
// every other host that can still be reached.
func (s *Server) refreshBatch(b *batch, remove []string, now time.Time) map[string]refreshResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	drop := map[string]bool{}
	for _, aid := range remove {
		drop[aid] = true
	}
	remaining := b.aids[:0]
	for _, aid := range b.aids {
		if drop[aid] {
			delete(b.sessions, aid)
			continue
		}
		remaining = append(remaining, aid)
	}
	b.aids = remaining

	resources := make(map[string]refreshResult, len(b.aids))
	for _, aid := range b.aids {
		sess := b.sessions[aid]
		res := refreshResult{AID: aid, SessionID: sess.id, Errors: noErrors()}
		if _, problem := s.checkSession(sess, false, now); problem != nil {
			res.Errors = []apiError{*problem}
		} else {
			sess.refreshedAt = now
		}
		resources[aid] = res
	}
	return resources
}

// handleDeleteSession serves DELETE sessions/v1?session_id=. For a session
// that is unknown, deleted or expired it returns 400 "could not find
// session", as users of the live API report.
func (s *Server) handleDeleteSession(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("session_id")
	now := time.Now()
	s.mu.Lock()
	sess := s.sessions[id]
	found := sess != nil && !sess.deleted && !s.expired(sess, now)
	if found {
		sess.deleted = true
		sess.deletedAt, sess.updatedAt = now, now
	}
	s.mu.Unlock()
	if !found {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "could not find session")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// dedupe returns ids without repeats, in first-seen order.
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
