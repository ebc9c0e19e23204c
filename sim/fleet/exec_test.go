package fleet

import "testing"

func TestExecAPIErrors(t *testing.T) {
	f, err := Named(FleetDemo)
	if err != nil {
		t.Fatal(err)
	}
	win, lnx := f.HostByName("WIN-FIN-01"), f.HostByName("lnx-web-01")
	tests := []struct {
		name     string
		host     *Host
		tier     Tier
		command  string
		wantCode int
		wantMsg  string
	}{
		{"unknown base command", win, Admin, "dir C:\\", 40007, "Command not found"},
		{"base command is case-sensitive", win, Admin, "LS", 40007, "Command not found"},
		{"kill at read-only", win, ReadOnly, "kill 4", 40007, "Command not found"},
		{"rm at read-only", lnx, ReadOnly, "rm /tmp/x", 40007, "Command not found"},
		{"reg delete at read-only", win, ReadOnly, `reg delete HKLM\SOFTWARE\x`, 40007, "Command not found"},
		{"runscript at read-only", win, ReadOnly, "runscript -CloudFile=x", 40007, "Command not found"},
		{"put at active responder", win, ActiveResponder, "put tool.exe", 40007, "Command not found"},
		{"run at active responder", lnx, ActiveResponder, "run /tmp/x", 40007, "Command not found"},
		{"put-and-run at read-only", win, ReadOnly, "put-and-run tool.exe", 40007, "Command not found"},
		{"raw at active responder", win, ActiveResponder, "runscript -Raw=```Get-Process```", 40014, "Unrecognized flag found: Raw"},
		{"host path at active responder", lnx, ActiveResponder, "runscript -HostPath=/tmp/x.sh", 40014, "Unrecognized flag found: HostPath"},
		{"runscript positional args", win, Admin, `runscript c:\x\wusa.exe "c:\x\x.msu" /quiet /norestart`, 40012, "Max args is 0. 4 were provided"},
		{"unquoted path with spaces", win, ReadOnly, `ls C:\Program Files`, 40012, "Max args is 1. 2 were provided"},
		{"unknown flag", win, ReadOnly, "ls -Recurse", 40014, "Unrecognized flag found: Recurse"},
		{"linux flags are case-sensitive", lnx, ReadOnly, "netstat -N", 40014, "Unrecognized flag found: N"},
		{"reg on linux", lnx, Admin, `reg query HKLM\SOFTWARE`, 40007, "Command not found"},
		{"ipconfig on linux", lnx, ReadOnly, "ipconfig", 40007, "Command not found"},
		{"ifconfig on windows", win, ReadOnly, "ifconfig", 40007, "Command not found"},
		{"reg without sub-command", win, ReadOnly, "reg", 40006, "Command is not valid"},
		{"unknown reg sub-command", win, Admin, `reg frob HKLM`, 40006, "Command is not valid"},
		{"unterminated quote", win, ReadOnly, `cat "C:\x`, 40006, "Command is not valid"},
		{"empty command", win, ReadOnly, "   ", 40006, "Command is not valid"},
		{"runscript without a script", win, Admin, "runscript -Timeout=30", 40006, "Command is not valid"},
		{"unknown cloud script", win, ActiveResponder, "runscript -CloudFile='Collector'", 40412, "The file Collector could not be found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.host.Exec(tc.host.NewShell(), tc.tier, tc.command)
			if res.ErrCode != tc.wantCode || res.ErrMessage != tc.wantMsg {
				t.Errorf("Exec(%q) at %s = %d %q, want %d %q", tc.command, tc.tier, res.ErrCode, res.ErrMessage, tc.wantCode, tc.wantMsg)
			}
			if res.Stdout != "" || res.Stderr != "" {
				t.Errorf("Exec(%q): stdout %q stderr %q, want both empty with an API error", tc.command, res.Stdout, res.Stderr)
			}
		})
	}
}

func TestExecTierAllowsLowerTiers(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-HR-02")
	for _, tier := range []Tier{ReadOnly, ActiveResponder, Admin} {
		res := h.Exec(sh, tier, "pwd")
		if res.ErrCode != 0 || res.Stdout != `C:\` {
			t.Errorf("pwd at %s = %d %q, want C:\\", tier, res.ErrCode, res.Stdout)
		}
	}
	if res := h.Exec(sh, ActiveResponder, "runscript -CloudFile=x"); res.ErrCode != 40412 {
		t.Errorf("runscript -CloudFile at active responder: code %d, want 40412 (accepted, script unknown)", res.ErrCode)
	}
}

func TestExecBaseCommand(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-DC-01")
	for cmd, want := range map[string]string{`reg query HKLM`: "reg", "ls": "ls", "nope x": "nope", `"cat" x`: "cat"} {
		if got := h.Exec(sh, Admin, cmd).BaseCommand; got != want {
			t.Errorf("BaseCommand of %q = %q, want %q", cmd, got, want)
		}
	}
}

func TestEveryCommandHasARun(t *testing.T) {
	for name, spec := range commands {
		if spec.subs == nil && spec.run == nil {
			t.Errorf("command %s has no run function", name)
		}
		for sub, s := range spec.subs {
			if s.run == nil {
				t.Errorf("command %s %s has no run function", name, sub)
			}
		}
	}
}

func TestNilShellStartsAtRoot(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	runOK(t, h, sh, `cd C:\Windows`)
	if got := h.Exec(nil, ReadOnly, "pwd").Stdout; got != `C:\` {
		t.Errorf("pwd with a nil shell = %q, want C:\\", got)
	}
	if got := sh.Cwd(); got != `C:\Windows` {
		t.Errorf("batch shell cwd = %q, want C:\\Windows", got)
	}
}

func TestHistory(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "mac-dev-01")
	runOK(t, h, sh, "cd /Users")
	runOK(t, h, sh, "ls")
	if got, want := runOK(t, h, sh, "history"), "cd /Users\nls\nhistory\n"; got != want {
		t.Errorf("history = %q, want %q", got, want)
	}
}
