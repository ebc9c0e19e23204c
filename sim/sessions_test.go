package sim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

func TestBatchInitMixedHosts(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	c := newClient(t, srv)
	ok, offline, unreachable := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "WIN-HR-02"), aidOf(t, srv, "WIN-DC-01")
	linux := aidOf(t, srv, "lnx-web-01")
	unknown := "0123456789abcdef0123456789abcdef"
	malformed := "zz12"

	tests := []struct {
		name         string
		queueOffline bool
		aid          string
		wantSession  bool
		wantQueued   bool
		wantCode     int // 0: no per-host error
		wantStdout   string
	}{
		{name: "online windows host", aid: ok, wantSession: true, wantStdout: `C:\`},
		{name: "online linux host", aid: linux, wantSession: true, wantStdout: "/"},
		{name: "offline host", aid: offline, wantCode: 40407},
		{name: "offline host queued", queueOffline: true, aid: offline, wantSession: true, wantQueued: true},
		{name: "unreachable host", aid: unreachable, wantCode: 40401},
		{name: "unknown host", aid: unknown, wantCode: 40401},
		{name: "malformed host id", aid: malformed, wantCode: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			var resp wireBatchInit
			// Every init includes a reachable host, so the batch opens and
			// the call returns 201 whatever the host under test does.
			c.expect(http.StatusCreated, http.MethodPost, pathBatchInit, nil, map[string]any{
				"host_ids": []string{tt.aid, ok}, "queue_offline": tt.queueOffline,
			}, &resp)
			if resp.BatchID == nil || *resp.BatchID == "" {
				t.Errorf("batch_id is empty")
			}
			if resp.Meta.PoweredBy != "empower-api" {
				t.Errorf("meta.powered_by = %q, want empower-api", resp.Meta.PoweredBy)
			}
			host, found := resp.Resources[tt.aid]
			if !found {
				t.Fatalf("resources has no entry for %s: %v", tt.aid, resp.Resources)
			}
			if host.AID != tt.aid {
				t.Errorf("aid = %q, want %q", host.AID, tt.aid)
			}
			if got := host.SessionID != ""; got != tt.wantSession {
				t.Errorf("has session_id = %v, want %v", got, tt.wantSession)
			}
			if host.OfflineQueued != tt.wantQueued {
				t.Errorf("offline_queued = %v, want %v", host.OfflineQueued, tt.wantQueued)
			}
			if host.Stdout != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", host.Stdout, tt.wantStdout)
			}
			wantCodes := []int{}
			if tt.wantCode != 0 {
				wantCodes = []int{tt.wantCode}
			}
			if got := errorCodes(host.Errors); !slices.Equal(got, wantCodes) {
				t.Errorf("error codes = %v, want %v", got, wantCodes)
			}
			if host.Errors == nil {
				t.Errorf("errors is null, want an array")
			}
		})
	}
}

func TestBatchInitNoHostInitialised(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	c := newClient(t, srv)
	offline, unreachable := aidOf(t, srv, "WIN-HR-02"), aidOf(t, srv, "WIN-DC-01")

	for _, queue := range []bool{false, true} {
		t.Run(fmt.Sprintf("queue_offline=%v", queue), func(t *testing.T) {
			c.t = t
			var resp wireBatchInit
			c.expect(http.StatusNotFound, http.MethodPost, pathBatchInit, nil, map[string]any{
				"host_ids": []string{offline, unreachable}, "queue_offline": queue,
			}, &resp)
			if resp.BatchID == nil || *resp.BatchID != "" {
				t.Errorf("batch_id = %v, want an empty string", resp.BatchID)
			}
			if len(resp.Errors) != 1 || resp.Errors[0].Code != 404 ||
				resp.Errors[0].Message != "no successful hosts initialized on RTR" {
				t.Errorf("errors = %+v, want one 404 no successful hosts initialized on RTR", resp.Errors)
			}
			if got := errorCodes(resp.Resources[unreachable].Errors); !slices.Equal(got, []int{40401}) {
				t.Errorf("unreachable host error codes = %v, want [40401]", got)
			}
			if got := resp.Resources[offline].OfflineQueued; got != queue {
				t.Errorf("offline host offline_queued = %v, want %v", got, queue)
			}
		})
	}
}

func TestBatchInitHostCount(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	tooMany := make([]string, maxBatchHosts+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("%032x", i)
	}
	tests := []struct {
		name    string
		hostIDs []string
	}{
		{name: "empty host_ids", hostIDs: []string{}},
		{name: "missing host_ids", hostIDs: nil},
		{name: "10001 hosts", hostIDs: tooMany},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, body, _ := c.do(http.MethodPost, pathBatchInit, nil, map[string]any{"host_ids": tt.hostIDs})
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %.300s", status, body)
			}
			checkErrorEnvelope(t, body, http.StatusBadRequest, "")
		})
	}
}

func TestBatchInitRejectsBadWaits(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	aid := aidOf(t, srv, "WIN-FIN-01")
	tests := []struct {
		name  string
		query url.Values
	}{
		{name: "timeout zero", query: url.Values{"timeout": {"0"}}},
		{name: "timeout over five minutes", query: url.Values{"timeout": {"301"}}},
		{name: "timeout not a number", query: url.Values{"timeout": {"ten"}}},
		{name: "host timeout not a duration", query: url.Values{"host_timeout_duration": {"tiny bit less than overall request timeout"}}},
		{name: "host timeout over request wait", query: url.Values{"timeout": {"10"}, "host_timeout_duration": {"20s"}}},
		{name: "timeout duration too long", query: url.Values{"timeout_duration": {"6m"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, body, _ := c.do(http.MethodPost, pathBatchInit, tt.query, map[string]any{"host_ids": []string{aid}})
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", status, body)
			}
		})
	}
}

func TestSessionExpiryAndRefresh(t *testing.T) {
	const ttl = 400 * time.Millisecond
	srv := startServer(t, "demo", Options{SessionTTL: ttl})
	c := newClient(t, srv)
	refreshed, _ := initBatch(t, c, "WIN-FIN-01", "lnx-web-01")
	idle, _ := initBatch(t, c, "WIN-HR-02")
	fin, web, hr := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "lnx-web-01"), aidOf(t, srv, "WIN-HR-02")

	// Keep the first batch alive with refreshes; commands alone must not.
	for i := 0; i < 3; i++ {
		time.Sleep(ttl / 2)
		var resp struct {
			Resources map[string]wireHost `json:"resources"`
			Errors    []wireError         `json:"errors"`
		}
		c.expect(http.StatusCreated, http.MethodPost, pathBatchRefresh, nil,
			map[string]any{"batch_id": refreshed, "hosts_to_remove": []string{}}, &resp)
		for _, aid := range []string{fin, web} {
			if got := errorCodes(resp.Resources[aid].Errors); len(got) != 0 {
				t.Fatalf("refresh %d: host %s error codes %v, want none", i, aid, got)
			}
			if resp.Resources[aid].SessionID == "" {
				t.Errorf("refresh %d: host %s has no session_id", i, aid)
			}
		}
		runBatch(t, c, pathBatchCommand, idle, "pwd", nil)
	}

	results := runBatch(t, c, pathBatchCommand, refreshed, "pwd", nil)
	if got := errorCodes(results[fin].Errors); len(got) != 0 || !results[fin].Complete {
		t.Errorf("refreshed session: complete %v, error codes %v; want a completed pwd", results[fin].Complete, got)
	}
	results = runBatch(t, c, pathBatchCommand, idle, "pwd", nil)
	if got := errorCodes(results[hr].Errors); !slices.Equal(got, []int{50007}) {
		t.Errorf("idle session error codes = %v, want [50007]", got)
	}
	if results[hr].Errors[0].Message != "could not get session" {
		t.Errorf("idle session message = %q, want could not get session", results[hr].Errors[0].Message)
	}

	// A refresh cannot revive an expired session.
	var resp struct {
		Resources map[string]wireHost `json:"resources"`
	}
	c.expect(http.StatusCreated, http.MethodPost, pathBatchRefresh, nil,
		map[string]any{"batch_id": idle, "hosts_to_remove": []string{}}, &resp)
	if got := errorCodes(resp.Resources[hr].Errors); !slices.Equal(got, []int{50007}) {
		t.Errorf("refresh of expired session: error codes %v, want [50007]", got)
	}
}

func TestBatchRefreshRemovesHosts(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01", "WIN-HR-02", "lnx-web-01")
	fin, hr, web := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "WIN-HR-02"), aidOf(t, srv, "lnx-web-01")

	var resp struct {
		Resources map[string]wireHost `json:"resources"`
	}
	c.expect(http.StatusCreated, http.MethodPost, pathBatchRefresh, nil,
		map[string]any{"batch_id": batchID, "hosts_to_remove": []string{hr}}, &resp)
	if _, listed := resp.Resources[hr]; listed {
		t.Errorf("removed host %s still listed in the refresh response", hr)
	}
	for _, aid := range []string{fin, web} {
		if _, listed := resp.Resources[aid]; !listed {
			t.Errorf("host %s missing from the refresh response", aid)
		}
	}
	results := runBatch(t, c, pathBatchCommand, batchID, "pwd", nil)
	if _, ran := results[hr]; ran {
		t.Errorf("removed host %s still received the batch command", hr)
	}
	if len(results) != 2 {
		t.Errorf("batch command reached %d hosts, want 2", len(results))
	}

	status, body, _ := c.do(http.MethodPost, pathBatchRefresh, nil, map[string]any{"batch_id": "no-such-batch"})
	if status != http.StatusBadRequest {
		t.Errorf("refresh of an unknown batch: status %d, want 400; body %s", status, body)
	}
}

func TestDeleteSession(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, init := initBatch(t, c, "WIN-FIN-01")
	aid := aidOf(t, srv, "WIN-FIN-01")
	sessionID := init.Resources[aid].SessionID
	query := url.Values{"session_id": {sessionID}}

	c.expect(http.StatusNoContent, http.MethodDelete, pathSessions, query, nil, nil)
	status, body, _ := c.do(http.MethodDelete, pathSessions, query, nil)
	if status != http.StatusBadRequest {
		t.Fatalf("second delete: status %d, want 400; body %s", status, body)
	}
	checkErrorEnvelope(t, body, http.StatusBadRequest, "could not find session")

	results := runBatch(t, c, pathBatchCommand, batchID, "pwd", nil)
	if got := errorCodes(results[aid].Errors); !slices.Equal(got, []int{50007}) {
		t.Errorf("command on a deleted session: error codes %v, want [50007]", got)
	}
}
