package rtr

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestBatchCommandRoutesByTier(t *testing.T) {
	tests := []struct {
		tier       Tier
		wantPath   string
		wantStatus string
		wantName   string
	}{
		{ReadOnly, "/real-time-response/combined/batch-command/v1", "/real-time-response/entities/command/v1", "read-only"},
		{ActiveResponder, "/real-time-response/combined/batch-active-responder-command/v1",
			"/real-time-response/entities/active-responder-command/v1", "active-responder"},
		{Admin, "/real-time-response/combined/batch-admin-command/v1", "/real-time-response/entities/admin-command/v1", "admin"},
	}
	for _, tt := range tests {
		t.Run(tt.wantName, func(t *testing.T) {
			if got, _ := tt.tier.batchPath(); got != tt.wantPath {
				t.Errorf("batch path = %s, want %s", got, tt.wantPath)
			}
			if got, _ := tt.tier.statusPath(); got != tt.wantStatus {
				t.Errorf("status path = %s, want %s", got, tt.wantStatus)
			}
			if got := tt.tier.String(); got != tt.wantName {
				t.Errorf("String() = %q, want %q", got, tt.wantName)
			}
			if parsed, err := ParseTier(strings.ToUpper(tt.wantName)); err != nil || parsed != tt.tier {
				t.Errorf("ParseTier(%q) = %v, %v; want %v", tt.wantName, parsed, err, tt.tier)
			}
		})
	}
	if _, err := ParseTier("root"); err == nil {
		t.Error("ParseTier(root) succeeded")
	}
}

func TestBatchCommandWireFormat(t *testing.T) {
	tests := []struct {
		name      string
		req       BatchCommandRequest
		wantBody  string
		wantQuery string
	}{
		{
			name:      "every host, explicit false",
			req:       BatchCommandRequest{BatchID: testBatchID, BaseCommand: "ls", CommandString: `ls C:\`},
			wantBody:  `{"base_command":"ls","batch_id":"` + testBatchID + `","command_string":"ls C:\\","persist_all":false}`,
			wantQuery: "",
		},
		{
			name: "optional hosts and timeouts",
			req: BatchCommandRequest{BatchID: testBatchID, BaseCommand: "reg", CommandString: `reg query HKLM\SOFTWARE`,
				OptionalHosts: []string{hostA, hostC}, PersistAll: true, Timeout: 120 * time.Second, HostTimeout: 90 * time.Second},
			wantBody: `{"base_command":"reg","batch_id":"` + testBatchID + `","command_string":"reg query HKLM\\SOFTWARE",` +
				`"optional_hosts":["` + hostA + `","` + hostC + `"],"persist_all":true}`,
			wantQuery: "host_timeout_duration=90s&timeout=120",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			f.handle("POST "+pathBatchCmd(ReadOnly), func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusCreated, okBody(map[string]any{"combined": map[string]any{"resources": map[string]any{}}}))
			})
			c := newTestClient(t, f.config())

			if _, err := c.BatchCommand(context.Background(), ReadOnly, tt.req); err != nil {
				t.Fatalf("BatchCommand: %v", err)
			}
			got := f.requestsTo("POST " + pathBatchCmd(ReadOnly))[0]
			if body := strings.TrimSpace(string(got.Body)); body != tt.wantBody {
				t.Errorf("body = %s\nwant   %s", body, tt.wantBody)
			}
			if q := got.Query.Encode(); q != tt.wantQuery {
				t.Errorf("query = %q, want %q", q, tt.wantQuery)
			}
			if ct := got.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
		})
	}
}

func TestBatchCommandDecodesCombined(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("POST "+pathBatchCmd(ActiveResponder), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, okBody(map[string]any{"combined": map[string]any{"resources": map[string]any{
			hostA: map[string]any{"aid": hostA, "session_id": "s1", "task_id": "7a5c0000-0000-0000-0000-000000000001",
				"base_command": "kill", "complete": true, "stdout": "Process 4242 killed", "stderr": "", "errors": nil,
				"query_time": 0.47, "offline_queued": false},
			hostB: map[string]any{"aid": hostB, "session_id": "s2", "task_id": "7a5c0000-0000-0000-0000-000000000002",
				"base_command": "kill", "complete": false, "stdout": "", "errors": nil},
			hostC: map[string]any{"aid": hostC, "session_id": "s3", "task_id": "7a5c0000-0000-0000-0000-000000000003",
				"base_command": "kill", "complete": true,
				"errors": []any{map[string]any{"code": 40007, "message": "Command not found"}}},
		}}}))
	})
	c := newTestClient(t, f.config())

	hosts, err := c.BatchCommand(context.Background(), ActiveResponder, BatchCommandRequest{
		BatchID: testBatchID, BaseCommand: "kill", CommandString: "kill 4242",
	})
	if err != nil {
		t.Fatalf("BatchCommand: %v", err)
	}
	if got := hosts[hostA]; got.Stdout != "Process 4242 killed" || !got.Complete || got.Err() != nil {
		t.Errorf("host A = %+v, want complete with stdout and no error", got)
	}
	if got := hosts[hostB]; got.Complete || got.TaskID != "7a5c0000-0000-0000-0000-000000000002" {
		t.Errorf("host B = %+v, want incomplete with its task id", got)
	}
	if err := hosts[hostC].Err(); err == nil || !strings.Contains(err.Error(), "Command not found (code 40007)") {
		t.Errorf("host C Err() = %v, want 40007", err)
	}
}

func TestCommandStatus(t *testing.T) {
	f := newFakeFalcon(t)
	status, _ := Admin.statusPath()
	f.handle("GET "+status, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": []any{map[string]any{
			"session_id": "s1", "task_id": r.URL.Query().Get("cloud_request_id"), "complete": true,
			"stdout": "chunk two", "stderr": "", "base_command": "runscript", "sequence_id": 2,
		}}}))
	})
	c := newTestClient(t, f.config())

	got, err := c.CommandStatus(context.Background(), Admin, "7a5c0000-0000-0000-0000-000000000001", 1)
	if err != nil {
		t.Fatalf("CommandStatus: %v", err)
	}
	if got.TaskID != "7a5c0000-0000-0000-0000-000000000001" || got.Stdout != "chunk two" || !got.Complete {
		t.Errorf("status = %+v", got)
	}
	if got.SequenceID != 2 {
		t.Errorf("sequence id = %d, want 2", got.SequenceID)
	}
	q := f.requestsTo("GET " + status)[0].Query
	if q.Get("cloud_request_id") != "7a5c0000-0000-0000-0000-000000000001" || q.Get("sequence_id") != "1" {
		t.Errorf("query = %v", q)
	}
}

func TestCommandStatusEmpty(t *testing.T) {
	f := newFakeFalcon(t)
	status, _ := ReadOnly.statusPath()
	f.handle("GET "+status, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": []any{}}))
	})
	c := newTestClient(t, f.config())

	_, err := c.CommandStatus(context.Background(), ReadOnly, "7a5c0000-0000-0000-0000-000000000009", 0)
	if err == nil || !strings.Contains(err.Error(), "no status for cloud request id 7a5c0000-0000-0000-0000-000000000009") {
		t.Errorf("error = %v, want no status", err)
	}
}
