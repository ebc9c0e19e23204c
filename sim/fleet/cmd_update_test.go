package fleet

import (
	"strings"
	"testing"
)

func TestUpdateListInstallHistory(t *testing.T) {
	for _, host := range []string{"WIN-FIN-01", "WIN-DC-01"} {
		t.Run(host, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, host)
			list := parseTable(t, runOK(t, h, sh, "update list"))
			if strings.Join(list.header, ",") != "KB,Title,Date" || len(list.rows) == 0 {
				t.Fatalf("update list table %v with %d rows", list.header, len(list.rows))
			}
			kb := list.rows[0]["KB"]
			if got := runOK(t, h, sh, "update query "+kb); !strings.Contains(got, "Status: Available\n") {
				t.Errorf("query before install:\n%s", got)
			}
			if got := runOK(t, h, sh, "update install "+strings.ToLower(kb)); got != "Installed "+kb {
				t.Errorf("install printed %q", got)
			}
			if got := runOK(t, h, sh, "update query "+kb); !strings.Contains(got, "Status: Installed\n") {
				t.Errorf("query after install:\n%s", got)
			}
			found := false
			for _, row := range parseTable(t, runOK(t, h, sh, "update history")).rows {
				found = found || row["KB"] == kb
			}
			if !found {
				t.Errorf("history lacks %s after install", kb)
			}
			if strings.Contains(runOK(t, h, sh, "update list"), kb+" ") {
				t.Errorf("list still shows %s after install", kb)
			}
			if res := run(t, h, sh, "update install "+kb); res.Stderr != "update install: "+kb+" is already installed\n" {
				t.Errorf("second install: %q", res.Stderr)
			}
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	tests := []struct {
		name, host, command string
		tier                Tier
		wantCode            int
		wantStderr          string
	}{
		{"bad id", "WIN-FIN-01", "update query 12345", ActiveResponder, 0, "update query: '12345' is not a KB article id, for example KB5046633\n"},
		{"unknown id", "WIN-FIN-01", "update install KB1", ActiveResponder, 0, "update install: 'KB1' is not a KB article id, for example KB5046633\n"},
		{"not on host", "WIN-FIN-01", "update query KB1000001", ActiveResponder, 0, "update query: KB1000001 was not found for this host\n"},
		{"read-only tier", "WIN-FIN-01", "update list", ReadOnly, codeCommandNotFound, ""},
		{"linux", "lnx-web-01", "update list", ActiveResponder, codeCommandNotFound, ""},
		{"too many args", "WIN-FIN-01", "update install KB1 KB2", ActiveResponder, codeMaxArgs, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := h.Exec(sh, tc.tier, tc.command)
			if res.ErrCode != tc.wantCode || res.Stderr != tc.wantStderr || res.Stdout != "" {
				t.Errorf("code %d stdout %q stderr %q, want %d %q", res.ErrCode, res.Stdout, res.Stderr, tc.wantCode, tc.wantStderr)
			}
		})
	}
}
