package executor

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/playbook"
	"github.com/rtrplay/rtrplay/rtr"
	"github.com/rtrplay/rtrplay/sim"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

type harness struct {
	srv    *sim.Server
	client *rtr.Client
}

func newHarness(t *testing.T, fleetName string, opts sim.Options) *harness {
	t.Helper()
	fl, err := fleet.Named(fleetName)
	if err != nil {
		t.Fatal(err)
	}
	opts.Fleet, opts.StateDir = fl, t.TempDir()
	if opts.UploadDelay == 0 {
		opts.UploadDelay = 200 * time.Millisecond
	}
	if opts.ContainDelay == 0 {
		opts.ContainDelay = 200 * time.Millisecond
	}
	srv, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client, err := rtr.New(context.Background(), rtr.Config{
		ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(), BaseURL: srv.URL(),
		CAFile: srv.CAFile(), LoopbackOnly: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{srv: srv, client: client}
}

// run parses src, resolves its targets and runs it with opts.
func (h *harness) run(t *testing.T, src string, opts Options) (*Report, string) {
	t.Helper()
	pb, diags := playbook.Parse([]byte(src), filepath.Join(t.TempDir(), "p.hcl"), playbook.Options{})
	if diags.HasErrors() {
		t.Fatalf("playbook: %v", diags)
	}
	ctx := context.Background()
	res, err := Resolve(ctx, h.client, pb)
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	opts.API, opts.Playbook, opts.Resolution = h.client, pb, res
	opts.RunDir = filepath.Join(t.TempDir(), "run")
	if opts.PollInterval == 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	rep, err := Run(ctx, nil, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return rep, opts.RunDir
}

func (h *harness) requests(method, path string) []sim.RequestRecord {
	var out []sim.RequestRecord
	for _, r := range h.srv.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

const (
	batchInitPath    = "/real-time-response/combined/batch-init-session/v1"
	batchRefreshPath = "/real-time-response/combined/batch-refresh-session/v1"
)

func TestRunChunksEveryHost(t *testing.T) {
	h := newHarness(t, "demo", sim.Options{})
	src := `
playbook "chunks" {}
target "all" {
  filter = "platform_name:['Windows','Linux','Mac']"
}
step "where" {
  target  = target.all
  command = "pwd"
}
step "again" {
  target  = target.all
  command = "pwd"
  depends_on = [step.where]
}
`
	rep, _ := h.run(t, src, Options{ChunkSize: 3, RefreshInterval: 100 * time.Millisecond})
	hosts := len(h.srv.Fleet().Hosts())
	wantBatches := (hosts + 2) / 3
	if got := len(h.requests("POST", batchInitPath)); got != wantBatches {
		t.Errorf("batch inits = %d, want %d for %d hosts in chunks of 3", got, wantBatches, hosts)
	}
	if len(rep.Batches) != wantBatches {
		t.Errorf("report lists %d batches, want %d", len(rep.Batches), wantBatches)
	}
	if rep.Counts[StateSucceeded] != 2*hosts || rep.ExitCode != 0 {
		t.Errorf("counts %v exit %d, want %d succeeded and exit 0", rep.Counts, rep.ExitCode, 2*hosts)
	}
	perHost := map[string]int{}
	for _, rec := range h.srv.Commands() {
		if rec.BaseCommand == "pwd" {
			perHost[rec.AID]++
		}
	}
	for _, fh := range h.srv.Fleet().Hosts() {
		if n := perHost[fh.Info().AID]; n != 2 {
			t.Errorf("host %s got pwd %d times, want 2", fh.Info().Hostname, n)
		}
	}
}

func TestRunSkipsUnreachableHosts(t *testing.T) {
	h := newHarness(t, "degraded", sim.Options{})
	src := `
playbook "degraded" {}
target "win" {
  filter = "platform_name:'Windows'"
}
step "ps" {
  target  = target.win
  command = "ps"
}
`
	rep, _ := h.run(t, src, Options{})
	if rep.ExitCode != 2 || rep.Status != RunFailed {
		t.Fatalf("exit %d status %s, want 2 failed", rep.ExitCode, rep.Status)
	}
	connected := map[string]bool{}
	for _, hr := range rep.Hosts {
		if hr.Session.State == StateSucceeded {
			connected[hr.ID] = true
		}
	}
	for _, rec := range h.srv.Commands() {
		if rec.BaseCommand == "ps" && !connected[rec.AID] {
			t.Errorf("ps sent to host %s, which has no session", rec.Hostname)
		}
	}
	if rep.Counts[StateSkipped] != 2 || rep.Counts[StateSucceeded] != 1 {
		t.Errorf("step counts = %v, want 1 succeeded and 2 skipped", rep.Counts)
	}
	if rep.Sessions[StateFailed] != 2 || rep.Sessions[StateSucceeded] != 1 {
		t.Errorf("session counts = %v, want 1 succeeded and 2 failed", rep.Sessions)
	}
}

func TestRunNoHostInitialises(t *testing.T) {
	h := newHarness(t, "degraded", sim.Options{})
	src := `
playbook "none" {}
target "down" {
  hostnames = ["WIN-HR-02", "WIN-DC-01"]
}
step "ps" {
  target  = target.down
  command = "ps"
}
step "kill" {
  target  = target.down
  command = "kill 4"
  depends_on = [step.ps]
}
`
	rep, dir := h.run(t, src, Options{})
	if rep.ExitCode != 2 {
		t.Fatalf("exit %d, want 2", rep.ExitCode)
	}
	for _, hr := range rep.Hosts {
		if hr.Session.State != StateFailed || len(hr.Session.Errors) == 0 {
			t.Errorf("%s session = %+v, want failed with Falcon's code", hr.Hostname, hr.Session)
		}
		for addr, res := range hr.Steps {
			if res.State != StateSkipped || !strings.Contains(res.Reason, "no RTR session") {
				t.Errorf("%s %s = %+v, want skipped for lack of a session", hr.Hostname, addr, res)
			}
		}
	}
	if n := len(h.srv.Commands()); n != 0 {
		t.Errorf("%d commands reached hosts, want none", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "run.json")); err != nil {
		t.Errorf("run.json missing: %v", err)
	}
}

func TestRunQueuesOfflineHosts(t *testing.T) {
	h := newHarness(t, "degraded", sim.Options{})
	src := `
playbook "queue" {}
target "hr" {
  hostnames     = ["WIN-HR-02", "WIN-FIN-01"]
  queue_offline = true
}
step "ps" {
  target  = target.hr
  command = "ps"
}
step "kill" {
  target  = target.hr
  when    = host.hostname == "WIN-HR-02"
  command = "kill ${rtr_pid(step.ps.stdout, "svchost")}"
}
`
	rep, _ := h.run(t, src, Options{})
	if rep.ExitCode != 3 || rep.Status != RunQueued {
		t.Fatalf("exit %d status %s, want 3 queued; hosts %+v", rep.ExitCode, rep.Status, rep.Hosts)
	}
	var steps map[string]HostStepResult
	for _, hr := range rep.Hosts {
		if hr.Hostname == "WIN-HR-02" {
			steps = hr.Steps
		}
	}
	if steps["step.ps"].State != StateQueued {
		t.Errorf("step.ps = %+v, want queued", steps["step.ps"])
	}
	if s := steps["step.kill"]; s.State != StateSkipped || !strings.Contains(s.Reason, "queued") {
		t.Errorf("step.kill = %+v, want skipped because step.ps is queued", s)
	}
}

// TestRunAllOfflineQueued: Falcon opens no batch when no host initialises.
// The host is reported queued as Falcon reported it, its steps are skipped because
// nothing could be sent, and the run fails.
func TestRunAllOfflineQueued(t *testing.T) {
	h := newHarness(t, "degraded", sim.Options{})
	src := `
playbook "queue" {}
target "hr" {
  hostnames     = ["WIN-HR-02"]
  queue_offline = true
}
step "ps" {
  target  = target.hr
  command = "ps"
}
`
	rep, _ := h.run(t, src, Options{})
	if rep.ExitCode != 2 {
		t.Fatalf("exit %d, want 2", rep.ExitCode)
	}
	hr := rep.Hosts[0]
	if hr.Session.State != StateQueued {
		t.Errorf("session = %+v, want queued as Falcon reported it", hr.Session)
	}
	if s := hr.Steps["step.ps"]; s.State != StateSkipped || !strings.Contains(s.Reason, "no hosts reachable") {
		t.Errorf("step.ps = %+v, want skipped because no host was reachable", s)
	}
}

func TestRunKeepsWorkingDirectory(t *testing.T) {
	h := newHarness(t, "demo", sim.Options{})
	src := `
playbook "cwd" {}
target "fin" {
  hostnames = ["WIN-FIN-01"]
}
step "cd" {
  target  = target.fin
  command = "cd C:\\Windows"
}
step "ls" {
  target     = target.fin
  command    = "ls"
  depends_on = [step.cd]
}
`
	_, dir := h.run(t, src, Options{})
	var rep Report
	data, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	ls := rep.Hosts[0].Steps["step.ls"]
	out, err := os.ReadFile(filepath.Join(dir, ls.StdoutFile))
	if err != nil {
		t.Fatalf("ls stdout: %v", err)
	}
	if !strings.Contains(string(out), `Directory listing for C:\Windows`) || !strings.Contains(string(out), "notepad.exe") {
		t.Errorf("ls after cd did not list C:\\Windows:\n%s", out)
	}
}

func TestRunRefreshesEveryBatch(t *testing.T) {
	h := newHarness(t, "demo", sim.Options{UploadDelay: time.Second})
	src := `
playbook "refresh" {}
target "win" {
  filter = "platform_name:'Windows'"
}
get "hosts_file" {
  target = target.win
  path   = "C:\\Windows\\System32\\drivers\\etc\\hosts"
}
`
	rep, _ := h.run(t, src, Options{ChunkSize: 2, RefreshInterval: 150 * time.Millisecond})
	if rep.ExitCode != 0 {
		t.Fatalf("exit %d, hosts %+v", rep.ExitCode, rep.Hosts)
	}
	if got := len(h.requests("POST", batchRefreshPath)); got < 2*len(rep.Batches) {
		t.Errorf("saw %d refreshes for %d batches over a second, want at least two per batch", got, len(rep.Batches))
	}
}

// TestRunRedactsSensitiveValues sends the secret to the host but keeps it
// out of run.json, events.jsonl and every path in the run directory.
func TestRunRedactsSensitiveValues(t *testing.T) {
	h := newHarness(t, "demo", sim.Options{})
	const secret = "s3cr3t-Value"
	src := `
playbook "secret" {}
variable "token" {
  type      = string
  sensitive = true
  default   = "` + secret + `"
}
target "fin" {
  hostnames = ["WIN-FIN-01"]
}
step "probe" {
  target  = target.fin
  command = "cat C:\\Windows\\${var.token}.txt"
}
step "derived" {
  target  = target.fin
  command = "cat C:\\Windows\\${lower(var.token)}.txt"
}
`
	rep, dir := h.run(t, src, Options{})
	sent := false
	for _, rec := range h.srv.Commands() {
		if strings.Contains(rec.CommandString, secret) {
			sent = true
		}
	}
	if !sent {
		t.Error("the host did not receive the secret value in its command")
	}
	if got := rep.Hosts[0].Steps["step.probe"].Command; strings.Contains(got, secret) || !strings.Contains(got, "(sensitive)") {
		t.Errorf("reported command = %q, want the secret redacted", got)
	}
	lowered := strings.ToLower(secret)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(path, secret) || strings.Contains(path, lowered) {
			t.Errorf("path %s contains the secret", path)
		}
		if d.IsDir() || strings.Contains(path, string(filepath.Separator)+"hosts"+string(filepath.Separator)) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(data), secret) || strings.Contains(string(data), lowered) {
			t.Errorf("%s contains the secret or a value derived from it", filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestContainWithoutSession contains hosts that RTR cannot reach, because
// the Hosts API needs no RTR session. The unreachable host is contained;
// the offline one stays pending, so its outcome is unknown at the deadline.
func TestContainWithoutSession(t *testing.T) {
	h := newHarness(t, "degraded", sim.Options{})
	src := `
playbook "isolate" {}
target "down" {
  hostnames = ["WIN-HR-02", "WIN-DC-01"]
}
contain "isolate" {
  target  = target.down
  timeout = "2s"
}
`
	rep, _ := h.run(t, src, Options{})
	if n := len(h.requests("POST", batchInitPath)); n != 0 {
		t.Errorf("a contain-only playbook opened %d RTR sessions, want none", n)
	}
	want := map[string]State{"WIN-DC-01": StateSucceeded, "WIN-HR-02": StateUnknown}
	for _, hr := range rep.Hosts {
		if got := hr.Steps["contain.isolate"].State; got != want[hr.Hostname] {
			t.Errorf("%s contain = %+v, want %s", hr.Hostname, hr.Steps["contain.isolate"], want[hr.Hostname])
		}
	}
	if got := h.srv.Fleet().HostByName("WIN-DC-01").Info().Containment; got != "contained" {
		t.Errorf("WIN-DC-01 containment = %q, want contained", got)
	}
}

// TestRunUnderFaults runs the containment playbook while the emulator returns
// 429, 503 and dropped connections at random (with a fixed seed)
// and tokens expire every few seconds. Every host must still get every
// result, and no command may reach a host twice.
func TestRunUnderFaults(t *testing.T) {
	faults, err := sim.ParseFaults("429:0.2,503:0.1,drop:0.05,seed:11")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, "outbreak", sim.Options{Faults: faults, TokenTTL: 3 * time.Second})
	src, err := os.ReadFile("../examples/playbooks/containment.hcl")
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := h.run(t, string(src), Options{RefreshInterval: time.Second})
	for _, hr := range rep.Hosts {
		for addr, res := range hr.Steps {
			if res.State != StateSucceeded {
				t.Errorf("%s %s = %s (%s), want succeeded despite the faults", hr.Hostname, addr, res.State, res.Reason)
			}
		}
	}
	if rep.ExitCode != 0 {
		t.Errorf("exit %d, want 0", rep.ExitCode)
	}
	seen := map[string]int{}
	for _, rec := range h.srv.Commands() {
		seen[rec.AID+" "+rec.CommandString]++
	}
	for key, n := range seen {
		if n > 1 {
			t.Errorf("command reached a host %d times: %s", n, key)
		}
	}
	faulted := 0
	for _, req := range h.srv.Requests() {
		if req.Fault != "" {
			faulted++
		}
	}
	if faulted < 5 {
		t.Errorf("only %d requests were faulted; the test needs the faults to bite", faulted)
	}
	t.Logf("%d of %d requests faulted", faulted, len(h.srv.Requests()))
}

// TestResolveReportsEveryTarget lists the problems of all targets in one
// error, so that one plan shows everything to fix.
func TestResolveReportsEveryTarget(t *testing.T) {
	h := newHarness(t, "demo", sim.Options{})
	src := `
playbook "targets" {}
target "ghost" {
  hostnames = ["NO-SUCH-HOST"]
}
target "nothing" {
  filter = "platform_name:'Windows'+hostname:'nope'"
}
target "win" {
  filter    = "platform_name:'Windows'"
  max_hosts = 1
}
step "ps" {
  target  = target.win
  command = "ps"
}
`
	pb, diags := playbook.Parse([]byte(src), filepath.Join(t.TempDir(), "p.hcl"), playbook.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, err := Resolve(context.Background(), h.client, pb)
	if err == nil {
		t.Fatal("Resolve succeeded; want an error for each of three targets")
	}
	for _, want := range []string{`target "ghost"`, `target "nothing" matches no host`, `max_hosts of 1`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
