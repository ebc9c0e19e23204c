package sim

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// The fleetcases test files reproduce failures that users of RTR tools
// have reported and that come from how hosts behave. They cover queued
// commands on offline hosts, slow scripts, paths with spaces, the working
// directory, large files, empty flag values and mixed platforms. Each test
// sets its hosts up with the fleet file below, drives the emulator over
// HTTP and checks the exact values that a client receives.

// fleetCasesFile is the fleet of these tests, with fixed agent ids.
const fleetCasesFile = "testdata/fleetcases.json"

// Hosts of fleetCasesFile.
const (
	// caseWin has the vendor log under a path with spaces, C:\Temp\Work,
	// run.cmd with "C:\Temp\a b.txt", and C:\Tools\slow.ps1, a script
	// that sleeps 1.5 s and prints "scan done".
	caseWin = "fc000000000000000000000000000001"
	// caseWin2 is a second Windows host with run.cmd and "a b.txt".
	caseWin2 = "fc000000000000000000000000000002"
	// caseMac is an online macOS host with /Users/Shared/run.sh and
	// "/Users/Shared/a b.txt".
	caseMac = "fc000000000000000000000000000003"
	// caseOffline is an offline Windows host.
	caseOffline = "fc000000000000000000000000000004"
	// caseEvidence holds C:\Evidence\disk.raw (256 MiB) and
	// C:\Evidence\small.raw (64 MiB), both of generated content.
	caseEvidence = "fc000000000000000000000000000005"
)

// slowScriptTime is how long C:\Tools\slow.ps1 on caseWin runs.
const slowScriptTime = 1500 * time.Millisecond

// startCaseServer starts an emulator for fleetCasesFile with opts and
// closes it when the test ends. Every response is checked against the API
// reference, as startServer does.
func startCaseServer(t *testing.T, opts Options) *Server {
	t.Helper()
	f, err := fleet.Load(fleetCasesFile)
	if err != nil {
		t.Fatalf("fleet.Load(%s): %v", fleetCasesFile, err)
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

// sendBatch sends a batch command with the given persist_all and query and
// returns the per-host entries.
func sendBatch(t *testing.T, c *apiClient, path, batchID, command string, persistAll bool, query url.Values) map[string]wireHost {
	t.Helper()
	var resp wireBatchCommand
	c.expect(http.StatusCreated, http.MethodPost, path, query, map[string]any{
		"base_command": baseOf(command), "command_string": command, "batch_id": batchID,
		"persist_all": persistAll,
	}, &resp)
	return resp.Combined.Resources
}

// baseOf returns the first word of a command string.
func baseOf(command string) string {
	for i, r := range command {
		if r == ' ' {
			return command[:i]
		}
	}
	return command
}

// commandsFor returns the command strings that host aid received.
func commandsFor(srv *Server, aid string) []string {
	var got []string
	for _, rec := range srv.Commands() {
		if rec.AID == aid {
			got = append(got, rec.CommandString)
		}
	}
	return got
}

// checkDone checks that a host's entry is complete with no errors and
// the given stdout and stderr.
func checkDone(t *testing.T, label string, got wireHost, stdout, stderr string) {
	t.Helper()
	if !got.Complete || len(got.Errors) != 0 {
		t.Fatalf("%s: complete %v, errors %+v; want complete with no errors", label, got.Complete, got.Errors)
	}
	if got.Stdout != stdout {
		t.Errorf("%s: stdout %q, want %q", label, got.Stdout, stdout)
	}
	if got.Stderr != stderr {
		t.Errorf("%s: stderr %q, want %q", label, got.Stderr, stderr)
	}
}

// R5: with queue_offline at init and persist_all on the command, an
// offline host's entry is offline_queued with no output and no error. The
// command waits in the session's queue and never reaches the host while
// it is offline, so there is no output to collect.
func TestOfflineQueuedCommandHasNoOutput(t *testing.T) {
	srv := startCaseServer(t, Options{})
	c := newClient(t, srv)
	batchID, hosts := openBatch(t, c, true, caseWin, caseOffline)
	if init := hosts[caseOffline]; !init.OfflineQueued || len(init.Errors) != 0 {
		t.Fatalf("init entry of the offline host = %+v, want offline_queued and no errors", init)
	}

	const command = `ls C:\`
	got := sendBatch(t, c, pathBatchCommand, batchID, command, true, nil)
	queued := got[caseOffline]
	if !queued.OfflineQueued || queued.Complete {
		t.Errorf("offline host offline_queued %v, complete %v; want true and false", queued.OfflineQueued, queued.Complete)
	}
	if queued.Stdout != "" || queued.Stderr != "" {
		t.Errorf("offline host stdout %q, stderr %q; want both empty", queued.Stdout, queued.Stderr)
	}
	if queued.Errors == nil || len(queued.Errors) != 0 {
		t.Errorf("offline host errors = %#v, want an empty list", queued.Errors)
	}
	if queued.SessionID != hosts[caseOffline].SessionID {
		t.Errorf("offline host session_id = %q, want the init's %q", queued.SessionID, hosts[caseOffline].SessionID)
	}
	if !isUUID(queued.TaskID) {
		t.Errorf("queued task_id = %q, want a UUID", queued.TaskID)
	}
	if online := got[caseWin]; !online.Complete || online.OfflineQueued || online.Stdout == "" {
		t.Errorf("online host entry = %+v, want complete output, not queued", online)
	}
	if cmds := commandsFor(srv, caseOffline); len(cmds) != 0 {
		t.Errorf("offline host received %q while offline, want nothing", cmds)
	}

	// Without persist_all the same host is rejected, not queued.
	again := sendBatch(t, c, pathBatchCommand, batchID, command, false, nil)[caseOffline]
	checkOneError(t, "offline host without persist_all", again.Errors, 40407, "Sensor appears to be offline")
}

// R7: a script that runs past the request's wait comes back
// complete:false with a task_id, and the status call then returns its
// output in sequence_id chunks that join to the whole. With
// Options.HostTimeoutError the host's entry is the 50401 error instead,
// still with its task_id.
func TestLongScriptPastRequestWait(t *testing.T) {
	const chunk = 16
	// The script sleeps well past the 200ms wait, so that a loaded machine
	// cannot make the batch call return after the script ended.
	script := "runscript -Timeout=600 -Raw=```Start-Sleep -Milliseconds 3000\n" +
		"Write-Output 'scan line 01'\nWrite-Output 'scan line 02'\nWrite-Output 'scan line 03'```"
	const wantStdout = "scan line 01\nscan line 02\nscan line 03\n"

	t.Run("request wait", func(t *testing.T) {
		srv := startCaseServer(t, Options{ChunkSize: chunk})
		c := newClient(t, srv)
		batchID, _ := openBatch(t, c, false, caseWin)
		start := time.Now()
		got := sendBatch(t, c, pathBatchAdmin, batchID, script, false, url.Values{"timeout_duration": {"200ms"}})[caseWin]
		if waited := time.Since(start); waited < 200*time.Millisecond || waited >= 3*time.Second {
			t.Errorf("batch call returned after %v, want at the 200ms wait, before the 3s script ends", waited)
		}
		if got.Complete || got.Stdout != "" || len(got.Errors) != 0 {
			t.Errorf("entry = %+v, want complete:false, no output and no errors", got)
		}
		if !isUUID(got.TaskID) {
			t.Fatalf("task_id = %q, want a UUID to poll", got.TaskID)
		}
		status := waitStatus(t, c, pathStatusAdmin, got.TaskID)
		if status.stdout != wantStdout {
			t.Errorf("joined status stdout %q, want %q", status.stdout, wantStdout)
		}
		if status.stderr != "" {
			t.Errorf("status stderr %q, want none", status.stderr)
		}
		if wantChunks := (len(wantStdout) + chunk - 1) / chunk; status.chunks != wantChunks {
			t.Errorf("output came in %d chunks, want %d", status.chunks, wantChunks)
		}
		if status.taskID != got.TaskID {
			t.Errorf("status task_id %q, want %q", status.taskID, got.TaskID)
		}
		if status.base != "runscript" {
			t.Errorf("status base_command %q, want runscript", status.base)
		}
	})

	t.Run("host wait exhausted", func(t *testing.T) {
		srv := startCaseServer(t, Options{HostTimeoutError: true})
		c := newClient(t, srv)
		batchID, _ := openBatch(t, c, false, caseWin, caseWin2)
		query := url.Values{"timeout": {"5"}, "host_timeout_duration": {"200ms"}}
		got := sendBatch(t, c, pathBatchAdmin, batchID, script, false, query)
		for _, aid := range []string{caseWin, caseWin2} {
			checkOneError(t, "slow host "+aid, got[aid].Errors, 50401, "Exceeded maximum timeout")
			if got[aid].Complete || got[aid].Stdout != "" {
				t.Errorf("slow host %s entry = %+v, want complete:false and no output", aid, got[aid])
			}
			if !isUUID(got[aid].TaskID) {
				t.Errorf("slow host %s task_id = %q, want a UUID", aid, got[aid].TaskID)
			}
		}
		// A command within the host wait is not touched by the option.
		quick := sendBatch(t, c, pathBatchAdmin, batchID, "runscript -Raw=```Write-Output 'quick'```", false, query)
		checkDone(t, "quick script", quick[caseWin], "quick\n", "")
	})
}

// R9: the client's HTTP deadline runs out before the emulator responds to
// a slow admin command. The command still ran once on the host, the session
// shows it, and its output can be fetched by the cloud_request_id from
// the session's log. A client whose deadline covers the server-side wait
// gets the complete result.
func TestClientGivesUpBeforeSlowAdminCommand(t *testing.T) {
	srv := startCaseServer(t, Options{})
	c := newClient(t, srv)
	batchID, hosts := openBatch(t, c, false, caseWin)
	const command = `runscript -HostPath="C:\Tools\slow.ps1"`

	impatient := newClient(t, srv)
	impatient.http.Timeout = 300 * time.Millisecond
	err := sendExpectingFailure(t, impatient, http.MethodPost, pathBatchAdmin, map[string]any{
		"base_command": "runscript", "command_string": command, "batch_id": batchID,
	})
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Fatalf("impatient client error = %v, want a client timeout", err)
	}
	if got := commandsFor(srv, caseWin); !slices.Equal(got, []string{command}) {
		t.Fatalf("host received %q, want the command once", got)
	}

	var sessions wireSessions
	c.expect(http.StatusOK, http.MethodPost, pathSessionEntities, nil,
		map[string]any{"ids": []string{hosts[caseWin].SessionID}}, &sessions)
	if len(sessions.Resources) != 1 || sessions.Resources[0].Logs == nil {
		t.Fatalf("session entities = %+v, want one session with logs", sessions.Resources)
	}
	var requestID string
	for _, l := range *sessions.Resources[0].Logs {
		if l.CommandString == command {
			requestID = l.CloudRequestID
		}
	}
	if !isUUID(requestID) {
		t.Fatalf("session log has no entry for %q with a cloud_request_id", command)
	}
	if st := waitStatus(t, c, pathStatusAdmin, requestID); st.stdout != "scan done\n" {
		t.Errorf("reconciled output = %q, want %q", st.stdout, "scan done\n")
	}

	start := time.Now()
	patient := newClient(t, srv)
	patient.http.Timeout = defaultWait + 30*time.Second
	got := sendBatch(t, patient, pathBatchAdmin, batchID, command, false, nil)[caseWin]
	if waited := time.Since(start); waited < slowScriptTime {
		t.Errorf("patient client got its answer after %v, before the %v script ended", waited, slowScriptTime)
	}
	checkDone(t, "patient client", got, "scan done\n", "")
}

// R24: an explicitly empty -CommandLine is accepted and reaches the host
// exactly as sent, and the cloud script runs.
func TestEmptyCommandLineReachesHost(t *testing.T) {
	srv := startCaseServer(t, Options{})
	c := newClient(t, srv)
	createScript(t, c, "Collector", "Write-Output 'collected'", "public", "windows")
	batchID, _ := openBatch(t, c, false, caseWin)
	for _, command := range []string{
		`runscript -CloudFile="Collector" -CommandLine=""`,
		"runscript -CloudFile=\"Collector\" -CommandLine=``````",
		`runscript -CloudFile="Collector"`,
	} {
		t.Run(command, func(t *testing.T) {
			got := sendBatch(t, c, pathBatchAdmin, batchID, command, false, nil)[caseWin]
			checkDone(t, command, got, "collected\n", "")
			cmds := commandsFor(srv, caseWin)
			if len(cmds) == 0 || cmds[len(cmds)-1] != command {
				t.Errorf("host's last command = %q, want %q", cmds, command)
			}
		})
	}
}
