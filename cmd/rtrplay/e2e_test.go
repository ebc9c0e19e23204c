package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rtrplay/rtrplay/internal/testenv"
	"github.com/rtrplay/rtrplay/rtr"
	"github.com/rtrplay/rtrplay/schema"
	"github.com/rtrplay/rtrplay/sim"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

const containmentPlaybook = "../../examples/playbooks/containment.hcl"

// implantPath is where the simulated implant lives on compromised hosts.
const implantPath = `C:\ProgramData\Vendor App\updater64.exe`

// startSim starts an emulator on 127.0.0.1 with a built-in fleet.
func startSim(t *testing.T, fleetName string, opts sim.Options) *sim.Server {
	t.Helper()
	fl, err := fleet.Named(fleetName)
	if err != nil {
		t.Fatalf("fleet %s: %v", fleetName, err)
	}
	opts.Fleet = fl
	opts.StateDir = t.TempDir()
	if opts.UploadDelay == 0 {
		opts.UploadDelay = 400 * time.Millisecond
	}
	if opts.ContainDelay == 0 {
		opts.ContainDelay = 300 * time.Millisecond
	}
	srv, err := sim.New(opts)
	if err != nil {
		t.Fatalf("new emulator: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

type cliResult struct {
	exit           int
	stdout, stderr string
}

// runCLI runs rtrplay in-process against srv. Every request goes through
// the loopback guard (RTRPLAY_LOOPBACK_ONLY).
func runCLI(t *testing.T, srv *sim.Server, args ...string) cliResult {
	t.Helper()
	env := map[string]string{
		"FALCON_CLIENT_ID":      srv.ClientID(),
		"FALCON_CLIENT_SECRET":  srv.ClientSecret(),
		"FALCON_BASE_URL":       srv.URL(),
		"FALCON_CA_FILE":        srv.CAFile(),
		"RTRPLAY_LOOPBACK_ONLY": "1",
		"USER":                  "e2e-tester",
	}
	var stdout, stderr bytes.Buffer
	c := &cli{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv:     func(k string) string { return env[k] },
		isTerminal: func() bool { return false },
	}
	exit := c.run(args)
	return cliResult{exit: exit, stdout: stdout.String(), stderr: stderr.String()}
}

func applyArgs(runDir string, extra ...string) []string {
	args := []string{"apply", "-auto-approve", "-run-dir", runDir, "-poll-interval", "100ms"}
	args = append(args, extra...)
	return append(args, containmentPlaybook)
}

// compromisedIDs returns the agent ids of hosts running the implant.
func compromisedIDs(t *testing.T, fl *fleet.Fleet) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, h := range fl.Hosts() {
		info := h.Info()
		if info.Platform != fleet.Windows {
			continue
		}
		res := h.Exec(h.NewShell(), fleet.ReadOnly, "ps")
		if strings.Contains(res.Stdout, "updater64") {
			out[info.AID] = info.Hostname
		}
	}
	return out
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

type runReport struct {
	Status   string         `json:"status"`
	ExitCode int            `json:"exit_code"`
	Counts   map[string]int `json:"counts"`
	Hosts    []struct {
		HostID   string `json:"host_id"`
		Hostname string `json:"hostname"`
		Session  struct {
			State  string `json:"state"`
			Errors []struct {
				Code int `json:"code"`
			} `json:"errors"`
		} `json:"session"`
		Steps map[string]struct {
			State  string `json:"state"`
			Reason string `json:"reason"`
			Errors []struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"errors"`
		} `json:"steps"`
	} `json:"hosts"`
}

type manifestFile struct {
	Files []struct {
		HostID        string `json:"host_id"`
		Hostname      string `json:"hostname"`
		Step          string `json:"step"`
		RemotePath    string `json:"remote_path"`
		FalconSHA256  string `json:"falcon_sha256"`
		ContentSHA256 string `json:"content_sha256"`
		Size          int64  `json:"size"`
		ArchivePath   string `json:"archive_path"`
		ArchiveSHA256 string `json:"archive_sha256"`
	} `json:"files"`
}

// destructiveBase lists the base commands that change host state, written
// here independently of the catalog so that a catalog mistake cannot hide.
var destructiveBase = map[string]bool{
	"kill": true, "rm": true, "mv": true, "cp": true, "runscript": true, "put": true, "run": true,
	"put-and-run": true, "restart": true, "shutdown": true, "memdump": true, "xmemdump": true,
	"encrypt": true, "map": true, "unmap": true, "update": true, "contain": true, "lift_containment": true,
}

func isDestructive(rec sim.CommandRecord) bool {
	base := strings.ToLower(rec.BaseCommand)
	if base == "reg" {
		fields := strings.Fields(strings.ToLower(rec.CommandString))
		return len(fields) > 1 && fields[1] != "query"
	}
	return destructiveBase[base] || strings.Contains(strings.ToLower(rec.Endpoint), "devices-actions")
}

func destructiveTargets(srv *sim.Server) map[string][]string {
	out := map[string][]string{}
	for _, rec := range srv.Commands() {
		if isDestructive(rec) {
			out[rec.AID] = append(out[rec.AID], rec.CommandString)
		}
	}
	return out
}

func countRequests(srv *sim.Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// implantBytes reads the implant binary from a host through the emulator's
// own get, before the run removes it.
func implantBytes(t *testing.T, fl *fleet.Fleet, aid string) []byte {
	t.Helper()
	h := fl.Host(aid)
	g := h.Get(h.NewShell(), `"`+implantPath+`"`)
	if g.ErrCode != 0 || g.Stderr != "" {
		t.Fatalf("read implant on %s: %d %s %s", aid, g.ErrCode, g.ErrMessage, g.Stderr)
	}
	return g.Content
}

func TestContainmentOnFleets(t *testing.T) {
	cases := []struct {
		fleet       string
		wantExit    int
		compromised int
	}{
		{"demo", exitOK, 1},
		{"outbreak", exitOK, 3},
		{"clean", exitOK, 0},
	}
	for _, tc := range cases {
		t.Run(tc.fleet, func(t *testing.T) {
			srv := startSim(t, tc.fleet, sim.Options{})
			fl := srv.Fleet()
			bad := compromisedIDs(t, fl)
			if len(bad) != tc.compromised {
				t.Fatalf("fleet %s has %d compromised hosts, want %d", tc.fleet, len(bad), tc.compromised)
			}
			implants := map[string][]byte{}
			for aid := range bad {
				implants[aid] = implantBytes(t, fl, aid)
			}
			before := snapshotJSON(t, fl)

			runDir := filepath.Join(t.TempDir(), "out")
			res := runCLI(t, srv, applyArgs(runDir)...)
			if res.exit != tc.wantExit {
				t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", res.exit, tc.wantExit, res.stdout, res.stderr)
			}

			checkFleetChanges(t, before, snapshotJSON(t, fl), bad)
			for aid, cmds := range destructiveTargets(srv) {
				if _, ok := bad[aid]; !ok {
					t.Errorf("destructive commands sent to clean host %s: %q", aid, cmds)
				}
			}
			for aid, name := range bad {
				if got := fl.Host(aid).Info().Containment; got != "contained" {
					t.Errorf("host %s containment = %q, want contained", name, got)
				}
			}
			checkEvidence(t, runDir, implants)
			if tc.compromised > 0 {
				polls := countRequests(srv, "GET", "/real-time-response/combined/batch-get-command/v1")
				if polls < 2 {
					t.Errorf("saw %d batch-get status polls, want at least 2", polls)
				}
			}
		})
	}
}

// checkEvidence checks that every implant was retrieved as an archive
// whose content hash equals the manifest's, Falcon's and the fleet's.
func checkEvidence(t *testing.T, runDir string, implants map[string][]byte) {
	t.Helper()
	var m manifestFile
	readJSON(t, filepath.Join(runDir, "manifest.json"), &m)
	if len(m.Files) != len(implants) {
		t.Fatalf("manifest lists %d files, want %d", len(m.Files), len(implants))
	}
	for _, f := range m.Files {
		want := sha256Hex(implants[f.HostID])
		if f.FalconSHA256 != want || f.ContentSHA256 != want {
			t.Errorf("%s: falcon sha256 %s, content sha256 %s, want %s", f.Hostname, f.FalconSHA256, f.ContentSHA256, want)
		}
		var content bytes.Buffer
		member, err := rtr.ExtractArchive(filepath.Join(runDir, f.ArchivePath), "infected", &content, 1<<30)
		if err != nil {
			t.Fatalf("open %s with the password: %v", f.ArchivePath, err)
		}
		if member.SHA256 != want || !bytes.Equal(content.Bytes(), implants[f.HostID]) {
			t.Errorf("%s: archive content sha256 %s, want %s", f.ArchivePath, member.SHA256, want)
		}
		check7zProgram(t, filepath.Join(runDir, f.ArchivePath))
		archive, err := os.ReadFile(filepath.Join(runDir, f.ArchivePath))
		if err != nil {
			t.Fatal(err)
		}
		if sha256Hex(archive) != f.ArchiveSHA256 {
			t.Errorf("%s: archive sha256 differs from the manifest", f.ArchivePath)
		}
	}
	checkSchema(t, schema.RunReportSchema, filepath.Join(runDir, "run.json"))
	checkSchema(t, schema.ManifestSchema, filepath.Join(runDir, "manifest.json"))
	var rep runReport
	readJSON(t, filepath.Join(runDir, "run.json"), &rep)
	if rep.Status != "succeeded" || rep.ExitCode != 0 {
		t.Errorf("run.json status %s exit %d, want succeeded 0", rep.Status, rep.ExitCode)
	}
}

func TestContainmentDegradedFleet(t *testing.T) {
	srv := startSim(t, "degraded", sim.Options{})
	fl := srv.Fleet()
	wantCodes := map[string]int{}
	for _, h := range fl.Hosts() {
		info := h.Info()
		switch {
		case info.Platform != fleet.Windows:
		case !info.Online:
			wantCodes[info.Hostname] = 40407
		case !info.Reachable:
			wantCodes[info.Hostname] = 40401
		}
	}
	if len(wantCodes) != 2 {
		t.Fatalf("degraded fleet has %d unavailable Windows hosts, want 2", len(wantCodes))
	}
	runDir := filepath.Join(t.TempDir(), "out")
	res := runCLI(t, srv, applyArgs(runDir)...)
	if res.exit != exitFailed {
		t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", res.exit, exitFailed, res.stdout, res.stderr)
	}
	checkSchema(t, schema.RunReportSchema, filepath.Join(runDir, "run.json"))
	var rep runReport
	readJSON(t, filepath.Join(runDir, "run.json"), &rep)
	for _, h := range rep.Hosts {
		code, unavailable := wantCodes[h.Hostname]
		if !unavailable {
			continue
		}
		if h.Session.State != "failed" || len(h.Session.Errors) == 0 || h.Session.Errors[0].Code != code {
			t.Errorf("%s session = %+v, want failed with code %d", h.Hostname, h.Session, code)
		}
		// Only the session carries the root cause; steps name it.
		for addr, s := range h.Steps {
			if addr == "contain.isolate" {
				// Containment needs no session; its condition reads step.stop.
				if s.State != "skipped" {
					t.Errorf("%s %s = %+v, want skipped", h.Hostname, addr, s)
				}
				continue
			}
			if s.State != "skipped" || !strings.Contains(s.Reason, strconv.Itoa(code)) {
				t.Errorf("%s %s = %+v, want skipped naming code %d", h.Hostname, addr, s, code)
			}
		}
	}
	if rep.Status != "failed" || rep.ExitCode != exitFailed {
		t.Errorf("run.json status %s exit %d, want failed %d", rep.Status, rep.ExitCode, exitFailed)
	}
}

// TestSessionRefreshKeepsRunAlive shortens the session lifetime below the
// run's length: the run succeeds with refreshes and fails without them.
func TestSessionRefreshKeepsRunAlive(t *testing.T) {
	cases := []struct {
		name     string
		refresh  string
		wantExit int
	}{
		{"refreshed", "1s", exitOK},
		{"never refreshed", "4m", exitFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSim(t, "demo", sim.Options{SessionTTL: 2 * time.Second, UploadDelay: 3 * time.Second})
			runDir := filepath.Join(t.TempDir(), "out")
			res := runCLI(t, srv, applyArgs(runDir, "-refresh-interval", tc.refresh)...)
			if res.exit != tc.wantExit {
				t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", res.exit, tc.wantExit, res.stdout, res.stderr)
			}
			refreshes := countRequests(srv, "POST", "/real-time-response/combined/batch-refresh-session/v1")
			if tc.wantExit == exitOK && refreshes == 0 {
				t.Error("the run succeeded without a single session refresh")
			}
			if tc.wantExit != exitOK && !strings.Contains(res.stdout, "50007") {
				t.Errorf("want the expired-session code 50007 in the output; got:\n%s", res.stdout)
			}
		})
	}
}

func TestApplyNeedsApprovalWithoutTerminal(t *testing.T) {
	srv := startSim(t, "demo", sim.Options{})
	runDir := filepath.Join(t.TempDir(), "out")
	res := runCLI(t, srv, "apply", "-run-dir", runDir, containmentPlaybook)
	if res.exit != exitError {
		t.Fatalf("exit = %d, want %d", res.exit, exitError)
	}
	if !strings.Contains(res.stderr, "-auto-approve") {
		t.Errorf("stderr does not point to -auto-approve:\n%s", res.stderr)
	}
	if n := len(srv.Commands()); n != 0 {
		t.Errorf("%d commands reached hosts without approval", n)
	}
}

func TestValidateReportsPositions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.hcl")
	src := `playbook "bad" {}

target "all" {
  filter = "platform_name:'Windows'"
}

step "ps" {
  target  = target.all
  command = "ps"
  colour  = "blue"
}

step "stop" {
  target  = target.all
  command = "kill ${rtr_pid(step.procs.stdout, "x")}"
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(string) string { return "" }, isTerminal: func() bool { return false }}
	if exit := c.run([]string{"validate", path}); exit != exitError {
		t.Fatalf("exit = %d, want %d\n%s", exit, exitError, stderr.String())
	}
	for _, want := range []string{
		path + ":10:3: error: Unsupported argument",
		path + ":15:29: error: Reference to undeclared step",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q; got:\n%s", want, stderr.String())
		}
	}
}

// snapshotJSON returns the fleet's state as generic JSON data.
func snapshotJSON(t *testing.T, fl *fleet.Fleet) any {
	t.Helper()
	data, err := json.Marshal(fl.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// checkFleetChanges compares whole fleet states: on clean hosts nothing
// may change; on compromised hosts only what concerns the implant (its
// process, connection, file and Run value) and the containment status.
func checkFleetChanges(t *testing.T, before, after any, compromised map[string]string) {
	t.Helper()
	diffs := diffJSON("", before, after)
	implantMarks := []string{"updater64", "203.0.113.66"}
	var sawProcess, sawFile, sawRunValue, sawContain bool
	for _, d := range diffs {
		host := ""
		for aid, name := range compromised {
			if strings.Contains(d.path, aid) || strings.Contains(d.path, name) || strings.Contains(d.value, aid) {
				host = name
			}
		}
		about := strings.ToLower(d.path + " " + d.value)
		switch {
		case host == "" && !mentionsAny(about, implantMarks):
			t.Errorf("state changed on a host that was not compromised: %s", d)
		case strings.Contains(about, "contain"):
			sawContain = true
		case d.kind == "removed" && strings.Contains(about, "vendorupdate"):
			sawRunValue = true
		case d.kind == "removed" && mentionsAny(about, implantMarks):
			if strings.Contains(about, "pid") || strings.Contains(about, "ppid") {
				sawProcess = true
			} else {
				sawFile = true
			}
		case d.kind == "changed" && mentionsAny(about, []string{"time", "modified", "accessed"}):
			// A directory's times change when a file in it is removed.
		default:
			t.Errorf("unexpected state change on %s: %s", host, d)
		}
	}
	if len(compromised) > 0 && !(sawProcess && sawFile && sawRunValue && sawContain) {
		t.Errorf("missing changes: process removed %v, file removed %v, Run value removed %v, contained %v\ndiffs:\n%v",
			sawProcess, sawFile, sawRunValue, sawContain, diffs)
	}
	if len(compromised) == 0 && len(diffs) > 0 {
		t.Errorf("clean fleet changed:\n%v", diffs)
	}
}

func mentionsAny(s string, marks []string) bool {
	return slices.ContainsFunc(marks, func(m string) bool { return strings.Contains(s, strings.ToLower(m)) })
}

// TestInterruptKeepsEvidence interrupts apply while the implant's upload
// is pending: the run stops sending commands, writes run.json and
// manifest.json, and exits 1; no destructive command reaches any host.
func TestInterruptKeepsEvidence(t *testing.T) {
	srv := startSim(t, "demo", sim.Options{UploadDelay: 3 * time.Second})
	signals := make(chan os.Signal, 2)
	env := map[string]string{
		"FALCON_CLIENT_ID": srv.ClientID(), "FALCON_CLIENT_SECRET": srv.ClientSecret(),
		"FALCON_BASE_URL": srv.URL(), "FALCON_CA_FILE": srv.CAFile(), "RTRPLAY_LOOPBACK_ONLY": "1",
	}
	var stdout, stderr bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return env[k] }, isTerminal: func() bool { return false }, signals: signals}
	go func() {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if countRequests(srv, "POST", "/real-time-response/combined/batch-get-command/v1") > 0 {
				signals <- os.Interrupt
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	runDir := filepath.Join(t.TempDir(), "out")
	exit := c.run(applyArgs(runDir))
	if exit != exitError {
		t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", exit, exitError, stdout.String(), stderr.String())
	}
	var rep runReport
	readJSON(t, filepath.Join(runDir, "run.json"), &rep)
	if rep.Status != "interrupted" {
		t.Errorf("run.json status = %q, want interrupted", rep.Status)
	}
	for _, h := range rep.Hosts {
		if s := h.Steps["step.processes"]; s.State != "succeeded" {
			t.Errorf("%s step.processes = %s, want succeeded (it finished before the interrupt)", h.Hostname, s.State)
		}
	}
	var m manifestFile
	readJSON(t, filepath.Join(runDir, "manifest.json"), &m)
	if got := destructiveTargets(srv); len(got) != 0 {
		t.Errorf("destructive commands sent after the interrupt: %v", got)
	}
}

// check7zProgram tests the archive with Debian's 7-Zip: the password
// "infected" opens it and a wrong one does not.
func check7zProgram(t *testing.T, archive string) {
	t.Helper()
	prog := testenv.Program(t, "7z", "7zz")
	if out, err := exec.Command(prog, "t", "-pinfected", archive).CombinedOutput(); err != nil {
		t.Errorf("%s t -pinfected %s: %v\n%s", prog, archive, err, out)
	}
	if out, err := exec.Command(prog, "t", "-pwrong", archive).CombinedOutput(); err == nil {
		t.Errorf("%s t -pwrong %s succeeded, want a failure:\n%s", prog, archive, out)
	}
}

func TestTriageAcrossPlatforms(t *testing.T) {
	srv := startSim(t, "demo", sim.Options{})
	before := snapshotJSON(t, srv.Fleet())
	runDir := filepath.Join(t.TempDir(), "out")
	res := runCLI(t, srv, "apply", "-run-dir", runDir, "-poll-interval", "100ms", "../../examples/playbooks/triage.hcl")
	if res.exit != exitOK {
		t.Fatalf("exit = %d, want 0 (read-only, no approval needed)\nstdout:\n%s\nstderr:\n%s", res.exit, res.stdout, res.stderr)
	}
	if diffs := diffJSON("", before, snapshotJSON(t, srv.Fleet())); len(diffs) > 0 {
		t.Errorf("a read-only playbook changed the fleet: %v", diffs)
	}
	var rep runReport
	readJSON(t, filepath.Join(runDir, "run.json"), &rep)
	for _, h := range rep.Hosts {
		windows := strings.HasPrefix(h.Hostname, "WIN-")
		want := map[string]string{"step.processes": "succeeded", "step.run_keys": "skipped", "get.hosts_windows": "skipped",
			"get.hosts_unix": "succeeded", "step.passwd": "succeeded"}
		if windows {
			want = map[string]string{"step.processes": "succeeded", "step.run_keys": "succeeded",
				"get.hosts_windows": "succeeded", "get.hosts_unix": "skipped", "step.passwd": "skipped"}
		}
		for step, state := range want {
			if got := h.Steps[step].State; got != state {
				t.Errorf("%s %s = %s (%s), want %s", h.Hostname, step, got, h.Steps[step].Reason, state)
			}
		}
	}
	var m manifestFile
	readJSON(t, filepath.Join(runDir, "manifest.json"), &m)
	if len(m.Files) != len(rep.Hosts) {
		t.Errorf("manifest lists %d files, want one hosts file per host (%d)", len(m.Files), len(rep.Hosts))
	}
}

func TestPlanShowsTiersAndHosts(t *testing.T) {
	srv := startSim(t, "outbreak", sim.Options{})
	res := runCLI(t, srv, "plan", containmentPlaybook)
	if res.exit != exitOK {
		t.Fatalf("exit = %d\n%s", res.exit, res.stderr)
	}
	for _, want := range []string{
		`Playbook "contain-implant" on 3 hosts:`,
		"  step.processes (read-only)",
		"! step.stop (active-responder)",
		"! runscript.verify (admin)",
		"! contain.isolate (active-responder)",
		`rm "C:\ProgramData\Vendor App\updater64.exe"`,
		"(known after apply)",
		"up to 3 hosts (target.windows), where its condition holds",
		"Plan: 9 steps, 5 destructive (marked !).",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, res.stdout)
		}
	}
	if n := len(srv.Commands()); n != 0 {
		t.Errorf("plan sent %d commands to hosts, want none", n)
	}
}

// checkSchema validates a JSON file against one of the schemas in package
// schema.
func checkSchema(t *testing.T, schemaJSON []byte, path string) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := comp.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inst, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not match its schema: %v", filepath.Base(path), err)
	}
}
