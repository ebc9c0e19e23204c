package sim

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestRestartTakesHostOffline checks restart through the batch API: the
// acknowledgement, then 40407 for the next command on that host only.
func TestRestartTakesHostOffline(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01", "lnx-web-01")
	fin, web := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "lnx-web-01")

	bare := runBatch(t, c, pathBatchResponder, batchID, "restart", nil, fin)
	if got := errorCodes(bare[fin].Errors); !slices.Equal(got, []int{40006}) {
		t.Errorf("restart without -Confirm: errors %v, want [40006]", got)
	}
	ack := runBatch(t, c, pathBatchResponder, batchID, "restart -Confirm", nil, fin)
	if got := ack[fin].Stdout; got != "Restarting host" {
		t.Errorf("restart -Confirm stdout %q, want Restarting host", got)
	}
	after := runBatch(t, c, pathBatchCommand, batchID, "pwd", nil)
	if got := errorCodes(after[fin].Errors); !slices.Equal(got, []int{40407}) {
		t.Errorf("command after restart: errors %v, want [40407]", got)
	}
	if got := errorCodes(after[web].Errors); len(got) != 0 || after[web].Stdout != "/" {
		t.Errorf("other host after the restart: errors %v stdout %q", got, after[web].Stdout)
	}
}

// TestFalconscriptRunsCatalogue checks that falconscript finds the
// emulator's Falcon scripts through the content store.
func TestFalconscriptRunsCatalogue(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "lnx-web-01", "WIN-FIN-01")
	fin := aidOf(t, srv, "WIN-FIN-01")

	res := runBatch(t, c, pathBatchAdmin, batchID, "falconscript -Name=```GetProcessTree```", nil)
	var tree struct {
		Processes []struct {
			PID  int    `json:"pid"`
			Name string `json:"name"`
		} `json:"processes"`
	}
	if err := json.Unmarshal([]byte(res[fin].Stdout), &tree); err != nil || len(tree.Processes) == 0 {
		t.Fatalf("GetProcessTree on Windows: %v, stdout %q errors %v", err, res[fin].Stdout, res[fin].Errors)
	}
	web := aidOf(t, srv, "lnx-web-01")
	if got := errorCodes(res[web].Errors); !slices.Equal(got, []int{40412}) {
		t.Errorf("Windows script on Linux: errors %v, want [40412]", got)
	}
	if !strings.HasPrefix(runBatch(t, c, pathBatchAdmin, batchID, "falconscript -Name=GetShellHistory", nil, web)[web].Stdout, `{"histories":`) {
		t.Errorf("GetShellHistory on Linux did not print its JSON object")
	}
}
