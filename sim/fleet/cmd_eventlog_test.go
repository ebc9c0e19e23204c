package fleet

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestEventlogList(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-DC-01")
	out := runOK(t, h, sh, "eventlog list")
	lines := strings.Split(out, "\n")
	if lines[0] != "" || lines[1] != "  Max(K) Retain OverflowAction        Entries Log" ||
		lines[2] != "  ------ ------ --------------        ------- ---" {
		t.Fatalf("eventlog list header:\n%s", out)
	}
	if want := "  20,480      0 OverwriteAsNeeded         120 Security"; !strings.Contains(out, want+"\n") {
		t.Errorf("eventlog list lacks %q:\n%s", want, out)
	}
}

func TestEventlogView(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-DC-01")
	out := runOK(t, h, sh, "eventlog view System 5")
	tb := parseTable(t, out)
	wantHeader := []string{"Index", "Time", "EntryType", "Source", "InstanceID", "Message"}
	if strings.Join(tb.header, ",") != strings.Join(wantHeader, ",") {
		t.Errorf("header %v, want %v", tb.header, wantHeader)
	}
	if len(tb.rows) != 5 {
		t.Fatalf("eventlog view System 5 printed %d rows", len(tb.rows))
	}
	if tb.rows[0]["Index"] <= tb.rows[4]["Index"] && len(tb.rows[0]["Index"]) == len(tb.rows[4]["Index"]) {
		t.Errorf("rows are not newest first: %s then %s", tb.rows[0]["Index"], tb.rows[4]["Index"])
	}
	all := runOK(t, h, sh, "eventlog view system 500 Microsoft-Windows-DNS-Client")
	for _, row := range parseTable(t, all).rows {
		if row["Source"] != "Microsoft-Windows-..." || row["Message"] != "Name resolution for the name wpad timed out..." {
			t.Errorf("DNS row not truncated like PowerShell: %q %q", row["Source"], row["Message"])
		}
	}
	if def := parseTable(t, runOK(t, h, sh, "eventlog view Security")); len(def.rows) != eventViewDefault {
		t.Errorf("default count printed %d rows, want %d", len(def.rows), eventViewDefault)
	}
}

func TestEventlogErrors(t *testing.T) {
	tests := []struct {
		name, host, command string
		wantCode            int
		wantStderr          string
	}{
		{"unknown log", "WIN-DC-01", "eventlog view Nope", 0, "The event log 'Nope' on computer '.' does not exist."},
		{"count too big", "WIN-DC-01", "eventlog view System 501", 0, "eventlog view: Count must be a whole number from 1 to 500, got '501'\n"},
		{"count not a number", "WIN-DC-01", "eventlog view System ten", 0, "eventlog view: Count must be a whole number from 1 to 500, got 'ten'\n"},
		{"no such source", "WIN-DC-01", "eventlog view System 10 Nobody", 0, "No matches found"},
		{"no log name", "WIN-DC-01", "eventlog view", 0, "eventlog view: missing log name, for example: eventlog view System 20\n"},
		{"export unknown log", "WIN-DC-01", `eventlog export Nope C:\x.csv`, 0, "The event log 'Nope' on computer '.' does not exist."},
		{"export missing dir", "WIN-DC-01", `eventlog export System C:\no\x.csv`, 0, `Could not find a part of the path 'C:\no\x.csv'.`},
		{"unknown sub-command", "WIN-DC-01", "eventlog clear System", codeCommandNotValid, ""},
		{"linux", "lnx-web-01", "eventlog list", codeCommandNotFound, ""},
		{"mac", "mac-ceo-02", "eventlog view System", codeCommandNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := h.Exec(sh, ReadOnly, tc.command)
			if res.ErrCode != tc.wantCode || res.Stderr != tc.wantStderr || res.Stdout != "" {
				t.Errorf("code %d stdout %q stderr %q, want %d %q", res.ErrCode, res.Stdout, res.Stderr, tc.wantCode, tc.wantStderr)
			}
		})
	}
}

func TestEventlogExportBackup(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-DC-01")
	runOK(t, h, sh, `cd C:\Windows\Temp`)
	if got := runOK(t, h, sh, "eventlog export Security sec.csv"); got != `C:\Windows\Temp\sec.csv` {
		t.Fatalf("export stdout %q", got)
	}
	rows, err := csv.NewReader(bytes.NewReader(fileNode(t, h, `C:\Windows\Temp\sec.csv`).bytes())).ReadAll()
	if err != nil || len(rows) != 121 || rows[0][0] != "Index" {
		t.Errorf("export wrote %d CSV rows (%v), want a header and 120 records", len(rows), err)
	}
	if got := runOK(t, h, sh, `eventlog backup System C:\Windows\Temp\sys.evtx`); got != `C:\Windows\Temp\sys.evtx` {
		t.Fatalf("backup stdout %q", got)
	}
	n := fileNode(t, h, `C:\Windows\Temp\sys.evtx`)
	if n.size < 65536 || string(n.readRange(0, 7)) != "ElfFile" {
		t.Errorf("backup wrote %d bytes starting %q", n.size, n.readRange(0, 7))
	}
	if !strings.Contains(runOK(t, h, sh, "ls"), "sys.evtx") {
		t.Errorf("ls of the working directory does not show the backup")
	}
}
