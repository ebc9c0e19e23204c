package sim

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBatchCommandShapes(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01", "WIN-HR-02", "lnx-web-01")
	fin, hr, web := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "WIN-HR-02"), aidOf(t, srv, "lnx-web-01")

	tests := []struct {
		name       string
		path       string
		command    string
		optional   []string
		wantHosts  []string
		wantBase   string
		wantCode   int    // per-host error code on every host; 0 for none
		wantStdout string // substring of every host's stdout
	}{
		{name: "ls on windows hosts", path: pathBatchCommand, command: `ls C:\Windows`,
			optional: []string{fin, hr}, wantHosts: []string{fin, hr}, wantBase: "ls", wantStdout: "notepad.exe"},
		{name: "ps on linux host", path: pathBatchCommand, command: "ps",
			optional: []string{web}, wantHosts: []string{web}, wantBase: "ps"},
		{name: "pwd on every host", path: pathBatchCommand, command: "pwd",
			wantHosts: []string{fin, hr, web}, wantBase: "pwd"},
		{name: "put at read-only tier", path: pathBatchCommand, command: "put tool.exe",
			optional: []string{fin}, wantHosts: []string{fin}, wantCode: 40007},
		{name: "raw runscript at responder tier", path: pathBatchResponder,
			command: "runscript -Raw=```Get-Process```", optional: []string{fin}, wantHosts: []string{fin},
			wantCode: 40014},
		{name: "raw runscript at admin tier", path: pathBatchAdmin,
			command: "runscript -Raw=```Write-Output hello```", optional: []string{fin}, wantHosts: []string{fin},
			wantBase: "runscript", wantStdout: "hello"},
		{name: "host outside the batch", path: pathBatchCommand, command: "pwd",
			optional: []string{aidOf(t, srv, "mac-dev-01")}, wantHosts: []string{aidOf(t, srv, "mac-dev-01")},
			wantCode: 50007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			var resp wireBatchCommand
			base, _, _ := strings.Cut(tt.command, " ")
			c.expect(http.StatusCreated, http.MethodPost, tt.path, nil, map[string]any{
				"base_command": base, "command_string": tt.command,
				"batch_id": batchID, "optional_hosts": tt.optional, "persist_all": false,
			}, &resp)
			if resp.Errors == nil || len(resp.Errors) != 0 {
				t.Errorf("top-level errors = %v, want []", resp.Errors)
			}
			var got []string
			for aid := range resp.Combined.Resources {
				got = append(got, aid)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.wantHosts))
			if !slices.Equal(got, want) {
				t.Fatalf("hosts = %v, want %v", got, want)
			}
			for aid, host := range resp.Combined.Resources {
				checkCommandResult(t, aid, host, tt.wantCode, tt.wantBase, tt.wantStdout)
			}
		})
	}
}

func checkCommandResult(t *testing.T, aid string, host wireHost, wantCode int, wantBase, wantStdout string) {
	t.Helper()
	if host.AID != aid {
		t.Errorf("entry %s has aid %q", aid, host.AID)
	}
	if wantCode != 0 {
		if got := errorCodes(host.Errors); !slices.Equal(got, []int{wantCode}) {
			t.Errorf("host %s error codes = %v, want [%d]", aid, got, wantCode)
		}
		if host.Complete {
			t.Errorf("host %s complete = true for a rejected command", aid)
		}
		return
	}
	if len(host.Errors) != 0 {
		t.Errorf("host %s errors = %v, want none", aid, host.Errors)
	}
	if !host.Complete {
		t.Errorf("host %s complete = false, want true", aid)
	}
	if host.TaskID == "" || !isUUID(host.TaskID) {
		t.Errorf("host %s task_id = %q, want a UUID", aid, host.TaskID)
	}
	if host.BaseCommand != wantBase {
		t.Errorf("host %s base_command = %q, want %q", aid, host.BaseCommand, wantBase)
	}
	if host.Stdout == "" {
		t.Errorf("host %s stdout is empty", aid)
	}
	if !strings.Contains(host.Stdout, wantStdout) {
		t.Errorf("host %s stdout lacks %q:\n%s", aid, wantStdout, host.Stdout)
	}
}

func TestBatchCommandKeepsWorkingDirectory(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01")
	aid := aidOf(t, srv, "WIN-FIN-01")

	runBatch(t, c, pathBatchCommand, batchID, `cd C:\Windows`, nil)
	results := runBatch(t, c, pathBatchCommand, batchID, "pwd", nil)
	if got := strings.TrimSpace(results[aid].Stdout); got != `C:\Windows` {
		t.Errorf("pwd after cd = %q, want C:\\Windows", got)
	}
}

func TestBatchCommandLog(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, init := initBatch(t, c, "WIN-FIN-01")
	aid := aidOf(t, srv, "WIN-FIN-01")
	results := runBatch(t, c, pathBatchResponder, batchID, `mkdir C:\Temp\evidence`, nil)

	log := srv.Commands()
	if len(log) != 1 {
		t.Fatalf("command log has %d entries, want 1: %+v", len(log), log)
	}
	want := CommandRecord{
		Time: log[0].Time, AID: aid, Hostname: "WIN-FIN-01", Endpoint: pathBatchResponder,
		BaseCommand: "mkdir", CommandString: `mkdir C:\Temp\evidence`,
		SessionID: init.Resources[aid].SessionID, CloudRequestID: results[aid].TaskID,
	}
	if log[0] != want {
		t.Errorf("command log entry = %+v, want %+v", log[0], want)
	}
}

func TestBatchCommandRejectsBadWaits(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01")
	tests := []struct {
		name  string
		query url.Values
	}{
		{name: "timeout over five minutes", query: url.Values{"timeout": {"600"}}},
		{name: "negative timeout", query: url.Values{"timeout": {"-1"}}},
		{name: "host timeout unparsable", query: url.Values{"host_timeout_duration": {"30"}}},
		{name: "host timeout longer than timeout", query: url.Values{"timeout": {"20"}, "host_timeout_duration": {"25s"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, body, _ := c.do(http.MethodPost, pathBatchCommand, tt.query, map[string]any{
				"base_command": "pwd", "command_string": "pwd", "batch_id": batchID,
			})
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", status, body)
			}
			checkErrorEnvelope(t, body, http.StatusBadRequest, "")
		})
	}
	if got := len(srv.Commands()); got != 0 {
		t.Errorf("rejected requests reached hosts: command log has %d entries", got)
	}
}

func TestIncompleteCommandPolling(t *testing.T) {
	const chunk = 64
	srv := startServer(t, "demo", Options{ChunkSize: chunk})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "lnx-web-01")
	aid := aidOf(t, srv, "lnx-web-01")
	want := runBatch(t, c, pathBatchCommand, batchID, "cat /etc/passwd", nil)[aid].Stdout
	if len(want) <= 2*chunk {
		t.Fatalf("cat /etc/passwd printed %d bytes; the test needs more than %d", len(want), 2*chunk)
	}

	start := time.Now()
	query := url.Values{"timeout": {"30"}, "host_timeout_duration": {"300ms"}}
	results := runBatch(t, c, pathBatchAdmin, batchID, "runscript -Raw=```sleep 1; cat /etc/passwd```", query)
	waited := time.Since(start)
	host := results[aid]
	if host.Complete {
		t.Fatalf("a 1s script with a 300ms host wait came back complete")
	}
	if !isUUID(host.TaskID) {
		t.Fatalf("incomplete host task_id = %q, want a UUID", host.TaskID)
	}
	if waited < 300*time.Millisecond {
		t.Errorf("batch call answered after %v, before the 300ms host wait", waited)
	}

	status := pollStatus(t, c, pathStatusAdmin, host.TaskID, 0)
	if status.Complete || status.Stdout != "" || status.SequenceID != 0 {
		t.Errorf("status while running = %+v, want incomplete, no output, sequence_id 0", status)
	}

	time.Sleep(time.Second - time.Since(start))
	var got strings.Builder
	seq, chunks := 0, 0
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := pollStatus(t, c, pathStatusAdmin, host.TaskID, seq)
		if !st.Complete && st.SequenceID == seq {
			// Still running: the same sequence_id comes back, with no output.
			if st.Stdout != "" {
				t.Fatalf("running command returned output %q", st.Stdout)
			}
			if time.Now().After(deadline) {
				t.Fatalf("command %s still running 5s after its 1s script", host.TaskID)
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		chunks++
		if len(st.Stdout) > chunk {
			t.Errorf("chunk %d has %d bytes, more than ChunkSize %d", seq, len(st.Stdout), chunk)
		}
		got.WriteString(st.Stdout)
		if st.Complete {
			break
		}
		if st.SequenceID != seq+1 {
			t.Fatalf("chunk %d points to sequence_id %d, want %d", seq, st.SequenceID, seq+1)
		}
		seq = st.SequenceID
	}
	if got.String() != want {
		t.Errorf("joined chunks differ from the command's output:\n got %q\nwant %q", got.String(), want)
	}
	if wantChunks := (len(want) + chunk - 1) / chunk; chunks != wantChunks {
		t.Errorf("output came in %d chunks, want %d", chunks, wantChunks)
	}
}

func TestCommandStatusErrors(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01")
	aid := aidOf(t, srv, "WIN-FIN-01")
	taskID := runBatch(t, c, pathBatchResponder, batchID, `mkdir C:\Temp\x`, nil)[aid].TaskID

	tests := []struct {
		name       string
		path       string
		query      url.Values
		wantStatus int
	}{
		{name: "same tier", path: pathStatusResponder,
			query: url.Values{"cloud_request_id": {taskID}, "sequence_id": {"0"}}, wantStatus: http.StatusOK},
		{name: "other tier", path: pathStatusCommand,
			query: url.Values{"cloud_request_id": {taskID}, "sequence_id": {"0"}}, wantStatus: http.StatusNotFound},
		{name: "unknown task", path: pathStatusResponder,
			query: url.Values{"cloud_request_id": {newUUID()}, "sequence_id": {"0"}}, wantStatus: http.StatusNotFound},
		{name: "malformed cloud_request_id", path: pathStatusResponder,
			query: url.Values{"cloud_request_id": {"abc"}, "sequence_id": {"0"}}, wantStatus: http.StatusBadRequest},
		{name: "missing sequence_id", path: pathStatusResponder,
			query: url.Values{"cloud_request_id": {taskID}}, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, body, _ := c.do(http.MethodGet, tt.path, tt.query, nil)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if status != http.StatusOK {
				checkErrorEnvelope(t, body, tt.wantStatus, "")
			}
		})
	}
}

// pollStatus calls a single-host status path once and returns its only
// resource.
func pollStatus(t *testing.T, c *apiClient, path, taskID string, seq int) struct {
	SessionID   string `json:"session_id"`
	TaskID      string `json:"task_id"`
	Complete    bool   `json:"complete"`
	Stdout      string `json:"stdout"`
	Stderr      string `json:"stderr"`
	BaseCommand string `json:"base_command"`
	SequenceID  int    `json:"sequence_id"`
} {
	t.Helper()
	var resp wireStatus
	c.expect(http.StatusOK, http.MethodGet, path, url.Values{
		"cloud_request_id": {taskID}, "sequence_id": {strconv.Itoa(seq)},
	}, nil, &resp)
	if len(resp.Resources) != 1 {
		t.Fatalf("status returned %d resources, want 1", len(resp.Resources))
	}
	if resp.Resources[0].TaskID != taskID {
		t.Errorf("status task_id = %q, want %q", resp.Resources[0].TaskID, taskID)
	}
	return resp.Resources[0]
}

func TestBatchCommandHostStates(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	c := newClient(t, srv)
	fin, hr := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "WIN-HR-02") // WIN-HR-02 is offline
	var init wireBatchInit
	c.expect(http.StatusCreated, http.MethodPost, pathBatchInit, nil,
		map[string]any{"host_ids": []string{fin, hr}, "queue_offline": true}, &init)
	batchID := *init.BatchID
	finHost := hostNamed(t, srv.Fleet(), "WIN-FIN-01")

	tests := []struct {
		name       string
		setup      func()
		persistAll bool
		aid        string
		wantQueued bool
		wantCode   int
		wantStdout string
	}{
		{name: "queued session of offline host", setup: func() {}, aid: hr, wantCode: 40407},
		{name: "queued session with persist_all", setup: func() {}, persistAll: true, aid: hr, wantQueued: true},
		{name: "online host", setup: func() {}, aid: fin, wantStdout: `C:\`},
		{name: "host gone offline", setup: func() { finHost.SetOnline(false) }, aid: fin, wantCode: 40407},
		{name: "host gone offline with persist_all", setup: func() {}, persistAll: true, aid: fin, wantQueued: true},
		{name: "host online but unreachable", setup: func() {
			finHost.SetOnline(true)
			finHost.SetReachable(false)
		}, aid: fin, wantCode: 40401},
		{name: "queued host back online", setup: func() {
			hostNamed(t, srv.Fleet(), "WIN-HR-02").SetOnline(true)
		}, aid: hr, wantStdout: `C:\`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			tt.setup()
			var resp wireBatchCommand
			c.expect(http.StatusCreated, http.MethodPost, pathBatchCommand, nil, map[string]any{
				"base_command": "pwd", "command_string": "pwd", "batch_id": batchID,
				"optional_hosts": []string{tt.aid}, "persist_all": tt.persistAll,
			}, &resp)
			host := resp.Combined.Resources[tt.aid]
			if host.OfflineQueued != tt.wantQueued {
				t.Errorf("offline_queued = %v, want %v", host.OfflineQueued, tt.wantQueued)
			}
			if tt.wantQueued && (host.Complete || host.TaskID == "" || len(host.Errors) != 0) {
				t.Errorf("queued entry = %+v, want incomplete with a task_id and no errors", host)
			}
			wantCodes := []int{}
			if tt.wantCode != 0 {
				wantCodes = []int{tt.wantCode}
			}
			if got := errorCodes(host.Errors); !slices.Equal(got, wantCodes) {
				t.Errorf("error codes = %v, want %v", got, wantCodes)
			}
			if strings.TrimSpace(host.Stdout) != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", host.Stdout, tt.wantStdout)
			}
		})
	}

	// The commands that ran reached a host: the pwd queued for WIN-HR-02
	// ran when it came back, before the last one. WIN-FIN-01's queued pwd
	// still waits, because the host is unreachable.
	var ran []string
	for _, rec := range srv.Commands() {
		ran = append(ran, rec.Hostname)
	}
	if want := []string{"WIN-FIN-01", "WIN-HR-02", "WIN-HR-02"}; !slices.Equal(ran, want) {
		t.Errorf("command log hosts = %v, want %v", ran, want)
	}
}
