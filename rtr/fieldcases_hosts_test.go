package rtr

// Field cases of response decoding and host resolution, against the
// emulator: the batch and single-host result shapes, id limits per
// request, error bodies that are not JSON, and null online states.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim"
)

// The batch shape (a resources map with task_id and offline_queued) and the
// single-host shape (a list with cloud_request_id and queued_command_offline)
// fill the same HostResult fields.
func TestResultShapesDecodeToHostResult(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{})
	c := newTestClient(t, simConfig(srv))
	ctx := context.Background()

	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA, hostD}, QueueOffline: true})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	batch, err := c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{
		BatchID: init.BatchID, BaseCommand: "pwd", CommandString: "pwd", PersistAll: true,
	})
	if err != nil {
		t.Fatalf("BatchCommand: %v", err)
	}
	status, err := c.CommandStatus(ctx, ReadOnly, batch[hostA].TaskID, 0)
	if err != nil {
		t.Fatalf("CommandStatus: %v", err)
	}

	online, err := c.InitSession(ctx, InitSessionRequest{HostID: hostA})
	if err != nil {
		t.Fatalf("InitSession on %s: %v", hostA, err)
	}
	executed, err := c.Execute(ctx, ReadOnly, ExecuteRequest{
		SessionID: online.SessionID, HostID: hostA, BaseCommand: "pwd", CommandString: "pwd",
	})
	if err != nil {
		t.Fatalf("Execute on %s: %v", hostA, err)
	}
	singleStatus := waitForCommandStatus(t, c, ReadOnly, executed.TaskID)
	offline, err := c.InitSession(ctx, InitSessionRequest{HostID: hostD, QueueOffline: true})
	if err != nil {
		t.Fatalf("InitSession on %s: %v", hostD, err)
	}
	queued, err := c.Execute(ctx, ReadOnly, ExecuteRequest{
		SessionID: offline.SessionID, HostID: hostD, BaseCommand: "pwd", CommandString: "pwd",
	})
	if err != nil {
		t.Fatalf("Execute on %s: %v", hostD, err)
	}

	// The command log holds the cloud_request_id that the emulator gave
	// each command that ran. Queued commands have not run, so their id is
	// only checked to be set.
	ranAs := map[string]string{}
	for _, rec := range srv.Commands() {
		ranAs[rec.Endpoint] = rec.CloudRequestID
	}
	const singleHostPath = "/real-time-response/entities/command/v1"
	for _, path := range []string{pathReadCommand, singleHostPath} {
		if ranAs[path] == "" {
			t.Fatalf("the emulator's command log has no command through %s", path)
		}
	}
	const anyTaskID = "(any non-empty id)"
	tests := []struct {
		name       string
		got        HostResult
		wantTask   string // "" for a shape whose task id is not checked
		wantQueued bool
	}{
		{"batch init, online host", init.Hosts[hostA], "", false},
		{"batch init, offline host", init.Hosts[hostD], "", true},
		{"batch command task_id", batch[hostA], ranAs[pathReadCommand], false},
		{"batch command offline_queued", batch[hostD], anyTaskID, true},
		{"command status list", status.HostResult, ranAs[pathReadCommand], false},
		{"single-host init, offline host", offline.HostResult, "", true},
		{"single-host cloud_request_id", executed, ranAs[singleHostPath], false},
		{"single-host status list", singleStatus.HostResult, ranAs[singleHostPath], false},
		{"single-host queued_command_offline", queued, anyTaskID, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch {
			case tt.wantTask == "":
			case tt.wantTask == anyTaskID:
				if tt.got.TaskID == "" {
					t.Error("TaskID is empty, want the queued command's id")
				}
			case tt.got.TaskID != tt.wantTask:
				t.Errorf("TaskID = %q, want %q", tt.got.TaskID, tt.wantTask)
			}
			if tt.got.OfflineQueued != tt.wantQueued {
				t.Errorf("OfflineQueued = %t, want %t", tt.got.OfflineQueued, tt.wantQueued)
			}
			if err := tt.got.Err(); err != nil {
				t.Errorf("Err() = %v, want nil", err)
			}
		})
	}
}

// manyHosts returns n bare Linux hosts named HOST-000 onwards, with fixed
// agent ids, and their names and ids.
func manyHosts(n int) (hosts []fleetHost, names, ids []string) {
	for i := range n {
		name, aid := fmt.Sprintf("HOST-%03d", i), fmt.Sprintf("b%031x", i)
		hosts = append(hosts, fleetHost{Hostname: name, AID: aid, Platform: "linux", Base: ptr(false)})
		names, ids = append(names, name), append(ids, aid)
	}
	return hosts, names, ids
}

// Host details for 250 resolved hostnames are requested 100 ids at a time when
// the endpoint takes 100, and a client limit above the server's gets Falcon's
// 400 in the error.
func TestDeviceIDsSplitToEndpointLimit(t *testing.T) {
	t.Parallel()
	hosts, names, _ := manyHosts(250)
	srv := launchSim(t, loadFleet(t, hosts...), sim.Options{IDLimits: sim.IDLimits{DetailsPost: 100}})
	filter := "hostname:['" + strings.Join(names, "','") + "']"

	tests := []struct {
		name      string
		limit     int
		wantSizes []int
		wantErr   string
	}{
		{"client limit equal to the server's", 100, []int{100, 100, 50}, ""},
		{"client limit above the server's", 150, []int{150}, "request must contain between 0 and 100 ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := simConfig(srv)
			cfg.Limits.DeviceDetails = tt.limit
			c := newTestClient(t, cfg)
			wire := recordWire(c)
			ctx := context.Background()

			ids, err := c.QueryDevices(ctx, filter)
			if err != nil {
				t.Fatalf("QueryDevices: %v", err)
			}
			if len(ids) != len(names) {
				t.Fatalf("resolved %d hosts, want %d", len(ids), len(names))
			}
			devices, err := c.GetDevices(ctx, ids)
			var sizes []int
			for _, r := range wire.to(http.MethodPost, pathDeviceDetails) {
				var body struct {
					IDs []string `json:"ids"`
				}
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatal(err)
				}
				sizes = append(sizes, len(body.IDs))
			}
			if !slices.Equal(sizes, tt.wantSizes) {
				t.Errorf("ids per request = %v, want %v", sizes, tt.wantSizes)
			}
			if tt.wantErr != "" {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest ||
					!apiErr.HasMessage(tt.wantErr) {
					t.Errorf("GetDevices error = %v, want HTTP 400 %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetDevices: %v", err)
			}
			if len(devices) != len(names) {
				t.Errorf("device records = %d, want %d", len(devices), len(names))
			}
		})
	}
}

// waitForCommandStatus polls CommandStatus until the command completes.
func waitForCommandStatus(t *testing.T, c *Client, tier Tier, taskID string) CommandStatus {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		status, err := c.CommandStatus(context.Background(), tier, taskID, 0)
		if err != nil {
			t.Fatalf("CommandStatus: %v", err)
		}
		if status.Complete {
			return status
		}
		if time.Now().After(deadline) {
			t.Fatalf("command %s did not complete within 5 s", taskID)
		}
	}
}

// Online states of 250 hosts take requests of at most 100 ids, and an HTML 400
// page from the gateway gives an error with the status, the content type and
// the start of the page.
func TestOnlineStatesSplitAndHTMLErrorShown(t *testing.T) {
	t.Parallel()
	hosts, _, ids := manyHosts(250)
	srv := launchSim(t, loadFleet(t, hosts...), sim.Options{})

	t.Run("split to the endpoint maximum", func(t *testing.T) {
		c := newTestClient(t, simConfig(srv))
		wire := recordWire(c)
		states, err := c.OnlineStates(context.Background(), ids)
		if err != nil {
			t.Fatalf("OnlineStates: %v", err)
		}
		if len(states) != len(ids) {
			t.Errorf("states = %d, want %d", len(states), len(ids))
		}
		var sizes []int
		for _, r := range wire.to(http.MethodGet, pathOnlineState) {
			sizes = append(sizes, len(r.Query["ids"]))
		}
		if want := []int{100, 100, 50}; !slices.Equal(sizes, want) {
			t.Errorf("ids per request = %v, want %v", sizes, want)
		}
	})

	t.Run("HTML error page", func(t *testing.T) {
		htmlSrv := launchSim(t, loadFleet(t, hosts...), sim.Options{IDLimits: sim.IDLimits{HTMLAbove: 150}})
		cfg := simConfig(htmlSrv)
		cfg.Limits.OnlineState = 200
		c := newTestClient(t, cfg)

		_, err := c.OnlineStates(context.Background(), ids)
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("OnlineStates error = %v, want an *APIError", err)
		}
		if apiErr.StatusCode != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", apiErr.StatusCode)
		}
		if !strings.HasPrefix(apiErr.ContentType, "text/html") {
			t.Errorf("content type = %q, want text/html", apiErr.ContentType)
		}
		if !strings.HasPrefix(apiErr.BodyPrefix, "<!DOCTYPE html>") || len(apiErr.BodyPrefix) > bodyPrefixSize {
			t.Errorf("body prefix = %q, want the page's first %d bytes at most", apiErr.BodyPrefix, bodyPrefixSize)
		}
		if !containsAll(err.Error(), "HTTP 400", "text/html", "<!DOCTYPE html>") {
			t.Errorf("error text = %q, want the status, content type and body start", err)
		}
	})
}

// An online state of null reads as StateUnknown without an error, beside the
// other hosts' online and offline states.
func TestNullOnlineStateIsUnknown(t *testing.T) {
	t.Parallel()
	nullAll, err := sim.ParseFaults("null-state:1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts sim.Options
		want map[string]OnlineState
	}{
		{
			name: "one host null",
			opts: sim.Options{NullStateHosts: []string{"WIN-FIELD-03"}},
			want: map[string]OnlineState{hostA: StateOnline, hostC: StateUnknown, hostD: StateOffline},
		},
		{
			name: "every entry null",
			opts: sim.Options{Faults: nullAll},
			want: map[string]OnlineState{hostA: StateUnknown, hostC: StateUnknown, hostD: StateUnknown},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := launchSim(t, fieldFleet(t), tt.opts)
			c := newTestClient(t, simConfig(srv))
			states, err := c.OnlineStates(context.Background(), []string{hostA, hostC, hostD})
			if err != nil {
				t.Fatalf("OnlineStates: %v", err)
			}
			for aid, want := range tt.want {
				if got := states[aid].State; got != want {
					t.Errorf("host %s state = %q, want %q", aid, got, want)
				}
			}
		})
	}
}
