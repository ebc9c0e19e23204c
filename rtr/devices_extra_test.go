package rtr

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim"
)

func TestSimCombinedDevices(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	tests := []struct {
		name      string
		q         CombinedDeviceQuery
		wantNames []string
		wantPages int
	}{
		{name: "every host in pages of 3", q: CombinedDeviceQuery{Sort: "hostname.asc", Limit: 3},
			wantNames: []string{"WIN-DC-01", "WIN-FIN-01", "WIN-HR-02", "lnx-db-02", "lnx-web-01",
				"mac-ceo-02", "mac-dev-01"}, wantPages: 3},
		{name: "windows hosts", q: CombinedDeviceQuery{Filter: "platform_name:'Windows'", Sort: "hostname.desc"},
			wantNames: []string{"WIN-HR-02", "WIN-FIN-01", "WIN-DC-01"}, wantPages: 1},
		{name: "selected fields", q: CombinedDeviceQuery{Filter: "hostname:'lnx-web-01'", Fields: []string{"hostname"}},
			wantNames: []string{"lnx-web-01"}, wantPages: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := countRequests(srv, http.MethodGet, pathCombinedDevices)
			devices, err := c.AllCombinedDevices(ctx, tt.q)
			if err != nil {
				t.Fatalf("AllCombinedDevices: %v", err)
			}
			var names []string
			for _, d := range devices {
				names = append(names, d.Hostname)
				if !aidPattern.MatchString(d.ID) || d.CID == "" {
					t.Errorf("device %+v lacks its id or cid", d)
				}
				if tt.q.Fields == nil && (d.PlatformName == "" || d.LastSeen.IsZero()) {
					t.Errorf("device %s lacks platform or last seen", d.Hostname)
				}
				if tt.q.Fields != nil && d.PlatformName != "" {
					t.Errorf("device %s has platform %q although fields named only hostname", d.Hostname, d.PlatformName)
				}
			}
			if !slices.Equal(names, tt.wantNames) {
				t.Errorf("hostnames = %v, want %v", names, tt.wantNames)
			}
			if n := countRequests(srv, http.MethodGet, pathCombinedDevices) - before; n != tt.wantPages {
				t.Errorf("pages = %d, want %d", n, tt.wantPages)
			}
		})
	}

	first, err := c.CombinedDevices(ctx, CombinedDeviceQuery{Limit: 2})
	if err != nil {
		t.Fatalf("CombinedDevices: %v", err)
	}
	if len(first.Devices) != 2 || first.Next == "" || first.Total != 7 {
		t.Errorf("first page = %d devices, next %q, total %d; want 2, a cursor and 7",
			len(first.Devices), first.Next, first.Total)
	}
	// A cursor belongs to the filter and sort it was issued for.
	_, err = c.CombinedDevices(ctx, CombinedDeviceQuery{Limit: 2, Offset: first.Next, Filter: "platform_name:'Mac'"})
	if apiStatus(err) != http.StatusBadRequest {
		t.Errorf("cursor with another filter: error %v, want HTTP 400", err)
	}
}

func TestSimOnlineStates(t *testing.T) {
	srv, c := startSim(t, "degraded", sim.Options{NullStateHosts: []string{"lnx-db-02"}})
	ctx := context.Background()
	c.limits.OnlineState = 3
	var ids []string
	for _, h := range srv.Fleet().Hosts() {
		ids = append(ids, h.Info().AID)
	}
	unknownHost := "a0000000000000000000000000000009"
	states, err := c.OnlineStates(ctx, append(ids, unknownHost))
	if err != nil {
		t.Fatalf("OnlineStates: %v", err)
	}
	if n := countRequests(srv, http.MethodGet, pathOnlineState); n != 3 {
		t.Errorf("requests = %d, want 3 chunks of at most 3 ids for 8 ids", n)
	}
	tests := []struct {
		host string
		want OnlineState
	}{
		{"WIN-FIN-01", StateOnline},
		{"WIN-HR-02", StateOffline},
		{"WIN-DC-01", StateOnline}, // online but unreachable: the sensor is connected
		{"lnx-db-02", StateUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			got, ok := states[simHostID(t, srv, tt.host)]
			if !ok {
				t.Fatalf("no state for %s", tt.host)
			}
			if got.State != tt.want || got.CID == "" || got.LastSeen.IsZero() {
				t.Errorf("state = %+v, want %s with cid and last seen", got, tt.want)
			}
		})
	}
	if _, ok := states[unknownHost]; ok || len(states) != len(ids) {
		t.Errorf("states = %d entries (unknown host present %v), want the %d fleet hosts", len(states), ok, len(ids))
	}
}

func TestSimLiftContainment(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	fin := simHostID(t, srv, "WIN-FIN-01")
	waitStatus := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			devices, err := c.GetDevices(ctx, []string{fin})
			if err != nil {
				t.Fatalf("GetDevices: %v", err)
			}
			if len(devices) == 1 && devices[0].Status == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("status = %+v, want %s within 5 s", devices, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	steps := []struct {
		action HostAction
		want   string
	}{
		{Contain, "contained"},
		{LiftContainment, "normal"},
	}
	for _, step := range steps {
		accepted, err := c.DeviceAction(ctx, step.action, []string{fin})
		if err != nil {
			t.Fatalf("DeviceAction %s: %v", step.action, err)
		}
		if !slices.Equal(accepted, []string{fin}) {
			t.Errorf("%s accepted %v, want [%s]", step.action, accepted, fin)
		}
		waitStatus(step.want)
	}
}
