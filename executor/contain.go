package executor

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rtrplay/rtrplay/playbook"
	"github.com/rtrplay/rtrplay/rtr"
)

// containBatch bounds the ids in one devices-actions request.
const containBatch = 100

// statusContained is the device status Falcon reports once a host is
// contained; it reports containment_pending before.
const statusContained = "contained"

// runContain requests containment of the hosts, then reads their status
// until each reports contained or the step's deadline passes.
func (r *runner) runContain(ctx context.Context, s *playbook.Step, hosts []*hostState) {
	started := r.opts.Now().UTC().Format(time.RFC3339Nano)
	deadline := time.Now().Add(s.Timeout)
	if r.stopped.Load() {
		r.finishAll(s, hosts, HostStepResult{State: StateSkipped, Reason: "run interrupted before this step was sent"})
		return
	}
	waiting := map[string]*hostState{}
	for start := 0; start < len(hosts); start += containBatch {
		chunk := hosts[start:min(start+containBatch, len(hosts))]
		ids := hostIDs(chunk)
		err := r.requestContainment(ctx, ids)
		r.emit(RequestSent{Time: r.opts.Now().UTC(), Step: s.Addr(), Operation: "devices-actions:contain",
			Hosts: len(ids), Err: errText(err)})
		if err != nil {
			r.finishAll(s, chunk, requestFailure(s, "contain", err, started))
			continue
		}
		for _, h := range chunk {
			if h.offline() {
				// An offline host is contained when it comes back; this
				// run cannot see that happen.
				r.finish(s, h, HostStepResult{State: StateQueued, Command: "contain", StartedAt: started,
					Reason: "containment requested; the host is offline and will be contained when it returns"})
				continue
			}
			waiting[h.ID] = h
		}
	}
	r.awaitContainment(ctx, s, waiting, deadline, started)
}

func (r *runner) awaitContainment(ctx context.Context, s *playbook.Step, waiting map[string]*hostState,
	deadline time.Time, started string) {
	last := map[string]string{}
	for attempt := 0; len(waiting) > 0; attempt++ {
		if time.Now().After(deadline) || !sleepCtx(ctx, r.backoff(attempt)) {
			break
		}
		ids := make([]string, 0, len(waiting))
		for id := range waiting {
			ids = append(ids, id)
		}
		devices, err := r.opts.API.GetDevices(ctx, ids)
		if err != nil {
			r.opts.Logger.Warn("read containment status", "step", s.Addr(), "err", err)
			continue
		}
		for _, d := range devices {
			h := waiting[d.ID]
			if h == nil {
				continue
			}
			last[d.ID] = d.Status
			if strings.EqualFold(d.Status, statusContained) {
				delete(waiting, d.ID)
				r.finish(s, h, HostStepResult{State: StateSucceeded, Command: "contain", StartedAt: started})
			}
		}
	}
	for id, h := range waiting {
		status := last[id]
		if status == "" {
			status = "unknown"
		}
		// Falcon accepted the request, so containment may still complete.
		r.finish(s, h, HostStepResult{State: StateUnknown, Command: "contain", StartedAt: started,
			Reason: "containment requested but not confirmed before the deadline; last status " + status})
	}
}

// offline reports whether Falcon reported the host offline: its session was
// queued, or refused with 40407.
func (h *hostState) offline() bool {
	if h.session.State == StateQueued {
		return true
	}
	for _, e := range h.session.Errors {
		if e.Code == codeSensorOffline {
			return true
		}
	}
	return false
}

// codeSensorOffline is Falcon's per-host code for "Sensor appears to be
// offline".
const codeSensorOffline = 40407

// requestContainment requests containment of ids. Containing a contained
// host changes nothing, so a request whose outcome is unknown is sent
// again, up to maxCommandSends times.
func (r *runner) requestContainment(ctx context.Context, ids []string) error {
	var err error
	for send := 1; send <= maxCommandSends; send++ {
		if slotErr := r.withRequestSlot(ctx, func() { _, err = r.opts.API.DeviceAction(ctx, rtr.Contain, ids) }); slotErr != nil {
			return slotErr
		}
		if !errors.Is(err, rtr.ErrOutcomeUnknown) || ctx.Err() != nil {
			return err
		}
	}
	return err
}
