package sim

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestInitSession(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	c := newClient(t, srv)

	tests := []struct {
		name         string
		body         map[string]any
		wantStatus   int
		wantCode     int // errors[0].code when the call fails
		wantPwd      string
		wantPlatform string
		wantQueued   bool
	}{
		{name: "online windows host", body: map[string]any{"device_id": aidOf(t, srv, "WIN-FIN-01")},
			wantStatus: http.StatusCreated, wantPwd: `C:\`, wantPlatform: "windows"},
		{name: "online linux host", body: map[string]any{"device_id": aidOf(t, srv, "lnx-web-01"), "origin": "x"},
			wantStatus: http.StatusCreated, wantPwd: "/", wantPlatform: "linux"},
		{name: "offline host queued", body: map[string]any{"device_id": aidOf(t, srv, "WIN-HR-02"), "queue_offline": true},
			wantStatus: http.StatusCreated, wantPwd: `C:\`, wantPlatform: "windows", wantQueued: true},
		{name: "offline host", body: map[string]any{"device_id": aidOf(t, srv, "WIN-HR-02")},
			wantStatus: http.StatusBadRequest, wantCode: 40407},
		{name: "unreachable host", body: map[string]any{"device_id": aidOf(t, srv, "WIN-DC-01"), "queue_offline": true},
			wantStatus: http.StatusBadRequest, wantCode: 40401},
		{name: "unknown host", body: map[string]any{"device_id": strings.Repeat("ab", 16)},
			wantStatus: http.StatusBadRequest, wantCode: 40401},
		{name: "malformed host id", body: map[string]any{"device_id": "zz12"},
			wantStatus: http.StatusInternalServerError, wantCode: 500},
		{name: "missing device_id", body: map[string]any{"queue_offline": true},
			wantStatus: http.StatusBadRequest, wantCode: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			if tt.wantStatus != http.StatusCreated {
				expectHostError(t, c, tt.wantStatus, http.MethodPost, pathSessions, nil, tt.body, tt.wantCode)
				return
			}
			var resp wireInit
			c.expect(tt.wantStatus, http.MethodPost, pathSessions, nil, tt.body, &resp)
			if len(resp.Resources) != 1 {
				t.Fatalf("resources = %+v, want one session", resp.Resources)
			}
			got := resp.Resources[0]
			if !isUUID(got.SessionID) {
				t.Errorf("session_id = %q, want a UUID", got.SessionID)
			}
			if got.DeviceID != tt.body["device_id"] || got.Platform != tt.wantPlatform || got.Pwd != tt.wantPwd {
				t.Errorf("device_id, platform, pwd = %q, %q, %q; want %q, %q, %q",
					got.DeviceID, got.Platform, got.Pwd, tt.body["device_id"], tt.wantPlatform, tt.wantPwd)
			}
			if got.OfflineQueued != tt.wantQueued {
				t.Errorf("offline_queued = %v, want %v", got.OfflineQueued, tt.wantQueued)
			}
			if got.ExistingAIDSessions != 1 || got.PreviousCommands == nil || len(got.PreviousCommands) != 0 {
				t.Errorf("existing_aid_sessions = %d, previous_commands = %v; want 1 and []",
					got.ExistingAIDSessions, got.PreviousCommands)
			}
			if _, err := time.Parse(time.RFC3339Nano, got.CreatedAt); err != nil {
				t.Errorf("created_at %q is not RFC 3339: %v", got.CreatedAt, err)
			}
			if resp.Meta.PoweredBy != "empower-api" || resp.Errors == nil {
				t.Errorf("powered_by = %q, errors = %v; want empower-api and []", resp.Meta.PoweredBy, resp.Errors)
			}
		})
	}
}

func TestInitScriptsHelp(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	tests := []struct {
		host        string
		wantHave    []string
		wantMissing []string
	}{
		{host: "WIN-FIN-01", wantHave: []string{"ls", "reg", "runscript", "put", "get"}, wantMissing: []string{"ifconfig"}},
		{host: "lnx-web-01", wantHave: []string{"ls", "ifconfig", "runscript"}, wantMissing: []string{"reg", "ipconfig"}},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			c.t = t
			var resp wireInit
			c.expect(http.StatusCreated, http.MethodPost, pathSessions, nil,
				map[string]any{"device_id": aidOf(t, srv, tt.host)}, &resp)
			commands := map[string]int{}
			for i, s := range resp.Resources[0].Scripts {
				commands[s.Command] = i
				if s.Description == "" || s.Args == nil || s.SubCommands == nil {
					t.Errorf("help of %s lacks description, args or sub_commands", s.Command)
				}
			}
			for _, name := range tt.wantHave {
				if _, ok := commands[name]; !ok {
					t.Errorf("scripts lack %s", name)
				}
			}
			for _, name := range tt.wantMissing {
				if _, ok := commands[name]; ok {
					t.Errorf("scripts list %s, which %s does not have", name, tt.host)
				}
			}
		})
	}
}

func TestInitReturnsOpenSession(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	first := initSingle(t, c, "WIN-FIN-01", false)
	execute(t, c, pathStatusCommand, first, "pwd", false)
	initBatch(t, c, "WIN-FIN-01")

	var resp wireInit
	c.expect(http.StatusCreated, http.MethodPost, pathSessions, nil,
		map[string]any{"device_id": aidOf(t, srv, "WIN-FIN-01")}, &resp)
	got := resp.Resources[0]
	if got.SessionID != first {
		t.Errorf("second init session_id = %s, want the open session %s", got.SessionID, first)
	}
	if !slices.Equal(got.PreviousCommands, []string{"pwd"}) {
		t.Errorf("previous_commands = %q, want [pwd]", got.PreviousCommands)
	}
	if got.ExistingAIDSessions != 2 {
		t.Errorf("existing_aid_sessions = %d, want 2 (this session and the batch one)", got.ExistingAIDSessions)
	}
	if other := initSingle(t, c, "WIN-HR-02", false); other == first {
		t.Errorf("init on another host returned the same session %s", first)
	}
}

func TestPulseSession(t *testing.T) {
	const ttl = 400 * time.Millisecond
	srv := startServer(t, "demo", Options{SessionTTL: ttl})
	c := newClient(t, srv)
	fin := aidOf(t, srv, "WIN-FIN-01")

	expectHostError(t, c, http.StatusBadRequest, http.MethodPost, pathRefreshSession, nil,
		map[string]any{"device_id": fin}, 400)

	pulsed := initSingle(t, c, "WIN-FIN-01", false)
	idle := initSingle(t, c, "WIN-HR-02", false)
	for range 3 {
		time.Sleep(ttl / 2)
		var resp wireInit
		c.expect(http.StatusCreated, http.MethodPost, pathRefreshSession, nil,
			map[string]any{"device_id": fin, "queue_offline": false}, &resp)
		if len(resp.Resources) != 1 || resp.Resources[0].SessionID != pulsed {
			t.Fatalf("pulse returned %+v, want session %s", resp.Resources, pulsed)
		}
	}
	// 1.5 TTL have passed: the pulsed session lives, the idle one expired,
	// even though re-initialising does not extend a session.
	execute(t, c, pathStatusCommand, pulsed, "pwd", false)
	expectHostError(t, c, http.StatusBadRequest, http.MethodPost, pathStatusCommand, nil,
		map[string]any{"base_command": "pwd", "command_string": "pwd", "session_id": idle}, 50007)
	expectHostError(t, c, http.StatusBadRequest, http.MethodPost, pathRefreshSession, nil,
		map[string]any{"device_id": aidOf(t, srv, "WIN-HR-02")}, 400)
}

func TestExecuteTiers(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	sess := initSingle(t, c, "WIN-FIN-01", false)
	deleted := initSingle(t, c, "WIN-HR-02", false)
	c.expect(http.StatusNoContent, http.MethodDelete, pathSessions, url.Values{"session_id": {deleted}}, nil, nil)

	tests := []struct {
		name       string
		path       string
		session    string
		command    string
		wantCode   int    // RTR error code of a rejected command
		wantBase   string // base_command of the status
		wantStdout string // substring of the output
	}{
		{name: "read-only ls", path: pathStatusCommand, command: `ls C:\Windows`, wantBase: "ls", wantStdout: "notepad.exe"},
		{name: "read-only ps", path: pathStatusCommand, command: "ps", wantBase: "ps", wantStdout: "updater64"},
		{name: "responder command at read-only", path: pathStatusCommand, command: "kill 4", wantCode: 40007},
		{name: "put at responder", path: pathStatusResponder, command: "put tool.exe", wantCode: 40007},
		{name: "raw runscript at responder", path: pathStatusResponder, command: "runscript -Raw=```Get-Process```", wantCode: 40014},
		{name: "raw runscript at admin", path: pathStatusAdmin, command: "runscript -Raw=```Write-Output hello```",
			wantBase: "runscript", wantStdout: "hello"},
		{name: "responder mkdir", path: pathStatusResponder, command: `mkdir C:\Temp\single`, wantBase: "mkdir"},
		{name: "unknown session", path: pathStatusCommand, session: newUUID(), command: "pwd", wantCode: 50007},
		{name: "deleted session", path: pathStatusCommand, session: deleted, command: "pwd", wantCode: 50007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			id := sess
			if tt.session != "" {
				id = tt.session
			}
			base, _, _ := strings.Cut(tt.command, " ")
			body := map[string]any{"base_command": base, "command_string": tt.command, "session_id": id}
			if tt.wantCode != 0 {
				expectHostError(t, c, http.StatusBadRequest, http.MethodPost, tt.path, nil, body, tt.wantCode)
				return
			}
			requestID, queued := execute(t, c, tt.path, id, tt.command, false)
			if queued || !isUUID(requestID) {
				t.Errorf("cloud_request_id %q, queued %v; want a UUID, not queued", requestID, queued)
			}
			got := waitStatus(t, c, tt.path, requestID)
			if got.taskID != requestID || got.base != tt.wantBase || !strings.Contains(got.stdout, tt.wantStdout) {
				t.Errorf("status task_id %q, base %q, stdout %q; want %q, %q, containing %q",
					got.taskID, got.base, got.stdout, requestID, tt.wantBase, tt.wantStdout)
			}
		})
	}
	c.t = t
	// The status call of another tier does not know the command.
	requestID, _ := execute(t, c, pathStatusCommand, sess, "pwd", false)
	c.expect(http.StatusNotFound, http.MethodGet, pathStatusAdmin,
		url.Values{"cloud_request_id": {requestID}, "sequence_id": {"0"}}, nil, nil)
}

func TestSingleHostResetsWorkingDirectory(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	single := initSingle(t, c, "WIN-FIN-01", false)
	batchID, _ := initBatch(t, c, "WIN-FIN-01")
	fin := aidOf(t, srv, "WIN-FIN-01")

	execute(t, c, pathStatusCommand, single, `cd C:\Windows`, false)
	requestID, _ := execute(t, c, pathStatusCommand, single, "pwd", false)
	if got := waitStatus(t, c, pathStatusCommand, requestID).stdout; strings.TrimSpace(got) != `C:\` {
		t.Errorf("single-host pwd after cd = %q, want C:\\ (reset to the drive root)", got)
	}
	requestID, _ = execute(t, c, pathStatusCommand, single, "ls", false)
	if got := waitStatus(t, c, pathStatusCommand, requestID).stdout; strings.Contains(got, "notepad.exe") {
		t.Errorf("single-host ls after cd lists C:\\Windows:\n%s", got)
	}

	runBatch(t, c, pathBatchCommand, batchID, `cd C:\Windows`, nil)
	if got := runBatch(t, c, pathBatchCommand, batchID, "pwd", nil)[fin].Stdout; strings.TrimSpace(got) != `C:\Windows` {
		t.Errorf("batch pwd after cd = %q, want C:\\Windows (kept)", got)
	}
}

func TestExecuteStatusChunks(t *testing.T) {
	srv := startServer(t, "demo", Options{ChunkSize: 256})
	c := newClient(t, srv)
	sess := initSingle(t, c, "WIN-FIN-01", false)
	batchID, _ := initBatch(t, c, "WIN-FIN-01")
	want := runBatch(t, c, pathBatchCommand, batchID, "ps", nil)[aidOf(t, srv, "WIN-FIN-01")].Stdout
	if len(want) < 3*256 {
		t.Fatalf("ps output is %d bytes, too short to span chunks of 256", len(want))
	}

	requestID, _ := execute(t, c, pathStatusCommand, sess, "ps", false)
	got := waitStatus(t, c, pathStatusCommand, requestID)
	if got.stdout != want {
		t.Errorf("joined chunks differ from the whole output:\n got %q\nwant %q", got.stdout, want)
	}
	if wantChunks := (len(want) + 255) / 256; got.chunks < wantChunks-1 || got.chunks > wantChunks {
		t.Errorf("output came in %d chunks, want about %d", got.chunks, wantChunks)
	}
	// A sequence_id past the end answers complete with no output.
	var resp wireStatus
	c.expect(http.StatusOK, http.MethodGet, pathStatusCommand,
		url.Values{"cloud_request_id": {requestID}, "sequence_id": {"999"}}, nil, &resp)
	if r := resp.Resources[0]; !r.Complete || r.Stdout != "" {
		t.Errorf("status past the last chunk = %+v, want complete with no stdout", r)
	}
}

func TestSingleHostGetUploadsFile(t *testing.T) {
	srv := startServer(t, "demo", Options{UploadDelay: time.Millisecond})
	c := newClient(t, srv)
	sess := initSingle(t, c, "WIN-FIN-01", false)
	requestID, _ := execute(t, c, pathStatusResponder, sess, `get C:\Windows\notepad.exe`, false)
	waitStatus(t, c, pathStatusResponder, requestID)
	host := hostNamed(t, srv.Fleet(), "WIN-FIN-01")
	sum := host.Get(host.NewShell(), `C:\Windows\notepad.exe`).SHA256

	status, body, header := c.do(http.MethodGet, pathExtractedFile,
		url.Values{"session_id": {sess}, "sha256": {sum}}, nil)
	if status != http.StatusOK || header.Get("Content-Type") != "application/x-7z-compressed" {
		t.Fatalf("extracted file: status %d, type %q; body %.200s", status, header.Get("Content-Type"), body)
	}
	srv.mu.Lock()
	up := srv.uploads[uploadKey{sess, sum}]
	srv.mu.Unlock()
	if up == nil || up.cloudRequestID != requestID {
		t.Errorf("upload %+v, want one with cloud_request_id %s", up, requestID)
	}
}
