package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon"
	"github.com/crowdstrike/gofalcon/falcon/client"
	"github.com/crowdstrike/gofalcon/falcon/client/real_time_response"
	"github.com/crowdstrike/gofalcon/falcon/client/real_time_response_admin"
	"github.com/crowdstrike/gofalcon/falcon/models"
	"golang.org/x/oauth2"

	"github.com/rtrplay/rtrplay/internal/loopback"
)

// loopbackGuard rejects any API request whose URL names a host outside the
// loopback range before it reaches the transport, so that a gofalcon
// default (a cloud host name) can never leave this machine. It also marks
// each request with sdkClientHeader, so that the conformance check can
// tell which operations the gofalcon tests called.
type loopbackGuard struct{ next http.RoundTripper }

// sdkClientHeader marks requests that gofalcon sent in these tests. The
// emulator ignores it.
const sdkClientHeader = "X-Rtrplay-Test-Sdk"

func (g loopbackGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := loopback.CheckHost(req.URL.Hostname()); err != nil {
		return nil, fmt.Errorf("gofalcon request to %s: %w", req.URL, err)
	}
	req = req.Clone(req.Context())
	req.Header.Set(sdkClientHeader, "gofalcon")
	return g.next.RoundTrip(req)
}

// newGofalcon returns a gofalcon v0.20.0 client for srv. gofalcon fetches
// tokens with the *http.Client stored in the context under
// oauth2.HTTPClient, and wraps that client's transport for API calls. Both
// paths therefore trust only srv's CA, dial only loopback and carry
// sdkClientHeader.
func newGofalcon(t *testing.T, srv *Server) (*client.CrowdStrikeAPISpecification, context.Context) {
	t.Helper()
	transport := loopbackGuard{next: loopback.Transport(&tls.Config{RootCAs: srv.CertPool()})}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: transport})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(cancel)
	api, err := falcon.NewClient(&falcon.ApiConfig{
		ClientId:           srv.ClientID(),
		ClientSecret:       srv.ClientSecret(),
		Context:            ctx,
		HostOverride:       strings.TrimPrefix(srv.URL(), "https://"),
		TransportDecorator: func(rt http.RoundTripper) http.RoundTripper { return loopbackGuard{next: rt} },
	})
	if err != nil {
		t.Fatalf("falcon.NewClient: %v", err)
	}
	return api, ctx
}

func TestGofalconBatchFlow(t *testing.T) {
	srv := startServer(t, "demo", Options{UploadDelay: 200 * time.Millisecond})
	api, ctx := newGofalcon(t, srv)
	rtr := api.RealTimeResponse
	host := hostNamed(t, srv.Fleet(), "WIN-FIN-01")
	aid := host.Info().AID
	const path = `C:\Windows\notepad.exe`

	queue := false
	initResp, err := rtr.BatchInitSessions(&real_time_response.BatchInitSessionsParams{
		Context: ctx,
		Body:    &models.DomainBatchInitSessionRequest{HostIds: []string{aid}, QueueOffline: &queue},
	})
	if err != nil {
		t.Fatalf("BatchInitSessions: %v", err)
	}
	if err := falcon.AssertNoError(initResp.Payload.Errors); err != nil {
		t.Fatalf("BatchInitSessions errors: %v", err)
	}
	batchID := *initResp.Payload.BatchID
	sessionID := *initResp.Payload.Resources[aid].SessionID

	base, command := "ls", `ls C:\Windows`
	cmdResp, err := rtr.BatchCmd(&real_time_response.BatchCmdParams{
		Context: ctx,
		Body: &models.DomainBatchExecuteCommandRequest{
			BaseCommand: &base, CommandString: &command, BatchID: &batchID,
		},
	})
	if err != nil {
		t.Fatalf("BatchCmd: %v", err)
	}
	listing := cmdResp.Payload.Combined.Resources[aid]
	if listing.Complete == nil || !*listing.Complete {
		t.Fatalf("ls result not complete: %+v", listing)
	}
	for _, entry := range []string{"notepad.exe", "System32"} {
		if !strings.Contains(*listing.Stdout, entry) {
			t.Errorf("ls C:\\Windows output lacks %s:\n%s", entry, *listing.Stdout)
		}
	}

	filePath := path
	getResp, err := rtr.BatchGetCmd(&real_time_response.BatchGetCmdParams{
		Context: ctx,
		Body:    &models.DomainBatchGetCommandRequest{BatchID: &batchID, FilePath: &filePath},
	})
	if err != nil {
		t.Fatalf("BatchGetCmd: %v", err)
	}
	taskID := getResp.Payload.Combined.Resources[aid].TaskID
	reqID := *getResp.Payload.BatchGetCmdReqID

	var file models.ModelFile
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := rtr.BatchGetCmdStatus(&real_time_response.BatchGetCmdStatusParams{
			Context: ctx, BatchGetCmdReqID: reqID,
		})
		if err != nil {
			t.Fatalf("BatchGetCmdStatus: %v", err)
		}
		if f, ok := st.Payload.Resources[aid]; ok {
			file = f
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch get status never listed host %s", aid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if *file.CloudRequestID != taskID {
		t.Errorf("status cloud_request_id = %q, want the get's task_id %q", *file.CloudRequestID, taskID)
	}

	var archive bytes.Buffer
	filename := "notepad.exe"
	_, err = rtr.RTRGetExtractedFileContents(&real_time_response.RTRGetExtractedFileContentsParams{
		Context: ctx, SessionID: sessionID, Sha256: *file.Sha256, Filename: &filename,
	}, &archive)
	if err != nil {
		t.Fatalf("RTRGetExtractedFileContents: %v", err)
	}
	want := host.Get(nil, path).Content
	_, content := extractOnly(t, archive.Bytes(), "infected")
	if !bytes.Equal(content, want) {
		t.Errorf("extracted %d bytes that differ from the fleet's %d-byte notepad.exe", len(content), len(want))
	}
	sum := sha256.Sum256(content)
	if got := hex.EncodeToString(sum[:]); got != *file.Sha256 {
		t.Errorf("extracted file sha256 = %s, status says %s", got, *file.Sha256)
	}

	var tokens int
	for _, rec := range srv.Requests() {
		if rec.Path == pathToken && rec.Status == http.StatusCreated {
			tokens++
		}
	}
	if tokens != 1 {
		t.Errorf("gofalcon fetched %d tokens, want 1", tokens)
	}
}

// TestGofalconPollsIncompleteCommand runs a batch admin command that
// outlives its host wait, then joins its output through gofalcon's status
// call the way gofalcon's own WaitForExecution does: it passes back the
// sequence_id of each response until complete is true.
func TestGofalconPollsIncompleteCommand(t *testing.T) {
	srv := startServer(t, "demo", Options{ChunkSize: 100})
	api, ctx := newGofalcon(t, srv)
	aid := aidOf(t, srv, "WIN-FIN-01")
	const hostsFile = `C:\Windows\System32\drivers\etc\hosts`

	queue := false
	initResp, err := api.RealTimeResponse.BatchInitSessions(&real_time_response.BatchInitSessionsParams{
		Context: ctx,
		Body:    &models.DomainBatchInitSessionRequest{HostIds: []string{aid}, QueueOffline: &queue},
	})
	if err != nil {
		t.Fatalf("BatchInitSessions: %v", err)
	}
	batchID := *initResp.Payload.BatchID

	base, catCommand := "cat", "cat "+hostsFile
	catResp, err := api.RealTimeResponse.BatchCmd(&real_time_response.BatchCmdParams{
		Context: ctx,
		Body:    &models.DomainBatchExecuteCommandRequest{BaseCommand: &base, CommandString: &catCommand, BatchID: &batchID},
	})
	if err != nil {
		t.Fatalf("BatchCmd cat: %v", err)
	}
	want := *catResp.Payload.Combined.Resources[aid].Stdout
	if len(want) <= 100 {
		t.Fatalf("the hosts file has %d bytes; the test needs more than one 100-byte chunk", len(want))
	}

	script, hostWait := "runscript", "200ms"
	scriptCommand := "runscript -Raw=```Start-Sleep -Seconds 1; Get-Content '" + hostsFile + "'```"
	adminResp, err := api.RealTimeResponseAdmin.BatchAdminCmd(&real_time_response_admin.BatchAdminCmdParams{
		Context:             ctx,
		HostTimeoutDuration: &hostWait,
		Body:                &models.DomainBatchExecuteCommandRequest{BaseCommand: &script, CommandString: &scriptCommand, BatchID: &batchID},
	})
	if err != nil {
		t.Fatalf("BatchAdminCmd: %v", err)
	}
	host := adminResp.Payload.Combined.Resources[aid]
	if err := falcon.AssertNoError(host.Errors); err != nil {
		t.Fatalf("runscript errors: %v", err)
	}
	if *host.Complete {
		t.Fatalf("a 1s script with a 200ms host wait came back complete")
	}

	var stdout strings.Builder
	var seq int64
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := api.RealTimeResponseAdmin.RTRCheckAdminCommandStatus(&real_time_response_admin.RTRCheckAdminCommandStatusParams{
			Context: ctx, CloudRequestID: host.TaskID, SequenceID: seq,
		})
		if err != nil {
			t.Fatalf("RTRCheckAdminCommandStatus: %v", err)
		}
		res := st.Payload.Resources[0]
		stdout.WriteString(*res.Stdout)
		if *res.Complete {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("command %s never completed", host.TaskID)
		}
		if res.SequenceID == seq {
			time.Sleep(120 * time.Millisecond)
		}
		seq = res.SequenceID
	}
	// Get-Content prints lines, so it ends them with \n where cat keeps
	// the file's \r\n.
	normalize := func(s string) string { return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n") }
	if normalize(stdout.String()) != normalize(want) {
		t.Errorf("joined output differs from cat of the same file:\n got %q\nwant %q", stdout.String(), want)
	}
}
