package fleet

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestNamedFleets(t *testing.T) {
	tests := []struct {
		name        string
		compromised []string
		offline     []string
		unreachable []string
	}{
		{FleetDemo, []string{"WIN-FIN-01"}, nil, nil},
		{FleetClean, nil, nil, nil},
		{FleetOutbreak, []string{"WIN-DC-01", "WIN-FIN-01", "WIN-HR-02"}, nil, nil},
		{FleetDegraded, []string{"WIN-FIN-01"}, []string{"WIN-HR-02"}, []string{"WIN-DC-01"}},
	}
	hostnames := []string{"WIN-DC-01", "WIN-FIN-01", "WIN-HR-02", "lnx-db-02", "lnx-web-01", "mac-ceo-02", "mac-dev-01"}
	aid := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Named(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			var names, compromised, offline, unreachable []string
			for _, h := range f.Hosts() {
				info := h.Info()
				names = append(names, info.Hostname)
				if !aid.MatchString(info.AID) || info.CID != f.CID() {
					t.Errorf("%s: AID %q CID %q", info.Hostname, info.AID, info.CID)
				}
				if f.Host(info.AID) != h {
					t.Errorf("Host(%s) does not return %s", info.AID, info.Hostname)
				}
				if hasImplant(h) {
					compromised = append(compromised, info.Hostname)
				}
				if !info.Online {
					offline = append(offline, info.Hostname)
				}
				if info.Online && !info.Reachable {
					unreachable = append(unreachable, info.Hostname)
				}
				if info.Containment != ContainmentNormal {
					t.Errorf("%s starts %s, want normal", info.Hostname, info.Containment)
				}
			}
			check := func(what string, got, want []string) {
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("hosts", names, hostnames)
			check("compromised", compromised, tc.compromised)
			check("offline", offline, tc.offline)
			check("unreachable", unreachable, tc.unreachable)
		})
	}
}

func hasImplant(h *Host) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.procs {
		if strings.HasPrefix(p.name, "updater64") {
			return true
		}
	}
	return false
}

func TestNamedFleetDetails(t *testing.T) {
	f, err := Named(FleetDemo)
	if err != nil {
		t.Fatal(err)
	}
	fin := f.HostByName("WIN-FIN-01").Info()
	if fin.PlatformName != "Windows" || fin.OSVersion != "Windows 10" || !reflect.DeepEqual(fin.Tags, []string{"FalconGroupingTags/finance"}) {
		t.Errorf("WIN-FIN-01 info = %+v", fin)
	}
	for host, want := range map[string]string{"WIN-HR-02": "Windows 11", "WIN-DC-01": "Windows Server 2022",
		"lnx-web-01": "Ubuntu 22.04", "lnx-db-02": "RHEL 9"} {
		if got := f.HostByName(host).Info().OSVersion; got != want {
			t.Errorf("%s OS = %q, want %q", host, got, want)
		}
	}
	clean := f.HostByName("WIN-HR-02")
	if out := runOK(t, clean, clean.NewShell(), "reg query "+runKeyShort); !strings.Contains(out, "SecurityHealth") {
		t.Errorf("clean host's Run key:\n%s", out)
	}
}

func TestNamedFleetsDifferEachCall(t *testing.T) {
	a, err := Named(FleetDemo)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Named(FleetDemo)
	if err != nil {
		t.Fatal(err)
	}
	ha, hb := a.HostByName("WIN-FIN-01"), b.HostByName("WIN-FIN-01")
	if ha.AID() == hb.AID() {
		t.Error("two demo fleets share an AID")
	}
	if implantPID(t, ha) == implantPID(t, hb) && windowsPIDOf(t, ha.Exec(nil, Admin, "ps").Stdout, "lsass") ==
		windowsPIDOf(t, hb.Exec(nil, Admin, "ps").Stdout, "lsass") {
		t.Error("two demo fleets share PIDs")
	}
}

func TestNamedUnknown(t *testing.T) {
	_, err := Named("prod")
	if err == nil || !strings.Contains(err.Error(), `unknown fleet "prod"`) {
		t.Errorf("Named(prod) error = %v", err)
	}
	if got := Names(); !reflect.DeepEqual(got, []string{"clean", "degraded", "demo", "outbreak"}) {
		t.Errorf("Names() = %v", got)
	}
}

func TestSnapshotTracksChanges(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		command string
		changes bool
	}{
		{"read-only commands", "WIN-FIN-01", "ps", false},
		{"cd is session state", "WIN-FIN-01", `cd C:\Windows`, false},
		{"filehash caches nothing visible", "WIN-FIN-01", `filehash C:\Windows\notepad.exe`, false},
		{"failed kill", "WIN-FIN-01", "kill 3", false},
		{"kill", "WIN-FIN-01", "kill {implant}", true},
		{"rm", "lnx-web-01", "rm /etc/hostname", true},
		{"mkdir", "mac-dev-01", "mkdir /tmp/x", true},
		{"reg delete", "WIN-FIN-01", "reg delete " + runKeyShort + " VendorUpdate", true},
		{"script that only reads", "WIN-FIN-01", raw("Get-Process; Test-Path C:\\x"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Named(FleetDemo)
			if err != nil {
				t.Fatal(err)
			}
			h := f.HostByName(tc.host)
			cmd := tc.command
			if strings.Contains(cmd, "{implant}") {
				cmd = strings.ReplaceAll(cmd, "{implant}", itoa(implantPID(t, h)))
			}
			before := f.Snapshot()
			if again := f.Snapshot(); !reflect.DeepEqual(before, again) {
				t.Fatal("two snapshots without a change differ")
			}
			h.Exec(h.NewShell(), Admin, cmd)
			if changed := !reflect.DeepEqual(before, f.Snapshot()); changed != tc.changes {
				t.Errorf("%s: snapshot changed = %v, want %v", cmd, changed, tc.changes)
			}
		})
	}
}

func TestSnapshotIsDeepAndJSON(t *testing.T) {
	f, err := Named(FleetOutbreak)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Snapshot()
	s.Hosts[0].Processes[0].Name = "tampered"
	s.Hosts[0].Files = nil
	if reflect.DeepEqual(s, f.Snapshot()) {
		t.Fatal("changing a snapshot changed the fleet")
	}
	data, err := json.Marshal(f.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("snapshot JSON does not decode: %v", err)
	}
	if len(back.Hosts) != 7 || back.Hosts[0].Hostname != "WIN-DC-01" || len(back.Hosts[0].Registry) == 0 {
		t.Errorf("decoded snapshot has %d hosts, first %q", len(back.Hosts), back.Hosts[0].Hostname)
	}
}

func TestHostSetters(t *testing.T) {
	h, _ := demoHost(t, FleetDegraded, "WIN-HR-02")
	before := h.Info().LastSeen
	h.SetOnline(true)
	h.SetContainment(ContainmentPending)
	info := h.Info()
	if !info.Online || info.Containment != ContainmentPending || !info.LastSeen.After(before) {
		t.Errorf("after SetOnline and SetContainment: %+v", info)
	}
	h.SetReachable(false)
	if h.Info().Reachable {
		t.Error("SetReachable(false) had no effect")
	}
	defer func() {
		if recover() == nil {
			t.Error("SetContainment with an unknown status did not panic")
		}
	}()
	h.SetContainment("isolated")
}
