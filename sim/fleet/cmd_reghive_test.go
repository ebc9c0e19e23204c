package fleet

import (
	"strings"
	"testing"
	"time"
)

func TestRegLoadThenQueryUnload(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-HR-02")
	if got := runOK(t, h, sh, `reg load "`+winNotes+`" HKU\Evidence`); got != regSuccess {
		t.Fatalf("reg load printed %q", got)
	}
	out := runOK(t, h, sh, `reg query HKU\Evidence\Environment`)
	if !strings.Contains(out, `HKEY_USERS\Evidence\Environment`) || !strings.Contains(out, "TEMP    REG_EXPAND_SZ") {
		t.Errorf("query of the loaded hive:\n%s", out)
	}
	if got := runOK(t, h, sh, `reg unload HKU\Evidence`); got != regSuccess {
		t.Errorf("reg unload printed %q", got)
	}
	if res := run(t, h, sh, `reg query HKU\Evidence`); res.Stderr != regNotFound {
		t.Errorf("query after unload: %q, want %q", res.Stderr, regNotFound)
	}
}

func TestRegLoadErrors(t *testing.T) {
	tests := []struct {
		name, command, wantStderr string
	}{
		{"missing file", `reg load C:\nope.dat HKU\X`, regFileNotFound},
		{"directory", `reg load C:\Windows HKU\X`, regFileNotFound},
		{"not under HKLM or HKU", `reg load ` + winNotes + ` HKCU\X`, regInvalidKey},
		{"too deep", `reg load ` + winNotes + ` HKLM\A\B`, regInvalidKey},
		{"key exists", `reg load ` + winNotes + ` HKLM\SOFTWARE`, regAccessDenied},
		{"one argument", `reg load ` + winNotes, regInvalidSyntax},
		{"unload a system key", `reg unload HKLM\SOFTWARE`, regNotAHive},
		{"unload a missing key", `reg unload HKU\Nope`, regNotAHive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, "WIN-HR-02")
			before := h.fleetState()
			if res := run(t, h, sh, tc.command); res.Stderr != tc.wantStderr || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want %q", res.Stdout, res.Stderr, tc.wantStderr)
			}
			if !statesEqual(before, h.fleetState()) {
				t.Errorf("a failed %s changed the host", tc.command)
			}
		})
	}
}

func TestCswindiagAppearsLater(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	start := h.now()
	clock := start
	h.mu.Lock()
	h.now = func() time.Time { return clock }
	h.mu.Unlock()
	if got := runOK(t, h, sh, "cswindiag"); got != processStarted {
		t.Fatalf("cswindiag printed %q", got)
	}
	dir := `C:\Program Files\CrowdStrike\Rtr\PutRun`
	if strings.Contains(runOK(t, h, sh, `ls "`+dir+`"`), "CSWinDiag-") {
		t.Errorf("the archive exists at once")
	}
	clock = start.Add(cswindiagTime)
	if !strings.Contains(runOK(t, h, sh, `ls "`+dir+`"`), "CSWinDiag-WIN-FIN-01-") {
		t.Errorf("the archive is missing once the collection ended")
	}
	if res := h.Exec(sh, ActiveResponder, "cswindiag"); res.ErrCode != codeCommandNotFound {
		t.Errorf("cswindiag below admin: code %d", res.ErrCode)
	}
}
