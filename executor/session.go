package executor

import (
	"context"
	"errors"
	"time"

	"github.com/rtrplay/rtrplay/playbook"
	"github.com/rtrplay/rtrplay/rtr"
)

// batch is one batch session: at most ChunkSize hosts.
type batch struct {
	id      string
	hostIDs []string
	removed map[string]bool
}

// initTimeout is the server-side wait of batch init. It stays short
// whatever the steps' timeouts are: an init that waits for slow hosts only
// delays the run, and a long client deadline on init has left sessions open
// with no command sent in other tools.
const initTimeout = 30 * time.Second

// openSessions opens one batch session per chunk of hosts. Hosts that do
// not join keep their error codes and fail every step; hosts that Falcon
// queued are queued for every step.
func (r *runner) openSessions(ctx context.Context) {
	needed := r.hostsWithRTRSteps()
	ids := make([]string, 0, len(r.hosts))
	for _, h := range r.opts.Resolution.Hosts {
		if !needed[h.ID] {
			// Containment goes through the Hosts API, so a host that only
			// gets contained needs no RTR session.
			r.hosts[h.ID].session = HostStepResult{State: StateSkipped, Reason: "no RTR step targets this host"}
			continue
		}
		ids = append(ids, h.ID)
	}
	queue := r.queueOffline()
	for start := 0; start < len(ids); start += r.opts.ChunkSize {
		chunk := ids[start:min(start+r.opts.ChunkSize, len(ids))]
		r.openBatch(ctx, chunk, queue)
	}
}

// hostsWithRTRSteps returns the hosts that at least one RTR step targets.
func (r *runner) hostsWithRTRSteps() map[string]bool {
	needed := map[string]bool{}
	for _, s := range r.pb.Steps {
		if s.Kind == playbook.KindContain {
			continue
		}
		for _, id := range r.opts.Resolution.ByTarget[s.Target.Name] {
			needed[id] = true
		}
	}
	return needed
}

// queueOffline is true when every target sets queue_offline. Targets share one
// session per host, so one target without it turns queueing off.
func (r *runner) queueOffline() bool {
	for _, t := range r.pb.Targets {
		if !t.QueueOffline {
			return false
		}
	}
	return len(r.pb.Targets) > 0
}

func (r *runner) openBatch(ctx context.Context, chunk []string, queue bool) {
	if r.stopped.Load() {
		for _, id := range chunk {
			r.hosts[id].session = HostStepResult{State: StateSkipped, Reason: "run interrupted before the session opened"}
		}
		return
	}
	res, err := r.opts.API.BatchInit(ctx, rtr.BatchInitRequest{HostIDs: chunk, QueueOffline: queue, Timeout: initTimeout})
	b := &batch{hostIDs: chunk, removed: map[string]bool{}}
	if res != nil {
		b.id = res.BatchID
	}
	ev := SessionOpened{Time: r.opts.Now().UTC(), BatchID: b.id, Hosts: len(chunk)}
	for _, id := range chunk {
		h := r.hosts[id]
		h.batch = b
		var hr rtr.HostResult
		found := false
		if res != nil {
			hr, found = res.Hosts[id]
		}
		// The queued flag comes first: a queued host also has a session id
		// and no errors, which would read as connected.
		switch {
		case found && hr.OfflineQueued:
			h.sessionID = hr.SessionID
			h.session = HostStepResult{State: StateQueued, SessionID: hr.SessionID,
				Reason: "host is offline; Falcon queued the session"}
			ev.Queued++
		case found && hr.Connected() && b.id != "":
			h.sessionID = hr.SessionID
			h.session = HostStepResult{State: StateSucceeded, SessionID: hr.SessionID}
			ev.Connected++
		case found && len(hr.Errors) > 0:
			h.session = HostStepResult{State: StateFailed, Errors: hostErrors(hr.Errors),
				Reason: "no RTR session: " + fmtErrors(hostErrors(hr.Errors))}
		default:
			h.session = HostStepResult{State: StateFailed, Reason: "no RTR session: " + initFailure(err)}
		}
		if h.session.State == StateFailed {
			ev.Failed++
			ev.FailedHosts = append(ev.FailedHosts, HostFailure{HostID: h.ID, Hostname: h.Hostname, Reason: h.session.Reason})
		}
	}
	if err != nil {
		r.opts.Logger.Warn("batch init failed", "hosts", len(chunk), "err", err)
	}
	r.batches = append(r.batches, b)
	r.emit(ev)
}

func initFailure(err error) string {
	var apiErr *rtr.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Error()
	}
	if err != nil {
		return err.Error()
	}
	return "Falcon returned no result for this host"
}

func hostErrors(errs []rtr.ErrorEntry) []ErrorEntry {
	out := make([]ErrorEntry, len(errs))
	for i, e := range errs {
		out[i] = ErrorEntry{Code: e.Code, Message: e.Message}
	}
	return out
}

// refreshLoop refreshes every batch session each RefreshInterval until ctx
// ends, and removes hosts that have no step left.
func (r *runner) refreshLoop(ctx context.Context) {
	t := time.NewTicker(r.opts.RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, b := range r.batches {
			if b.id == "" {
				continue
			}
			r.refreshBatch(ctx, b)
		}
	}
}

func (r *runner) refreshBatch(ctx context.Context, b *batch) {
	var remove []string
	for _, id := range b.hostIDs {
		if !b.removed[id] && r.hostDone(id) {
			remove = append(remove, id)
		}
	}
	if len(remove) == len(b.hostIDs)-len(b.removed) {
		// Every host is done: nothing left to keep alive.
		return
	}
	_, err := r.opts.API.BatchRefresh(ctx, b.id, remove)
	if err == nil {
		for _, id := range remove {
			b.removed[id] = true
		}
	}
	if ctx.Err() != nil {
		return
	}
	r.emit(SessionRefreshed{Time: r.opts.Now().UTC(), BatchID: b.id, Removed: len(remove), Err: errText(err)})
}

// hostDone reports whether every step has a final result on the host.
func (r *runner) hostDone(id string) bool {
	for _, s := range r.pb.Steps {
		targeted := false
		for _, tid := range r.opts.Resolution.ByTarget[s.Target.Name] {
			if tid == id {
				targeted = true
				break
			}
		}
		if !targeted {
			continue
		}
		if _, ok := r.result(s.Addr(), id); !ok {
			return false
		}
	}
	return true
}

// deleteSessions closes each host's session. Falcon returns 400 for a session it
// already expired; the client treats that as closed.
func (r *runner) deleteSessions(ctx context.Context) {
	for _, h := range r.hosts {
		if h.sessionID == "" {
			continue
		}
		if err := r.opts.API.DeleteSession(ctx, h.sessionID); err != nil {
			r.opts.Logger.Warn("delete session", "host", h.ID, "session", h.sessionID, "err", err)
		}
	}
}
