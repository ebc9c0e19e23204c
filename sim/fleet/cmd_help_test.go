package fleet

import (
	"strings"
	"testing"
)

func TestHelpListsTierCommands(t *testing.T) {
	tests := []struct {
		name, host string
		tier       Tier
		want, not  []string
	}{
		{"windows read-only", "WIN-FIN-01", ReadOnly, []string{"ls", "ipconfig", "reg query", "eventlog view", "help"},
			[]string{"rm", "reg set", "ifconfig", "put", "update list"}},
		{"windows responder", "WIN-FIN-01", ActiveResponder, []string{"rm", "reg set", "memdump", "update install"},
			[]string{"put", "runscript -Raw", "tar"}},
		{"linux admin", "lnx-web-01", Admin, []string{"tar", "ifconfig", "put", "falconscript", "users"},
			[]string{"ipconfig", "reg query", "csrutil", "memdump", "getsid"}},
		{"mac read-only", "mac-ceo-02", ReadOnly, []string{"csrutil", "getsid", "ifconfig"}, []string{"tar", "cp"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := h.Exec(sh, tc.tier, "help")
			lines := map[string]bool{}
			for _, l := range strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n") {
				lines[l] = true
			}
			for _, w := range tc.want {
				if !lines[w] {
					t.Errorf("help lacks %q:\n%s", w, res.Stdout)
				}
			}
			for _, n := range tc.not {
				if lines[n] {
					t.Errorf("help lists %q, which the tier or platform lacks", n)
				}
			}
		})
	}
}

func TestHelpTopic(t *testing.T) {
	tests := []struct {
		name, host, command    string
		wantStdout, wantStderr string
	}{
		{"flags and tier", "WIN-FIN-01", "help restart", "restart\n  Flags: -Confirm\n  Arguments: at most 0\n  Tier: active-responder\n", ""},
		{"sub-commands", "WIN-FIN-01", "help reg", "reg\n  Sub-commands: delete, load, query, set, unload\n  Arguments: at most 0\n  Tier: read-only\n", ""},
		{"one sub-command", "WIN-FIN-01", "help eventlog view", "eventlog view\n  Arguments: at most 3\n  Tier: read-only\n", ""},
		{"missing on platform", "lnx-web-01", "help ipconfig", "", "help: no help topic for 'ipconfig'\n"},
		{"unknown", "lnx-web-01", "help nope", "", "help: no help topic for 'nope'\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := run(t, h, sh, tc.command)
			if res.Stdout != tc.wantStdout || res.Stderr != tc.wantStderr {
				t.Errorf("stdout %q stderr %q, want %q %q", res.Stdout, res.Stderr, tc.wantStdout, tc.wantStderr)
			}
		})
	}
}
