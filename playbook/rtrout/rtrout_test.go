package rtrout

import (
	"strings"
	"testing"
)

const windowsPS = `
Name                   Id     Start Time (UTC-5)      User Time  Kernel Time  WorkingSet(MB)  Path
----                   --     ------------------      ---------  -----------  --------------  ----
System                 4      5/6/2024 2:27:44 PM     0:00:00    0:05:12      0.1
Vendor Agent           6120   6/3/2024 8:01:40 AM     0:00:41    0:00:17      88.0            C:\Program Files\Vendor App\agent.exe
updater64              7312   6/3/2024 9:15:22 AM     0:00:02    0:00:01      61.7            C:\ProgramData\Vendor App\updater64.exe
`

const linuxPS = `UID        PID  PPID  C STIME TTY          TIME CMD
root         1     0  0 Jun03 ?        00:00:04 /sbin/init
analyst   4127     1  0 09:14 ?        00:00:02 /opt/vendor-app/bin/agent --daemon
`

func TestParseProcesses(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		match string
		pid   int
		path  string
	}{
		{"windows by name", windowsPS, "updater64.exe", 7312, `C:\ProgramData\Vendor App\updater64.exe`},
		{"windows name with space", windowsPS, "Vendor Agent", 6120, `C:\Program Files\Vendor App\agent.exe`},
		{"windows by path base", windowsPS, "agent.exe", 6120, `C:\Program Files\Vendor App\agent.exe`},
		{"windows crlf", strings.ReplaceAll(windowsPS, "\n", "\r\n"), "updater64", 7312, `C:\ProgramData\Vendor App\updater64.exe`},
		{"linux", linuxPS, "agent", 4127, "/opt/vendor-app/bin/agent --daemon"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var found *Process
			for _, p := range ParseProcesses(tc.text) {
				if p.MatchName(tc.match) {
					found = &p
					break
				}
			}
			if found == nil {
				t.Fatalf("no process matches %q", tc.match)
			}
			if found.PID != tc.pid || found.Path != tc.path {
				t.Errorf("got pid %d path %q, want %d %q", found.PID, found.Path, tc.pid, tc.path)
			}
		})
	}
	if got := ParseProcesses(""); len(got) != 0 {
		t.Errorf("empty output parsed to %d processes", len(got))
	}
}

func TestParseRegQuery(t *testing.T) {
	text := "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\r\n" +
		"    SecurityHealth    REG_EXPAND_SZ    %windir%\\system32\\SecurityHealthSystray.exe\n" +
		"    Vendor Update    REG_SZ    \"C:\\ProgramData\\Vendor App\\updater64.exe\" --silent\r\n\n" +
		"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Sub\n"
	values := ParseRegQuery(text)
	if len(values) != 2 {
		t.Fatalf("parsed %d values, want 2: %+v", len(values), values)
	}
	v := values[1]
	if v.Name != "Vendor Update" || v.Type != "REG_SZ" || v.Data != `"C:\ProgramData\Vendor App\updater64.exe" --silent` {
		t.Errorf("value = %+v", v)
	}
	if !strings.HasSuffix(v.Key, `CurrentVersion\Run`) {
		t.Errorf("key = %q", v.Key)
	}
}

func TestParseRegQueryAmbiguous(t *testing.T) {
	text := "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\n" +
		"    SecurityHealth    REG_EXPAND_SZ    %windir%\\system32\\SecurityHealthSystray.exe\n" +
		"    SecurityHealth    REG_SZ    x    REG_SZ    C:\\ProgramData\\Vendor App\\updater64.exe\n"
	values := ParseRegQuery(text)
	if len(values) != 2 {
		t.Fatalf("parsed %d values, want 2", len(values))
	}
	if values[0].Ambiguous {
		t.Errorf("plain value marked ambiguous: %+v", values[0])
	}
	if !values[1].Ambiguous {
		t.Errorf("value whose name holds a type word not marked ambiguous: %+v", values[1])
	}
}
