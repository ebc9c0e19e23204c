package fleet

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// memStore is a ContentStore held in maps, for tests.
type memStore struct {
	files   map[string]PutFile
	scripts map[string]CloudScript
}

func (m *memStore) PutFile(_, name string) (PutFile, bool) {
	pf, ok := m.files[name]
	return pf, ok
}

func (m *memStore) Script(_, name string) (CloudScript, bool) {
	s, ok := m.scripts[name]
	return s, ok
}

// libraryHost returns a demo host whose fleet reads the test library:
// put-files Tool.msi and tool.exe, and scripts of each permission.
func libraryHost(t *testing.T, hostname string) (*Host, *Shell) {
	t.Helper()
	f, err := Named(FleetDemo)
	if err != nil {
		t.Fatalf("Named: %v", err)
	}
	all := []Platform{Windows, Linux, Mac}
	f.SetContentStore(&memStore{
		files: map[string]PutFile{
			"Tool.msi":  {Name: "Tool.msi", Content: []byte("MSI package")},
			"tool.exe":  {Name: "tool.exe", Content: []byte("MZ tool")},
			"run.sh":    {Name: "run.sh", Content: []byte("echo from disk\n")},
			"check.ps1": {Name: "check.ps1", Content: []byte("Write-Output on-disk\n")},
		},
		scripts: map[string]CloudScript{
			"Hello":      {Name: "Hello", Content: "echo hello", Permission: PermissionPublic, Platforms: all},
			"GroupOnly":  {Name: "GroupOnly", Content: "echo group", Permission: PermissionGroup, Platforms: all},
			"Mine":       {Name: "Mine", Content: "echo mine", Permission: PermissionPrivate, Platforms: all},
			"WindowsOne": {Name: "WindowsOne", Content: "echo win", Permission: PermissionPublic, Platforms: []Platform{Windows}},
			"StopImplant": {Name: "StopImplant", Content: "Stop-Process -Name updater64 -Force; Write-Output done",
				Permission: PermissionPublic, Platforms: []Platform{Windows}},
		},
	})
	h := f.HostByName(hostname)
	if h == nil {
		t.Fatalf("demo fleet has no host %s", hostname)
	}
	return h, h.NewShell()
}

// newProcesses returns the processes in after that before lacks.
func newProcesses(before, after HostState) []ProcessState {
	had := map[int]bool{}
	for _, p := range before.Processes {
		had[p.PID] = true
	}
	var added []ProcessState
	for _, p := range after.Processes {
		if !had[p.PID] {
			added = append(added, p)
		}
	}
	return added
}

func hostState(t *testing.T, h *Host) HostState {
	t.Helper()
	return h.snapshot()
}

func TestPut(t *testing.T) {
	tests := []struct {
		name     string
		host     string
		setup    []string // admin commands run first
		command  string
		wantCode int
		wantMsg  string
		wantErr  string // stderr
		wantFile string // path that must hold the put-file afterwards
	}{
		{name: "into the working directory", host: "WIN-HR-02", setup: []string{`cd C:\Windows\Temp`},
			command: "put Tool.msi", wantFile: `C:\Windows\Temp\Tool.msi`},
		{name: "linux", host: "lnx-web-01", setup: []string{"cd /tmp"},
			command: "put tool.exe", wantFile: "/tmp/tool.exe"},
		{name: "destination exists", host: "WIN-HR-02", setup: []string{"put Tool.msi"},
			command: "put Tool.msi", wantErr: "put: Destination already exists."},
		{name: "destination exists in another case on windows", host: "WIN-HR-02",
			setup:   []string{`mkdir C:\tool.msi`},
			command: "put Tool.msi", wantErr: "put: Destination already exists."},
		{name: "unknown put-file", host: "WIN-HR-02", command: "put nope.exe",
			wantCode: 40408, wantMsg: "Put file not found by name"},
		{name: "name case mismatch", host: "WIN-HR-02", command: "put tool.msi",
			wantCode: 40408, wantMsg: "Put file not found by name"},
		{name: "no name", host: "lnx-web-01", command: "put",
			wantCode: 40408, wantMsg: "Put file not found by name"},
		{name: "stray argument", host: "WIN-HR-02", command: `put Tool.msi C:\Temp`,
			wantCode: 40012, wantMsg: "Max args is 1. 2 were provided"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := libraryHost(t, tc.host)
			for _, cmd := range tc.setup {
				h.Exec(sh, Admin, cmd)
			}
			res := h.Exec(sh, Admin, tc.command)
			if res.ErrCode != tc.wantCode || res.ErrMessage != tc.wantMsg {
				t.Fatalf("%s = error %d %q, want %d %q", tc.command, res.ErrCode, res.ErrMessage, tc.wantCode, tc.wantMsg)
			}
			if res.Stdout != "" || res.Stderr != tc.wantErr {
				t.Errorf("%s: stdout %q stderr %q, want empty stdout and stderr %q", tc.command, res.Stdout, res.Stderr, tc.wantErr)
			}
			wantReported := putBaseCommand
			if tc.wantCode != 0 {
				wantReported = ""
			}
			if res.BaseCommand != "put" || res.ReportedBaseCommand != wantReported {
				t.Errorf("base command %q reported as %q, want put reported as %q",
					res.BaseCommand, res.ReportedBaseCommand, wantReported)
			}
			if tc.wantFile != "" {
				name := tc.wantFile[strings.LastIndexAny(tc.wantFile, `\/`)+1:]
				got := runOK(t, h, sh, "cat "+tc.wantFile)
				if want := string(h.content.(*memStore).files[name].Content); got != want {
					t.Errorf("cat %s = %q, want the put-file's content %q", tc.wantFile, got, want)
				}
			}
		})
	}
}

func TestPutWithoutStore(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	before := hostState(t, h)
	res := h.Exec(sh, Admin, "put Tool.msi")
	if res.ErrCode != 40408 {
		t.Errorf("put without a library = %d %q, want 40408", res.ErrCode, res.ErrMessage)
	}
	if after := hostState(t, h); !reflect.DeepEqual(before, after) {
		t.Errorf("a rejected put changed the host")
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name        string
		host        string
		command     string
		wantCode    int
		wantMsg     string
		wantStdout  string
		wantStderr  string
		wantCmdLine string // command line of the one new process; "" = none
		wantUser    string
		wantParent  string // name of the new process's parent
	}{
		{name: "windows program", host: "WIN-HR-02", command: `run C:\Windows\notepad.exe`,
			wantStdout: processStarted, wantCmdLine: `"C:\Windows\notepad.exe"`,
			wantUser: ntSystem, wantParent: "CSFalconService.exe"},
		{name: "relative path and command line", host: "WIN-HR-02",
			command:    "run Windows\\System32\\cmd.exe -CommandLine=```/c echo \"a b\"```",
			wantStdout: processStarted, wantCmdLine: `"C:\Windows\System32\cmd.exe" /c echo "a b"`,
			wantUser: ntSystem, wantParent: "CSFalconService.exe"},
		{name: "linux program", host: "lnx-web-01", command: `run /usr/bin/curl -CommandLine="-s https://example.test"`,
			wantStdout: processStarted, wantCmdLine: "/usr/bin/curl -s https://example.test",
			wantUser: "root", wantParent: "falcon-sensor"},
		{name: "mac program", host: "mac-dev-01", command: `run /usr/bin/curl`,
			wantStdout: processStarted, wantCmdLine: "/usr/bin/curl", wantUser: "root", wantParent: "falcond"},
		{name: "wait returns after the program exits", host: "WIN-HR-02", command: `run C:\Windows\notepad.exe -Wait`},
		{name: "missing program on windows", host: "WIN-HR-02", command: `run C:\nope.exe`,
			wantStderr: "Check your filename. Couldn't find 'C:\\nope.exe'"},
		{name: "missing program on linux", host: "lnx-web-01", command: `run /opt/nope`,
			wantStderr: "run: /opt/nope: No such file or directory\n"},
		{name: "directory on linux", host: "lnx-web-01", command: `run /tmp`,
			wantStderr: "run: /tmp: Is a directory\n"},
		{name: "R16 positional arguments", host: "WIN-HR-02",
			command:  `run "C:\Windows\System32\cmd.exe" "C:\Temp\update 1.msu" /quiet /norestart`,
			wantCode: 40012, wantMsg: "Max args is 1. 4 were provided"},
		{name: "flag without a value leaves its word positional", host: "WIN-HR-02",
			command:  `run C:\Windows\System32\cmd.exe -CommandLine abcd`,
			wantCode: 40012, wantMsg: "Max args is 1. 2 were provided"},
		{name: "active responder", host: "WIN-HR-02", command: `run C:\Windows\notepad.exe`,
			wantCode: 40007, wantMsg: "Command not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := libraryHost(t, tc.host)
			tier := Admin
			if tc.name == "active responder" {
				tier = ActiveResponder
			}
			before := hostState(t, h)
			res := h.Exec(sh, tier, tc.command)
			if res.ErrCode != tc.wantCode || res.ErrMessage != tc.wantMsg {
				t.Fatalf("%s = error %d %q, want %d %q", tc.command, res.ErrCode, res.ErrMessage, tc.wantCode, tc.wantMsg)
			}
			if res.Stdout != tc.wantStdout || res.Stderr != tc.wantStderr {
				t.Errorf("%s: stdout %q stderr %q, want %q and %q", tc.command, res.Stdout, res.Stderr, tc.wantStdout, tc.wantStderr)
			}
			checkNewProcess(t, h, before, tc.wantCmdLine, tc.wantUser, tc.wantParent)
		})
	}
}

// checkNewProcess checks that the host gained exactly one process with
// that command line, user and parent, or none when wantCmdLine is empty.
func checkNewProcess(t *testing.T, h *Host, before HostState, wantCmdLine, wantUser, wantParent string) {
	t.Helper()
	after := hostState(t, h)
	added := newProcesses(before, after)
	if wantCmdLine == "" {
		if len(added) != 0 {
			t.Errorf("new processes %+v, want none", added)
		}
		return
	}
	if len(added) != 1 {
		t.Fatalf("new processes %+v, want exactly one", added)
	}
	p := added[0]
	if p.CommandLine != wantCmdLine || p.User != wantUser {
		t.Errorf("new process command line %q user %q, want %q and %q", p.CommandLine, p.User, wantCmdLine, wantUser)
	}
	parent := ""
	for _, q := range after.Processes {
		if q.PID == p.PPID {
			parent = q.Name
		}
	}
	if parent != wantParent {
		t.Errorf("new process's parent is %q (PID %d), want %s", parent, p.PPID, wantParent)
	}
}

func TestRunProcessCanBeKilled(t *testing.T) {
	h, sh := libraryHost(t, "lnx-db-02")
	before := hostState(t, h)
	runOK(t, h, sh, "run /usr/bin/curl")
	added := newProcesses(before, hostState(t, h))
	if len(added) != 1 {
		t.Fatalf("run added %d processes, want 1", len(added))
	}
	pid := added[0].PID
	if ps := runOK(t, h, sh, "ps"); !strings.Contains(ps, " /usr/bin/curl\n") {
		t.Errorf("ps does not list the started program:\n%s", ps)
	}
	runOK(t, h, sh, "kill "+strconv.Itoa(pid))
	if left := newProcesses(before, hostState(t, h)); len(left) != 0 {
		t.Errorf("after kill %d, new processes %+v, want none", pid, left)
	}
}

func TestPutAndRun(t *testing.T) {
	tests := []struct {
		name        string
		setup       []string
		command     string
		wantCode    int
		wantMsg     string
		wantStdout  string
		wantStderr  string
		wantCmdLine string
	}{
		{name: "places and starts", setup: []string{`cd C:\Windows\Temp`},
			command: "put-and-run tool.exe -CommandLine=```-x 1```", wantStdout: processStarted,
			wantCmdLine: `"C:\Windows\Temp\tool.exe" -x 1`},
		{name: "destination exists", setup: []string{"put tool.exe"}, command: "put-and-run tool.exe",
			wantStderr: "put-and-run: Destination already exists."},
		{name: "R16 flag without a value", command: "put-and-run file.exe -CommandLine abcd",
			wantCode: 40408, wantMsg: "Put file not found by name"},
		{name: "R16 stray argument to a stored put-file", command: "put-and-run tool.exe -CommandLine abcd",
			wantCode: 40012, wantMsg: "Max args is 1. 2 were provided"},
		{name: "R17 case mismatch", command: "put-and-run TOOL.exe",
			wantCode: 40408, wantMsg: "Put file not found by name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := libraryHost(t, "WIN-FIN-01")
			for _, cmd := range tc.setup {
				runOK(t, h, sh, cmd)
			}
			before := hostState(t, h)
			res := h.Exec(sh, Admin, tc.command)
			if res.ErrCode != tc.wantCode || res.ErrMessage != tc.wantMsg {
				t.Fatalf("%s = error %d %q, want %d %q", tc.command, res.ErrCode, res.ErrMessage, tc.wantCode, tc.wantMsg)
			}
			if res.Stdout != tc.wantStdout || res.Stderr != tc.wantStderr {
				t.Errorf("%s: stdout %q stderr %q, want %q and %q", tc.command, res.Stdout, res.Stderr, tc.wantStdout, tc.wantStderr)
			}
			if res.BaseCommand != "put-and-run" || res.ReportedBaseCommand != "" {
				t.Errorf("base command %q reported as %q, want put-and-run as is", res.BaseCommand, res.ReportedBaseCommand)
			}
			checkNewProcess(t, h, before, tc.wantCmdLine, ntSystem, "CSFalconService.exe")
		})
	}
}

func TestRunscriptCloudFile(t *testing.T) {
	tests := []struct {
		name       string
		host       string
		tier       Tier
		command    string
		wantCode   int
		wantStdout string
	}{
		{"public at active responder", "WIN-HR-02", ActiveResponder, `runscript -CloudFile="Hello"`, 0, "hello\n"},
		{"public on linux", "lnx-web-01", ActiveResponder, `runscript -CloudFile="Hello" -CommandLine=""`, 0, "hello\n"},
		{"group at admin", "WIN-HR-02", Admin, `runscript -CloudFile="GroupOnly"`, 0, "group\n"},
		{"group at active responder", "WIN-HR-02", ActiveResponder, `runscript -CloudFile="GroupOnly"`, 40412, ""},
		{"private at admin", "mac-dev-01", Admin, `runscript -CloudFile='Mine'`, 0, "mine\n"},
		{"private at active responder", "mac-dev-01", ActiveResponder, `runscript -CloudFile='Mine'`, 40412, ""},
		{"other platform", "lnx-web-01", Admin, `runscript -CloudFile="WindowsOne"`, 40412, ""},
		{"name case mismatch", "WIN-HR-02", Admin, `runscript -CloudFile="hello"`, 40412, ""},
		{"unknown", "WIN-HR-02", Admin, `runscript -CloudFile="Collector"`, 40412, ""},
		{"R16 positional arguments", "WIN-HR-02", Admin, `runscript -CloudFile="Hello" C:\x.msu /quiet`, 40012, ""},
		{"read-only tier", "WIN-HR-02", ReadOnly, `runscript -CloudFile="Hello"`, 40007, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := libraryHost(t, tc.host)
			res := h.Exec(sh, tc.tier, tc.command)
			if res.ErrCode != tc.wantCode {
				t.Fatalf("%s at %s = error %d %q, want %d", tc.command, tc.tier, res.ErrCode, res.ErrMessage, tc.wantCode)
			}
			if tc.wantCode == 40412 {
				name, _ := parseInvocation(mustTokenize(t, tc.command)).flag("CloudFile")
				if want := "The file " + name + " could not be found"; res.ErrMessage != want {
					t.Errorf("message %q, want %q", res.ErrMessage, want)
				}
			}
			if res.Stdout != tc.wantStdout || res.Stderr != "" {
				t.Errorf("%s: stdout %q stderr %q, want %q and no stderr", tc.command, res.Stdout, res.Stderr, tc.wantStdout)
			}
		})
	}
}

func mustTokenize(t *testing.T, s string) []token {
	t.Helper()
	toks, err := tokenize(s)
	if err != nil {
		t.Fatalf("tokenize %q: %v", s, err)
	}
	return toks
}

func TestRunscriptCloudFileChangesHost(t *testing.T) {
	h, sh := libraryHost(t, "WIN-FIN-01")
	res := h.Exec(sh, ActiveResponder, `runscript -CloudFile="StopImplant"`)
	if res.ErrCode != 0 || res.Stdout != "done\n" || res.Stderr != "" {
		t.Fatalf("StopImplant = %d %q, stdout %q stderr %q", res.ErrCode, res.ErrMessage, res.Stdout, res.Stderr)
	}
	if ps := runOK(t, h, sh, "ps"); strings.Contains(ps, "updater64") {
		t.Errorf("the implant still runs after the cloud script stopped it:\n%s", ps)
	}
}

func TestRunscriptHostPathFromPutFile(t *testing.T) {
	tests := []struct {
		name       string
		host       string
		tier       Tier
		setup      []string
		command    string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "linux script put on disk", host: "lnx-web-01", tier: Admin, setup: []string{"cd /tmp", "put run.sh"},
			command: `runscript -HostPath="/tmp/run.sh"`, wantStdout: "from disk\n"},
		{name: "windows script put on disk", host: "WIN-HR-02", tier: Admin, setup: []string{"put check.ps1"},
			command: `runscript -HostPath="C:\check.ps1"`, wantStdout: "on-disk\n"},
		{name: "missing on windows", host: "WIN-HR-02", tier: Admin, command: `runscript -HostPath="C:\none.ps1"`,
			wantStderr: "Check your filename. Couldn't find 'C:\\none.ps1'"},
		{name: "missing on linux", host: "lnx-web-01", tier: Admin, command: `runscript -HostPath=/tmp/none.sh`,
			wantStderr: "/bin/bash: /tmp/none.sh: No such file or directory\n"},
		{name: "active responder", host: "lnx-web-01", tier: ActiveResponder, command: `runscript -HostPath=/tmp/none.sh`,
			wantCode: 40014},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := libraryHost(t, tc.host)
			for _, cmd := range tc.setup {
				runOK(t, h, sh, cmd)
			}
			res := h.Exec(sh, tc.tier, tc.command)
			if res.ErrCode != tc.wantCode {
				t.Fatalf("%s at %s = error %d %q, want %d", tc.command, tc.tier, res.ErrCode, res.ErrMessage, tc.wantCode)
			}
			if res.Stdout != tc.wantStdout || res.Stderr != tc.wantStderr {
				t.Errorf("%s: stdout %q stderr %q, want %q and %q", tc.command, res.Stdout, res.Stderr, tc.wantStdout, tc.wantStderr)
			}
		})
	}
}

func TestParseScriptPermission(t *testing.T) {
	for in, want := range map[string]bool{"private": true, "group": true, "public": true, "none": false, "Public": false, "": false} {
		if _, got := ParseScriptPermission(in); got != want {
			t.Errorf("ParseScriptPermission(%q) ok = %v, want %v", in, got, want)
		}
	}
}

// aidStore serves a put-file only to one host.
type aidStore struct{ aid string }

func (a aidStore) PutFile(aid, name string) (PutFile, bool) {
	return PutFile{Name: name, Content: []byte("x")}, aid == a.aid
}

func (a aidStore) Script(aid, name string) (CloudScript, bool) {
	return CloudScript{Name: name, Content: "echo x", Permission: PermissionPublic,
		Platforms: []Platform{Windows, Linux, Mac}}, aid == a.aid
}

func TestContentStoreSeesHostAID(t *testing.T) {
	f, err := Named(FleetDemo)
	if err != nil {
		t.Fatalf("Named: %v", err)
	}
	served, other := f.HostByName("WIN-HR-02"), f.HostByName("WIN-DC-01")
	f.SetContentStore(aidStore{aid: served.AID()})
	tests := []struct {
		host     *Host
		command  string
		wantCode int
	}{
		{served, "put a.txt", 0},
		{other, "put a.txt", 40408},
		{served, "runscript -CloudFile=s", 0},
		{other, "runscript -CloudFile=s", 40412},
	}
	for _, tc := range tests {
		if res := tc.host.Exec(nil, Admin, tc.command); res.ErrCode != tc.wantCode {
			t.Errorf("%s on %s = error %d, want %d", tc.command, tc.host.Hostname(), res.ErrCode, tc.wantCode)
		}
	}
}
