package sim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Wire shapes of the single-host calls as a client reads them, written
// from the API reference rather than taken from the emulator's types.

type wireInit struct {
	Meta      wireMeta `json:"meta"`
	Resources []struct {
		SessionID           string   `json:"session_id"`
		CreatedAt           string   `json:"created_at"`
		ExistingAIDSessions int      `json:"existing_aid_sessions"`
		OfflineQueued       bool     `json:"offline_queued"`
		Pwd                 string   `json:"pwd"`
		DeviceID            string   `json:"device_id"`
		Platform            string   `json:"platform"`
		PreviousCommands    []string `json:"previous_commands"`
		Scripts             []struct {
			Command     string `json:"command"`
			Description string `json:"description"`
			Args        []struct {
				ArgName  string `json:"arg_name"`
				Required bool   `json:"required"`
			} `json:"args"`
			SubCommands []struct {
				Command string `json:"command"`
			} `json:"sub_commands"`
		} `json:"scripts"`
	} `json:"resources"`
	Errors []wireError `json:"errors"`
}

type wireExecute struct {
	Resources []struct {
		SessionID            string `json:"session_id"`
		CloudRequestID       string `json:"cloud_request_id"`
		QueuedCommandOffline bool   `json:"queued_command_offline"`
	} `json:"resources"`
	Errors []wireError `json:"errors"`
}

// initSingle opens (or reuses) the caller's single-host session on the
// named host and returns its id.
func initSingle(t *testing.T, c *apiClient, hostname string, queueOffline bool) string {
	t.Helper()
	var resp wireInit
	c.expect(http.StatusCreated, http.MethodPost, pathSessions, nil, map[string]any{
		"device_id": aidOf(t, c.srv, hostname), "queue_offline": queueOffline, "origin": "rtrplay-test",
	}, &resp)
	if len(resp.Resources) != 1 || resp.Resources[0].SessionID == "" {
		t.Fatalf("init on %s returned %+v, want one session", hostname, resp.Resources)
	}
	return resp.Resources[0].SessionID
}

// execute sends a single-host command at the tier's path and returns its
// cloud_request_id and whether it was queued.
func execute(t *testing.T, c *apiClient, path, sessionID, command string, persist bool) (string, bool) {
	t.Helper()
	base, _, _ := strings.Cut(command, " ")
	var resp wireExecute
	c.expect(http.StatusCreated, http.MethodPost, path, nil, map[string]any{
		"base_command": base, "command_string": command, "session_id": sessionID, "persist": persist,
	}, &resp)
	if len(resp.Resources) != 1 {
		t.Fatalf("execute %q returned %d resources, want 1", command, len(resp.Resources))
	}
	res := resp.Resources[0]
	if res.SessionID != sessionID {
		t.Errorf("execute session_id = %q, want %q", res.SessionID, sessionID)
	}
	return res.CloudRequestID, res.QueuedCommandOffline
}

// statusResult is a command's output joined from its chunks.
type statusResult struct {
	stdout, stderr, base, taskID string
	chunks                       int
}

// waitStatus polls the status call at path as gofalcon's WaitForExecution
// does, passing back each returned sequence_id, until the command is
// complete. It fails the test after a few seconds.
func waitStatus(t *testing.T, c *apiClient, path, requestID string) statusResult {
	t.Helper()
	var out statusResult
	seq := 0
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var resp wireStatus
		c.expect(http.StatusOK, http.MethodGet, path, url.Values{
			"cloud_request_id": {requestID}, "sequence_id": {strconv.Itoa(seq)},
		}, nil, &resp)
		if len(resp.Resources) != 1 {
			t.Fatalf("status returned %d resources, want 1", len(resp.Resources))
		}
		res := resp.Resources[0]
		out.stdout += res.Stdout
		out.stderr += res.Stderr
		if res.Stdout != "" {
			out.chunks++
		}
		if res.Complete {
			out.base, out.taskID = res.BaseCommand, res.TaskID
			return out
		}
		seq = res.SequenceID
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("command %s did not complete", requestID)
	return out
}

// expectHostError sends a request and checks that it fails with status
// and one error of the RTR code.
func expectHostError(t *testing.T, c *apiClient, status int, method, path string, query url.Values, body any, code int) {
	t.Helper()
	var resp wireErrors
	c.expect(status, method, path, query, body, &resp)
	if len(resp.Errors) != 1 || resp.Errors[0].Code != code {
		t.Errorf("%s %s errors = %+v, want one with code %d", method, path, resp.Errors, code)
	}
	if resp.Meta.TraceID == "" || resp.Meta.QueryTime == nil {
		t.Errorf("%s %s meta lacks trace_id or query_time: %+v", method, path, resp.Meta)
	}
}
