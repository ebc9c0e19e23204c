package sim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// TestHostFaultsInBatchCommands runs batch commands on WIN-FIN-01 with one
// fault each, beside WIN-HR-02 without faults, and checks what a client
// reads for both.
func TestHostFaultsInBatchCommands(t *testing.T) {
	tests := []struct {
		name    string
		faults  fleet.HostFaults
		query   url.Values
		command string
		check   func(t *testing.T, got wireHost)
	}{
		{
			name: "slow host times out", faults: fleet.HostFaults{Delay: 5 * time.Second},
			query:   shortWait,
			command: "pwd",
			check: func(t *testing.T, got wireHost) {
				if got.Complete || got.Stdout != "" {
					t.Errorf("slow host = complete %v, stdout %q; want complete:false and no output", got.Complete, got.Stdout)
				}
			},
		},
		{
			name: "slow host within the wait", faults: fleet.HostFaults{Delay: 100 * time.Millisecond},
			query:   url.Values{"timeout_duration": {"2s"}, "host_timeout_duration": {"1s"}},
			command: "pwd",
			check: func(t *testing.T, got wireHost) {
				if !got.Complete || got.Stdout != `C:\` {
					t.Errorf("host = complete %v, stdout %q; want complete:true and C:\\", got.Complete, got.Stdout)
				}
			},
		},
		{
			name: "non-UTF-8 output", faults: fleet.HostFaults{NonUTF8: true}, command: "pwd",
			check: func(t *testing.T, got wireHost) {
				// JSON carries only UTF-8: each byte that is not becomes U+FFFD.
				if want := "C:\\\r\ncaf\ufffd \ufffd\ufffd\r\n"; got.Stdout != want {
					t.Errorf("stdout = %q; want %q", got.Stdout, want)
				}
			},
		},
		{
			name: "very large output", faults: fleet.HostFaults{ExtraOutputBytes: 3 << 20}, command: "pwd",
			check: func(t *testing.T, got wireHost) {
				if len(got.Stdout) != len(`C:\`)+3<<20 || !strings.HasPrefix(got.Stdout, `C:\`) {
					t.Errorf("stdout is %d bytes starting %.10q; want C:\\ and 3 MiB more", len(got.Stdout), got.Stdout)
				}
			},
		},
		{
			name: "offline at the first command", faults: fleet.HostFaults{OfflineAtFirst: true}, command: "pwd",
			query: shortWait,
			check: func(t *testing.T, got wireHost) {
				if got.Complete || got.Stdout != "" {
					t.Errorf("lost command = complete %v, stdout %q; want complete:false", got.Complete, got.Stdout)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, "demo", Options{})
			hostNamed(t, srv.Fleet(), "WIN-FIN-01").SetFaults(tt.faults)
			c := newClient(t, srv)
			batchID, _ := initBatch(t, c, "WIN-FIN-01", "WIN-HR-02")
			got := runBatch(t, c, pathBatchAdmin, batchID, tt.command, tt.query)
			tt.check(t, got[aidOf(t, srv, "WIN-FIN-01")])
			if hr := got[aidOf(t, srv, "WIN-HR-02")]; !hr.Complete || hr.Stdout != `C:\` {
				t.Errorf("host without faults = complete %v, stdout %q; want complete:true, C:\\", hr.Complete, hr.Stdout)
			}
		})
	}
}

// shortWait keeps a lost command from holding the batch call for the
// default 30 s host timeout.
var shortWait = url.Values{"timeout_duration": {"2s"}, "host_timeout_duration": {"200ms"}}

// TestHostGoesOfflineAndComesBack loses the host's second command, sees it
// offline, then back online after back_after.
func TestHostGoesOfflineAndComesBack(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	fin := hostNamed(t, srv.Fleet(), "WIN-FIN-01")
	// Three seconds back gives a loaded machine time to see the host offline.
	fin.SetFaults(fleet.HostFaults{OfflineAfterCommands: 1, BackAfter: 3 * time.Second})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01")
	aid := fin.AID()
	for i, wantComplete := range []bool{true, false} {
		got := runBatch(t, c, pathBatchAdmin, batchID, "pwd", shortWait)[aid]
		if got.Complete != wantComplete {
			t.Fatalf("command %d complete = %v; want %v", i+1, got.Complete, wantComplete)
		}
	}
	if fin.Info().Online {
		t.Fatal("host still online after its lost command; want offline")
	}
	deadline := time.Now().Add(8 * time.Second)
	for !fin.Info().Online {
		if time.Now().After(deadline) {
			t.Fatal("host still offline 8s after going offline; want back after 3s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHostChunkSize reads one command's output through the status call
// of a host with 100-byte chunks.
func TestHostChunkSize(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	fin := hostNamed(t, srv.Fleet(), "WIN-FIN-01")
	fin.SetFaults(fleet.HostFaults{ChunkSize: 100})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01")
	whole := runBatch(t, c, pathBatchAdmin, batchID, `ls C:\Windows`, nil)[fin.AID()]
	var joined strings.Builder
	chunks := 0
	for seq := 0; ; {
		var st wireStatus
		c.expect(http.StatusOK, http.MethodGet, pathStatusAdmin,
			url.Values{"cloud_request_id": {whole.TaskID}, "sequence_id": {strconv.Itoa(seq)}}, nil, &st)
		r := st.Resources[0]
		if len(r.Stdout) > 100 {
			t.Fatalf("chunk %d is %d bytes; want at most 100", seq, len(r.Stdout))
		}
		joined.WriteString(r.Stdout)
		chunks++
		if r.Complete {
			break
		}
		seq = r.SequenceID
	}
	if joined.String() != whole.Stdout || chunks < len(whole.Stdout)/100 {
		t.Errorf("%d chunks joined to %d bytes; want the %d bytes of the batch result in %d or more",
			chunks, joined.Len(), len(whole.Stdout), len(whole.Stdout)/100)
	}
}

// TestHostStallsUploads checks that a stalled host's get never appears in
// the batch get status, while another host's does.
func TestHostStallsUploads(t *testing.T) {
	srv := startServer(t, "demo", Options{UploadDelay: 50 * time.Millisecond})
	hostNamed(t, srv.Fleet(), "WIN-FIN-01").SetFaults(fleet.HostFaults{StallUploads: true})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01", "WIN-HR-02")
	var post wireBatchCommand
	c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil,
		map[string]any{"batch_id": batchID, "file_path": `C:\Windows\notepad.exe`, "optional_hosts": []string{}}, &post)
	time.Sleep(200 * time.Millisecond)
	var st wireGetStatus
	c.expect(http.StatusOK, http.MethodGet, pathBatchGet,
		url.Values{"batch_get_cmd_req_id": {post.BatchGetCmdReqID}}, nil, &st)
	if _, listed := st.Resources[aidOf(t, srv, "WIN-FIN-01")]; listed {
		t.Error("stalled host's upload is listed; want it never to finish")
	}
	if _, listed := st.Resources[aidOf(t, srv, "WIN-HR-02")]; !listed {
		t.Error("other host's upload is missing; want it listed after the upload delay")
	}

	// The v2 file list shows the stalled upload as started at the get and
	// still uploading.
	var files struct {
		Resources []struct {
			Complete  bool    `json:"complete"`
			Progress  float64 `json:"progress"`
			CreatedAt string  `json:"created_at"`
		} `json:"resources"`
	}
	session := post.Combined.Resources[aidOf(t, srv, "WIN-FIN-01")].SessionID
	c.expect(http.StatusOK, http.MethodGet, pathFilesV2, url.Values{"session_id": {session}}, nil, &files)
	if len(files.Resources) != 1 {
		t.Fatalf("v2 file list has %d files; want the stalled one", len(files.Resources))
	}
	f := files.Resources[0]
	created, err := time.Parse(time.RFC3339Nano, f.CreatedAt)
	age := time.Since(created)
	if f.Complete || f.Progress < 0 || f.Progress > 0.01 || err != nil || age < -time.Minute || age > time.Minute {
		t.Errorf("stalled upload = complete %v, progress %g, created_at %q; want incomplete, near 0, just now",
			f.Complete, f.Progress, f.CreatedAt)
	}
}
