package rtr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// fleetIDs returns n distinct host ids.
func fleetIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("b%031x", i+1)
	}
	return ids
}

func TestQueryDevicesPages(t *testing.T) {
	tests := []struct {
		name      string
		hosts     int
		page      int
		total     bool // whether pagination.total is sent
		wantCalls int
	}{
		{name: "one page", hosts: 3, page: 5, total: true, wantCalls: 1},
		{name: "exact pages", hosts: 4, page: 2, total: true, wantCalls: 2},
		{name: "partial last page", hosts: 5, page: 2, total: true, wantCalls: 3},
		{name: "no total", hosts: 4, page: 2, total: false, wantCalls: 3},
		{name: "no hosts", hosts: 0, page: 2, total: true, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := fleetIDs(tt.hosts)
			f := newFakeFalcon(t)
			f.handle("GET "+pathDeviceQuery, func(w http.ResponseWriter, r *http.Request) {
				offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
				end := min(offset+limit, len(all))
				page := []string{}
				if offset < len(all) {
					page = all[offset:end]
				}
				meta := map[string]any{"trace_id": "t", "query_time": 0.01}
				if tt.total {
					meta["pagination"] = map[string]any{"offset": offset, "limit": limit, "total": len(all)}
				}
				writeJSON(w, http.StatusOK, map[string]any{"meta": meta, "resources": page, "errors": []any{}})
			})
			cfg := f.config()
			cfg.Limits.DeviceQueryPage = tt.page
			c := newTestClient(t, cfg)

			got, err := c.QueryDevices(context.Background(), "platform_name:'Windows'")
			if err != nil {
				t.Fatalf("QueryDevices: %v", err)
			}
			if len(got) != len(all) || (len(all) > 0 && !reflect.DeepEqual(got, all)) {
				t.Errorf("ids = %v, want %v", got, all)
			}
			reqs := f.requestsTo("GET " + pathDeviceQuery)
			if len(reqs) != tt.wantCalls {
				t.Errorf("requests = %d, want %d", len(reqs), tt.wantCalls)
			}
			for i, req := range reqs {
				if got, want := req.Query.Get("offset"), strconv.Itoa(i*tt.page); got != want {
					t.Errorf("request %d offset = %s, want %s", i, got, want)
				}
				if got := req.Query.Get("filter"); got != "platform_name:'Windows'" {
					t.Errorf("request %d filter = %q", i, got)
				}
			}
		})
	}
}

func TestGetDevicesChunks(t *testing.T) {
	ids := fleetIDs(5)
	f := newFakeFalcon(t)
	f.handle("POST "+pathDeviceDetails, func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			IDs []string `json:"ids"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		var records []any
		for _, id := range body.IDs {
			records = append(records, map[string]any{
				"device_id": id, "cid": "c1", "hostname": "host-" + id[len(id)-1:], "platform_name": "Windows",
				"os_version": "Windows 10", "status": "normal", "local_ip": "10.0.0.5", "external_ip": "198.51.100.7",
				"agent_version": "7.10.1", "tags": []string{"FalconGroupingTags/finance"},
				"last_seen": "2026-01-02T03:04:05Z",
			})
		}
		writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": records}))
	})
	cfg := f.config()
	cfg.Limits.DeviceDetails = 2
	c := newTestClient(t, cfg)

	devices, err := c.GetDevices(context.Background(), ids)
	if err != nil {
		t.Fatalf("GetDevices: %v", err)
	}
	if len(devices) != 5 {
		t.Fatalf("devices = %d, want 5", len(devices))
	}
	want := Device{
		ID: ids[0], CID: "c1", Hostname: "host-1", PlatformName: "Windows", OSVersion: "Windows 10",
		Status: "normal", LocalIP: "10.0.0.5", ExternalIP: "198.51.100.7", AgentVersion: "7.10.1",
		Tags: []string{"FalconGroupingTags/finance"}, LastSeen: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	if got := devices[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("device = %+v, want %+v", got, want)
	}
	reqs := f.requestsTo("POST " + pathDeviceDetails)
	if len(reqs) != 3 {
		t.Errorf("requests = %d, want 3 chunks of at most 2", len(reqs))
	}
}

func TestDeviceAction(t *testing.T) {
	ids := fleetIDs(3)
	f := newFakeFalcon(t)
	f.handle("POST "+pathDeviceActions, func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			IDs []string `json:"ids"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		var res []any
		for _, id := range body.IDs {
			res = append(res, map[string]any{"id": id, "path": ""})
		}
		writeJSON(w, http.StatusAccepted, okBody(map[string]any{"resources": res}))
	})
	cfg := f.config()
	cfg.Limits.DeviceActions = 2
	c := newTestClient(t, cfg)

	got, err := c.DeviceAction(context.Background(), Contain, ids)
	if err != nil {
		t.Fatalf("DeviceAction: %v", err)
	}
	if !reflect.DeepEqual(got, ids) {
		t.Errorf("accepted = %v, want %v", got, ids)
	}
	reqs := f.requestsTo("POST " + pathDeviceActions)
	if len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2", len(reqs))
	}
	if a := reqs[0].Query.Get("action_name"); a != "contain" {
		t.Errorf("action_name = %q, want contain", a)
	}
}

func TestDeviceActionDroppedIsUnknown(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("POST "+pathDeviceActions, func(w http.ResponseWriter, r *http.Request) { dropConnection(t, w) })
	c := newTestClient(t, f.config())

	_, err := c.DeviceAction(context.Background(), LiftContainment, []string{hostA})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("error = %v, want ErrOutcomeUnknown", err)
	}
	if got := len(f.requestsTo("POST " + pathDeviceActions)); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}
