package executor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtrplay/rtrplay/playbook"
)

// Options configure a run.
type Options struct {
	API        API
	Playbook   *playbook.Playbook
	Resolution *Resolution
	// RunDir is the evidence directory; it must not exist or be empty.
	RunDir string
	Sink   Sink

	// Who ran the playbook and why, for the report.
	Operator, Reason, Ticket string
	// Version is the tool version recorded in the report.
	Version string

	// ChunkSize is the most hosts in one batch session (Falcon allows
	// 10,000, the default).
	ChunkSize int
	// RefreshInterval is how often sessions are refreshed. Falcon expires
	// idle sessions after 5 to 10 minutes (sources differ), so the default
	// is 4 minutes.
	RefreshInterval time.Duration
	// RequestTimeout is the server-side wait of each batch command (the
	// API's timeout parameter, 1 s to 5 min); hosts that take longer are
	// polled. The default is 30 s, the API's own default.
	RequestTimeout time.Duration
	// PollInterval is the first wait between status polls; later waits
	// grow by half up to MaxPollInterval.
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// Parallelism bounds the batch requests in flight at once.
	Parallelism int
	// DeleteSessions closes every host's session at the end. Falcon deletes
	// sessions one host at a time, so by default they are left to expire.
	DeleteSessions bool
	// Now returns the time; tests replace it.
	Now    func() time.Time
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.ChunkSize <= 0 {
		o.ChunkSize = 10000
	}
	if o.RefreshInterval <= 0 {
		o.RefreshInterval = 4 * time.Minute
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MaxPollInterval <= 0 {
		o.MaxPollInterval = 10 * time.Second
	}
	if o.Parallelism <= 0 {
		o.Parallelism = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sink == nil {
		o.Sink = func(Event) {}
	}
}

// runner is the state of one run.
type runner struct {
	opts  Options
	pb    *playbook.Playbook
	dir   *runDir
	start time.Time

	hosts   map[string]*hostState
	batches []*batch
	sem     chan struct{}

	mu       sync.Mutex
	results  map[string]map[string]*HostStepResult // step address -> host id
	manifest []ManifestEntry
	// evidenceErrors lists outputs that could not be stored.
	evidenceErrors []string
	// secrets holds, per step address and host id, the sensitive values in
	// the command sent, for redacting text that echoes them.
	secrets map[string]map[string][]string

	stopped   atomic.Bool
	stopOnce  sync.Once
	stoppedCh chan struct{}
}

// hostState is one host's place in the run.
type hostState struct {
	Host
	batch     *batch
	sessionID string
	session   HostStepResult
	// slot holds one token: a host's session runs one command at a time.
	slot chan struct{}
}

// Run executes the playbook and writes the run directory. It returns the
// report, also when some hosts failed; an error means the run could not
// start or its evidence could not be written. Closing stop makes the run
// end gracefully: no new command is sent, those in flight are awaited, and
// the report covers what was collected. Cancelling ctx aborts requests.
func Run(ctx context.Context, stop <-chan struct{}, opts Options) (*Report, error) {
	opts.setDefaults()
	if opts.API == nil || opts.Playbook == nil || opts.Resolution == nil {
		return nil, errors.New("executor: API, Playbook and Resolution are required")
	}
	dir, err := createRunDir(opts.RunDir)
	if err != nil {
		return nil, err
	}
	defer dir.close()
	r := &runner{
		opts:      opts,
		pb:        opts.Playbook,
		dir:       dir,
		start:     opts.Now().UTC(),
		hosts:     map[string]*hostState{},
		sem:       make(chan struct{}, opts.Parallelism),
		results:   map[string]map[string]*HostStepResult{},
		secrets:   map[string]map[string][]string{},
		stoppedCh: make(chan struct{}),
	}
	for _, h := range opts.Resolution.Hosts {
		r.hosts[h.ID] = &hostState{Host: h, slot: make(chan struct{}, 1)}
	}
	runDone, watchDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(watchDone); r.watchStop(ctx, stop, runDone) }()
	// No event may reach the sink after Run returns.
	defer func() { close(runDone); <-watchDone }()
	r.emit(RunStarted{Time: r.start, Playbook: r.pb.Name, RunDir: opts.RunDir, Hosts: len(r.hosts), Steps: stepAddrs(r.pb)})

	r.openSessions(ctx)
	refreshCtx, stopRefresh := context.WithCancel(ctx)
	refreshDone := make(chan struct{})
	go func() { defer close(refreshDone); r.refreshLoop(refreshCtx) }()

	r.walk(ctx)

	stopRefresh()
	<-refreshDone
	if opts.DeleteSessions {
		r.deleteSessions(ctx)
	}
	report := r.buildReport()
	if err := r.writeReport(report); err != nil {
		return report, err
	}
	r.emit(RunFinished{Time: opts.Now().UTC(), Status: report.Status, ExitCode: report.ExitCode, Counts: report.Counts})
	return report, nil
}

func (r *runner) watchStop(ctx context.Context, stop <-chan struct{}, runDone <-chan struct{}) {
	select {
	case <-stop:
		r.requestStop()
	case <-ctx.Done():
		r.requestStop()
	case <-r.stoppedCh:
	case <-runDone:
	}
}

func (r *runner) requestStop() {
	r.stopOnce.Do(func() {
		r.stopped.Store(true)
		close(r.stoppedCh)
		r.emit(Interrupted{Time: r.opts.Now().UTC()})
	})
}

func (r *runner) emit(e Event) {
	switch ev := e.(type) {
	case RequestSent:
		ev.Command, ev.Err = r.pb.Redact(ev.Command), r.pb.Redact(ev.Err)
		e = ev
	case ArtifactSaved:
		ev.RemotePath = r.pb.Redact(ev.RemotePath)
		e = ev
	}
	r.dir.journal(e)
	r.opts.Sink(e)
}

func stepAddrs(pb *playbook.Playbook) []string {
	addrs := make([]string, len(pb.Steps))
	for i, s := range pb.Steps {
		addrs[i] = s.Addr()
	}
	return addrs
}

// walk runs every step once all the steps it depends on have finished,
// independent branches at the same time.
func (r *runner) walk(ctx context.Context) {
	done := make(map[*playbook.Step]chan struct{}, len(r.pb.Steps))
	for _, s := range r.pb.Steps {
		done[s] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for _, s := range r.pb.Steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[s])
			for _, dep := range s.DependsOn {
				<-done[dep]
			}
			r.runStep(ctx, s)
		}()
	}
	wg.Wait()
}

// targetHosts returns the hosts of a step's target in hostname order.
func (r *runner) targetHosts(s *playbook.Step) []*hostState {
	ids := r.opts.Resolution.ByTarget[s.Target.Name]
	hosts := make([]*hostState, 0, len(ids))
	for _, id := range ids {
		if h := r.hosts[id]; h != nil {
			hosts = append(hosts, h)
		}
	}
	slices.SortFunc(hosts, func(a, b *hostState) int {
		if a.Hostname != b.Hostname {
			if a.Hostname < b.Hostname {
				return -1
			}
			return 1
		}
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return hosts
}

// finish records the final result of a step on a host and emits it.
func (r *runner) finish(s *playbook.Step, h *hostState, res HostStepResult) {
	secrets := r.secretsOf(s.Addr(), h.ID)
	res.Command, res.Reason = r.pb.RedactWith(res.Command, secrets), r.pb.RedactWith(res.Reason, secrets)
	if res.FinishedAt == "" {
		res.FinishedAt = r.opts.Now().UTC().Format(time.RFC3339Nano)
	}
	if res.ran || res.stdout != "" || res.stderr != "" {
		if err := r.dir.writeOutput(h.Host, s.Addr(), &res); err != nil {
			// The command ran, but its evidence is lost: record that on the
			// result and fail the run, whatever the host's state.
			r.opts.Logger.Error("write step output", "step", s.Addr(), "host", h.ID, "err", err)
			note := "output not stored: " + err.Error()
			res.Reason = strings.TrimPrefix(res.Reason+"; "+note, "; ")
			r.mu.Lock()
			r.evidenceErrors = append(r.evidenceErrors, fmt.Sprintf("%s on %s: %s", s.Addr(), h.Hostname, note))
			r.mu.Unlock()
		}
	}
	r.mu.Lock()
	if r.results[s.Addr()] == nil {
		r.results[s.Addr()] = map[string]*HostStepResult{}
	}
	r.results[s.Addr()][h.ID] = &res
	r.mu.Unlock()
	r.emit(HostStepFinished{
		Time: r.opts.Now().UTC(), Step: s.Addr(), HostID: h.ID, Hostname: h.Hostname,
		State: res.State, Reason: res.Reason, Errors: res.Errors, TaskID: res.TaskID,
	})
}

func (r *runner) setSecrets(addr, hostID string, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secrets[addr] == nil {
		r.secrets[addr] = map[string][]string{}
	}
	r.secrets[addr][hostID] = secrets
}

func (r *runner) secretsOf(addr, hostID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.secrets[addr][hostID]
}

func (r *runner) result(addr, hostID string) (*HostStepResult, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res, ok := r.results[addr][hostID]
	return res, ok
}

// scope gives per-host expressions the outcomes of the step's
// dependencies on that host.
func (r *runner) scope(s *playbook.Step, h *hostState) playbook.HostScope {
	sc := playbook.HostScope{Host: h.Facts(), Outcomes: map[string]playbook.Outcome{}}
	for _, dep := range s.DependsOn {
		res, ok := r.result(dep.Addr(), h.ID)
		if !ok {
			// Dependencies have finished, so no result means the step
			// does not target this host: it reads as skipped.
			sc.Outcomes[dep.Addr()] = playbook.Outcome{State: string(StateSkipped),
				Error: dep.Addr() + " does not target this host"}
			continue
		}
		sc.Outcomes[dep.Addr()] = playbook.Outcome{
			State: string(res.State), Stdout: res.stdout, Stderr: res.stderr,
			Error: res.Reason, SHA256: res.sha256, Size: res.size,
		}
	}
	return sc
}

// acquire takes the session slot of every host, in id order so that two
// requests that share hosts cannot deadlock. It gives up when the run
// stops, reporting false.
func (r *runner) acquire(ctx context.Context, hosts []*hostState) bool {
	sorted := slices.Clone(hosts)
	slices.SortFunc(sorted, func(a, b *hostState) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	for i, h := range sorted {
		select {
		case h.slot <- struct{}{}:
		case <-ctx.Done():
			release(sorted[:i])
			return false
		}
	}
	return true
}

func release(hosts []*hostState) {
	for _, h := range hosts {
		<-h.slot
	}
}

func (r *runner) withRequestSlot(ctx context.Context, f func()) error {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-r.sem }()
	f()
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func fmtErrors(errs []ErrorEntry) string {
	if len(errs) == 0 {
		return ""
	}
	e := errs[0]
	return fmt.Sprintf("%d: %s", e.Code, e.Message)
}
