package sim

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

func TestNewRejectsNonLoopbackListen(t *testing.T) {
	f, err := fleet.Named("demo")
	if err != nil {
		t.Fatalf("fleet.Named: %v", err)
	}
	tests := []struct {
		listen  string
		wantErr bool
	}{
		{listen: "0.0.0.0:8443", wantErr: true},
		{listen: "192.0.2.10:443", wantErr: true},
		{listen: ":8443", wantErr: true},
		{listen: "[::]:8443", wantErr: true},
		{listen: "api.crowdstrike.com:443", wantErr: true},
		{listen: "127.0.0.1:0", wantErr: false},
		{listen: "[::1]:0", wantErr: false},
		{listen: "localhost:0", wantErr: false},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			srv, err := New(Options{Fleet: f, Listen: tt.listen, HTTP: true})
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if err := srv.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				return
			}
			if err == nil {
				srv.Close()
				t.Fatalf("New accepted listen address %s", tt.listen)
			}
			if !strings.Contains(err.Error(), tt.listen) {
				t.Errorf("error %q does not name the address %s", err, tt.listen)
			}
			if !errors.Is(err, loopback.ErrNotLoopback) && !strings.Contains(err.Error(), "missing port") {
				t.Errorf("error %q does not wrap loopback.ErrNotLoopback", err)
			}
		})
	}
}

func TestNewRequiresFleet(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatalf("New without a fleet succeeded")
	}
}

func TestServerTLS(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, "demo", Options{StateDir: dir})
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
		t.Errorf("URL() = %q, want https://127.0.0.1:PORT", srv.URL())
	}
	if got, want := srv.CAFile(), filepath.Join(dir, "ca.pem"); got != want {
		t.Errorf("CAFile() = %q, want %q", got, want)
	}
	data, err := os.ReadFile(srv.CAFile())
	if err != nil {
		t.Fatalf("read CA file: %v", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("CA file is not a PEM certificate")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("parse CA certificate: %v", err)
	}
	if !ca.IsCA {
		t.Errorf("CA certificate is not marked as a CA")
	}

	// A pool built from the file alone must be enough to connect.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(data)
	c := &apiClient{t: t, srv: srv, http: loopback.Client(&tls.Config{RootCAs: pool})}
	status, _, _ := c.do(http.MethodGet, pathDeviceQuery, nil, nil)
	if status != http.StatusUnauthorized {
		t.Errorf("request trusting the CA file: status %d, want 401 (no token)", status)
	}

	untrusting := loopback.Client(&tls.Config{RootCAs: x509.NewCertPool()})
	if resp, err := untrusting.Get(srv.URL() + pathDeviceQuery); err == nil {
		resp.Body.Close()
		t.Errorf("a client that does not trust the CA connected")
	}
}

func TestServerPlainHTTP(t *testing.T) {
	srv := startServer(t, "demo", Options{HTTP: true})
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
		t.Errorf("URL() = %q, want http://127.0.0.1:PORT", srv.URL())
	}
	if srv.CAFile() != "" || srv.CertPool() != nil {
		t.Errorf("plain HTTP server has CAFile %q and pool %v, want none", srv.CAFile(), srv.CertPool())
	}
	c := newClient(t, srv)
	c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)
}

func TestServerClosesStateDir(t *testing.T) {
	f, err := fleet.Named("demo")
	if err != nil {
		t.Fatalf("fleet.Named: %v", err)
	}
	srv, err := New(Options{Fleet: f})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	caFile := srv.CAFile()
	if _, err := os.Stat(caFile); err != nil {
		t.Fatalf("CA file missing before Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(caFile)); !os.IsNotExist(err) {
		t.Errorf("temporary state directory still exists after Close (stat error %v)", err)
	}
	if err := srv.Start(); err == nil {
		t.Errorf("Start after Close succeeded")
	}
}

func TestResponseHeaders(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	tests := []struct {
		name       string
		token      string
		path       string
		wantStatus int
	}{
		{name: "api call", token: c.token, path: pathDeviceQuery, wantStatus: http.StatusOK},
		{name: "unknown path with token", token: c.token, path: "/no/such/path/v1", wantStatus: http.StatusNotFound},
		{name: "unknown path without token", token: "", path: "/no/such/path/v1", wantStatus: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := &apiClient{t: t, srv: srv, http: c.http, token: tt.token}
			status, body, header := client.do(http.MethodGet, tt.path, nil, nil)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			var env wireErrors
			decodeJSON(t, body, &env)
			if trace := header.Get("X-CS-TRACEID"); trace == "" || trace != env.Meta.TraceID {
				t.Errorf("X-CS-TRACEID = %q, meta.trace_id = %q; want the same non-empty id", trace, env.Meta.TraceID)
			}
			if got := header.Get("X-RateLimit-Limit"); got != "6000" {
				t.Errorf("X-RateLimit-Limit = %q, want 6000", got)
			}
			remaining, err := strconv.Atoi(header.Get("X-RateLimit-Remaining"))
			if err != nil || remaining < 100 || remaining >= 6000 {
				t.Errorf("X-RateLimit-Remaining = %q, want a number from 100 to 5999", header.Get("X-RateLimit-Remaining"))
			}
		})
	}
}

func TestRateWindow(t *testing.T) {
	rw := newRateWindow(3, time.Minute)
	start := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name          string
		at            time.Duration
		wantOK        bool
		wantRemaining int
		wantRetryAt   time.Time
	}{
		{name: "first", at: 0, wantOK: true, wantRemaining: 2},
		{name: "second", at: time.Second, wantOK: true, wantRemaining: 1},
		{name: "third", at: 2 * time.Second, wantOK: true, wantRemaining: 0},
		{name: "over the limit", at: 3 * time.Second, wantOK: false, wantRetryAt: start.Add(time.Minute)},
		{name: "first leaves the window", at: time.Minute, wantOK: true, wantRemaining: 0},
	}
	for _, tt := range tests {
		remaining, retryAt, ok := rw.take(start.Add(tt.at))
		if ok != tt.wantOK || remaining != tt.wantRemaining || !retryAt.Equal(tt.wantRetryAt) {
			t.Errorf("%s: take = (%d, %v, %v), want (%d, %v, %v)", tt.name,
				remaining, retryAt, ok, tt.wantRemaining, tt.wantRetryAt, tt.wantOK)
		}
	}
}

func TestSimEndpoints(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01")
	runBatch(t, c, pathBatchCommand, batchID, "pwd", nil)
	anonymous := &apiClient{t: t, srv: srv, http: c.http}

	status, body, _ := anonymous.do(http.MethodGet, "/_sim/state", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("/_sim/state: status %d, want 200; body %s", status, body)
	}
	want, err := json.Marshal(srv.Fleet().Snapshot())
	if err != nil {
		t.Fatalf("encode snapshot: %v", err)
	}
	if string(body) != string(want) {
		t.Errorf("/_sim/state differs from fleet.Snapshot():\n got %.300s\nwant %.300s", body, want)
	}

	var commands []CommandRecord
	status, body, _ = anonymous.do(http.MethodGet, "/_sim/commands", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("/_sim/commands: status %d, want 200", status)
	}
	decodeJSON(t, body, &commands)
	if len(commands) != 1 || commands[0].CommandString != "pwd" || commands[0].Hostname != "WIN-FIN-01" {
		t.Errorf("/_sim/commands = %+v, want the one pwd on WIN-FIN-01", commands)
	}

	var requests []RequestRecord
	status, body, _ = anonymous.do(http.MethodGet, "/_sim/requests", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("/_sim/requests: status %d, want 200", status)
	}
	decodeJSON(t, body, &requests)
	var got []string
	for _, r := range requests {
		got = append(got, r.Method+" "+r.Path+" "+strconv.Itoa(r.Status))
	}
	wantRequests := []string{
		"POST " + pathToken + " 201",
		"POST " + pathBatchInit + " 201",
		"POST " + pathBatchCommand + " 201",
	}
	if strings.Join(got, "\n") != strings.Join(wantRequests, "\n") {
		t.Errorf("/_sim/requests =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRequests, "\n"))
	}

	status, _, _ = anonymous.do(http.MethodPost, "/_sim/state", nil, map[string]any{})
	if status != http.StatusMethodNotAllowed {
		t.Errorf("POST /_sim/state: status %d, want 405", status)
	}
}

// syncBuffer is a bytes.Buffer that the server's goroutines and the test
// can use at the same time.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestUnknownBodyFieldsLogged(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := startServer(t, "degraded", Options{Logger: logger})
	c := newClient(t, srv)
	offline := aidOf(t, srv, "WIN-HR-02")
	online := aidOf(t, srv, "WIN-FIN-01")

	// offline_queued is the response field; the request field is
	// queue_offline. The misspelt field is ignored, so the offline host is
	// not queued, and the log names it.
	var resp wireBatchInit
	c.expect(http.StatusCreated, http.MethodPost, pathBatchInit, nil, map[string]any{
		"host_ids": []string{offline, online}, "offline_queued": true,
	}, &resp)
	if resp.Resources[offline].OfflineQueued {
		t.Errorf("host queued although the request did not set queue_offline")
	}
	if !strings.Contains(logs.String(), "offline_queued") {
		t.Errorf("log does not name the unknown field offline_queued:\n%s", logs.String())
	}
	for _, secret := range []string{srv.ClientSecret(), c.token} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains a secret (client secret or token)")
		}
	}
}

func TestRateLimitExceeded(t *testing.T) {
	f, err := fleet.Named("demo")
	if err != nil {
		t.Fatalf("fleet.Named: %v", err)
	}
	srv, err := New(Options{Fleet: f})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// A window of four: the token request and three calls fit in it.
	srv.limiter = newRateWindow(4, time.Minute)
	trackServer(t, srv)
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })

	c := newClient(t, srv)
	c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)
	c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)
	c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)

	status, body, header := c.do(http.MethodGet, pathDeviceQuery, nil, nil)
	if status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429; body %s", status, body)
	}
	checkErrorEnvelope(t, body, http.StatusTooManyRequests, "")
	if got := header.Get("X-RateLimit-Remaining"); got != "0" {
		t.Errorf("X-RateLimit-Remaining = %q, want 0", got)
	}
	retryAt, err := strconv.ParseInt(header.Get("X-RateLimit-RetryAfter"), 10, 64)
	if err != nil {
		t.Fatalf("X-RateLimit-RetryAfter = %q, want epoch seconds", header.Get("X-RateLimit-RetryAfter"))
	}
	if wait := time.Until(time.Unix(retryAt, 0)); wait < 58*time.Second || wait > 61*time.Second {
		t.Errorf("X-RateLimit-RetryAfter is %v away, want about one minute", wait)
	}
}
