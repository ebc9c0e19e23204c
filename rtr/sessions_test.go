package rtr

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestBatchInitPerHostErrors(t *testing.T) {
	f := newFakeFalcon(t)
	// Falcon returns 201 although host B could not be reached.
	f.handle("POST "+pathBatchInit, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, okBody(map[string]any{
			"batch_id": testBatchID,
			"resources": map[string]any{
				hostA: map[string]any{"aid": hostA, "session_id": "5e550000-0000-0000-0000-000000000001", "complete": true, "errors": []any{}},
				hostB: map[string]any{
					"aid": hostB, "session_id": "", "complete": false,
					"errors": []any{map[string]any{"code": 40401, "message": "Could not establish sensor comms"}},
				},
				hostC: map[string]any{"session_id": "5e550000-0000-0000-0000-000000000003", "errors": nil},
			},
		}))
	})
	c := newTestClient(t, f.config())

	res, err := c.BatchInit(context.Background(), BatchInitRequest{HostIDs: []string{hostA, hostB, hostC}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	if res.BatchID != testBatchID {
		t.Errorf("batch id = %q, want %q", res.BatchID, testBatchID)
	}
	wantConnected := map[string]bool{hostA: true, hostB: false, hostC: true}
	for aid, want := range wantConnected {
		host, ok := res.Hosts[aid]
		if !ok {
			t.Errorf("host %s missing from the result", aid)
			continue
		}
		if host.AID != aid {
			t.Errorf("host %s AID = %q", aid, host.AID)
		}
		if got := host.Connected(); got != want {
			t.Errorf("host %s Connected() = %t, want %t", aid, got, want)
		}
		if got := host.Err() != nil; got == want {
			t.Errorf("host %s Err() = %v, want an error only for the unconnected host", aid, host.Err())
		}
	}
	var hostErr *HostError
	if !errors.As(res.Hosts[hostB].Err(), &hostErr) || !hostErr.HasCode(40401) {
		t.Errorf("host B Err() = %v, want a *HostError with code 40401", res.Hosts[hostB].Err())
	}
}

func TestBatchInitNoHostInitialised(t *testing.T) {
	tests := []struct {
		name      string
		resources map[string]any
		wantHosts int
	}{
		{
			name: "with per-host entries",
			resources: map[string]any{
				hostA: map[string]any{"aid": hostA, "session_id": "", "offline_queued": false,
					"errors": []any{map[string]any{"code": 40407, "message": "Sensor appears to be offline"}}},
				hostB: map[string]any{"aid": hostB, "session_id": "", "offline_queued": false,
					"errors": []any{map[string]any{"code": 40407, "message": "Sensor appears to be offline"}}},
			},
			wantHosts: 2,
		},
		{name: "without per-host entries", wantHosts: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			f.handle("POST "+pathBatchInit, func(w http.ResponseWriter, r *http.Request) {
				body := errorBody(404, "no successful hosts initialized on RTR")
				body["batch_id"] = ""
				if tt.resources != nil {
					body["resources"] = tt.resources
				}
				writeJSON(w, http.StatusNotFound, body)
			})
			c := newTestClient(t, f.config())

			res, err := c.BatchInit(context.Background(), BatchInitRequest{HostIDs: []string{hostA, hostB}})
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
				t.Fatalf("error = %v, want an *APIError with status 404", err)
			}
			if !apiErr.HasMessage("no successful hosts initialized on RTR") {
				t.Errorf("errors = %v, want the no-hosts message", apiErr.Errors)
			}
			if res == nil {
				t.Fatal("result is nil, want the per-host results")
			}
			if len(res.Hosts) != tt.wantHosts {
				t.Errorf("hosts = %d, want %d", len(res.Hosts), tt.wantHosts)
			}
			for aid, host := range res.Hosts {
				var hostErr *HostError
				if !errors.As(host.Err(), &hostErr) || !hostErr.HasCode(40407) {
					t.Errorf("host %s Err() = %v, want code 40407", aid, host.Err())
				}
			}
			if got := len(f.requestsTo("POST " + pathBatchInit)); got != 1 {
				t.Errorf("init requests = %d, want 1 (a 404 is not retried)", got)
			}
		})
	}
}

func TestBatchInitWireFormat(t *testing.T) {
	tests := []struct {
		name      string
		req       BatchInitRequest
		wantQuery map[string]string
		wantBody  string
	}{
		{
			name:      "explicit false and timeouts in query",
			req:       BatchInitRequest{HostIDs: []string{hostA}, Timeout: 20 * time.Second, HostTimeout: 15 * time.Second},
			wantQuery: map[string]string{"timeout": "20", "host_timeout_duration": "15s"},
			wantBody:  `{"host_ids":["` + hostA + `"],"queue_offline":false}`,
		},
		{
			name:      "queue offline and existing batch",
			req:       BatchInitRequest{HostIDs: []string{hostA, hostB}, QueueOffline: true, ExistingBatchID: testBatchID},
			wantQuery: map[string]string{},
			wantBody:  `{"host_ids":["` + hostA + `","` + hostB + `"],"queue_offline":true,"existing_batch_id":"` + testBatchID + `"}`,
		},
		{
			name:      "sub-second host timeout",
			req:       BatchInitRequest{HostIDs: []string{hostA}, Timeout: 10 * time.Second, HostTimeout: 9500 * time.Millisecond},
			wantQuery: map[string]string{"timeout": "10", "host_timeout_duration": "9.5s"},
			wantBody:  `{"host_ids":["` + hostA + `"],"queue_offline":false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			f.handle("POST "+pathBatchInit, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusCreated, okBody(map[string]any{"batch_id": testBatchID, "resources": map[string]any{}}))
			})
			c := newTestClient(t, f.config())

			if _, err := c.BatchInit(context.Background(), tt.req); err != nil {
				t.Fatalf("BatchInit: %v", err)
			}
			got := f.requestsTo("POST " + pathBatchInit)[0]
			if body := strings.TrimSpace(string(got.Body)); body != tt.wantBody {
				t.Errorf("body = %s, want %s", body, tt.wantBody)
			}
			if len(got.Query) != len(tt.wantQuery) {
				t.Errorf("query = %v, want %v", got.Query, tt.wantQuery)
			}
			for k, want := range tt.wantQuery {
				if v := got.Query.Get(k); v != want {
					t.Errorf("query %s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

func TestTimeoutValidation(t *testing.T) {
	tests := []struct {
		name        string
		timeout     time.Duration
		hostTimeout time.Duration
		wantErr     string
	}{
		{"over five minutes", 600 * time.Second, 0, "invalid timeout 10m0s"},
		{"under a second", 500 * time.Millisecond, 0, "invalid timeout 500ms"},
		{"fraction of a second", 1500 * time.Millisecond, 0, "whole seconds"},
		{"negative", -time.Second, 0, "invalid timeout"},
		{"host timeout equal", 20 * time.Second, 20 * time.Second, "below the request timeout 20s"},
		{"host timeout above", 20 * time.Second, 25 * time.Second, "invalid host timeout 25s"},
		{"host timeout above default", 0, 30 * time.Second, "below the request timeout 30s"},
		{"host timeout tiny", 20 * time.Second, time.Millisecond, "at least 1s"},
		{"maximum", 300 * time.Second, 290 * time.Second, ""},
		{"minimum", time.Second, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := timeoutQuery(tt.timeout, tt.hostTimeout)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("timeoutQuery(%s, %s): %v", tt.timeout, tt.hostTimeout, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("timeoutQuery(%s, %s) error = %v, want %q", tt.timeout, tt.hostTimeout, err, tt.wantErr)
			}
		})
	}
}

func TestInvalidRequestsSendNothing(t *testing.T) {
	f := newFakeFalcon(t)
	c := newTestClient(t, f.config())
	ctx := context.Background()
	tooMany := make([]string, 3)
	c.limits.BatchInitHosts = 2
	for i := range tooMany {
		tooMany[i] = strings.Repeat("0", 31) + string(rune('1'+i))
	}

	tests := []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"init without hosts", func() error {
			_, err := c.BatchInit(ctx, BatchInitRequest{})
			return err
		}, "no host ids"},
		{"init over the limit", func() error {
			_, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: tooMany})
			return err
		}, "3 host ids, more than the 2"},
		{"init bad host id", func() error {
			_, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA, "zz12"}})
			return err
		}, `host ids[1]: "zz12" is not a host id`},
		{"init duplicate host", func() error {
			_, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA, hostA}})
			return err
		}, "repeats host ids[0]"},
		{"init bad timeout", func() error {
			_, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}, Timeout: 600 * time.Second})
			return err
		}, "invalid timeout"},
		{"command empty optional hosts", func() error {
			_, err := c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{
				BatchID: testBatchID, BaseCommand: "ls", CommandString: "ls", OptionalHosts: []string{}})
			return err
		}, "optional hosts is an empty list"},
		{"command base mismatch", func() error {
			_, err := c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{
				BatchID: testBatchID, BaseCommand: "ls", CommandString: "rm x"})
			return err
		}, `base command "ls" is not the first word`},
		{"command zero tier", func() error {
			_, err := c.BatchCommand(ctx, Tier(0), BatchCommandRequest{
				BatchID: testBatchID, BaseCommand: "ls", CommandString: "ls"})
			return err
		}, "invalid RTR tier Tier(0)"},
		{"command no batch", func() error {
			_, err := c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{BaseCommand: "ls", CommandString: "ls"})
			return err
		}, "empty batch id"},
		{"command host timeout", func() error {
			_, err := c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{
				BatchID: testBatchID, BaseCommand: "ls", CommandString: "ls", Timeout: 10 * time.Second, HostTimeout: time.Minute})
			return err
		}, "invalid host timeout"},
		{"get empty optional hosts", func() error {
			_, _, err := c.BatchGet(ctx, BatchGetRequest{BatchID: testBatchID, FilePath: "/etc/hosts", OptionalHosts: []string{}})
			return err
		}, "optional hosts is an empty list"},
		{"get path with quote", func() error {
			_, _, err := c.BatchGet(ctx, BatchGetRequest{BatchID: testBatchID, FilePath: `"C:\a b"`})
			return err
		}, "contains a double quote"},
		{"download bad sha", func() error {
			_, err := c.DownloadFile(ctx, "s1", "abc", "", nil)
			return err
		}, `invalid sha256 "abc"`},
		{"device action unknown", func() error {
			_, err := c.DeviceAction(ctx, HostAction("hide_host"), []string{hostA})
			return err
		}, `unknown action "hide_host"`},
		{"status negative sequence", func() error {
			_, err := c.CommandStatus(ctx, ReadOnly, "7a5c0000-0000-0000-0000-000000000001", -1)
			return err
		}, "negative sequence id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if reqs := f.requestsCopy(); len(reqs) != 0 {
		t.Errorf("invalid calls sent %d requests, want 0", len(reqs))
	}
}

func TestBatchRefresh(t *testing.T) {
	tests := []struct {
		name     string
		remove   []string
		wantBody string
	}{
		{"nothing to remove", nil, `{"batch_id":"` + testBatchID + `","hosts_to_remove":[]}`},
		{"one host removed", []string{hostB}, `{"batch_id":"` + testBatchID + `","hosts_to_remove":["` + hostB + `"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			f.handle("POST "+pathBatchRefresh, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusCreated, okBody(map[string]any{"resources": map[string]any{
					hostA: map[string]any{"aid": hostA, "session_id": "s1", "errors": []any{}},
				}}))
			})
			c := newTestClient(t, f.config())

			hosts, err := c.BatchRefresh(context.Background(), testBatchID, tt.remove)
			if err != nil {
				t.Fatalf("BatchRefresh: %v", err)
			}
			if !hosts[hostA].Connected() {
				t.Errorf("host A = %+v, want connected", hosts[hostA])
			}
			got := strings.TrimSpace(string(f.requestsTo("POST " + pathBatchRefresh)[0].Body))
			if got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
		})
	}
}

func TestDeleteSession(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		message string
		wantErr bool
	}{
		{name: "deleted", status: http.StatusNoContent},
		{name: "already gone", status: http.StatusBadRequest, message: "could not find session"},
		{name: "other bad request", status: http.StatusBadRequest, message: "invalid session id", wantErr: true},
		{name: "forbidden", status: http.StatusForbidden, message: "access denied", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			f.handle("DELETE "+pathSessions, func(w http.ResponseWriter, r *http.Request) {
				if tt.status == http.StatusNoContent {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				writeJSON(w, tt.status, errorBody(tt.status, tt.message))
			})
			c := newTestClient(t, f.config())

			err := c.DeleteSession(context.Background(), "5e550000-0000-0000-0000-000000000001")
			if (err != nil) != tt.wantErr {
				t.Fatalf("DeleteSession error = %v, want error %t", err, tt.wantErr)
			}
			req := f.requestsTo("DELETE " + pathSessions)[0]
			if got := req.Query.Get("session_id"); got != "5e550000-0000-0000-0000-000000000001" {
				t.Errorf("session_id = %q", got)
			}
		})
	}
}

func TestHostResultDecodesBothShapes(t *testing.T) {
	tests := []struct {
		name string
		json string
		want HostResult
	}{
		{
			name: "batch shape",
			json: `{"aid":"` + hostA + `","session_id":"s1","task_id":"t1","complete":true,"offline_queued":true,
				"stdout":"out","stderr":"err","base_command":"ls","query_time":0.5,"errors":null}`,
			want: HostResult{AID: hostA, SessionID: "s1", TaskID: "t1", Complete: true, OfflineQueued: true,
				Stdout: "out", Stderr: "err", BaseCommand: "ls", QueryTime: 0.5},
		},
		{
			name: "single-host execute shape",
			json: `{"session_id":"s1","cloud_request_id":"t1","queued_command_offline":true}`,
			want: HostResult{SessionID: "s1", TaskID: "t1", OfflineQueued: true},
		},
		{
			name: "per-host error",
			json: `{"aid":"` + hostA + `","session_id":"","errors":[{"code":40401,"message":"Could not establish sensor comms"}]}`,
			want: HostResult{AID: hostA, Errors: []ErrorEntry{{Code: 40401, Message: "Could not establish sensor comms"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got HostResult
			if err := json.Unmarshal([]byte(tt.json), &got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decoded %+v, want %+v", got, tt.want)
			}
		})
	}

	var both HostResult
	if err := json.Unmarshal([]byte(`{"task_id":"a","cloud_request_id":"b"}`), &both); err != nil {
		t.Fatalf("Unmarshal with both task names: %v", err)
	}
	if both.TaskID != "a" {
		t.Errorf("task id = %q, want task_id to win", both.TaskID)
	}
}
