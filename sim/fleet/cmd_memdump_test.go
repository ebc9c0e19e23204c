package fleet

import (
	"strings"
	"testing"
	"time"
)

func TestMemdump(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	pid := implantPID(t, h)
	out := runOK(t, h, sh, "memdump "+itoa(pid))
	if want := `C:\Windows\Temp\updater64-` + itoa(pid) + ".dmp"; out != want {
		t.Fatalf("memdump stdout %q, want %q", out, want)
	}
	n := fileNode(t, h, out)
	if n.size != max(h.procs[pid].workingSet, 1<<20) || string(n.readRange(0, 4)) != "MDMP" {
		t.Errorf("dump is %d bytes starting %q, want the working set %d and MDMP", n.size, n.readRange(0, 4), h.procs[pid].workingSet)
	}
	if got := runOK(t, h, sh, `memdump `+itoa(pid)+` C:\Users\Public\u.dmp`); got != `C:\Users\Public\u.dmp` {
		t.Errorf("memdump with a path printed %q", got)
	}
}

func TestMemdumpErrors(t *testing.T) {
	tests := []struct {
		name, command, wantStderr string
	}{
		{"no such pid", "memdump 3", "Cannot find a process with the process identifier 3."},
		{"not a pid", "memdump abc", `Cannot bind parameter 'Id'. Cannot convert value "abc" to type "System.Int32". Error: "Input string was not in a correct format."`},
		{"protected", "memdump 4", `Cannot dump process "System (4)" because of the following error: Access is denied`},
		{"bad path", "memdump PID C:\\no\\x.dmp", `Could not find a part of the path 'C:\no\x.dmp'.`},
		{"xmemdump kind", "xmemdump Full", "xmemdump: dump kind must be Complete or Kernel, got 'Full'\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
			command := strings.Replace(tc.command, "PID", itoa(implantPID(t, h)), 1)
			if res := run(t, h, sh, command); res.Stderr != tc.wantStderr || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want %q", res.Stdout, res.Stderr, tc.wantStderr)
			}
		})
	}
}

func TestXmemdumpAppearsLater(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	start := h.now()
	clock := start
	h.mu.Lock()
	h.now = func() time.Time { return clock }
	h.mu.Unlock()
	if got := runOK(t, h, sh, "xmemdump Kernel"); got != processStarted {
		t.Fatalf("xmemdump printed %q, want %q", got, processStarted)
	}
	path := `C:\Windows\Temp\WIN-FIN-01-Kernel.dmp`
	if res := run(t, h, sh, `ls "`+path+`"`); res.Stderr == "" {
		t.Errorf("the dump exists at once; it should appear once written")
	}
	clock = start.Add(31 * time.Second)
	if res := run(t, h, sh, `ls "`+path+`"`); res.Stderr != "" {
		t.Errorf("the dump is missing after its write time: %q", res.Stderr)
	}
	if n := fileNode(t, h, path); n.size != 1<<30 {
		t.Errorf("kernel dump is %d bytes", n.size)
	}
}
