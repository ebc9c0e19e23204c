package fleet

import "testing"

func TestRestartShutdown(t *testing.T) {
	tests := []struct {
		host, command, wantStdout string
	}{
		{"WIN-FIN-01", "restart -Confirm", restartAck},
		{"WIN-FIN-01", "shutdown -confirm", shutdownAck},
		{"lnx-web-01", "restart -Confirm", restartAck},
		{"mac-ceo-02", "shutdown -Confirm", shutdownAck},
	}
	for _, tc := range tests {
		t.Run(tc.host+" "+tc.command, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			if !h.Info().Online {
				t.Fatalf("%s starts offline", tc.host)
			}
			res := h.Exec(sh, ActiveResponder, tc.command)
			if res.ErrCode != 0 || res.Stdout != tc.wantStdout || res.Stderr != "" {
				t.Fatalf("got %d %q %q, want stdout %q", res.ErrCode, res.Stdout, res.Stderr, tc.wantStdout)
			}
			if h.Info().Online {
				t.Errorf("host still online after %s; later commands would not get 40407", tc.command)
			}
		})
	}
}

func TestRestartRejections(t *testing.T) {
	tests := []struct {
		name, host, command string
		tier                Tier
		wantCode            int
		wantMessage         string
	}{
		{"no Confirm", "WIN-FIN-01", "restart", ActiveResponder, codeCommandNotValid, "Command is not valid"},
		{"no Confirm linux", "lnx-web-01", "shutdown", Admin, codeCommandNotValid, "Command is not valid"},
		{"read-only tier", "WIN-FIN-01", "restart -Confirm", ReadOnly, codeCommandNotFound, "Command not found"},
		{"stray argument", "lnx-web-01", "restart now -Confirm", ActiveResponder, codeMaxArgs, "Max args is 0. 1 were provided"},
		{"unknown flag", "lnx-web-01", "shutdown -Force", ActiveResponder, codeUnknownFlag, "Unrecognized flag found: Force"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := h.Exec(sh, tc.tier, tc.command)
			if res.ErrCode != tc.wantCode || res.ErrMessage != tc.wantMessage || res.Stdout != "" {
				t.Errorf("got %d %q stdout %q, want %d %q", res.ErrCode, res.ErrMessage, res.Stdout, tc.wantCode, tc.wantMessage)
			}
			if !h.Info().Online {
				t.Errorf("a rejected %s took the host offline", tc.command)
			}
		})
	}
}
