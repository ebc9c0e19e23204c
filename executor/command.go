package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rtrplay/rtrplay/playbook"
	"github.com/rtrplay/rtrplay/rtr"
	"github.com/rtrplay/rtrplay/schema"
)

func rtrTier(t schema.Tier) rtr.Tier {
	switch t {
	case schema.TierAdmin:
		return rtr.Admin
	case schema.TierActiveResponder:
		return rtr.ActiveResponder
	}
	return rtr.ReadOnly
}

// requestTimeout is the server-side wait of a step's batch command: the
// run's RequestTimeout, shortened for steps whose own timeout is shorter.
func (r *runner) requestTimeout(s *playbook.Step) time.Duration {
	d := min(r.opts.RequestTimeout, s.Timeout, 5*time.Minute).Truncate(time.Second)
	// The API takes whole seconds, and the host timeout needs a second
	// below the request's.
	return max(d, 2*time.Second)
}

// hostTimeout is the per-host budget inside the request, kept below the
// request timeout as the API requires.
func hostTimeout(request time.Duration) time.Duration {
	if request <= 3*time.Second {
		return request - time.Second
	}
	return request - 2*time.Second
}

// maxCommandSends bounds how often one command is sent to the hosts that,
// by their session logs, never received it.
const maxCommandSends = 3

func (r *runner) runCommand(ctx context.Context, s *playbook.Step, g *group) {
	started := r.opts.Now().UTC().Format(time.RFC3339Nano)
	tier := rtrTier(s.Tier())
	deadline := time.Now().Add(s.Timeout)
	hosts := g.hosts
	for send := 1; len(hosts) > 0; send++ {
		sentAt := time.Now()
		results, err := r.sendCommand(ctx, s, tier, g, hosts)
		if err == nil {
			r.finishCommand(ctx, s, tier, g, hosts, results, started, deadline)
			return
		}
		if !errors.Is(err, rtr.ErrOutcomeUnknown) || ctx.Err() != nil {
			r.finishAll(s, hosts, requestFailure(s, g.display, err, started))
			return
		}
		// The request failed after it may have reached Falcon. The session
		// logs tell which hosts received the command: those are followed by
		// their task id, and only the others are sent it again.
		ran, missing, logErr := r.reconcile(ctx, hosts, func(l rtr.SessionLog) bool {
			return l.CommandString == g.text
		}, sentAt)
		if logErr != nil {
			res := requestFailure(s, g.display, err, started)
			res.Reason += "; the session logs could not be read: " + logErr.Error()
			r.finishAll(s, hosts, res)
			return
		}
		for _, h := range hosts {
			if taskID, ok := ran[h.ID]; ok {
				res := HostStepResult{Command: g.display, SessionID: h.sessionID, StartedAt: started, TaskID: taskID}
				r.finish(s, h, r.pollCommand(ctx, s, tier, rtr.HostResult{AID: h.ID, TaskID: taskID}, res, deadline))
			}
		}
		if send == maxCommandSends && len(missing) > 0 {
			r.finishAll(s, missing, HostStepResult{State: StateFailed, Command: g.display, StartedAt: started,
				Reason: fmt.Sprintf("not sent: the request failed %d times and the session logs show no command: %v", send, err)})
			return
		}
		hosts = missing
	}
}

// sendCommand sends one batch command to hosts.
func (r *runner) sendCommand(ctx context.Context, s *playbook.Step, tier rtr.Tier, g *group,
	hosts []*hostState) (map[string]rtr.HostResult, error) {
	timeout := r.requestTimeout(s)
	req := rtr.BatchCommandRequest{
		BatchID:       g.batch.id,
		BaseCommand:   s.Resolved.BaseCommand,
		CommandString: g.text,
		OptionalHosts: hostIDs(hosts),
		Timeout:       timeout,
		HostTimeout:   hostTimeout(timeout),
		// Falcon queues a command for an offline host only when asked.
		PersistAll: r.queueOffline(),
		Repeatable: !s.Destructive(),
	}
	var results map[string]rtr.HostResult
	var err error
	if slotErr := r.withRequestSlot(ctx, func() { results, err = r.opts.API.BatchCommand(ctx, tier, req) }); slotErr != nil {
		err = slotErr
	}
	r.emit(RequestSent{Time: r.opts.Now().UTC(), Step: s.Addr(), Operation: "batch-command:" + tier.String(),
		BatchID: g.batch.id, Command: g.display, Hosts: len(hosts), Err: r.pb.RedactWith(errText(err), g.secrets)})
	return results, err
}

func (r *runner) finishCommand(ctx context.Context, s *playbook.Step, tier rtr.Tier, g *group, hosts []*hostState,
	results map[string]rtr.HostResult, started string, deadline time.Time) {
	for _, h := range hosts {
		hr, ok := results[h.ID]
		res := HostStepResult{Command: g.display, SessionID: h.sessionID, StartedAt: started}
		switch {
		case !ok:
			res.State, res.Reason = StateFailed, "Falcon returned no result for this host"
		case !hr.Complete && len(hr.Errors) == 0 && !hr.OfflineQueued && hr.TaskID != "":
			res.TaskID = hr.TaskID
			res = r.pollCommand(ctx, s, tier, hr, res, deadline)
		default:
			res = commandResult(s, hr, res)
		}
		r.finish(s, h, res)
	}
}

// logSkew widens the window in which a session log entry counts as the
// command just sent, for clocks that differ between this machine and
// Falcon.
const logSkew = 2 * time.Minute

// reconcile reads the session logs of hosts and returns, for each host
// with an entry that matches since sentAt, the task id of that command,
// and the hosts without one. A log entry whose task id this run has already
// recorded belongs to an earlier step and is ignored.
func (r *runner) reconcile(ctx context.Context, hosts []*hostState, match func(rtr.SessionLog) bool, sentAt time.Time) (
	map[string]string, []*hostState, error) {
	// Give Falcon a moment to record a command it accepted.
	if !sleepCtx(ctx, r.opts.PollInterval) {
		return nil, nil, ctx.Err()
	}
	ids := make([]string, 0, len(hosts))
	for _, h := range hosts {
		ids = append(ids, h.sessionID)
	}
	logs, err := r.opts.API.SessionLogs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	ran := map[string]string{}
	var missing []*hostState
	for _, h := range hosts {
		known := r.knownTasks(h.ID)
		for _, l := range logs[h.sessionID] {
			if match(l) && !known[l.CloudRequestID] && !l.CreatedAt.Before(sentAt.Add(-logSkew)) {
				ran[h.ID] = l.CloudRequestID
				break
			}
		}
		if _, ok := ran[h.ID]; !ok {
			missing = append(missing, h)
		}
	}
	return ran, missing, nil
}

// knownTasks returns the task ids that earlier steps got for a host.
func (r *runner) knownTasks(hostID string) map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	known := map[string]bool{}
	for _, byHost := range r.results {
		if res := byHost[hostID]; res != nil && res.TaskID != "" {
			known[res.TaskID] = true
		}
	}
	return known
}

// requestFailure is the result for every host of a request that failed as
// a whole. A destructive command whose fate is unknown is "unknown", never
// re-sent; other failures mean Falcon did not take the command.
func requestFailure(s *playbook.Step, text string, err error, started string) HostStepResult {
	res := HostStepResult{Command: text, StartedAt: started, Reason: err.Error()}
	var apiErr *rtr.APIError
	switch {
	case errors.Is(err, rtr.ErrOutcomeUnknown):
		res.State = StateUnknown
		if !s.Destructive() {
			res.Reason += "; the command may have run"
		}
	case errors.As(err, &apiErr):
		res.State = StateFailed
		res.Errors = hostErrors(apiErr.Errors)
	default:
		res.State = StateFailed
	}
	return res
}

// commandResult reads a finished per-host result: errors first, then the
// queued flag, then stderr, then stdout.
func commandResult(s *playbook.Step, hr rtr.HostResult, res HostStepResult) HostStepResult {
	if hr.TaskID != "" {
		res.TaskID = hr.TaskID
	}
	res.stdout, res.stderr = hr.Stdout, hr.Stderr
	res.ran = hr.Complete && len(hr.Errors) == 0
	switch {
	case len(hr.Errors) > 0:
		res.State = StateFailed
		res.Errors = hostErrors(hr.Errors)
		res.Reason = fmtErrors(res.Errors)
	case hr.OfflineQueued:
		res.State, res.Reason = StateQueued, "host is offline; Falcon queued the command"
	case !hr.Complete:
		res.State = StateFailed
		res.Reason = "Falcon reported the command incomplete with no task id to follow"
		if s.Destructive() {
			res.State = StateUnknown
		}
	case strings.TrimSpace(hr.Stderr) != "":
		res.State, res.Reason = StateFailed, firstLine(hr.Stderr)
	default:
		res.State = StateSucceeded
	}
	return res
}

// pollCommand follows a command that was still running when the batch
// request returned, through the single-host status call of the same tier,
// joining the output chunks in sequence order.
func (r *runner) pollCommand(ctx context.Context, s *playbook.Step, tier rtr.Tier, hr rtr.HostResult,
	res HostStepResult, deadline time.Time) HostStepResult {
	var stdout, stderr strings.Builder
	seq := 0
	// An interrupt does not end the polling: the command is in flight, and
	// the run waits for it. Only an abort (ctx) or the deadline does.
	for attempt := 0; ; attempt++ {
		if time.Now().After(deadline) {
			return timedOut(s, res, false)
		}
		if !sleepCtx(ctx, r.backoff(attempt)) {
			return timedOut(s, res, true)
		}
		st, err := r.opts.API.CommandStatus(ctx, tier, hr.TaskID, seq)
		if err != nil {
			r.opts.Logger.Warn("command status", "step", s.Addr(), "host", hr.AID, "task", hr.TaskID, "err", err)
			continue
		}
		if !st.Complete {
			continue
		}
		stdout.WriteString(st.Stdout)
		stderr.WriteString(st.Stderr)
		if st.SequenceID > seq {
			// More chunks follow: fetch the next one at once.
			seq = st.SequenceID
			attempt = -1
			continue
		}
		hr.Complete, hr.Stdout, hr.Stderr = true, stdout.String(), stderr.String()
		return commandResult(s, hr, res)
	}
}

func timedOut(s *playbook.Step, res HostStepResult, aborted bool) HostStepResult {
	res.State = StateFailed
	res.Reason = "timed out after " + s.Timeout.String() + " waiting for the command to finish"
	if aborted {
		res.Reason = "run aborted while the command was running"
	}
	if s.Destructive() || aborted {
		// It may still run to completion on the host.
		res.State = StateUnknown
	}
	return res
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
