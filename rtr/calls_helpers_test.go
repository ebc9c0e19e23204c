package rtr

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim"
)

// pollCommandStatus polls the status of a single-host command, chunk 0,
// until it is complete or 5 s have passed.
func pollCommandStatus(t *testing.T, c *Client, tier Tier, taskID string) CommandStatus {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, err := c.CommandStatus(context.Background(), tier, taskID, 0)
		if err != nil {
			t.Fatalf("CommandStatus(%s, %s): %v", tier, taskID, err)
		}
		if status.Complete {
			return status
		}
		if time.Now().After(deadline) {
			t.Fatalf("command %s did not complete within 5 s: %+v", taskID, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countRequests counts the requests the emulator received for method and
// path.
func countRequests(srv *sim.Server, method, path string) int {
	n := 0
	for _, rec := range srv.Requests() {
		if rec.Method == method && rec.Path == path {
			n++
		}
	}
	return n
}

// hostErrorCodes returns the codes of a result's per-host errors, or nil.
func hostErrorCodes(r HostResult) []int {
	var hostErr *HostError
	if !errors.As(r.Err(), &hostErr) {
		return nil
	}
	codes := make([]int, 0, len(hostErr.Errors))
	for _, e := range hostErr.Errors {
		codes = append(codes, e.Code)
	}
	return codes
}

// apiStatus returns the HTTP status of an *APIError in err, or 0.
func apiStatus(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}
