package fleet

import (
	"regexp"
	"strings"
	"testing"
)

func TestWindowsLsShape(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	out := runOK(t, h, sh, `ls C:\Windows`)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != `Directory listing for C:\Windows -` || lines[1] != "" {
		t.Fatalf("first lines = %q, %q; want the listing title and a blank line", lines[0], lines[1])
	}
	header := regexp.MustCompile(`^Name +Type +Size \(bytes\) +Size \(MB\) +Last Modified \(UTC-5\) +Created \(UTC-5\) +$`)
	if !header.MatchString(lines[2]) {
		t.Errorf("header = %q, want the six columns with (UTC-5)", lines[2])
	}
	for i, l := range lines[2:] {
		if len(l) != 137 {
			t.Errorf("line %d is %d characters, want 137: %q", i+3, len(l), l)
		}
	}
	tb := parseTable(t, out)
	if tb.rows[0]["Type"] != "<Directory>" || tb.rows[0]["Size (bytes)"] != "--" {
		t.Errorf("first row = %v, want a directory with -- sizes (directories sort first)", tb.rows[0])
	}
	var notepad map[string]string
	for _, r := range tb.rows {
		if r["Name"] == "notepad.exe" {
			notepad = r
		}
	}
	if notepad == nil {
		t.Fatalf("no notepad.exe row in:\n%s", out)
	}
	if notepad["Type"] != ".exe" || notepad["Size (bytes)"] != "201216" || notepad["Size (MB)"] != "0.19" {
		t.Errorf("notepad.exe row = %v, want .exe, 201216 bytes, 0.19 MB", notepad)
	}
	stamp := regexp.MustCompile(`^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d [AP]M$`)
	if !stamp.MatchString(notepad["Last Modified (UTC-5)"]) {
		t.Errorf("Last Modified = %q, want M/D/YYYY h:mm:ss AM", notepad["Last Modified (UTC-5)"])
	}
}

func TestWindowsLsUTCHeader(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-DC-01")
	if out := runOK(t, h, sh, "ls"); !strings.Contains(out, "Last Modified (UTC+0)") {
		t.Errorf("ls on a UTC host lacks (UTC+0):\n%s", out)
	}
}

func TestPosixLs(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-web-01")
	out := runOK(t, h, sh, "ls /etc")
	if !strings.HasSuffix(out, "\n") || strings.Contains(out, " ") {
		t.Errorf("ls /etc = %q, want bare names one per line", out)
	}
	names := strings.Fields(out)
	for i := 1; i < len(names); i++ {
		if names[i-1] > names[i] {
			t.Errorf("ls /etc not in byte order: %q before %q", names[i-1], names[i])
		}
	}
	if got := runOK(t, h, sh, "ls /home/deploy"); got != "" {
		t.Errorf("ls shows dot files: %q", got)
	}
	long := runOK(t, h, sh, "ls -l /etc")
	if !strings.HasPrefix(long, "total ") || !regexp.MustCompile(`(?m)^-rw-r--r-- 1 root root \d+ \w{3} [ \d]\d +[\d:]+ passwd$`).MatchString(long) {
		t.Errorf("ls -l /etc:\n%s", long)
	}
	if got := runOK(t, h, sh, "ls /etc/hosts"); got != "/etc/hosts\n" {
		t.Errorf("ls of a file = %q, want the name as typed", got)
	}
	rec := runOK(t, h, sh, "ls -R /opt")
	if !strings.Contains(rec, "/opt:\nCrowdStrike\n\n/opt/CrowdStrike:\nfalcon-sensor\nfalconctl\nfalcond\n") {
		t.Errorf("ls -R /opt:\n%s", rec)
	}
}

func TestLsErrors(t *testing.T) {
	tests := []struct {
		host, command, want string
	}{
		{"WIN-FIN-01", `ls C:\Nope`, `Check your filename. Couldn't find 'C:\Nope'`},
		{"WIN-FIN-01", `ls D:\`, `Check your filename. Couldn't find 'D:\'`},
		{"lnx-web-01", "ls /nope", "ls: cannot access '/nope': No such file or directory\n"},
		{"mac-dev-01", "ls nope", "ls: cannot access 'nope': No such file or directory\n"},
	}
	for _, tc := range tests {
		t.Run(tc.host+" "+tc.command, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := run(t, h, sh, tc.command)
			if res.Stderr != tc.want || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want stderr %q", res.Stdout, res.Stderr, tc.want)
			}
		})
	}
}

func TestCdThenRelativeCommands(t *testing.T) {
	tests := []struct {
		host          string
		cd, wantCwd   string
		relativeLs    string
		wantInListing string
	}{
		{"WIN-FIN-01", `cd "C:\Program Files\CrowdStrike"`, `C:\Program Files\CrowdStrike`, "ls", "CSFalconService.exe"},
		{"WIN-FIN-01", `cd c:\windows\system32`, `C:\Windows\System32`, `ls drivers\etc`, "hosts"},
		{"WIN-HR-02", `cd Users`, `C:\Users`, `ls ..\Windows`, "notepad.exe"},
		{"lnx-db-02", "cd /usr/pgsql-15", "/usr/pgsql-15", "ls bin", "postgres"},
		{"mac-ceo-02", "cd /users/CBROOKS/../cbrooks", "/Users/cbrooks", "ls Documents", "todo.md"},
	}
	for _, tc := range tests {
		t.Run(tc.host+" "+tc.cd, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			if got := runOK(t, h, sh, tc.cd); got != tc.wantCwd {
				t.Errorf("%s printed %q, want %q", tc.cd, got, tc.wantCwd)
			}
			if got := runOK(t, h, sh, "pwd"); got != tc.wantCwd {
				t.Errorf("pwd = %q, want %q", got, tc.wantCwd)
			}
			if got := runOK(t, h, sh, tc.relativeLs); !strings.Contains(got, tc.wantInListing) {
				t.Errorf("%s after cd lacks %q:\n%s", tc.relativeLs, tc.wantInListing, got)
			}
		})
	}
}

func TestCdErrors(t *testing.T) {
	tests := []struct {
		host, command, want string
	}{
		{"WIN-FIN-01", `cd C:\Nope`, `Check your filename. Couldn't find 'C:\Nope'`},
		{"WIN-FIN-01", `cd C:\Windows\notepad.exe`, `Check your filename. Couldn't find 'C:\Windows\notepad.exe'`},
		{"lnx-web-01", "cd /nope", "cd: /nope: No such file or directory\n"},
		{"lnx-web-01", "cd /etc/passwd", "cd: /etc/passwd: Not a directory\n"},
		{"lnx-web-01", "cd /ETC", "cd: /ETC: No such file or directory\n"},
	}
	for _, tc := range tests {
		t.Run(tc.host+" "+tc.command, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			before := sh.Cwd()
			res := run(t, h, sh, tc.command)
			if res.Stderr != tc.want || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want stderr %q", res.Stdout, res.Stderr, tc.want)
			}
			if sh.Cwd() != before {
				t.Errorf("cwd moved to %q after a failed cd", sh.Cwd())
			}
		})
	}
}

func TestPwdStartsAtRoot(t *testing.T) {
	for host, want := range map[string]string{"WIN-FIN-01": `C:\`, "lnx-db-02": "/", "mac-dev-01": "/"} {
		h, sh := demoHost(t, FleetDemo, host)
		if got := runOK(t, h, sh, "pwd"); got != want {
			t.Errorf("pwd on %s = %q, want %q", host, got, want)
		}
	}
}
