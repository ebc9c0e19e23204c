package rtr

// Field cases of the HTTP layer: failures that users of other Falcon
// clients have reported, each replayed against the emulator (package sim)
// with the value that rtrplay must produce as the assertion.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim"
)

const (
	pathAdminCommand = "/real-time-response/combined/batch-admin-command/v1"
	pathReadCommand  = "/real-time-response/combined/batch-command/v1"
)

// A 201 batch init marks a host with an empty session id and error 40401 as
// not connected, and a command that names only the connected hosts reaches
// only them.
func TestInitConnectsOnlyHostsWithSessions(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{})
	c := newTestClient(t, simConfig(srv))
	wire := recordWire(c)
	ctx := context.Background()

	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA, hostB, hostC}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	inits := simRequests(t, srv, http.MethodPost, pathBatchInit, 1)
	if len(inits) != 1 || inits[0].Status != http.StatusCreated {
		t.Fatalf("emulator batch inits = %+v, want one answered 201", inits)
	}
	tests := []struct {
		aid       string
		connected bool
		code      int
	}{
		{hostA, true, 0},
		{hostB, false, 40401},
		{hostC, true, 0},
	}
	for _, tt := range tests {
		got := init.Hosts[tt.aid]
		if got.Connected() != tt.connected {
			t.Errorf("host %s Connected() = %t, want %t (%+v)", tt.aid, got.Connected(), tt.connected, got)
		}
		if code := hostErrorCode(got); code != tt.code {
			t.Errorf("host %s error code = %d, want %d", tt.aid, code, tt.code)
		}
	}
	unreachable := init.Hosts[hostB]
	if unreachable.SessionID != "" {
		t.Errorf("unreachable host session id = %q, want empty", unreachable.SessionID)
	}
	if err := unreachable.Err(); err == nil || !strings.Contains(err.Error(), "Could not establish sensor comms") {
		t.Errorf("unreachable host error = %v, want Falcon's message", err)
	}

	connected := []string{hostA, hostC}
	hosts, err := c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{
		BatchID: init.BatchID, BaseCommand: "pwd", CommandString: "pwd", OptionalHosts: connected,
	})
	if err != nil {
		t.Fatalf("BatchCommand: %v", err)
	}
	sent := wire.to(http.MethodPost, pathReadCommand)
	if len(sent) != 1 {
		t.Fatalf("batch commands sent = %d, want 1", len(sent))
	}
	body := decodeBody(t, sent[0].Body)
	if got := body["optional_hosts"]; !slices.Equal(toStrings(got), connected) {
		t.Errorf("optional_hosts = %v, want %v", got, connected)
	}
	if got := sortedKeys(hosts); !slices.Equal(got, connected) {
		t.Errorf("command results for %v, want %v", got, connected)
	}
	for aid, r := range hosts {
		if !r.Complete || r.Err() != nil {
			t.Errorf("host %s = %+v, want complete without errors", aid, r)
		}
	}
}

// A batch init in which no host connects returns Falcon's 404 with every
// host's reason, queued hosts marked as queued, after a single request.
func TestInitWithNoHostIsReportedNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		queueOffline bool
		offlineCode  int
	}{
		{"without queueing", false, 40407},
		{"with queue_offline", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := launchSim(t, fieldFleet(t), sim.Options{})
			c := newTestClient(t, simConfig(srv))
			wire := recordWire(c)

			init, err := c.BatchInit(context.Background(), BatchInitRequest{
				HostIDs: []string{hostB, hostD}, QueueOffline: tt.queueOffline,
			})
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
				t.Fatalf("BatchInit error = %v, want HTTP 404", err)
			}
			if !apiErr.HasMessage("no successful hosts initialized on RTR") {
				t.Errorf("404 errors = %v, want Falcon's message", apiErr.Errors)
			}
			if got := len(wire.to(http.MethodPost, pathBatchInit)); got != 1 {
				t.Errorf("batch inits sent = %d, want 1", got)
			}
			if init == nil {
				t.Fatal("BatchInit returned no per-host results with the 404")
			}
			if init.BatchID != "" {
				t.Errorf("batch id = %q, want none", init.BatchID)
			}
			if code := hostErrorCode(init.Hosts[hostB]); code != 40401 {
				t.Errorf("unreachable host code = %d, want 40401", code)
			}
			offline := init.Hosts[hostD]
			if code := hostErrorCode(offline); code != tt.offlineCode {
				t.Errorf("offline host code = %d, want %d", code, tt.offlineCode)
			}
			if offline.OfflineQueued != tt.queueOffline {
				t.Errorf("offline host OfflineQueued = %t, want %t", offline.OfflineQueued, tt.queueOffline)
			}
		})
	}
}

// The request and host timeouts are sent as timeout=20 and
// host_timeout_duration=15s in the query string, never in the JSON body.
func TestTimeoutsTravelInTheQuery(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{})
	c := newTestClient(t, simConfig(srv))
	wire := recordWire(c)
	ctx := context.Background()
	const timeout, hostTimeout = 20 * time.Second, 15 * time.Second

	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}, Timeout: timeout, HostTimeout: hostTimeout})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	_, err = c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{
		BatchID: init.BatchID, BaseCommand: "pwd", CommandString: "pwd",
		Timeout: timeout, HostTimeout: hostTimeout,
	})
	if err != nil {
		t.Fatalf("BatchCommand: %v", err)
	}

	for _, path := range []string{pathBatchInit, pathReadCommand} {
		sent := wire.to(http.MethodPost, path)
		if len(sent) != 1 {
			t.Fatalf("requests to %s = %d, want 1", path, len(sent))
		}
		want := url.Values{"timeout": {"20"}, "host_timeout_duration": {"15s"}}
		if got := sent[0].Query; got.Encode() != want.Encode() {
			t.Errorf("%s query = %q, want %q", path, got.Encode(), want.Encode())
		}
		for _, key := range jsonKeys(t, sent[0].Body) {
			if strings.Contains(key, "timeout") {
				t.Errorf("%s body has %q, but timeouts belong in the query", path, key)
			}
		}
		if recs := simRequests(t, srv, http.MethodPost, path, 1); len(recs) != 1 || recs[0].Status != http.StatusCreated {
			t.Errorf("emulator requests to %s = %+v, want one answered 201", path, recs)
		}
	}
}

// A timeout above 5 minutes or not in whole seconds, or a host timeout not
// below the request timeout, fails before anything is sent, with a message
// naming the value and the limit.
func TestTimeoutsOutsideLimitsNeverSent(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{})
	c := newTestClient(t, simConfig(srv))
	wire := recordWire(c)
	init, err := c.BatchInit(context.Background(), BatchInitRequest{HostIDs: []string{hostA}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	tests := []struct {
		name        string
		timeout     time.Duration
		hostTimeout time.Duration
		want        []string
	}{
		{"timeout 600s", 600 * time.Second, 0, []string{"invalid timeout 10m0s", "5m0s"}},
		{"fractional timeout", 1500 * time.Millisecond, 0, []string{"invalid timeout 1.5s", "whole seconds"}},
		{"host timeout above timeout", 20 * time.Second, 25 * time.Second,
			[]string{"invalid host timeout 25s", "below the request timeout 20s"}},
		{"host timeout equal to timeout", 20 * time.Second, 20 * time.Second,
			[]string{"invalid host timeout 20s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.BatchCommand(context.Background(), ReadOnly, BatchCommandRequest{
				BatchID: init.BatchID, BaseCommand: "pwd", CommandString: "pwd",
				Timeout: tt.timeout, HostTimeout: tt.hostTimeout,
			})
			if err == nil || !containsAll(err.Error(), tt.want...) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if sent := wire.to(http.MethodPost, pathReadCommand); len(sent) != 0 {
		t.Errorf("batch commands sent = %d, want none", len(sent))
	}
}

// A command whose response is lost after Falcon ran it, or cut off by the
// caller's deadline, is sent once and fails with ErrOutcomeUnknown, and the
// session log shows whether it ran.
func TestLostCommandResponseIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		faults   string
		deadline time.Duration // the caller's deadline; 0 for none
		fault    string        // the emulator's label of the injected fault
		ran      bool
	}{
		{"connection dropped after the command ran", "drop-after:1@" + pathAdminCommand, 0, "drop-after", true},
		{"503 after the command ran", "503-after:1@" + pathAdminCommand, 0, "503-after", true},
		{"caller deadline before the slow response", "latency:5s@" + pathAdminCommand, 300 * time.Millisecond, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			faults, err := sim.ParseFaults(tt.faults)
			if err != nil {
				t.Fatal(err)
			}
			srv := launchSim(t, fieldFleet(t), sim.Options{Faults: faults})
			c := newTestClient(t, simConfig(srv))
			wire := recordWire(c)
			ctx := context.Background()
			init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}})
			if err != nil {
				t.Fatalf("BatchInit: %v", err)
			}

			cmdCtx := ctx
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				cmdCtx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			const command = "runscript -Raw=```Write-Output once```"
			_, err = c.BatchCommand(cmdCtx, Admin, BatchCommandRequest{
				BatchID: init.BatchID, BaseCommand: "runscript", CommandString: command,
			})
			if !errors.Is(err, ErrOutcomeUnknown) {
				t.Fatalf("BatchCommand error = %v, want ErrOutcomeUnknown", err)
			}
			if got := len(wire.to(http.MethodPost, pathAdminCommand)); got != 1 {
				t.Errorf("admin commands sent = %d, want exactly 1", got)
			}
			recs := simRequests(t, srv, http.MethodPost, pathAdminCommand, 1)
			if len(recs) != 1 || recs[0].Fault != tt.fault {
				t.Errorf("emulator admin requests = %+v, want one with fault %q", recs, tt.fault)
			}
			wantRuns := 0
			if tt.ran {
				wantRuns = 1
			}
			if got := len(simCommands(srv, pathAdminCommand)); got != wantRuns {
				t.Errorf("emulator command log has %d admin commands, want %d", got, wantRuns)
			}

			sessionID := init.Hosts[hostA].SessionID
			logs, err := c.SessionLogs(ctx, []string{sessionID})
			if err != nil {
				t.Fatalf("SessionLogs: %v", err)
			}
			runs := 0
			for _, l := range logs[sessionID] {
				if l.CommandString == command {
					runs++
				}
			}
			if runs != wantRuns {
				t.Errorf("session log shows the command %d times, want %d", runs, wantRuns)
			}
		})
	}
}

// A batch command with timeout=1 whose response takes 1.5 s still gets its
// result, because the HTTP deadline outlasts the server-side timeout.
func TestSlowCommandResponseIsAwaited(t *testing.T) {
	t.Parallel()
	faults, err := sim.ParseFaults("latency:1500ms@" + pathAdminCommand)
	if err != nil {
		t.Fatal(err)
	}
	srv := launchSim(t, fieldFleet(t), sim.Options{Faults: faults})
	c := newTestClient(t, simConfig(srv))
	ctx := context.Background()
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}

	start := time.Now()
	hosts, err := c.BatchCommand(ctx, Admin, BatchCommandRequest{
		BatchID: init.BatchID, BaseCommand: "runscript",
		CommandString: "runscript -Raw=```Write-Output slow```", Timeout: time.Second,
	})
	took := time.Since(start)
	if err != nil {
		t.Fatalf("BatchCommand: %v", err)
	}
	if got := hosts[hostA]; !got.Complete || strings.TrimSpace(got.Stdout) != "slow" {
		t.Errorf("result = %+v, want complete with stdout slow", got)
	}
	if took < 1500*time.Millisecond {
		t.Errorf("command took %s, want at least the injected 1.5 s", took)
	}
	if got := len(simCommands(srv, pathAdminCommand)); got != 1 {
		t.Errorf("emulator ran the command %d times, want 1", got)
	}
}

// Deleting an expired session gets 400 "could not find session" once, and
// DeleteSession reports success because the session is closed.
func TestDeleteOfExpiredSessionSucceeds(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{SessionTTL: 200 * time.Millisecond})
	c := newTestClient(t, simConfig(srv))
	ctx := context.Background()
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	time.Sleep(400 * time.Millisecond)

	if err := c.DeleteSession(ctx, init.Hosts[hostA].SessionID); err != nil {
		t.Errorf("DeleteSession of an expired session: %v, want nil", err)
	}
	var statuses []int
	for _, rec := range simRequests(t, srv, http.MethodDelete, pathSessions, 1) {
		statuses = append(statuses, rec.Status)
	}
	if want := []int{http.StatusBadRequest}; !slices.Equal(statuses, want) {
		t.Errorf("delete statuses = %v, want %v", statuses, want)
	}
}

// The batch init body carries queue_offline exactly as given, false included,
// and the emulator reads every field of it and queues or rejects the offline
// host to match.
func TestQueueOfflineSentAsGiven(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		queue    bool
		wantBody string
		wantCode int
	}{
		{"true", true, `{"host_ids":["` + hostA + `","` + hostD + `"],"queue_offline":true}`, 0},
		{"explicit false", false, `{"host_ids":["` + hostA + `","` + hostD + `"],"queue_offline":false}`, 40407},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := newLogSink()
			srv := launchSim(t, fieldFleet(t), sim.Options{Logger: slog.New(logs)})
			c := newTestClient(t, simConfig(srv))
			wire := recordWire(c)

			init, err := c.BatchInit(context.Background(), BatchInitRequest{
				HostIDs: []string{hostA, hostD}, QueueOffline: tt.queue,
			})
			if err != nil {
				t.Fatalf("BatchInit: %v", err)
			}
			sent := wire.to(http.MethodPost, pathBatchInit)
			if len(sent) != 1 || string(sent[0].Body) != tt.wantBody {
				t.Fatalf("batch init bodies = %q, want exactly %s", bodies(sent), tt.wantBody)
			}
			offline := init.Hosts[hostD]
			if offline.OfflineQueued != tt.queue {
				t.Errorf("offline host OfflineQueued = %t, want %t", offline.OfflineQueued, tt.queue)
			}
			if code := hostErrorCode(offline); code != tt.wantCode {
				t.Errorf("offline host error code = %d, want %d", code, tt.wantCode)
			}
			if ignored := logs.withMessage(msgIgnoredFields); len(ignored) != 0 {
				t.Errorf("emulator ignored body fields: %v", ignored)
			}
		})
	}
}

// msgIgnoredFields is the emulator's debug message for request body fields
// that it does not read, as the live API silently ignores them.
const msgIgnoredFields = "ignored unknown request body fields"

// An empty -CommandLine="" in the command string and persist_all false reach
// Falcon as given.
func TestEmptyAndFalseValuesSentAsGiven(t *testing.T) {
	t.Parallel()
	logs := newLogSink()
	srv := launchSim(t, fieldFleet(t), sim.Options{Logger: slog.New(logs)})
	c := newTestClient(t, simConfig(srv))
	wire := recordWire(c)
	ctx := context.Background()
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}

	const command = "runscript -Raw=```Write-Output collected``` -CommandLine=\"\""
	hosts, err := c.BatchCommand(ctx, Admin, BatchCommandRequest{
		BatchID: init.BatchID, BaseCommand: "runscript", CommandString: command, PersistAll: false,
	})
	if err != nil {
		t.Fatalf("BatchCommand: %v", err)
	}
	if got := strings.TrimSpace(hosts[hostA].Stdout); got != "collected" {
		t.Errorf("stdout = %q, want collected", got)
	}
	sent := wire.to(http.MethodPost, pathAdminCommand)
	if len(sent) != 1 {
		t.Fatalf("admin commands sent = %d, want 1", len(sent))
	}
	body := decodeBody(t, sent[0].Body)
	if got, ok := body["persist_all"]; !ok || got != false {
		t.Errorf("persist_all = %v (present %t), want an explicit false", got, ok)
	}
	if got := body["command_string"]; got != command {
		t.Errorf("command_string = %q, want %q", got, command)
	}
	ran := simCommands(srv, pathAdminCommand)
	if len(ran) != 1 || ran[0].CommandString != command {
		t.Errorf("emulator command log = %+v, want one entry with %q", ran, command)
	}
	if ignored := logs.withMessage(msgIgnoredFields); len(ignored) != 0 {
		t.Errorf("emulator ignored body fields: %v", ignored)
	}
}

func bodies(reqs []wireRequest) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = string(r.Body)
	}
	return out
}

// Command stdout keeps é, ®, CJK text, NUL and UTF-16LE bytes intact, and the
// invalid UTF-8 that JSON cannot carry arrives as one U+FFFD per bad byte
// instead of failing the decode.
func TestStdoutTextSurvivesDecoding(t *testing.T) {
	t.Parallel()
	files := []struct {
		name    string
		path    string
		content []byte
		want    string
	}{
		{"accents, symbols and CJK", `C:\Evidence\names.txt`, []byte("café ® 東京 데이터"), "café ® 東京 데이터"},
		{"embedded NUL", `C:\Evidence\nul.txt`, []byte("before\x00after"), "before\x00after"},
		{"UTF-16LE text", `C:\Evidence\utf16.txt`, []byte("H\x00i\x00"), "H\x00i\x00"},
		{"invalid UTF-8", `C:\Evidence\invalid.txt`, []byte("ok\xff\xfe!"), "ok\uFFFD\uFFFD!"},
	}
	host := fleetHost{Hostname: "WIN-FIELD-01", Platform: "windows", AID: hostA}
	for _, f := range files {
		host.Files = append(host.Files, withBytes(f.path, f.content))
	}
	srv := launchSim(t, loadFleet(t, host), sim.Options{})
	c := newTestClient(t, simConfig(srv))
	ctx := context.Background()
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			hosts, err := c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{
				BatchID: init.BatchID, BaseCommand: "cat", CommandString: "cat " + f.path,
			})
			if err != nil {
				t.Fatalf("BatchCommand cat: %v", err)
			}
			if got := hosts[hostA].Stdout; got != f.want {
				t.Errorf("stdout = %q, want %q", got, f.want)
			}
		})
	}

	t.Run("JSON escapes", func(t *testing.T) {
		var r HostResult
		body := `{"stdout":"caf\u00e9 \u00ae \u6771\u4eac\u0000!"}`
		if err := r.UnmarshalJSON([]byte(body)); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		if want := "café ® 東京\x00!"; r.Stdout != want {
			t.Errorf("stdout = %q, want %q", r.Stdout, want)
		}
	})
}

// A download whose connection breaks partway fails with a byte count below
// Content-Length, so that the caller discards the partial archive, and a
// second call gets it whole.
func TestDownloadCutPartwayFails(t *testing.T) {
	t.Parallel()
	const size = 1 << 20
	fl := loadFleet(t, fleetHost{Hostname: "WIN-FIELD-01", Platform: "windows", AID: hostA, Base: ptr(false),
		Files: []fleetFile{{Path: `C:\Evidence\memory.bin`, Size: ptr(int64(size))}}})
	srv := launchSim(t, fl, sim.Options{})
	target, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := startCuttingProxy(t, target.Host, 256<<10)
	cfg := simConfig(srv)
	cfg.BaseURL = proxy.URL()
	c := newTestClient(t, cfg)
	wire := recordWire(c)
	file := fetchUpload(t, c, `C:\Evidence\memory.bin`)

	var partial bytes.Buffer
	n, err := c.DownloadFile(context.Background(), file.SessionID, file.SHA256, "memory.bin", &partial)
	if err == nil {
		t.Fatalf("DownloadFile over a connection cut after 256 KiB succeeded with %d bytes, want an error", n)
	}
	if !proxy.wasCut() {
		t.Fatal("the proxy never cut a connection; the test did not exercise a broken download")
	}
	if n >= size || int64(partial.Len()) != n {
		t.Errorf("DownloadFile wrote %d bytes and returned n = %d, want the same count below %d", partial.Len(), n, size)
	}
	if !strings.Contains(err.Error(), "failed after") {
		t.Errorf("error = %v, want it to name the bytes received", err)
	}
	if got := len(wire.to(http.MethodGet, pathFileContents)); got != 1 {
		t.Errorf("downloads sent = %d, want 1: bytes already streamed cannot be taken back", got)
	}

	archive := filepath.Join(t.TempDir(), "memory.bin.7z")
	out, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DownloadFile(context.Background(), file.SessionID, file.SHA256, "memory.bin", out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("second DownloadFile: %v", err)
	}
	member, err := ExtractArchive(archive, ArchivePassword, &bytes.Buffer{}, size+1)
	if err != nil {
		t.Fatalf("ExtractArchive: %v", err)
	}
	if member.Size != size || member.SHA256 != file.SHA256 {
		t.Errorf("member = %d bytes with sha256 %s, want %d bytes with %s", member.Size, member.SHA256, size, file.SHA256)
	}
}

// A download whose response is lost on every attempt is retried, because a GET
// changes nothing on the hosts, and then fails without writing a byte.
func TestDownloadWithLostResponsesWritesNothing(t *testing.T) {
	t.Parallel()
	faults, err := sim.ParseFaults("drop-after:1@" + pathFileContents)
	if err != nil {
		t.Fatal(err)
	}
	fl := loadFleet(t, fleetHost{Hostname: "WIN-FIELD-01", Platform: "windows", AID: hostA, Base: ptr(false),
		Files: []fleetFile{{Path: `C:\Evidence\memory.bin`, Size: ptr(int64(64 << 10))}}})
	srv := launchSim(t, fl, sim.Options{Faults: faults})
	c := newTestClient(t, simConfig(srv))
	wire := recordWire(c)
	file := fetchUpload(t, c, `C:\Evidence\memory.bin`)

	var dst bytes.Buffer
	n, err := c.DownloadFile(context.Background(), file.SessionID, file.SHA256, "memory.bin", &dst)
	if err == nil {
		t.Fatal("DownloadFile succeeded although every response was dropped")
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("error = %v, want a plain failure: a download changes nothing on the hosts", err)
	}
	if n != 0 || dst.Len() != 0 {
		t.Errorf("DownloadFile wrote %d bytes (n = %d), want none", dst.Len(), n)
	}
	if got := len(wire.to(http.MethodGet, pathFileContents)); got != c.retry.maxAttempts {
		t.Errorf("downloads sent = %d, want %d attempts", got, c.retry.maxAttempts)
	}
	recs := simRequests(t, srv, http.MethodGet, pathFileContents, c.retry.maxAttempts)
	if len(recs) != c.retry.maxAttempts {
		t.Errorf("emulator logged %d downloads, want %d", len(recs), c.retry.maxAttempts)
	}
	for _, rec := range recs {
		if rec.Fault != "drop-after" || rec.HandlerStatus != http.StatusOK {
			t.Errorf("emulator download record = %+v, want a drop-after of a 200", rec)
		}
	}
}

// fetchUpload runs a batch get of path on hostA and waits for the upload.
func fetchUpload(t *testing.T, c *Client, path string) File {
	t.Helper()
	ctx := context.Background()
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	reqID, hosts, err := c.BatchGet(ctx, BatchGetRequest{BatchID: init.BatchID, FilePath: path})
	if err != nil {
		t.Fatalf("BatchGet: %v", err)
	}
	if err := hosts[hostA].Err(); err != nil {
		t.Fatalf("BatchGet on %s: %v", hostA, err)
	}
	return waitForUpload(t, c, reqID, hostA)
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, _ := item.(string)
		out = append(out, s)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
