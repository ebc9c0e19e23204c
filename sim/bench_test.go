package sim

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// benchFleetSize is the number of hosts in the large benchmarks: the most
// that one batch init accepts.
const benchFleetSize = maxBatchHosts

// writeFleet writes a fleet file of n Windows hosts and returns its path.
// A full host has the base system of the demo hosts (files, processes,
// registry): 10,000 of them load in a few seconds and take about 400 MB.
// A light host has none of it, so that the calls are measured with almost
// no work on the hosts. sim/fleet has no generator of many hosts, so the
// benchmark writes the file.
func writeFleet(b *testing.B, n int, full bool) string {
	b.Helper()
	type benchHost struct {
		Hostname string `json:"hostname"`
		Platform string `json:"platform"`
		Base     bool   `json:"base"`
	}
	hosts := make([]benchHost, n)
	for i := range hosts {
		hosts[i] = benchHost{Hostname: fmt.Sprintf("BENCH-%05d", i), Platform: "windows", Base: full}
	}
	data, err := json.Marshal(map[string]any{"hosts": hosts})
	if err != nil {
		b.Fatalf("encode fleet file: %v", err)
	}
	path := filepath.Join(b.TempDir(), "fleet.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatalf("write fleet file: %v", err)
	}
	return path
}

// benchServer starts an emulator for f without the conformance recorder,
// whose memory would grow with every iteration.
func benchServer(b *testing.B, f *fleet.Fleet) (*Server, *benchClient) {
	b.Helper()
	srv, err := New(Options{Fleet: f})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	if err := srv.Start(); err != nil {
		b.Fatalf("Start: %v", err)
	}
	b.Cleanup(func() { srv.Close() })
	// Lift the rate limit, which would otherwise return 429 after 6,000
	// requests in a minute and measure the limiter instead of the calls.
	srv.limiter = newRateWindow(1<<30, time.Minute)
	c := &benchClient{b: b, srv: srv, http: loopback.Client(&tls.Config{RootCAs: srv.CertPool()})}
	c.token = c.fetchToken()
	return srv, c
}

// benchClient sends requests the way rtrplay does: over HTTPS on one
// keep-alive connection pool, reading every response body to the end.
type benchClient struct {
	b     *testing.B
	srv   *Server
	http  *http.Client
	token string
}

// send makes one request and returns the response body. It fails the
// benchmark on any status other than want.
func (c *benchClient) send(want int, method, path string, query url.Values, body []byte, contentType string) []byte {
	target := c.srv.URL() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		c.b.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.b.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.b.Fatalf("read %s %s: %v", method, path, err)
	}
	if resp.StatusCode != want {
		c.b.Fatalf("%s %s: status %d, want %d; body %.300s", method, path, resp.StatusCode, want, data)
	}
	return data
}

func (c *benchClient) postJSON(want int, path string, query url.Values, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		c.b.Fatalf("encode request: %v", err)
	}
	return c.send(want, http.MethodPost, path, query, data, "application/json")
}

func (c *benchClient) fetchToken() string {
	form := url.Values{"client_id": {c.srv.ClientID()}, "client_secret": {c.srv.ClientSecret()}}
	data := c.send(http.StatusCreated, http.MethodPost, pathToken, nil, []byte(form.Encode()),
		"application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		c.b.Fatalf("decode token: %v", err)
	}
	return tok.AccessToken
}

// initBatch opens a batch session on every host of ids and returns its id.
func (c *benchClient) initBatch(ids []string) string {
	data := c.postJSON(http.StatusCreated, pathBatchInit, nil, map[string]any{"host_ids": ids})
	var resp struct {
		BatchID string `json:"batch_id"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		c.b.Fatalf("decode batch init: %v", err)
	}
	return resp.BatchID
}

func allAIDs(f *fleet.Fleet) []string {
	ids := make([]string, 0, len(f.Hosts()))
	for _, h := range f.Hosts() {
		ids = append(ids, h.Info().AID)
	}
	return ids
}

// reportHosts adds a hosts-per-second figure and the response size.
func reportHosts(b *testing.B, hosts int, responseBytes int) {
	b.ReportMetric(float64(hosts)*float64(b.N)/b.Elapsed().Seconds(), "hosts/s")
	b.ReportMetric(float64(responseBytes), "resp-bytes")
}

// BenchmarkBatch10000 measures the calls of one step of a run on a
// 10,000-host batch of light hosts: opening the batch session, read-only
// commands that print little, and a refresh.
func BenchmarkBatch10000(b *testing.B) {
	f, err := fleet.Load(writeFleet(b, benchFleetSize, false))
	if err != nil {
		b.Fatalf("load fleet: %v", err)
	}
	ids := allAIDs(f)

	b.Run("init", func(b *testing.B) {
		_, c := benchServer(b, f)
		var size int
		for b.Loop() {
			size = len(c.postJSON(http.StatusCreated, pathBatchInit, nil, map[string]any{"host_ids": ids}))
		}
		reportHosts(b, len(ids), size)
	})
	for _, command := range []string{"pwd", `cd C:\Windows`} {
		b.Run("command/"+strings.Fields(command)[0], func(b *testing.B) {
			benchBatchCommand(b, f, ids, command)
		})
	}
	b.Run("refresh", func(b *testing.B) {
		_, c := benchServer(b, f)
		batchID := c.initBatch(ids)
		var size int
		for b.Loop() {
			size = len(c.postJSON(http.StatusCreated, pathBatchRefresh, nil, map[string]any{"batch_id": batchID}))
		}
		reportHosts(b, len(ids), size)
	})
}

// BenchmarkBatch10000Full measures a batch ps on 10,000 full hosts: about
// 2.5 KB of output per host, 25 MB in one response.
func BenchmarkBatch10000Full(b *testing.B) {
	f, err := fleet.Load(writeFleet(b, benchFleetSize, true))
	if err != nil {
		b.Fatalf("load fleet: %v", err)
	}
	b.Run("command/ps", func(b *testing.B) {
		benchBatchCommand(b, f, allAIDs(f), "ps")
	})
}

// benchBatchCommand opens a batch session on ids and measures one
// read-only batch command on all of them.
func benchBatchCommand(b *testing.B, f *fleet.Fleet, ids []string, command string) {
	_, c := benchServer(b, f)
	batchID := c.initBatch(ids)
	base := strings.Fields(command)[0]
	body := map[string]any{"base_command": base, "command_string": command, "batch_id": batchID}
	var size int
	for b.Loop() {
		size = len(c.postJSON(http.StatusCreated, pathBatchCommand, nil, body))
	}
	reportHosts(b, len(ids), size)
}

// BenchmarkSmallCalls measures the calls that a run makes many times with
// little data: a token, a device query by hostname, and a batch get status
// poll, on the demo fleet.
func BenchmarkSmallCalls(b *testing.B) {
	f, err := fleet.Named("demo")
	if err != nil {
		b.Fatalf("fleet.Named: %v", err)
	}

	b.Run("token", func(b *testing.B) {
		_, c := benchServer(b, f)
		for b.Loop() {
			c.fetchToken()
		}
	})
	b.Run("device-query", func(b *testing.B) {
		_, c := benchServer(b, f)
		query := url.Values{"filter": {"hostname:'WIN-FIN-01'"}}
		for b.Loop() {
			c.send(http.StatusOK, http.MethodGet, pathDeviceQuery, query, nil, "application/json")
		}
	})
	b.Run("batch-get-status", func(b *testing.B) {
		srv, c := benchServer(b, f)
		batchID := c.initBatch(allAIDs(srv.Fleet()))
		data := c.postJSON(http.StatusCreated, pathBatchGet, nil, map[string]any{
			"batch_id": batchID, "file_path": `C:\Windows\notepad.exe`,
		})
		var resp struct {
			ReqID string `json:"batch_get_cmd_req_id"`
		}
		if err := json.Unmarshal(data, &resp); err != nil {
			b.Fatalf("decode batch get: %v", err)
		}
		query := url.Values{"batch_get_cmd_req_id": {resp.ReqID}}
		for b.Loop() {
			c.send(http.StatusOK, http.MethodGet, pathBatchGet, query, nil, "application/json")
		}
	})
}
