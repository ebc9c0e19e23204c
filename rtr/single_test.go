package rtr

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rtrplay/rtrplay/sim"
)

func TestSimSingleHostSession(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	fin := simHostID(t, srv, "WIN-FIN-01")

	init, err := c.InitSession(ctx, InitSessionRequest{HostID: fin, Origin: "rtrplay test"})
	if err != nil {
		t.Fatalf("InitSession: %v", err)
	}
	if !init.Connected() || !uuidPattern.MatchString(init.SessionID) {
		t.Fatalf("init = %+v, want a connected host with a session UUID", init.HostResult)
	}
	if init.AID != fin || init.Platform != PlatformWindows || init.Pwd != `C:\` {
		t.Errorf("aid, platform, pwd = %s, %s, %q; want %s, windows, C:\\", init.AID, init.Platform, init.Pwd, fin)
	}
	if init.CreatedAt.IsZero() || init.ExistingAIDSessions != 1 {
		t.Errorf("created at %v, existing sessions %d; want a time and 1", init.CreatedAt, init.ExistingAIDSessions)
	}
	if !slices.ContainsFunc(init.Commands, func(h CommandHelp) bool { return h.Command == "runscript" }) {
		t.Errorf("commands %v lack runscript", init.Commands)
	}

	tests := []struct {
		name       string
		tier       Tier
		command    string
		wantStdout string // a part of the output
		exact      bool   // wantStdout is the whole output, spaces trimmed
		wantCode   int    // a per-host error code instead of output
	}{
		{name: "read-only ls", tier: ReadOnly, command: `ls C:\Windows`, wantStdout: "notepad.exe"},
		{name: "cd does not carry over", tier: ReadOnly, command: "pwd", wantStdout: `C:\`, exact: true},
		{name: "active-responder mkdir", tier: ActiveResponder, command: `mkdir C:\Temp\rtrplay`, wantStdout: "rtrplay"},
		{name: "admin runscript raw", tier: Admin, command: "runscript -Raw=```Write-Output rtrplay-single```",
			wantStdout: "rtrplay-single"},
		{name: "rm at read-only", tier: ReadOnly, command: `rm C:\Windows\notepad.exe`, wantCode: 40007},
		{name: "raw at active-responder", tier: ActiveResponder, command: "runscript -Raw=```ls```", wantCode: 40014},
	}
	// A cd first, so that the pwd case shows that the working directory
	// is reset before each single-host command.
	if _, err := c.Execute(ctx, ReadOnly, ExecuteRequest{SessionID: init.SessionID,
		BaseCommand: "cd", CommandString: `cd C:\Windows`}); err != nil {
		t.Fatalf("Execute cd: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := strings.Fields(tt.command)[0]
			got, err := c.Execute(ctx, tt.tier, ExecuteRequest{
				SessionID: init.SessionID, HostID: fin, BaseCommand: base, CommandString: tt.command,
			})
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if tt.wantCode != 0 {
				if codes := hostErrorCodes(got); !slices.Contains(codes, tt.wantCode) {
					t.Errorf("per-host codes = %v, want %d", codes, tt.wantCode)
				}
				return
			}
			if got.AID != fin || got.SessionID != init.SessionID || !uuidPattern.MatchString(got.TaskID) {
				t.Fatalf("result = %+v, want the host, the session and a task UUID", got)
			}
			if got.OfflineQueued {
				t.Errorf("offline queued for an online host")
			}
			status := pollCommandStatus(t, c, tt.tier, got.TaskID)
			if tt.exact && strings.TrimSpace(status.Stdout) != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", status.Stdout, tt.wantStdout)
			}
			if !strings.Contains(status.Stdout, tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", status.Stdout, tt.wantStdout)
			}
			if status.TaskID != got.TaskID || status.BaseCommand != base {
				t.Errorf("status task, base = %s, %s; want %s, %s", status.TaskID, status.BaseCommand, got.TaskID, base)
			}
		})
	}

	pulse, err := c.PulseSession(ctx, fin, false)
	if err != nil {
		t.Fatalf("PulseSession: %v", err)
	}
	if pulse.SessionID != init.SessionID || len(pulse.PreviousCommands) == 0 {
		t.Errorf("pulse = session %s with %d previous commands; want %s with the commands run",
			pulse.SessionID, len(pulse.PreviousCommands), init.SessionID)
	}

	if err := c.DeleteSession(ctx, init.SessionID); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	closed, err := c.Execute(ctx, ReadOnly, ExecuteRequest{SessionID: init.SessionID, BaseCommand: "ls", CommandString: "ls"})
	if err != nil {
		t.Fatalf("Execute on a closed session: %v", err)
	}
	if codes := hostErrorCodes(closed); !slices.Equal(codes, []int{50007}) {
		t.Errorf("closed session codes = %v, want [50007]", codes)
	}
	_, err = c.PulseSession(ctx, fin, false)
	if apiStatus(err) != http.StatusBadRequest {
		t.Errorf("pulse without a session: error %v, want HTTP 400", err)
	}
}

func TestSimSingleHostQueued(t *testing.T) {
	srv, c := startSim(t, "degraded", sim.Options{})
	ctx := context.Background()
	offline := simHostID(t, srv, "WIN-HR-02")
	unreachable := simHostID(t, srv, "WIN-DC-01")

	inits := []struct {
		name       string
		req        InitSessionRequest
		wantCodes  []int
		wantQueued bool
	}{
		{name: "offline without queue", req: InitSessionRequest{HostID: offline}, wantCodes: []int{40407}},
		{name: "unreachable", req: InitSessionRequest{HostID: unreachable, QueueOffline: true}, wantCodes: []int{40401}},
		{name: "offline queued", req: InitSessionRequest{HostID: offline, QueueOffline: true}, wantQueued: true},
	}
	var queuedSession string
	for _, tt := range inits {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.InitSession(ctx, tt.req)
			if err != nil {
				t.Fatalf("InitSession: %v", err)
			}
			if codes := hostErrorCodes(got.HostResult); !slices.Equal(codes, tt.wantCodes) {
				t.Errorf("per-host codes = %v, want %v", codes, tt.wantCodes)
			}
			if got.AID != tt.req.HostID || got.OfflineQueued != tt.wantQueued {
				t.Errorf("aid, offline queued = %s, %v; want %s, %v", got.AID, got.OfflineQueued, tt.req.HostID, tt.wantQueued)
			}
			if tt.wantQueued {
				queuedSession = got.SessionID
			}
		})
	}
	if queuedSession == "" {
		t.Fatal("no queued session to send commands to")
	}

	// queued_command_offline fills OfflineQueued, as offline_queued does
	// in batch results.
	var taskIDs []string
	for _, command := range []string{"ls", "ps"} {
		got, err := c.Execute(ctx, ReadOnly, ExecuteRequest{SessionID: queuedSession, BaseCommand: command,
			CommandString: command, Persist: true})
		if err != nil {
			t.Fatalf("Execute %s: %v", command, err)
		}
		if !got.OfflineQueued || got.TaskID == "" {
			t.Fatalf("Execute %s = %+v, want queued with a task id", command, got)
		}
		taskIDs = append(taskIDs, got.TaskID)
	}
	if err := c.CancelQueuedCommand(ctx, queuedSession, taskIDs[1]); err != nil {
		t.Fatalf("CancelQueuedCommand: %v", err)
	}
	err := c.CancelQueuedCommand(ctx, queuedSession, taskIDs[1])
	if apiStatus(err) != http.StatusBadRequest {
		t.Errorf("second cancel: error %v, want HTTP 400", err)
	}

	queues, err := c.QueuedSessions(ctx, []string{queuedSession})
	if err != nil {
		t.Fatalf("QueuedSessions: %v", err)
	}
	if len(queues) != 1 || queues[0].ID != queuedSession || queues[0].AID != offline {
		t.Fatalf("queues = %+v, want the queued session of WIN-HR-02", queues)
	}
	q := queues[0]
	if q.Status != QueuePending || q.CreatedAt.IsZero() {
		t.Errorf("queue status %s, created %v; want PENDING and a time", q.Status, q.CreatedAt)
	}
	wantCommands := []struct {
		id, command string
		status      QueueStatus
		deleted     bool
	}{
		{taskIDs[0], "ls", QueuePending, false},
		{taskIDs[1], "ps", QueueCanceled, true},
	}
	if len(q.Commands) != len(wantCommands) {
		t.Fatalf("queued commands = %+v, want %d", q.Commands, len(wantCommands))
	}
	for i, want := range wantCommands {
		got := q.Commands[i]
		if got.CloudRequestID != want.id || got.CommandString != want.command || got.Status != want.status {
			t.Errorf("command %d = %s %q %s, want %s %q %s", i, got.CloudRequestID, got.CommandString,
				got.Status, want.id, want.command, want.status)
		}
		if got.DeletedAt.IsZero() == want.deleted {
			t.Errorf("command %d deleted at %v, want deleted %v", i, got.DeletedAt, want.deleted)
		}
	}

	// An unknown session is absent, not an error.
	none, err := c.QueuedSessions(ctx, []string{"5e550000-0000-4000-8000-000000000009"})
	if err != nil || len(none) != 0 {
		t.Errorf("QueuedSessions of an unknown id = %v, %v; want none and no error", none, err)
	}
}

func TestSingleHostWireFormat(t *testing.T) {
	f := newFakeFalcon(t)
	c := newTestClient(t, f.config())
	f.handle("POST "+pathSessions, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, okBody(map[string]any{"resources": []any{map[string]any{
			"session_id": "5e550000-0000-4000-8000-000000000001", "device_id": hostA,
			"created_at": "2026-01-02T03:04:05Z", "offline_queued": false, "pwd": `C:\`,
			"platform": "windows", "scripts": []any{}, "existing_aid_sessions": 1,
		}}}))
	})
	f.handle("POST /real-time-response/entities/admin-command/v1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, okBody(map[string]any{"resources": []any{map[string]any{
			"session_id":       "5e550000-0000-4000-8000-000000000001",
			"cloud_request_id": "7a5c0000-0000-4000-8000-000000000001", "queued_command_offline": true,
		}}}))
	})
	ctx := context.Background()
	if _, err := c.InitSession(ctx, InitSessionRequest{HostID: hostA, Timeout: 20e9}); err != nil {
		t.Fatalf("InitSession: %v", err)
	}
	got, err := c.Execute(ctx, Admin, ExecuteRequest{SessionID: "5e550000-0000-4000-8000-000000000001",
		BaseCommand: "runscript", CommandString: `runscript -CloudFile="Collector" -CommandLine=""`})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if got.TaskID != "7a5c0000-0000-4000-8000-000000000001" || !got.OfflineQueued {
		t.Errorf("result = %+v, want cloud_request_id as TaskID and queued_command_offline as OfflineQueued", got)
	}

	init := f.requestsTo("POST " + pathSessions)
	if len(init) != 1 {
		t.Fatalf("init requests = %d, want 1", len(init))
	}
	if q := init[0].Query.Get("timeout"); q != "20" {
		t.Errorf("timeout query = %q, want 20", q)
	}
	body := decodeBody(t, init[0].Body)
	wantInit := map[string]any{"device_id": hostA, "queue_offline": false, "origin": ""}
	for k, v := range wantInit {
		if body[k] != v {
			t.Errorf("init body %s = %v, want %v (explicit false and empty strings are sent)", k, body[k], v)
		}
	}
	exec := decodeBody(t, f.requestsTo("POST /real-time-response/entities/admin-command/v1")[0].Body)
	if exec["persist"] != false || exec["command_string"] != `runscript -CloudFile="Collector" -CommandLine=""` {
		t.Errorf("execute body = %v, want persist false and the command string unchanged", exec)
	}
	if _, ok := exec["device_id"]; ok {
		t.Errorf("execute body has device_id without a HostID: %v", exec)
	}
}
