package executor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rtrplay/rtrplay/playbook"
)

// group is a set of hosts of one batch that get the same command string
// (or the same path), so that one batch request serves them all.
type group struct {
	batch *batch
	// text goes to the hosts; display, with sensitive values redacted, goes
	// to events and the report.
	text, display string
	secrets       []string
	hosts         []*hostState
}

// runStep decides per host whether the step runs and with what command,
// then sends one request per group and records every host's final state.
func (r *runner) runStep(ctx context.Context, s *playbook.Step) {
	hosts := r.targetHosts(s)
	r.emit(StepStarted{Time: r.opts.Now().UTC(), Step: s.Addr(), Hosts: len(hosts)})
	started := r.opts.Now().UTC().Format(time.RFC3339Nano)
	groups := map[string]*group{}
	var order []string
	for _, h := range hosts {
		rendered, res, ok := r.prepareHost(s, h)
		r.setSecrets(s.Addr(), h.ID, rendered.Secrets)
		if !ok {
			res.StartedAt = started
			r.finish(s, h, res)
			continue
		}
		key := fmt.Sprintf("%p\x00%s", h.batch, rendered.Text)
		g := groups[key]
		if g == nil {
			g = &group{batch: h.batch, text: rendered.Text, display: rendered.Display, secrets: rendered.Secrets}
			groups[key] = g
			order = append(order, key)
		}
		g.hosts = append(g.hosts, h)
	}
	if s.Kind == playbook.KindContain {
		var all []*hostState
		for _, key := range order {
			all = append(all, groups[key].hosts...)
		}
		if len(all) > 0 {
			r.runContain(ctx, s, all)
		}
		r.stepFinished(s, hosts)
		return
	}
	var wg sync.WaitGroup
	for _, key := range order {
		g := groups[key]
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runGroup(ctx, s, g)
		}()
	}
	wg.Wait()
	r.stepFinished(s, hosts)
}

// prepareHost returns the command string (or path) for a host, or the
// final result of a host that does not run the step.
func (r *runner) prepareHost(s *playbook.Step, h *hostState) (playbook.Rendered, HostStepResult, bool) {
	var none playbook.Rendered
	if s.Kind != playbook.KindContain {
		if res, blocked := sessionBlocks(h); blocked {
			return none, res, false
		}
	}
	if r.stopped.Load() {
		return none, HostStepResult{State: StateSkipped, Reason: "run interrupted before this step started"}, false
	}
	for _, dep := range s.DependsOn {
		res, ok := r.result(dep.Addr(), h.ID)
		if ok && res.State.blocksDependents() {
			return none, HostStepResult{State: StateSkipped, Reason: fmt.Sprintf("%s %s on this host", dep.Addr(), res.State)}, false
		}
	}
	if !s.RunsOn(h.Platform) {
		return none, HostStepResult{State: StateSkipped,
			Reason: fmt.Sprintf("%s runs only on %s", s.Addr(), strings.Join(s.Platforms, ", "))}, false
	}
	if s.Kind != playbook.KindContain && !s.Resolved.HasPlatform(h.Platform) {
		return none, HostStepResult{State: StateSkipped,
			Reason: fmt.Sprintf("%s does not exist on %s", s.Resolved.Name, h.Platform)}, false
	}
	scope := r.scope(s, h)
	run, diags := r.pb.EvalWhen(s, scope)
	if diags.HasErrors() {
		return none, HostStepResult{State: StateFailed, Reason: "when: " + diags.Error()}, false
	}
	if !run {
		return none, HostStepResult{State: StateSkipped, Reason: "condition is false"}, false
	}
	var text playbook.Rendered
	switch s.Kind {
	case playbook.KindCommand, playbook.KindRunscript:
		text, diags = r.pb.EvalCommand(s, scope)
	case playbook.KindGet:
		text, diags = r.pb.EvalPath(s, scope)
	}
	if diags.HasErrors() {
		return none, HostStepResult{State: StateFailed, Reason: diags.Error()}, false
	}
	return text, HostStepResult{}, true
}

// sessionBlocks returns the result of an RTR step on a host that cannot
// take commands. A host without a session skips every RTR step: the
// session's own result holds the root cause and Falcon's codes. A host
// whose session Falcon queued still gets every command that does not need
// an earlier step's output, and the result reports it as queued.
func sessionBlocks(h *hostState) (HostStepResult, bool) {
	switch h.session.State {
	case StateFailed:
		return HostStepResult{State: StateSkipped, Reason: h.session.Reason}, true
	case StateSkipped:
		return HostStepResult{State: StateSkipped, Reason: h.session.Reason}, true
	}
	if h.batch == nil || h.batch.id == "" {
		// Falcon returns 404 without a batch id when no host of a chunk
		// initialises, even if it queued some: nothing can be sent to them.
		return HostStepResult{State: StateSkipped,
			Reason: "no hosts reachable: Falcon opened no batch session because no host of this chunk initialised"}, true
	}
	return HostStepResult{}, false
}

func (r *runner) stepFinished(s *playbook.Step, hosts []*hostState) {
	counts := map[State]int{}
	for _, h := range hosts {
		if res, ok := r.result(s.Addr(), h.ID); ok {
			counts[res.State]++
		}
	}
	r.emit(StepFinished{Time: r.opts.Now().UTC(), Step: s.Addr(), Counts: counts})
}

func (r *runner) runGroup(ctx context.Context, s *playbook.Step, g *group) {
	if !r.acquire(ctx, g.hosts) {
		r.finishAll(s, g.hosts, HostStepResult{State: StateSkipped, Reason: "run aborted before this step was sent"})
		return
	}
	holding := true
	unlock := func() {
		if holding {
			release(g.hosts)
			holding = false
		}
	}
	defer unlock()
	if r.stopped.Load() {
		r.finishAll(s, g.hosts, HostStepResult{State: StateSkipped, Reason: "run interrupted before this step was sent"})
		return
	}
	switch s.Kind {
	case playbook.KindGet:
		r.runGet(ctx, s, g, unlock)
	default:
		r.runCommand(ctx, s, g)
	}
}

func (r *runner) finishAll(s *playbook.Step, hosts []*hostState, res HostStepResult) {
	for _, h := range hosts {
		r.finish(s, h, res)
	}
}

func hostIDs(hosts []*hostState) []string {
	ids := make([]string, len(hosts))
	for i, h := range hosts {
		ids[i] = h.ID
	}
	slices.Sort(ids)
	return ids
}

// backoff returns the wait before poll number n (from 0).
func (r *runner) backoff(n int) time.Duration {
	d := r.opts.PollInterval
	for i := 0; i < n && d < r.opts.MaxPollInterval; i++ {
		d = d * 3 / 2
	}
	return min(d, r.opts.MaxPollInterval)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
