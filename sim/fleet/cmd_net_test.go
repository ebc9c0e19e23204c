package fleet

import (
	"strings"
	"testing"
)

func TestWindowsNetstat(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-DC-01")
	out := runOK(t, h, sh, "netstat")
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Errorf("netstat has bare LF line ends, want CRLF throughout")
	}
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	if lines[0] != "" || lines[1] != "Active Connections" || lines[2] != "" {
		t.Errorf("netstat starts %q, want a blank line, the title and a blank line", lines[:3])
	}
	if lines[3] != "  Proto  Local Address          Foreign Address        State           PID" {
		t.Errorf("header = %q", lines[3])
	}
	var sawUDP, sawLDAP bool
	for _, l := range lines[4:] {
		f := strings.Fields(l)
		switch {
		case f[0] == "UDP" && len(f) != 4:
			t.Errorf("UDP row %q: want proto, local, *:* and PID", l)
		case f[0] == "UDP":
			sawUDP = true
		case f[0] == "TCP" && len(f) != 5:
			t.Errorf("TCP row %q: want five fields", l)
		case f[1] == "0.0.0.0:389":
			sawLDAP = f[2] == "0.0.0.0:0" && f[3] == "LISTENING"
		}
	}
	if !sawUDP || !sawLDAP {
		t.Errorf("domain controller netstat lacks UDP rows or the LDAP listener:\n%s", out)
	}
}

func TestPosixNetstat(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-db-02")
	out := runOK(t, h, sh, "netstat")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name" {
		t.Errorf("header = %q", lines[0])
	}
	want := []string{
		"tcp        0      0 0.0.0.0:5432            0.0.0.0:*               LISTEN      ",
		"tcp        0      0 192.0.2.21:5432         192.0.2.21:51022        ESTABLISHED ",
		"tcp6       0      0 :::5432                 :::*                    LISTEN      ",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("netstat lacks a row starting %q:\n%s", w, out)
		}
	}
	if routes := runOK(t, h, sh, "netstat -nr"); !strings.Contains(routes, "0.0.0.0         192.0.2.1       0.0.0.0         UG") {
		t.Errorf("netstat -nr lacks the default route:\n%s", routes)
	}
}
