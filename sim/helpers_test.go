package sim

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// startServer starts an emulator for the named fleet, with opts filling in
// the rest, and closes it when the test ends. Every response it sends is
// checked against the API reference (see trackServer).
func startServer(t *testing.T, fleetName string, opts Options) *Server {
	t.Helper()
	f, err := fleet.Named(fleetName)
	if err != nil {
		t.Fatalf("fleet.Named(%q): %v", fleetName, err)
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

// hostNamed returns the fleet's host with that hostname.
func hostNamed(t *testing.T, f *fleet.Fleet, name string) *fleet.Host {
	t.Helper()
	for _, h := range f.Hosts() {
		if h.Info().Hostname == name {
			return h
		}
	}
	t.Fatalf("fleet has no host named %s", name)
	return nil
}

// aidOf returns the AID of the host with that hostname.
func aidOf(t *testing.T, srv *Server, name string) string {
	t.Helper()
	return hostNamed(t, srv.Fleet(), name).Info().AID
}

// apiClient talks to one emulator over loopback, with a token.
type apiClient struct {
	t     *testing.T
	srv   *Server
	http  *http.Client
	token string
}

// newClient returns a client that trusts srv's CA and holds a fresh token.
func newClient(t *testing.T, srv *Server) *apiClient {
	t.Helper()
	c := &apiClient{t: t, srv: srv, http: loopback.Client(&tls.Config{RootCAs: srv.CertPool()})}
	status, body, _ := c.postForm(pathToken, url.Values{
		"client_id": {srv.ClientID()}, "client_secret": {srv.ClientSecret()},
	}, nil)
	if status != http.StatusCreated {
		t.Fatalf("token request: status %d, want 201; body %s", status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(t, body, &tok)
	c.token = tok.AccessToken
	return c
}

// do sends a request and returns the status, body and headers. body is
// encoded as JSON unless it is nil.
func (c *apiClient) do(method, path string, query url.Values, body any) (int, []byte, http.Header) {
	c.t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			c.t.Fatalf("encode request body: %v", err)
		}
		reader = bytes.NewReader(data)
	}
	target := c.srv.URL() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, target, reader)
	if err != nil {
		c.t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.send(req)
}

// postForm posts form fields, with HTTP Basic credentials when basic is
// not nil.
func (c *apiClient) postForm(path string, form url.Values, basic *[2]string) (int, []byte, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.srv.URL()+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(basic[0], basic[1])
	}
	return c.send(req)
}

func (c *apiClient) send(req *http.Request) (int, []byte, http.Header) {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body of %s %s: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, data, resp.Header
}

// expect sends a request, checks the status and decodes the body into out
// (unless out is nil).
func (c *apiClient) expect(wantStatus int, method, path string, query url.Values, body, out any) {
	c.t.Helper()
	status, data, _ := c.do(method, path, query, body)
	if status != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, wantStatus, data)
	}
	if out != nil {
		decodeJSON(c.t, data, out)
	}
}

func decodeJSON(t *testing.T, data []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

// Wire shapes as a client reads them, written from the API reference
// rather than taken from the emulator's own types.

type wireError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type wireMeta struct {
	QueryTime  *float64 `json:"query_time"`
	PoweredBy  string   `json:"powered_by"`
	TraceID    string   `json:"trace_id"`
	Pagination *struct {
		Offset, Limit, Total int
	} `json:"pagination"`
}

type wireErrors struct {
	Meta   wireMeta    `json:"meta"`
	Errors []wireError `json:"errors"`
}

type wireHost struct {
	AID           string      `json:"aid"`
	SessionID     string      `json:"session_id"`
	TaskID        string      `json:"task_id"`
	BaseCommand   string      `json:"base_command"`
	Complete      bool        `json:"complete"`
	OfflineQueued bool        `json:"offline_queued"`
	Stdout        string      `json:"stdout"`
	Stderr        string      `json:"stderr"`
	Errors        []wireError `json:"errors"`
}

type wireBatchInit struct {
	Meta      wireMeta            `json:"meta"`
	BatchID   *string             `json:"batch_id"`
	Resources map[string]wireHost `json:"resources"`
	Errors    []wireError         `json:"errors"`
}

type wireBatchCommand struct {
	Meta             wireMeta `json:"meta"`
	BatchGetCmdReqID string   `json:"batch_get_cmd_req_id"`
	Combined         struct {
		Resources map[string]wireHost `json:"resources"`
	} `json:"combined"`
	Errors []wireError `json:"errors"`
}

type wireStatus struct {
	Resources []struct {
		SessionID   string `json:"session_id"`
		TaskID      string `json:"task_id"`
		Complete    bool   `json:"complete"`
		Stdout      string `json:"stdout"`
		Stderr      string `json:"stderr"`
		BaseCommand string `json:"base_command"`
		SequenceID  int    `json:"sequence_id"`
	} `json:"resources"`
	Errors []wireError `json:"errors"`
}

// initBatch opens a batch session on the named hosts and returns the
// batch id and the response.
func initBatch(t *testing.T, c *apiClient, hostnames ...string) (string, wireBatchInit) {
	t.Helper()
	var ids []string
	for _, name := range hostnames {
		ids = append(ids, aidOf(t, c.srv, name))
	}
	var resp wireBatchInit
	c.expect(http.StatusCreated, http.MethodPost, pathBatchInit, nil,
		map[string]any{"host_ids": ids, "queue_offline": false}, &resp)
	if resp.BatchID == nil || *resp.BatchID == "" {
		t.Fatalf("batch init returned no batch_id")
	}
	return *resp.BatchID, resp
}

// runBatch sends a batch command of the tier at path and returns the
// per-host results.
func runBatch(t *testing.T, c *apiClient, path, batchID, command string, query url.Values, optional ...string) map[string]wireHost {
	t.Helper()
	base, _, _ := strings.Cut(command, " ")
	var resp wireBatchCommand
	c.expect(http.StatusCreated, http.MethodPost, path, query, map[string]any{
		"base_command": base, "command_string": command, "batch_id": batchID, "optional_hosts": optional,
	}, &resp)
	return resp.Combined.Resources
}

// errorCodes returns the codes of errs.
func errorCodes(errs []wireError) []int {
	codes := []int{}
	for _, e := range errs {
		codes = append(codes, e.Code)
	}
	return codes
}
