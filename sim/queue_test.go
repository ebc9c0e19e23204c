package sim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type wireQueuedJob struct {
	ID        string  `json:"id"`
	AID       string  `json:"aid"`
	UserID    string  `json:"user_id"`
	Status    string  `json:"status"`
	CreatedAt string  `json:"created_at"`
	DeletedAt *string `json:"deleted_at"`
	Commands  []struct {
		CloudRequestID string  `json:"cloud_request_id"`
		BaseCommand    string  `json:"base_command"`
		CommandString  string  `json:"command_string"`
		Status         string  `json:"status"`
		DeletedAt      *string `json:"deleted_at"`
	} `json:"Commands"`
}

type wireQueued struct {
	Resources []wireQueuedJob `json:"resources"`
	Errors    []wireError     `json:"errors"`
}

// fetchQueue returns the queue of one session, checking the Commands key.
func fetchQueue(t *testing.T, c *apiClient, sessionID string) wireQueuedJob {
	t.Helper()
	status, body, _ := c.do(http.MethodPost, pathQueuedSessions, nil, map[string]any{"ids": []string{sessionID}})
	if status != http.StatusOK {
		t.Fatalf("queued sessions: status %d, want 200; body %s", status, body)
	}
	if !strings.Contains(string(body), `"Commands":`) {
		t.Errorf("queued session body lacks the capitalised Commands key: %s", body)
	}
	var resp wireQueued
	decodeJSON(t, body, &resp)
	if len(resp.Resources) != 1 || resp.Resources[0].ID != sessionID {
		t.Fatalf("queued sessions = %+v, want session %s", resp.Resources, sessionID)
	}
	return resp.Resources[0]
}

// commandStatuses maps each queued command's cloud_request_id to its
// status.
func commandStatuses(job wireQueuedJob) map[string]string {
	out := map[string]string{}
	for _, c := range job.Commands {
		out[c.CloudRequestID] = c.Status
	}
	return out
}

func TestQueuedCommandsRunWhenHostReturns(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	c := newClient(t, srv)
	hr := hostNamed(t, srv.Fleet(), "WIN-HR-02")
	sess := initSingle(t, c, "WIN-HR-02", true)

	mkdir, queued := execute(t, c, pathStatusResponder, sess, `mkdir C:\Queued`, false)
	if !queued {
		t.Fatalf("command on an offline-queued session was not queued")
	}
	cd, _ := execute(t, c, pathStatusCommand, sess, `cd C:\Windows`, false)
	pwd, _ := execute(t, c, pathStatusCommand, sess, "pwd", false)

	var resp wireStatus
	c.expect(http.StatusOK, http.MethodGet, pathStatusResponder,
		url.Values{"cloud_request_id": {mkdir}, "sequence_id": {"0"}}, nil, &resp)
	if r := resp.Resources[0]; r.Complete || r.Stdout != "" {
		t.Errorf("status of a queued command = %+v, want incomplete with no output", r)
	}
	job := fetchQueue(t, c, sess)
	if job.Status != "PENDING" || job.AID != hr.AID() || len(job.Commands) != 3 {
		t.Fatalf("queue = %+v, want PENDING with 3 commands on %s", job, hr.AID())
	}
	if got := job.Commands[0]; got.BaseCommand != "mkdir" || got.CommandString != `mkdir C:\Queued` || got.DeletedAt != nil {
		t.Errorf("first queued command = %+v, want mkdir C:\\Queued, not deleted", got)
	}
	if len(srv.Commands()) != 0 {
		t.Errorf("the offline host received commands: %+v", srv.Commands())
	}

	hr.SetOnline(true)
	got := waitStatus(t, c, pathStatusCommand, pwd)
	if strings.TrimSpace(got.stdout) != `C:\` {
		t.Errorf("queued pwd after a queued cd = %q, want C:\\ (single-host reset)", got.stdout)
	}
	waitStatus(t, c, pathStatusResponder, mkdir)
	for id, status := range commandStatuses(fetchQueue(t, c, sess)) {
		if status != "COMPLETED" {
			t.Errorf("command %s status %s after the host returned, want COMPLETED", id, status)
		}
	}
	var order []string
	for _, rec := range srv.Commands() {
		order = append(order, rec.CloudRequestID)
	}
	if strings.Join(order, ",") != strings.Join([]string{mkdir, cd, pwd}, ",") {
		t.Errorf("commands ran in order %v, want mkdir, cd, pwd", order)
	}
}

func TestCancelQueuedCommand(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	c := newClient(t, srv)
	hr := hostNamed(t, srv.Fleet(), "WIN-HR-02")
	sess := initSingle(t, c, "WIN-HR-02", true)
	keep, _ := execute(t, c, pathStatusCommand, sess, "pwd", false)
	drop, _ := execute(t, c, pathStatusResponder, sess, `rm C:\Windows\notepad.exe`, false)

	tests := []struct {
		name       string
		query      url.Values
		wantStatus int
	}{
		{name: "cancel", query: url.Values{"session_id": {sess}, "cloud_request_id": {drop}}, wantStatus: http.StatusNoContent},
		{name: "cancel again", query: url.Values{"session_id": {sess}, "cloud_request_id": {drop}}, wantStatus: http.StatusBadRequest},
		{name: "unknown command", query: url.Values{"session_id": {sess}, "cloud_request_id": {newUUID()}}, wantStatus: http.StatusBadRequest},
		{name: "unknown session", query: url.Values{"session_id": {newUUID()}, "cloud_request_id": {keep}}, wantStatus: http.StatusBadRequest},
		{name: "missing cloud_request_id", query: url.Values{"session_id": {sess}}, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			c.expect(tt.wantStatus, http.MethodDelete, pathQueuedCommand, tt.query, nil, nil)
		})
	}
	c.t = t

	job := fetchQueue(t, c, sess)
	if got := commandStatuses(job); got[drop] != "CANCELED" || got[keep] != "PENDING" {
		t.Errorf("statuses = %v, want the canceled rm CANCELED and pwd PENDING", got)
	}
	for _, cmd := range job.Commands {
		if (cmd.DeletedAt != nil) != (cmd.CloudRequestID == drop) {
			t.Errorf("command %s deleted_at = %v; only the canceled one has one", cmd.CloudRequestID, cmd.DeletedAt)
		}
	}
	c.expect(http.StatusNotFound, http.MethodGet, pathStatusResponder,
		url.Values{"cloud_request_id": {drop}, "sequence_id": {"0"}}, nil, nil)

	hr.SetOnline(true)
	waitStatus(t, c, pathStatusCommand, keep)
	for _, rec := range srv.Commands() {
		if rec.CloudRequestID == drop {
			t.Errorf("the canceled command ran: %+v", rec)
		}
	}
	if got := commandStatuses(fetchQueue(t, c, sess)); got[keep] != "COMPLETED" {
		t.Errorf("pwd status = %s after the host returned, want COMPLETED", got[keep])
	}
	c.expect(http.StatusBadRequest, http.MethodDelete, pathQueuedCommand,
		url.Values{"session_id": {sess}, "cloud_request_id": {keep}}, nil, nil)
}

func TestQueuedCommandsExpire(t *testing.T) {
	srv := startServer(t, "degraded", Options{QueueTTL: 50 * time.Millisecond})
	c := newClient(t, srv)
	sess := initSingle(t, c, "WIN-HR-02", true)
	requestID, _ := execute(t, c, pathStatusCommand, sess, "pwd", false)
	time.Sleep(80 * time.Millisecond)
	hostNamed(t, srv.Fleet(), "WIN-HR-02").SetOnline(true)

	if got := commandStatuses(fetchQueue(t, c, sess)); got[requestID] != "EXPIRED" {
		t.Errorf("status = %s, want EXPIRED", got[requestID])
	}
	c.expect(http.StatusNotFound, http.MethodGet, pathStatusCommand,
		url.Values{"cloud_request_id": {requestID}, "sequence_id": {"0"}}, nil, nil)
	if len(srv.Commands()) != 0 {
		t.Errorf("the expired command ran: %+v", srv.Commands())
	}
}

func TestPersistQueuesOnOpenSession(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	fin := hostNamed(t, srv.Fleet(), "WIN-FIN-01")
	sess := initSingle(t, c, "WIN-FIN-01", false)
	fin.SetOnline(false)

	body := map[string]any{"base_command": "pwd", "command_string": "pwd", "session_id": sess}
	expectHostError(t, c, http.StatusBadRequest, http.MethodPost, pathStatusCommand, nil, body, 40407)
	requestID, queued := execute(t, c, pathStatusCommand, sess, "pwd", true)
	if !queued {
		t.Fatalf("command with persist on an offline host was not queued")
	}
	fin.SetOnline(true)
	if got := waitStatus(t, c, pathStatusCommand, requestID); strings.TrimSpace(got.stdout) != `C:\` {
		t.Errorf("queued pwd = %q, want C:\\", got.stdout)
	}
}

func TestBatchPersistQueuesInSession(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	c := newClient(t, srv)
	fin, hr := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "WIN-HR-02")
	var init wireBatchInit
	c.expect(http.StatusCreated, http.MethodPost, pathBatchInit, nil,
		map[string]any{"host_ids": []string{fin, hr}, "queue_offline": true}, &init)
	batchID, hrSession := *init.BatchID, init.Resources[hr].SessionID

	for _, cmd := range []string{`cd C:\Windows`, "pwd"} {
		base, _, _ := strings.Cut(cmd, " ")
		var resp wireBatchCommand
		c.expect(http.StatusCreated, http.MethodPost, pathBatchCommand, nil, map[string]any{
			"base_command": base, "command_string": cmd, "batch_id": batchID, "persist_all": true,
		}, &resp)
		if got := resp.Combined.Resources[hr]; !got.OfflineQueued || got.TaskID == "" {
			t.Fatalf("offline host entry = %+v, want offline_queued with a task_id", got)
		}
	}
	job := fetchQueue(t, c, hrSession)
	if len(job.Commands) != 2 {
		t.Fatalf("queue has %d commands, want 2", len(job.Commands))
	}
	hostNamed(t, srv.Fleet(), "WIN-HR-02").SetOnline(true)
	// A batch session keeps its working directory, queued or not.
	got := waitStatus(t, c, pathStatusCommand, job.Commands[1].CloudRequestID)
	if strings.TrimSpace(got.stdout) != `C:\Windows` {
		t.Errorf("queued batch pwd after cd = %q, want C:\\Windows", got.stdout)
	}
}

func TestQueuedSessionsErrors(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	open := initSingle(t, c, "WIN-FIN-01", false)
	tests := []struct {
		name       string
		body       any
		wantStatus int
	}{
		{name: "no ids", body: map[string]any{"ids": []string{}}, wantStatus: http.StatusBadRequest},
		{name: "body not an object", body: []string{open}, wantStatus: http.StatusBadRequest},
		{name: "session without a queue", body: map[string]any{"ids": []string{open}}, wantStatus: http.StatusNotFound},
		{name: "unknown session", body: map[string]any{"ids": []string{newUUID()}}, wantStatus: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, body, _ := c.do(http.MethodPost, pathQueuedSessions, nil, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			var resp wireQueued
			if err := json.Unmarshal(body, &resp); err != nil || len(resp.Errors) == 0 {
				t.Errorf("body %s lacks errors (%v)", body, err)
			}
		})
	}
}

func TestQueuedCommandRunsOnce(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	c := newClient(t, srv)
	sess := initSingle(t, c, "WIN-HR-02", true)
	requestID, _ := execute(t, c, pathStatusResponder, sess, `mkdir C:\Once`, false)
	hostNamed(t, srv.Fleet(), "WIN-HR-02").SetOnline(true)

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body, _ := c.do(http.MethodGet, pathStatusResponder,
				url.Values{"cloud_request_id": {requestID}, "sequence_id": {"0"}}, nil)
			if status != http.StatusOK {
				t.Errorf("status call: %d %s", status, body)
			}
		}()
	}
	wg.Wait()
	if got := len(srv.Commands()); got != 1 {
		t.Errorf("the queued command ran %d times, want once", got)
	}
}
