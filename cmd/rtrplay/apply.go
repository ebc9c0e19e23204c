package main

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/rtrplay/rtrplay/executor"
	"github.com/rtrplay/rtrplay/playbook"
)

type applyFlags struct {
	vars            stringsFlag
	autoApprove     bool
	runDir          string
	operator        string
	reason          string
	ticket          string
	parallelism     int
	chunkSize       int
	refreshInterval time.Duration
	requestTimeout  time.Duration
	pollInterval    time.Duration
	deleteSessions  bool
}

// apply resolves the targets, requests approval of destructive steps,
// runs the playbook and writes the run directory.
func (c *cli) apply(args []string) int {
	fs := c.newFlagSet("apply", "FILE")
	var f applyFlags
	fs.Var(&f.vars, "var", "set a variable, NAME=VALUE (repeatable)")
	fs.BoolVar(&f.autoApprove, "auto-approve", false, "run destructive steps without asking")
	fs.StringVar(&f.runDir, "run-dir", "", "evidence directory; must not exist or be empty (default runs/<UTC time>-<playbook>)")
	fs.StringVar(&f.operator, "operator", "", "who runs the playbook, for the report (default $USER)")
	fs.StringVar(&f.reason, "reason", "", "why the playbook runs, for the report")
	fs.StringVar(&f.ticket, "ticket", "", "case or ticket id, for the report")
	fs.IntVar(&f.parallelism, "parallelism", 10, "batch requests in flight at once")
	fs.IntVar(&f.chunkSize, "chunk-size", 10000, "most hosts in one batch session (Falcon's limit is 10000)")
	fs.DurationVar(&f.refreshInterval, "refresh-interval", 4*time.Minute, "how often batch sessions are refreshed")
	fs.DurationVar(&f.requestTimeout, "request-timeout", 30*time.Second, "server-side wait of each batch command, whole seconds from 2s to 5m; slower hosts are polled")
	fs.DurationVar(&f.pollInterval, "poll-interval", time.Second, "first wait between status polls; later waits grow")
	fs.BoolVar(&f.deleteSessions, "delete-sessions", false, "close every host's session at the end instead of letting it expire")
	path, code, ok := c.parseOneFile(fs, args)
	if !ok {
		return code
	}
	if msg := f.check(); msg != "" {
		fmt.Fprintf(c.stderr, "rtrplay apply: %s\n", msg)
		return exitError
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pb, client, res, ok := c.loadAndResolve(ctx, path, f.vars)
	if !ok {
		return exitError
	}
	defer client.Close(context.Background())
	plan := pb.Plan(res.HostCounts())
	if !c.approve(plan, f.autoApprove) {
		return exitError
	}
	runDir := f.runDir
	if runDir == "" {
		runDir = filepath.Join("runs", time.Now().UTC().Format("20060102T150405Z")+"-"+pb.Name)
	}
	stop := make(chan struct{})
	go c.watchSignals(ctx, stop, cancel)
	view := c.newRunView()
	report, err := executor.Run(ctx, stop, executor.Options{
		API: client, Playbook: pb, Resolution: res, RunDir: runDir, Sink: view.handle,
		Operator: f.operatorName(c.getenv), Reason: f.reason, Ticket: f.ticket, Version: version,
		ChunkSize: f.chunkSize, RefreshInterval: f.refreshInterval, RequestTimeout: f.requestTimeout,
		PollInterval: f.pollInterval, Parallelism: f.parallelism, DeleteSessions: f.deleteSessions,
		Logger: c.logger(),
	})
	if err != nil {
		fmt.Fprintf(c.stderr, "rtrplay apply: %v\n", err)
		return exitError
	}
	view.summary(report, runDir)
	return report.ExitCode
}

func (f *applyFlags) check() string {
	switch {
	case f.parallelism < 1:
		return fmt.Sprintf("-parallelism %d is invalid; use 1 or more", f.parallelism)
	case f.chunkSize < 1 || f.chunkSize > 10000:
		return fmt.Sprintf("-chunk-size %d is invalid; Falcon takes 1 to 10000 hosts per batch session", f.chunkSize)
	case f.requestTimeout < 2*time.Second || f.requestTimeout > 5*time.Minute || f.requestTimeout%time.Second != 0:
		// The API takes whole seconds up to 5m, and the per-host timeout
		// must fit a second below the request's.
		return fmt.Sprintf("-request-timeout %s is invalid; use whole seconds from 2s to 5m", f.requestTimeout)
	case f.refreshInterval < time.Second || f.refreshInterval > 4*time.Minute:
		// Falcon expires idle sessions after 5 or 10 minutes (sources
		// differ), so a refresh must come well inside the shorter one.
		return fmt.Sprintf("-refresh-interval %s is invalid; use a duration from 1s to 4m so that sessions do not expire", f.refreshInterval)
	case f.pollInterval < 100*time.Millisecond || f.pollInterval > time.Minute:
		return fmt.Sprintf("-poll-interval %s is invalid; use a duration from 100ms to 1m, such as 1s", f.pollInterval)
	}
	return ""
}

func (f *applyFlags) operatorName(getenv func(string) string) string {
	if f.operator != "" {
		return f.operator
	}
	if u := getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// approve prompts once before any command, listing the destructive steps and
// how many hosts each may touch. Only "yes" approves. Without a terminal it
// rejects the run instead of waiting for input that cannot come.
func (c *cli) approve(plan *playbook.Plan, auto bool) bool {
	destructive := plan.Destructive()
	if len(destructive) == 0 || auto {
		return true
	}
	if !c.isTerminal() {
		fmt.Fprintf(c.stderr, "rtrplay apply: playbook %q has %s and there is no terminal to ask for approval; "+
			"review it with 'rtrplay plan' and rerun with -auto-approve\n", plan.Playbook, plural(len(destructive), "destructive step"))
		return false
	}
	fmt.Fprintf(c.stdout, "Playbook %q will run these destructive steps:\n", plan.Playbook)
	for _, s := range destructive {
		fmt.Fprintf(c.stdout, "  ! %-28s up to %s  %s\n", s.Addr, plural(s.Hosts, "host"), s.Text)
	}
	fmt.Fprint(c.stdout, "\nOnly 'yes' will be accepted to approve.\n\nEnter a value: ")
	line, _ := bufio.NewReader(c.stdin).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(c.stderr, "rtrplay apply: not approved; nothing was sent to any host")
		return false
	}
	return true
}

// watchSignals turns the first interrupt into a graceful stop and the
// second into an abort.
func (c *cli) watchSignals(ctx context.Context, stop chan struct{}, abort context.CancelFunc) {
	if c.signals == nil {
		return
	}
	select {
	case <-c.signals:
	case <-ctx.Done():
		return
	}
	fmt.Fprintln(c.stderr, "rtrplay: interrupted; waiting for commands in flight (interrupt again to abort)")
	close(stop)
	select {
	case <-c.signals:
		abort()
	case <-ctx.Done():
	}
}
