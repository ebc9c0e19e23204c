package sim

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"sync"
	"testing"
)

// logBuffer collects the emulator's JSON log lines. The server logs from
// several goroutines, and slog's JSON handler writes each record in one
// Write call.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// unknownFieldLogs returns the field lists of the "ignored unknown request
// body fields" records logged for path.
func (b *logBuffer) unknownFieldLogs(t *testing.T, path string) [][]string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var found [][]string
	for _, line := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		var rec struct {
			Msg    string   `json:"msg"`
			Path   string   `json:"path"`
			Fields []string `json:"fields"`
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line %s is not JSON: %v", line, err)
		}
		if rec.Msg == "ignored unknown request body fields" && rec.Path == path {
			found = append(found, rec.Fields)
		}
	}
	return found
}

// The emulator, like Falcon, ignores request body fields that a call does
// not define, but logs each such field at debug level. offline_queued is a
// response field, so sending it instead of queue_offline queues nothing,
// and waits in the body instead of the query string change nothing.
func TestUnknownBodyFieldsAreLogged(t *testing.T) {
	tests := []struct {
		name       string
		body       map[string]any
		wantQueued bool
		wantLogged []string // nil: no unknown-field record
	}{
		{name: "offline_queued in place of queue_offline",
			body:       map[string]any{"host_ids": []string{hostWin, hostOffline}, "offline_queued": true},
			wantLogged: []string{"offline_queued"}},
		{name: "queue_offline",
			body:       map[string]any{"host_ids": []string{hostWin, hostOffline}, "queue_offline": true},
			wantQueued: true},
		{name: "waits in the body",
			body: map[string]any{"host_ids": []string{hostWin, hostOffline}, "timeout": 600,
				"host_timeout_duration": "tiny bit less than overall request timeout"},
			wantLogged: []string{"host_timeout_duration", "timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logBuffer{}
			logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			srv := startFieldServer(t, Options{Logger: logger})
			c := newClient(t, srv)
			status, resp := postInit(t, c, nil, tt.body)
			if status != http.StatusCreated {
				t.Fatalf("batch init: status %d, want 201 (the unknown fields are not an error)", status)
			}
			got := resp.Resources[hostOffline]
			if got.OfflineQueued != tt.wantQueued {
				t.Errorf("offline host offline_queued = %v, want %v", got.OfflineQueued, tt.wantQueued)
			}
			if !tt.wantQueued {
				checkOneError(t, "offline host", got.Errors, 40407, "Sensor appears to be offline")
			}
			logged := logs.unknownFieldLogs(t, pathBatchInit)
			switch {
			case tt.wantLogged == nil && len(logged) != 0:
				t.Errorf("logged unknown fields %v, want none", logged)
			case tt.wantLogged != nil && (len(logged) != 1 || !slices.Equal(logged[0], tt.wantLogged)):
				t.Errorf("logged unknown fields %v, want one record of %v", logged, tt.wantLogged)
			}
		})
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rawObject decodes a JSON object into its members.
func rawObject(t *testing.T, data []byte) map[string]json.RawMessage {
	t.Helper()
	var obj map[string]json.RawMessage
	decodeJSON(t, data, &obj)
	return obj
}

// checkMembers checks that obj has every member of want and none of
// unwanted.
func checkMembers(t *testing.T, what string, obj map[string]json.RawMessage, want, unwanted []string) {
	t.Helper()
	for _, name := range want {
		if _, ok := obj[name]; !ok {
			t.Errorf("%s lacks %q; it has %v", what, name, sortedKeys(obj))
		}
	}
	for _, name := range unwanted {
		if _, ok := obj[name]; ok {
			t.Errorf("%s has %q, which belongs to the other shape", what, name)
		}
	}
}

// Batch and single-host calls name the same facts differently. Batch init
// returns a resources map keyed by AID, and batch commands a
// combined.resources map whose entries carry task_id and offline_queued.
// Single-host calls return a resources list, and execute names the task
// cloud_request_id and the queued flag queued_command_offline.
func TestBatchAndSingleHostShapesDiffer(t *testing.T) {
	srv := startFieldServer(t, Options{})
	c := newClient(t, srv)
	batchEntry := []string{"task_id", "offline_queued", "complete", "stdout", "stderr", "errors"}
	singleExecute := []string{"cloud_request_id", "queued_command_offline", "session_id"}

	t.Run("batch init", func(t *testing.T) {
		status, data, _ := c.do(http.MethodPost, pathBatchInit, nil,
			map[string]any{"host_ids": []string{hostWin, hostOffline}, "queue_offline": true})
		if status != http.StatusCreated {
			t.Fatalf("status %d, want 201", status)
		}
		var byAID map[string]map[string]json.RawMessage
		decodeJSON(t, rawObject(t, data)["resources"], &byAID)
		if got := sortedKeys(byAID); !slices.Equal(got, []string{hostWin, hostOffline}) {
			t.Fatalf("resources keys = %v, want the two AIDs", got)
		}
		if got := string(byAID[hostOffline]["offline_queued"]); got != "true" {
			t.Errorf("offline host offline_queued = %s, want true", got)
		}
	})

	t.Run("batch command", func(t *testing.T) {
		batchID, _ := openBatch(t, c, true, hostWin, hostOffline)
		status, data, _ := c.do(http.MethodPost, pathBatchCommand, nil, map[string]any{
			"base_command": "pwd", "command_string": "pwd", "batch_id": batchID, "persist_all": true,
		})
		if status != http.StatusCreated {
			t.Fatalf("status %d, want 201", status)
		}
		top := rawObject(t, data)
		checkMembers(t, "batch command response", top, []string{"combined", "meta", "errors"}, []string{"resources"})
		var combined struct {
			Resources map[string]map[string]json.RawMessage `json:"resources"`
		}
		decodeJSON(t, top["combined"], &combined)
		for _, aid := range []string{hostWin, hostOffline} {
			checkMembers(t, "entry of "+aid, combined.Resources[aid], batchEntry,
				[]string{"cloud_request_id", "queued_command_offline"})
		}
		if got := string(combined.Resources[hostOffline]["offline_queued"]); got != "true" {
			t.Errorf("offline host offline_queued = %s, want true", got)
		}
	})

	t.Run("single-host execute and status", func(t *testing.T) {
		for _, tt := range []struct {
			hostname   string
			wantQueued string
		}{{"WIN-FC-01", "false"}, {"WIN-FC-04", "true"}} {
			sessionID := initSingle(t, c, tt.hostname, true)
			status, data, _ := c.do(http.MethodPost, pathStatusCommand, nil, map[string]any{
				"base_command": "pwd", "command_string": "pwd", "session_id": sessionID, "persist": true,
			})
			if status != http.StatusCreated {
				t.Fatalf("execute on %s: status %d, want 201", tt.hostname, status)
			}
			var list []map[string]json.RawMessage
			decodeJSON(t, rawObject(t, data)["resources"], &list)
			if len(list) != 1 {
				t.Fatalf("execute on %s: %d resources, want a list of 1", tt.hostname, len(list))
			}
			if got := sortedKeys(list[0]); !slices.Equal(got, singleExecute) {
				t.Errorf("execute on %s: members %v, want exactly %v", tt.hostname, got, singleExecute)
			}
			if got := string(list[0]["queued_command_offline"]); got != tt.wantQueued {
				t.Errorf("execute on %s: queued_command_offline = %s, want %s", tt.hostname, got, tt.wantQueued)
			}
			var requestID string
			decodeJSON(t, list[0]["cloud_request_id"], &requestID)
			if tt.wantQueued == "false" {
				if got := waitStatus(t, c, pathStatusCommand, requestID); got.taskID != requestID {
					t.Errorf("status task_id = %q, want the cloud_request_id %q", got.taskID, requestID)
				}
			}
		}
	})
}
