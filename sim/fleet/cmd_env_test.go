package fleet

import (
	"regexp"
	"strings"
	"testing"
)

func TestWindowsEnv(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-HR-02")
	out := runOK(t, h, sh, "env")
	scopes := regexp.MustCompile(`(?m)^(Machine|User|Process)$`).FindAllString(out, -1)
	if strings.Join(scopes, ",") != "Machine,User,Process" {
		t.Errorf("scope titles = %v, want Machine, User, Process", scopes)
	}
	tb := parseTable(t, out[strings.Index(out, "Process"):])
	found := false
	for _, r := range tb.rows {
		if r["Name"] == "COMPUTERNAME" {
			found = r["Value"] == "WIN-HR-02"
		}
	}
	if !found {
		t.Errorf("Process scope lacks COMPUTERNAME=WIN-HR-02:\n%s", out)
	}
}

func TestPosixEnv(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-web-01")
	out := runOK(t, h, sh, "env")
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(line) {
			t.Errorf("env line %q is not NAME=value", line)
		}
	}
	if !strings.Contains(out, "HOSTNAME=lnx-web-01\n") {
		t.Errorf("env lacks HOSTNAME:\n%s", out)
	}
}

func TestSmallReadOnlyCommands(t *testing.T) {
	tests := []struct {
		host, command string
		want          *regexp.Regexp
	}{
		{"WIN-FIN-01", "getsid", regexp.MustCompile(`^UserName       SID\n(?s:.*)mhall          S-1-5-21-\d+-\d+-\d+-1001\n`)},
		{"mac-dev-01", "getsid alee", regexp.MustCompile(`^UserName       SID\nalee           S-1-5-21-[\d-]+\n$`)},
		{"lnx-web-01", "users deploy", regexp.MustCompile(`^Name: deploy\nUID: 1000\nGID: 1000\nHome: /home/deploy\nShell: /bin/bash\n$`)},
		{"WIN-FIN-01", "ipconfig", regexp.MustCompile(`IPv4 Address[. ]+: 192\.0\.2\.11\(Preferred\)\r\n`)},
		{"lnx-web-01", "ifconfig", regexp.MustCompile(`(?m)^eth0: flags=.*\n +inet 192\.0\.2\.20 `)},
		{"mac-ceo-02", "csrutil status", regexp.MustCompile(`^System Integrity Protection status: enabled\.\n$`)},
		{"WIN-FIN-01", "clear", regexp.MustCompile(`^$`)},
	}
	for _, tc := range tests {
		t.Run(tc.host+" "+tc.command, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			if got := runOK(t, h, sh, tc.command); !tc.want.MatchString(got) {
				t.Errorf("%s =\n%q\nwant match %s", tc.command, got, tc.want)
			}
		})
	}
}
