package fleet

import (
	"encoding/json"
	"testing"
)

// catalogueStore is a memStore with a Falcon script catalogue.
type catalogueStore struct {
	memStore
	scripts map[string]Platform
}

func (s *catalogueStore) FalconScript(_, name string) (FalconScript, bool) {
	p, ok := s.scripts[name]
	return FalconScript{Name: name, Platform: p}, ok
}

func falconHost(t *testing.T, hostname string) (*Host, *Shell) {
	t.Helper()
	f, err := Named(FleetDemo)
	if err != nil {
		t.Fatalf("Named: %v", err)
	}
	f.SetContentStore(&catalogueStore{scripts: map[string]Platform{
		"GetProcessTree": Windows, "ListScheduledTasks": Windows, "GetShellHistory": Linux,
		"ListLaunchItems": Mac, "Unmodelled": Linux,
	}})
	h := f.HostByName(hostname)
	return h, h.NewShell()
}

func TestFalconscript(t *testing.T) {
	h, sh := falconHost(t, "WIN-FIN-01")
	var got struct {
		Processes []fsProcess `json:"processes"`
	}
	out := runOK(t, h, sh, "falconscript -Name=```GetProcessTree``` -JsonInput=```'{\"name\":\"updater64\"}'```")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if len(got.Processes) != 1 || got.Processes[0].PID != implantPID(t, h) {
		t.Fatalf("GetProcessTree for updater64 = %+v, want the implant", got.Processes)
	}
	runOK(t, h, sh, "kill "+itoa(got.Processes[0].PID))
	out = runOK(t, h, sh, "falconscript -Name=```GetProcessTree``` -JsonInput=```'{\"name\":\"updater64\"}'```")
	if out != "{\"processes\":[]}\n" {
		t.Errorf("after kill GetProcessTree = %q, want no processes", out)
	}
}

func TestFalconscriptOtherPlatforms(t *testing.T) {
	for host, name := range map[string]string{"lnx-web-01": "GetShellHistory", "mac-ceo-02": "ListLaunchItems", "WIN-FIN-01": "ListScheduledTasks"} {
		h, sh := falconHost(t, host)
		var v map[string]json.RawMessage
		out := runOK(t, h, sh, "falconscript -Name="+name)
		if err := json.Unmarshal([]byte(out), &v); err != nil || len(v) != 1 {
			t.Errorf("%s on %s printed %q (%v), want one JSON object", name, host, out, err)
		}
	}
}

func TestFalconscriptErrors(t *testing.T) {
	tests := []struct {
		name, host, command    string
		wantCode               int
		wantMessage, wantError string
	}{
		{"unknown script", "lnx-web-01", "falconscript -Name=```Nope```", codeCloudFileAbsent, "The file Nope could not be found", ""},
		{"other platform", "lnx-web-01", "falconscript -Name=```GetProcessTree```", codeCloudFileAbsent, "The file GetProcessTree could not be found", ""},
		{"no name", "lnx-web-01", "falconscript", 0, "", "falconscript: -Name is required, for example -Name=```GetProcessTree```\n"},
		{"bad json", "WIN-FIN-01", "falconscript -Name=GetProcessTree -JsonInput=```'{x'```", 0, "",
			"falconscript: -JsonInput is not a JSON object: invalid character 'x' looking for beginning of object key string\n"},
		{"not modelled", "lnx-web-01", "falconscript -Name=Unmodelled", 0, "", "falconscript: Unmodelled: not simulated by the rtrplay fleet emulator\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := falconHost(t, tc.host)
			res := h.Exec(sh, Admin, tc.command)
			if res.ErrCode != tc.wantCode || res.ErrMessage != tc.wantMessage || res.Stderr != tc.wantError || res.Stdout != "" {
				t.Errorf("got %d %q stderr %q stdout %q", res.ErrCode, res.ErrMessage, res.Stderr, res.Stdout)
			}
		})
	}
	h, sh := falconHost(t, "WIN-FIN-01")
	if res := h.Exec(sh, ActiveResponder, "falconscript -Name=GetProcessTree"); res.ErrCode != codeCommandNotFound {
		t.Errorf("falconscript below admin: code %d, want %d", res.ErrCode, codeCommandNotFound)
	}
}
