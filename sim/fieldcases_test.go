package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// The fieldcases test files reproduce the API-layer failures that users
// of RTR tools have reported against Falcon, one test per failure. Each
// test sets the failure up only through the emulator's options, a fault
// spec or a fleet file. It then drives the emulator over HTTP and checks
// the exact response that a client receives.

// fieldFleetFile is the fleet of these tests. Its hosts carry fixed agent
// ids so that the expected responses can name them.
const fieldFleetFile = "testdata/fieldcases.json"

// Hosts of fieldFleetFile.
const (
	// hostWin is an online Windows host with wusa.exe, an update package
	// under a path with a space, and the encoding samples.
	hostWin = "a0000000000000000000000000000001"
	// hostUnreachable is online, but its sensor cannot be reached (40401).
	hostUnreachable = "a0000000000000000000000000000002"
	// hostLinux is an online Linux host with the encoding sample.
	hostLinux = "a0000000000000000000000000000003"
	// hostOffline and hostOfflineMac are offline (40407).
	hostOffline    = "a0000000000000000000000000000004"
	hostOfflineMac = "a0000000000000000000000000000005"
	// hostSpare is an online Windows host, WIN-FC-06.
	hostSpare = "a0000000000000000000000000000006"
)

// startFieldServer starts an emulator for fieldFleetFile with opts and
// closes it when the test ends. Every response is checked against the API
// reference, as startServer does.
func startFieldServer(t *testing.T, opts Options) *Server {
	t.Helper()
	f, err := fleet.Load(fieldFleetFile)
	if err != nil {
		t.Fatalf("fleet.Load(%s): %v", fieldFleetFile, err)
	}
	opts.Fleet = f
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	trackServer(t, srv)
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// postInit sends a batch init for aids and returns the status and the
// decoded body.
func postInit(t *testing.T, c *apiClient, query url.Values, body map[string]any) (int, wireBatchInit) {
	t.Helper()
	status, data, _ := c.do(http.MethodPost, pathBatchInit, query, body)
	var resp wireBatchInit
	decodeJSON(t, data, &resp)
	return status, resp
}

// openBatch opens a batch session on aids, which must initialise, and
// returns the batch id and the per-host entries.
func openBatch(t *testing.T, c *apiClient, queueOffline bool, aids ...string) (string, map[string]wireHost) {
	t.Helper()
	status, resp := postInit(t, c, nil, map[string]any{"host_ids": aids, "queue_offline": queueOffline})
	if status != http.StatusCreated || resp.BatchID == nil || *resp.BatchID == "" {
		t.Fatalf("batch init of %v: status %d, batch_id %v; want 201 and a batch id", aids, status, resp.BatchID)
	}
	return *resp.BatchID, resp.Resources
}

// checkOneError checks that errs is exactly one error with code and
// message.
func checkOneError(t *testing.T, what string, errs []wireError, code int, message string) {
	t.Helper()
	want := []wireError{{Code: code, Message: message}}
	if !slices.Equal(errs, want) {
		t.Errorf("%s errors = %+v, want %+v", what, errs, want)
	}
}

// sessionCount returns how many RTR sessions the emulator lists.
func sessionCount(t *testing.T, c *apiClient) int {
	t.Helper()
	var resp wireIDs
	c.expect(http.StatusOK, http.MethodGet, pathSessionIDs, nil, nil, &resp)
	return len(resp.Resources)
}

// fakeAIDs returns n distinct well-formed agent ids that no host has.
func fakeAIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("f%031x", i+1)
	}
	return ids
}

// A batch init that names more hosts than the batch size limit (10,000
// unless configured) is rejected whole with 400 and opens no session, so
// a client must split its targets into batches of at most the limit.
func TestBatchInitRejectsOverLimit(t *testing.T) {
	tests := []struct {
		name       string
		limit      int
		ids        []string
		wantStatus int
		wantError  string
	}{
		{name: "default limit, 10,001 hosts", ids: fakeAIDs(10001), wantStatus: http.StatusBadRequest,
			wantError: "Invalid number of hosts in request: 10001. Must be an integer greater than 0 " +
				"and less than or equal to 10000"},
		{name: "limit 2, three hosts", limit: 2, ids: []string{hostWin, hostLinux, hostSpare},
			wantStatus: http.StatusBadRequest,
			wantError: "Invalid number of hosts in request: 3. Must be an integer greater than 0 " +
				"and less than or equal to 2"},
		{name: "limit 2, two hosts", limit: 2, ids: []string{hostWin, hostLinux}, wantStatus: http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFieldServer(t, Options{BatchHostLimit: tt.limit})
			c := newClient(t, srv)
			status, data, _ := c.do(http.MethodPost, pathBatchInit, nil,
				map[string]any{"host_ids": tt.ids, "queue_offline": false})
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %.300s", status, tt.wantStatus, data)
			}
			if tt.wantError == "" {
				return
			}
			var resp wireErrors
			decodeJSON(t, data, &resp)
			checkOneError(t, "batch init", resp.Errors, http.StatusBadRequest, tt.wantError)
			if n := sessionCount(t, c); n != 0 {
				t.Errorf("a rejected batch init left %d sessions, want 0", n)
			}
		})
	}

	t.Run("five hosts in batches of two", func(t *testing.T) {
		srv := startFieldServer(t, Options{BatchHostLimit: 2})
		c := newClient(t, srv)
		targets := []string{hostWin, hostUnreachable, hostLinux, hostOffline, hostSpare}
		seen := map[string]int{}
		for chunk := range slices.Chunk(targets, 2) {
			_, entries := openBatch(t, c, false, chunk...)
			for aid := range entries {
				seen[aid]++
			}
		}
		for _, aid := range targets {
			if seen[aid] != 1 {
				t.Errorf("host %s has %d entries across the three inits, want 1", aid, seen[aid])
			}
		}
	})

	t.Run("negative limit", func(t *testing.T) {
		_, err := New(Options{Fleet: demoFleet(t), BatchHostLimit: -1})
		if err == nil || !strings.Contains(err.Error(), "batch host limit -1 is negative") {
			t.Errorf("New with BatchHostLimit -1: error %v, want one naming the negative limit", err)
		}
	})
}

// Batch init returns 201 even when a host cannot be reached. That host's
// entry has an empty session_id and error 40401, and the batch contains
// only the hosts that opened a session. A command aimed at the failed host
// is again a per-host error inside a 201.
func TestBatchInitReportsPerHostFailures(t *testing.T) {
	srv := startFieldServer(t, Options{})
	c := newClient(t, srv)
	status, data, _ := c.do(http.MethodPost, pathBatchInit, nil,
		map[string]any{"host_ids": []string{hostWin, hostUnreachable, hostLinux}, "queue_offline": false})
	if status != http.StatusCreated {
		t.Fatalf("batch init: status %d, want 201; body %.300s", status, data)
	}
	var resp wireBatchInit
	decodeJSON(t, data, &resp)

	tests := []struct {
		aid          string
		wantSession  bool
		wantComplete bool
		wantErrors   []wireError
	}{
		{aid: hostWin, wantSession: true, wantComplete: true, wantErrors: []wireError{}},
		{aid: hostUnreachable, wantErrors: []wireError{{Code: 40401, Message: "Could not establish sensor comms"}}},
		{aid: hostLinux, wantSession: true, wantComplete: true, wantErrors: []wireError{}},
	}
	for _, tt := range tests {
		got, ok := resp.Resources[tt.aid]
		if !ok {
			t.Errorf("resources lack host %s", tt.aid)
			continue
		}
		if (got.SessionID != "") != tt.wantSession {
			t.Errorf("host %s session_id = %q, want a session: %v", tt.aid, got.SessionID, tt.wantSession)
		}
		if got.Complete != tt.wantComplete {
			t.Errorf("host %s complete = %v, want %v", tt.aid, got.Complete, tt.wantComplete)
		}
		if !slices.Equal(got.Errors, tt.wantErrors) {
			t.Errorf("host %s errors = %+v, want %+v", tt.aid, got.Errors, tt.wantErrors)
		}
	}
	// The failed host's entry must spell out the empty session_id and the
	// successful ones an empty errors array, not leave them out.
	var raw struct {
		Resources map[string]map[string]json.RawMessage `json:"resources"`
	}
	decodeJSON(t, data, &raw)
	if got := string(raw.Resources[hostUnreachable]["session_id"]); got != `""` {
		t.Errorf("unreachable host session_id is %s, want \"\"", got)
	}
	if got := string(raw.Resources[hostWin]["errors"]); got != "[]" {
		t.Errorf("connected host errors is %s, want []", got)
	}

	batchID := *resp.BatchID
	all := runBatch(t, c, pathBatchCommand, batchID, "pwd", nil)
	if got := sortedKeys(all); !slices.Equal(got, []string{hostWin, hostLinux}) {
		t.Errorf("command to the whole batch reached %v, want only the connected hosts", got)
	}
	failed := runBatch(t, c, pathBatchCommand, batchID, "pwd", nil, hostUnreachable)
	checkOneError(t, "command to the unreachable host", failed[hostUnreachable].Errors, 50007, "could not get session")
}

// When no host initialises, batch init returns 404 "no successful hosts
// initialized on RTR" without a batch id, but still with each host's
// reason. Hosts queued with queue_offline do not count as initialised.
func TestBatchInitWithNoHostReturns404(t *testing.T) {
	offline := wireError{Code: 40407, Message: "Sensor appears to be offline"}
	tests := []struct {
		name         string
		aids         []string
		queueOffline bool
		wantErrors   map[string][]wireError
		wantQueued   bool
	}{
		{name: "two offline hosts", aids: []string{hostOffline, hostOfflineMac},
			wantErrors: map[string][]wireError{hostOffline: {offline}, hostOfflineMac: {offline}}},
		{name: "unreachable and offline", aids: []string{hostUnreachable, hostOffline},
			wantErrors: map[string][]wireError{
				hostUnreachable: {{Code: 40401, Message: "Could not establish sensor comms"}},
				hostOffline:     {offline},
			}},
		{name: "offline hosts queued", aids: []string{hostOffline, hostOfflineMac}, queueOffline: true,
			wantErrors: map[string][]wireError{hostOffline: {}, hostOfflineMac: {}}, wantQueued: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFieldServer(t, Options{})
			c := newClient(t, srv)
			status, resp := postInit(t, c, nil, map[string]any{"host_ids": tt.aids, "queue_offline": tt.queueOffline})
			if status != http.StatusNotFound {
				t.Fatalf("status %d, want 404", status)
			}
			checkOneError(t, "batch init", resp.Errors, http.StatusNotFound, "no successful hosts initialized on RTR")
			if resp.BatchID != nil && *resp.BatchID != "" {
				t.Errorf("batch_id = %q, want none", *resp.BatchID)
			}
			for aid, want := range tt.wantErrors {
				got := resp.Resources[aid]
				if !slices.Equal(got.Errors, want) {
					t.Errorf("host %s errors = %+v, want %+v", aid, got.Errors, want)
				}
				if got.OfflineQueued != tt.wantQueued {
					t.Errorf("host %s offline_queued = %v, want %v", aid, got.OfflineQueued, tt.wantQueued)
				}
				if got.SessionID != "" {
					t.Errorf("host %s session_id = %q, want empty with no batch", aid, got.SessionID)
				}
			}
		})
	}
}

// The request timeout is whole seconds from 1 to 300, and
// host_timeout_duration must be a Go duration no longer than it. Batch
// init and batch admin commands reject other values with 400 instead of
// ignoring them.
func TestRequestTimeoutBounds(t *testing.T) {
	const prose = "tiny bit less than overall request timeout"
	tests := []struct {
		name      string
		query     url.Values
		wantError string // empty: the call succeeds
	}{
		{name: "timeout 301", query: url.Values{"timeout": {"301"}},
			wantError: `invalid timeout "301": use whole seconds from 1 to 300`},
		{name: "timeout 600", query: url.Values{"timeout": {"600"}},
			wantError: `invalid timeout "600": use whole seconds from 1 to 300`},
		{name: "spec prose as host timeout", query: url.Values{"host_timeout_duration": {prose}},
			wantError: `invalid host_timeout_duration "` + prose + `": use a Go duration such as 30s or 2m`},
		{name: "host timeout above timeout", query: url.Values{"timeout": {"20"}, "host_timeout_duration": {"25s"}},
			wantError: "host_timeout_duration 25s is longer than the request wait 20s; make it shorter"},
		{name: "host timeout below timeout", query: url.Values{"timeout": {"20"}, "host_timeout_duration": {"15s"}}},
		{name: "timeout 300", query: url.Values{"timeout": {"300"}}},
	}
	srv := startFieldServer(t, Options{})
	c := newClient(t, srv)
	batchID, _ := openBatch(t, c, false, hostWin)
	calls := []struct {
		path       string
		body       map[string]any
		wantStatus int
	}{
		{path: pathBatchInit, body: map[string]any{"host_ids": []string{hostLinux}},
			wantStatus: http.StatusCreated},
		{path: pathBatchAdmin, body: map[string]any{"base_command": "pwd", "command_string": "pwd",
			"batch_id": batchID}, wantStatus: http.StatusCreated},
	}
	for _, tt := range tests {
		for _, call := range calls {
			t.Run(tt.name+" at "+call.path, func(t *testing.T) {
				status, data, _ := c.do(http.MethodPost, call.path, tt.query, call.body)
				if tt.wantError == "" {
					if status != call.wantStatus {
						t.Errorf("status %d, want %d; body %.300s", status, call.wantStatus, data)
					}
					return
				}
				if status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400; body %.300s", status, data)
				}
				var resp wireErrors
				decodeJSON(t, data, &resp)
				checkOneError(t, call.path, resp.Errors, http.StatusBadRequest, tt.wantError)
			})
		}
	}
}

// Deleting a session that has expired, was deleted already or never
// existed returns 400 "could not find session". A command sent on an
// expired session gets per-host error 50007 "could not get session".
func TestDeleteExpiredSessionReturns400(t *testing.T) {
	const ttl = 300 * time.Millisecond
	srv := startFieldServer(t, Options{SessionTTL: ttl})
	c := newClient(t, srv)
	batchID, entries := openBatch(t, c, false, hostWin, hostLinux)
	expiring, deleted := entries[hostWin].SessionID, entries[hostLinux].SessionID

	deleteSession := func(id string) (int, []wireError) {
		status, data, _ := c.do(http.MethodDelete, pathSessions, url.Values{"session_id": {id}}, nil)
		if status == http.StatusNoContent {
			return status, nil
		}
		var resp wireErrors
		decodeJSON(t, data, &resp)
		return status, resp.Errors
	}
	if status, errs := deleteSession(deleted); status != http.StatusNoContent {
		t.Fatalf("delete of an open session: status %d, errors %+v; want 204", status, errs)
	}
	time.Sleep(ttl + 100*time.Millisecond)

	tests := []struct{ name, id string }{
		{name: "deleted twice", id: deleted},
		{name: "never existed", id: "5e550000-0000-4000-8000-000000000009"},
		{name: "expired", id: expiring},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, errs := deleteSession(tt.id)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", status)
			}
			checkOneError(t, "delete", errs, http.StatusBadRequest, "could not find session")
		})
	}
	t.Run("command on the expired session", func(t *testing.T) {
		got := runBatch(t, c, pathBatchCommand, batchID, "pwd", nil, hostWin)[hostWin]
		checkOneError(t, "pwd", got.Errors, 50007, "could not get session")
	})
}
