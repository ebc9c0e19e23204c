package playbook

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const header = `
playbook "t" {}
target "all" {
  filter = "platform_name:'Windows'"
}
`

func parse(t *testing.T, src string, opts Options) (*Playbook, []string) {
	t.Helper()
	pb, diags := Parse([]byte(src), "test.hcl", opts)
	var msgs []string
	for _, d := range diags {
		where := ""
		if d.Subject != nil {
			where = d.Subject.Filename + ":" + strconv.Itoa(d.Subject.Start.Line) + ":" + strconv.Itoa(d.Subject.Start.Column)
		}
		msgs = append(msgs, where+" "+d.Summary+": "+d.Detail)
	}
	return pb, msgs
}

func TestExamplePlaybooksLoad(t *testing.T) {
	files, err := filepath.Glob("../examples/playbooks/*.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example playbooks found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, diags := Load(f, Options{})
			if diags.HasErrors() {
				t.Fatalf("example does not load: %s", diags.Error())
			}
		})
	}
}

func TestDiagnosticPositions(t *testing.T) {
	cases := []struct {
		name string
		body string
		want []string // "LINE:COLUMN summary fragment"
	}{
		{
			name: "unknown attribute with suggestion",
			body: "step \"a\" {\n  target = target.all\n  comand = \"ps\"\n}\n",
			want: []string{"8:3 Did you mean \"command\"?", "6:10 Missing required argument"},
		},
		{
			name: "reference to undeclared step",
			body: "step \"a\" {\n  target = target.all\n  command = \"kill ${step.nope.stdout}\"\n}\n",
			want: []string{"8:21 Reference to undeclared step"},
		},
		{
			name: "undeclared target",
			body: "step \"a\" {\n  target = target.windoes\n  command = \"ps\"\n}\n",
			want: []string{"7:12 Reference to undeclared target"},
		},
		{
			name: "unknown command",
			body: "step \"a\" {\n  target = target.all\n  command = \"lss /\"\n}\n",
			want: []string{"8:13 Unknown RTR command"},
		},
		{
			name: "cycle",
			body: "step \"a\" {\n  target = target.all\n  command = \"ps\"\n  depends_on = [step.b]\n}\n" +
				"step \"b\" {\n  target = target.all\n  command = \"ps\"\n  depends_on = [step.a]\n}\n",
			want: []string{"6:1 Dependency cycle"},
		},
		{
			name: "bad duration",
			body: "step \"a\" {\n  target = target.all\n  command = \"ps\"\n  timeout = 30\n}\n",
			want: []string{"9:13 Invalid duration"},
		},
		{
			name: "runscript without source",
			body: "runscript \"a\" {\n  target = target.all\n}\n",
			want: []string{"6:1 Runscript needs exactly one script source"},
		},
		{
			name: "get command in step block",
			body: "step \"a\" {\n  target = target.all\n  command = \"get C:\\\\x\"\n}\n",
			want: []string{"8:13 Use a get block"},
		},
		{
			name: "unsupported step attribute",
			body: "step \"a\" {\n  target = target.all\n  command = \"ps\"\n}\nstep \"b\" {\n  target = target.all\n  when = step.a.stdot != \"\"\n  command = \"ps\"\n}\n",
			want: []string{"12:10 Unsupported step attribute"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, msgs := parse(t, header+tc.body, Options{})
			joined := strings.Join(msgs, "\n")
			for _, w := range tc.want {
				pos, summary, _ := strings.Cut(w, " ")
				found := false
				for _, m := range msgs {
					if strings.HasPrefix(m, "test.hcl:"+pos+" ") && strings.Contains(m, summary) {
						found = true
					}
				}
				if !found {
					t.Errorf("want diagnostic %q at %s; got:\n%s", summary, pos, joined)
				}
			}
		})
	}
}

func TestDidYouMean(t *testing.T) {
	_, msgs := parse(t, header+"step \"processes\" {\n  target = target.all\n  command = \"ps\"\n}\n"+
		"step \"b\" {\n  target = target.all\n  command = \"kill ${rtr_pid(step.proceses.stdout, \"x\")}\"\n}\n", Options{})
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, `Did you mean "step.processes"?`) {
		t.Errorf("want a suggestion of step.processes; got:\n%s", joined)
	}
}

func TestCommandQuoting(t *testing.T) {
	cases := []struct {
		name    string
		command string
		vars    []string
		want    string
		wantErr string
	}{
		{"plain", `ls ${var.p}`, []string{`p=C:\Windows`}, `ls C:\Windows`, ""},
		{"spaces", `rm ${var.p}`, []string{`p=C:\Program Files\a b.txt`}, `rm "C:\Program Files\a b.txt"`, ""},
		{"pieces of one argument", `rm ${var.p}\${var.f}`, []string{`p=C:\Vendor App`, `f=x.exe`}, `rm "C:\Vendor App\x.exe"`, ""},
		{"already quoted", `rm "${var.p}"`, []string{`p=C:\a b`}, `rm "C:\a b"`, ""},
		{"empty value", `cat ${var.p}`, []string{`p=`}, `cat ""`, ""},
		{"double quote", `rm ${var.p}`, []string{`p=a" b`}, "", "cannot be quoted safely"},
		{"double quote inside quotes", `rm "${var.p}"`, []string{`p=a"b`}, "", "cannot be quoted safely"},
		{"backticks", "runscript -Raw=```${var.p}```", []string{"p=Get-Process 'x'"}, "runscript -Raw=```Get-Process 'x'```", ""},
		{"control character", `cat ${var.p}`, []string{"p=a\x01b"}, "", "control character"},
		{"right-to-left override", `cat ${var.p}`, []string{"p=a\u202eb"}, "", "changes how text displays"},
		{"value that looks like a flag", `ls ${var.p}`, []string{"p=-Force"}, `ls "-Force"`, ""},
		{"line separator", `cat ${var.p}`, []string{"p=a\u2028b"}, "", "changes how text displays"},
		{"backticks inside value", "runscript -Raw=```${var.p}```", []string{"p=a```b"}, "", "cannot be quoted safely"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := header + "variable \"p\" {\n  default = \"\"\n}\nvariable \"f\" {\n  default = \"\"\n}\n" +
				"step \"a\" {\n  target = target.all\n  command = \"" + strings.ReplaceAll(strings.ReplaceAll(tc.command, `\`, `\\`), `"`, `\"`) + "\"\n}\n"
			pb, msgs := parse(t, src, Options{Vars: tc.vars})
			if tc.wantErr != "" && len(msgs) > 0 {
				// Values known before running are checked by validate.
				if !strings.Contains(strings.Join(msgs, "\n"), tc.wantErr) {
					t.Fatalf("want %q in diagnostics, got %v", tc.wantErr, msgs)
				}
				return
			}
			if len(msgs) > 0 {
				t.Fatalf("unexpected diagnostics: %v", msgs)
			}
			rendered, diags := pb.EvalCommand(pb.Step("step.a"), HostScope{Host: HostFacts{Hostname: "h"}})
			got := rendered.Text
			if tc.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.wantErr) {
					t.Fatalf("want error containing %q, got %q (%v)", tc.wantErr, got, diags)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("unexpected error: %v", diags)
			}
			if got != tc.want {
				t.Errorf("command = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWhenPerHost(t *testing.T) {
	src := header + `
variable "implant" {
  default = "updater64.exe"
}
step "ps" {
  target  = target.all
  command = "ps"
}
step "stop" {
  target  = target.all
  when    = length(rtr_pids(step.ps.stdout, var.implant)) > 0
  command = "kill ${rtr_pid(step.ps.stdout, var.implant)}"
}
`
	pb, msgs := parse(t, src, Options{})
	if len(msgs) > 0 {
		t.Fatalf("diagnostics: %v", msgs)
	}
	ps := "\nName        Id    Path\n----        --    ----\nsvchost     100   C:\\Windows\\System32\\svchost.exe\nupdater64   4242  C:\\ProgramData\\Vendor App\\updater64.exe\n"
	cases := []struct {
		name    string
		stdout  string
		run     bool
		command string
	}{
		{"compromised", ps, true, "kill 4242"},
		{"clean", "\nName  Id\n----  --\nsvchost 100\n", false, ""},
		{"crlf", strings.ReplaceAll(ps, "\n", "\r\n"), true, "kill 4242"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			scope := HostScope{Host: HostFacts{Hostname: "h"}, Outcomes: map[string]Outcome{"step.ps": {State: "succeeded", Stdout: tc.stdout}}}
			run, diags := pb.EvalWhen(pb.Step("step.stop"), scope)
			if diags.HasErrors() {
				t.Fatalf("when: %v", diags)
			}
			if run != tc.run {
				t.Fatalf("when = %v, want %v", run, tc.run)
			}
			if !run {
				return
			}
			rendered, diags := pb.EvalCommand(pb.Step("step.stop"), scope)
			if got := rendered.Text; diags.HasErrors() || got != tc.command {
				t.Errorf("command = %q (%v), want %q", rendered.Text, diags, tc.command)
			}
		})
	}
}

func TestVariables(t *testing.T) {
	src := header + `
variable "count" {
  type    = number
  default = 1
  validation {
    condition     = var.count < 10
    error_message = "count must be below 10."
  }
}
variable "token" {
  type      = string
  sensitive = true
}
`
	cases := []struct {
		name    string
		vars    []string
		env     map[string]string
		wantErr string
	}{
		{"required missing", nil, nil, "No value for required variable"},
		{"from env", nil, map[string]string{"RTRPLAY_VAR_token": "s3cret"}, ""},
		{"flag wins over env", []string{"token=a"}, map[string]string{"RTRPLAY_VAR_token": "b"}, ""},
		{"validation fails", []string{"token=a", "count=12"}, nil, "count must be below 10"},
		{"wrong type", []string{"token=a", "count=many"}, nil, "Variables not allowed"},
		{"undeclared", []string{"token=a", "cuont=1"}, nil, `Did you mean "count"?`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pb, msgs := parse(t, src, Options{Vars: tc.vars, Getenv: func(k string) string { return tc.env[k] }})
			joined := strings.Join(msgs, "\n")
			if tc.wantErr == "" {
				if len(msgs) > 0 {
					t.Fatalf("unexpected diagnostics: %s", joined)
				}
				if got := pb.RedactedVariables()["token"]; got != "(sensitive)" {
					t.Errorf("redacted token = %q, want (sensitive)", got)
				}
				return
			}
			if !strings.Contains(joined, tc.wantErr) {
				t.Errorf("want %q in diagnostics; got:\n%s", tc.wantErr, joined)
			}
			if strings.Contains(joined, "s3cret") {
				t.Errorf("a sensitive value leaked into diagnostics:\n%s", joined)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, diags := Load(filepath.Join(t.TempDir(), "none.hcl"), Options{})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "Cannot read playbook") {
		t.Fatalf("want a read error, got %v", diags)
	}
}

func TestFileFunction(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.ps1"), []byte("Write-Output hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := header + "runscript \"r\" {\n  target = target.all\n  raw = file(\"s.ps1\")\n}\n"
	pb, diags := Parse([]byte(src), filepath.Join(dir, "p.hcl"), Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rendered, diags := pb.EvalCommand(pb.Step("runscript.r"), HostScope{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if want, got := "runscript -Raw=```Write-Output hi```", rendered.Text; got != want {
		t.Errorf("command = %q, want %q", got, want)
	}
	if pb.Step("runscript.r").Tier().String() != "admin" {
		t.Errorf("runscript -Raw tier = %s, want admin", pb.Step("runscript.r").Tier())
	}
}

func TestSensitiveValuesRedacted(t *testing.T) {
	src := header + `
variable "token" {
  sensitive = true
  default   = "hunter2 x"
}
step "a" {
  target  = target.all
  command = "cat ${var.token}"
}
`
	pb, msgs := parse(t, src, Options{})
	if len(msgs) > 0 {
		t.Fatalf("diagnostics: %v", msgs)
	}
	text, known := pb.PlanText(pb.Step("step.a"))
	if !known || text != `cat "(sensitive)"` {
		t.Errorf("plan text = %q (known %v), want the value redacted", text, known)
	}
	rendered, diags := pb.EvalCommand(pb.Step("step.a"), HostScope{})
	if diags.HasErrors() || rendered.Text != `cat "hunter2 x"` {
		t.Errorf("command sent = %q (%v), want the real value", rendered.Text, diags)
	}
	if rendered.Display != `cat "(sensitive)"` {
		t.Errorf("command shown = %q, want the value redacted", rendered.Display)
	}
	if r := pb.Redact("error near hunter2 x"); r != "error near (sensitive)" {
		t.Errorf("Redact = %q", r)
	}
}

func TestStaticChecks(t *testing.T) {
	cases := []struct {
		name string
		body string
		want string
	}{
		{"when is a string", "step \"a\" {\n  target = target.all\n  when = \"yes\"\n  command = \"ps\"\n}\n", "8:10 Invalid when condition"},
		{"value with a double quote", "variable \"v\" {\n  default = \"a\\\"b\"\n}\nstep \"a\" {\n  target = target.all\n  command = \"cat ${var.v}\"\n}\n", "11:13 Value cannot be quoted safely"},
		{"missing script file", "runscript \"r\" {\n  target = target.all\n  raw = file(\"nope.ps1\")\n}\n", "8:9 Error in function call"},
		{"unquoted path with a space", "step \"a\" {\n  target = target.all\n  command = \"filehash C:\\\\Users\\\\Quarterly Review.key\"\n}\n", "8:13 Too many arguments"},
		{"ps with an argument", "step \"a\" {\n  target = target.all\n  command = \"ps extra\"\n}\n", "8:13 Too many arguments"},
		{"restart without confirm", "step \"a\" {\n  target = target.all\n  command = \"restart\"\n}\n", "8:13 Missing required flag"},
		{"runscript with positional words", "step \"a\" {\n  target = target.all\n  command = \"runscript -CloudFile=a extra\"\n}\n", "8:13 Too many arguments"},
		{"kind suggestion", "get \"sample\" {\n  target = target.all\n  path = \"C:\\\\x\"\n}\nstep \"b\" {\n  target = target.all\n  when = step.sample.succeeded\n  command = \"ps\"\n}\n", `Did you mean "get.sample"?`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, msgs := parse(t, header+tc.body, Options{})
			joined := strings.Join(msgs, "\n")
			pos, summary, found := strings.Cut(tc.want, " ")
			if !found || !strings.Contains(pos, ":") {
				if !strings.Contains(joined, tc.want) {
					t.Errorf("want %q in diagnostics; got:\n%s", tc.want, joined)
				}
				return
			}
			if !strings.Contains(joined, "test.hcl:"+pos+" "+summary) {
				t.Errorf("want %q at %s; got:\n%s", summary, pos, joined)
			}
		})
	}
}

func TestTargetChecks(t *testing.T) {
	cases := []struct {
		name   string
		target string
		want   string
	}{
		{"response field instead of request field", "filter = \"x:'y'\"\n  offline_queued = true", `Did you mean "queue_offline"?`},
		{"blank filter", "filter = \"   \"", "Empty filter"},
		{"bad host id", "host_ids = [\"zz12\"]", `Element 1 of host_ids, "zz12"`},
		{"duplicate host ids", "host_ids = [\"A0000000000000000000000000000001\", \"a0000000000000000000000000000001\\r\"]", "repeats ids 1 times"},
		{"quote in hostname", "hostnames = [\"a'b\"]", "cannot be matched safely"},
		{"empty host list", "host_ids = []", "Empty host list"},
		{"empty hostnames", "hostnames = []", "Empty host list"},
		{"fractional max_hosts", "filter = \"x:'y'\"\n  max_hosts = 2.5", "Invalid max_hosts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "playbook \"t\" {}\ntarget \"x\" {\n  " + tc.target + "\n}\n"
			_, msgs := parse(t, src, Options{})
			if joined := strings.Join(msgs, "\n"); !strings.Contains(joined, tc.want) {
				t.Errorf("want %q in diagnostics; got:\n%s", tc.want, joined)
			}
		})
	}
	pb, _ := parse(t, "playbook \"t\" {}\ntarget \"x\" {\n  host_ids = [\" A0000000000000000000000000000001\\r\"]\n}\n", Options{})
	if got := pb.Target("x").HostIDs; len(got) != 1 || got[0] != "a0000000000000000000000000000001" {
		t.Errorf("host ids = %q, want one trimmed, lowercase id", got)
	}
}

func TestWarnQueuedInputs(t *testing.T) {
	src := `
playbook "q" {}
target "all" {
  filter        = "platform_name:'Windows'"
  queue_offline = true
}
step "ps" {
  target  = target.all
  command = "ps"
}
step "kill" {
  target  = target.all
  command = "kill ${rtr_pid(step.ps.stdout, "x")}"
}
step "after" {
  target     = target.all
  command    = "ps"
  depends_on = [step.ps]
}
`
	_, msgs := parse(t, src, Options{})
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, "step.kill reads step.ps") {
		t.Errorf("want a warning on step.kill; got:\n%s", joined)
	}
	if strings.Contains(joined, "step.after reads") {
		t.Errorf("depends_on alone should not warn; got:\n%s", joined)
	}
}

func TestLengthOfString(t *testing.T) {
	src := header + `
variable "implant" {
  default = "updater64.exe"
  validation {
    condition     = length(var.implant) > 0
    error_message = "The implant name must not be empty."
  }
}
`
	if _, msgs := parse(t, src, Options{}); len(msgs) > 0 {
		t.Fatalf("length of a string failed: %v", msgs)
	}
}
