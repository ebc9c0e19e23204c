package rtr

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// The neutral host ids of the field cases, and two more for offline hosts.
const (
	hostD = "a0000000000000000000000000000004"
	hostE = "a0000000000000000000000000000005"
)

// fleetHost is one host of a fleet file, with the fields the field case
// tests set. Nil pointers keep the fleet's defaults (online, reachable,
// with the standard system files).
type fleetHost struct {
	Hostname  string      `json:"hostname"`
	Platform  string      `json:"platform"`
	AID       string      `json:"aid,omitempty"`
	Online    *bool       `json:"online,omitempty"`
	Reachable *bool       `json:"reachable,omitempty"`
	Base      *bool       `json:"base,omitempty"`
	Files     []fleetFile `json:"files,omitempty"`
}

// fleetFile is a file of a fleet host: exact bytes or a generated size.
type fleetFile struct {
	Path          string  `json:"path"`
	ContentBase64 *string `json:"content_base64,omitempty"`
	Size          *int64  `json:"size,omitempty"`
}

func ptr[T any](v T) *T { return &v }

// withBytes returns a fleet file holding exactly data.
func withBytes(path string, data []byte) fleetFile {
	return fleetFile{Path: path, ContentBase64: ptr(base64.StdEncoding.EncodeToString(data))}
}

// loadFleet writes hosts as a fleet file and loads it, so that tests can
// fix agent ids, reachability and file bytes.
func loadFleet(t *testing.T, hosts ...fleetHost) *fleet.Fleet {
	t.Helper()
	data, err := json.Marshal(map[string]any{"hosts": hosts})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fleet.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fl, err := fleet.Load(path)
	if err != nil {
		t.Fatalf("fleet.Load: %v", err)
	}
	return fl
}

// fieldFleet is the fleet of the field cases: …01 and …03 connect, …02 is
// online but its sensor cannot be reached (40401), and …04 and …05 are
// offline (40407 unless queued).
func fieldFleet(t *testing.T) *fleet.Fleet {
	t.Helper()
	return loadFleet(t,
		fleetHost{Hostname: "WIN-FIELD-01", Platform: "windows", AID: hostA},
		fleetHost{Hostname: "WIN-FIELD-02", Platform: "windows", AID: hostB, Reachable: ptr(false)},
		fleetHost{Hostname: "WIN-FIELD-03", Platform: "windows", AID: hostC},
		fleetHost{Hostname: "WIN-FIELD-04", Platform: "windows", AID: hostD, Online: ptr(false)},
		fleetHost{Hostname: "WIN-FIELD-05", Platform: "windows", AID: hostE, Online: ptr(false)},
	)
}

// launchSim starts an emulator on loopback that serves fl with opts and
// stops it when the test ends.
func launchSim(t *testing.T, fl *fleet.Fleet, opts sim.Options) *sim.Server {
	t.Helper()
	opts.Fleet = fl
	opts.StateDir = t.TempDir()
	if opts.UploadDelay == 0 {
		opts.UploadDelay = 20 * time.Millisecond
	}
	srv, err := sim.New(opts)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("sim Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// simConfig returns a Config for srv that goes through the loopback guard.
func simConfig(srv *sim.Server) Config {
	return Config{
		ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(),
		BaseURL: srv.URL(), CAFile: srv.CAFile(), LoopbackOnly: true,
	}
}

// simRequests waits up to 2 s for at least n entries for method and path in
// the emulator's request log and returns them all. The wait is needed
// because the emulator logs a request after writing its response, which a
// client can read first.
func simRequests(t *testing.T, srv *sim.Server, method, path string, n int) []sim.RequestRecord {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		var out []sim.RequestRecord
		for _, rec := range srv.Requests() {
			if rec.Method == method && rec.Path == path {
				out = append(out, rec)
			}
		}
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator logged %d %s %s requests within 2 s, want at least %d", len(out), method, path, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// simCommands returns the emulator's command log entries that arrived
// through endpoint.
func simCommands(srv *sim.Server, endpoint string) []sim.CommandRecord {
	var out []sim.CommandRecord
	for _, rec := range srv.Commands() {
		if rec.Endpoint == endpoint {
			out = append(out, rec)
		}
	}
	return out
}

// wireRequest is one HTTP request as the client sent it.
type wireRequest struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
}

// wireLog records every request a Client sends, token requests included,
// because the emulator's logs keep neither query strings nor bodies.
type wireLog struct {
	next http.RoundTripper

	mu       sync.Mutex
	requests []wireRequest
}

// recordWire makes c's transport record every request. Call it before the
// client's first request.
func recordWire(c *Client) *wireLog {
	w := &wireLog{next: c.http.Transport}
	c.http.Transport = w
	return w
}

// RoundTrip records req, reading its body through GetBody so that the
// request itself is left unchanged, and sends it.
func (w *wireLog) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := wireRequest{Method: req.Method, Path: req.URL.Path, Query: req.URL.Query()}
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		rec.Body, err = io.ReadAll(body)
		if err != nil {
			return nil, err
		}
	}
	w.mu.Lock()
	w.requests = append(w.requests, rec)
	w.mu.Unlock()
	return w.next.RoundTrip(req)
}

// CloseIdleConnections passes Client.Close on to the wrapped transport.
func (w *wireLog) CloseIdleConnections() {
	if c, ok := w.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// to returns the recorded requests for method and path.
func (w *wireLog) to(method, path string) []wireRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []wireRequest
	for _, r := range w.requests {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// logRecord is one log record with its attributes formatted as text.
type logRecord struct {
	Message string
	Attrs   map[string]string
}

// logSink is a slog.Handler that keeps every record, at every level, so
// that a test can read what the emulator logged.
type logSink struct {
	store *logStore
	attrs []slog.Attr
}

type logStore struct {
	mu      sync.Mutex
	records []logRecord
}

func newLogSink() *logSink { return &logSink{store: &logStore{}} }

func (h *logSink) Enabled(context.Context, slog.Level) bool { return true }

func (h *logSink) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{Message: r.Message, Attrs: map[string]string{}}
	for _, a := range h.attrs {
		rec.Attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.String()
		return true
	})
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	h.store.records = append(h.store.records, rec)
	return nil
}

func (h *logSink) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logSink{store: h.store, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

// WithGroup keeps the attributes ungrouped; the tests match on keys only.
func (h *logSink) WithGroup(string) slog.Handler { return h }

// withMessage returns the records whose message is msg.
func (h *logSink) withMessage(msg string) []logRecord {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	var out []logRecord
	for _, r := range h.store.records {
		if r.Message == msg {
			out = append(out, r)
		}
	}
	return out
}

// cuttingProxy forwards TCP connections on loopback to an emulator and
// closes the first connection that carries more than limit bytes from the
// server, as a link that breaks partway through a download. Later
// connections pass untouched, so that a retry can succeed.
type cuttingProxy struct {
	listener net.Listener
	target   string
	limit    int64

	mu    sync.Mutex
	cut   bool
	conns []net.Conn
	wg    sync.WaitGroup
}

// startCuttingProxy listens on 127.0.0.1 and returns the proxy, which
// stops when the test ends.
func startCuttingProxy(t *testing.T, target string, limit int64) *cuttingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingProxy{listener: ln, target: target, limit: limit}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// URL returns the proxy's https base URL. The emulator's certificate names
// 127.0.0.1, so TLS verification passes through the proxy.
func (p *cuttingProxy) URL() string { return "https://" + p.listener.Addr().String() }

func (p *cuttingProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return
		}
		server, err := loopback.DialContext(context.Background(), "tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.upstream(client, server)
		go p.downstream(client, server)
	}
}

func (p *cuttingProxy) upstream(client, server net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(server, client)
	_ = server.Close()
}

// downstream copies the server's bytes to the client and cuts the pair of
// connections once limit bytes have passed, the first time only.
func (p *cuttingProxy) downstream(client, server net.Conn) {
	defer p.wg.Done()
	defer client.Close()
	p.mu.Lock()
	armed := !p.cut
	p.mu.Unlock()
	if !armed {
		_, _ = io.Copy(client, server)
		return
	}
	n, err := io.CopyN(client, server, p.limit)
	if err != nil || n < p.limit {
		return
	}
	p.mu.Lock()
	if p.cut { // another connection was cut meanwhile
		p.mu.Unlock()
		_, _ = io.Copy(client, server)
		return
	}
	p.cut = true
	p.mu.Unlock()
	_ = server.Close()
}

// wasCut reports whether the proxy has cut a connection.
func (p *cuttingProxy) wasCut() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut
}

func (p *cuttingProxy) close() {
	_ = p.listener.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// catFiles combines the CA files of several emulators into one, because
// Config takes a single CA file.
func catFiles(t *testing.T, paths ...string) string {
	t.Helper()
	var all bytes.Buffer
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(data)
	}
	out := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(out, all.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitForUpload polls the batch get status until aid's upload is listed.
func waitForUpload(t *testing.T, c *Client, reqID, aid string) File {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		files, err := c.BatchGetStatus(ctx, reqID)
		if err != nil {
			t.Fatalf("BatchGetStatus: %v", err)
		}
		if f, ok := files[aid]; ok {
			return f
		}
	}
	t.Fatalf("host %s's upload did not appear in the batch get status within 5 s", aid)
	return File{}
}

// hostErrorCode returns the first per-host error code of r, or 0.
func hostErrorCode(r HostResult) int {
	var hostErr *HostError
	if errors.As(r.Err(), &hostErr) && len(hostErr.Errors) > 0 {
		return hostErr.Errors[0].Code
	}
	return 0
}

// jsonKeys returns the top-level keys of a JSON object body.
func jsonKeys(t *testing.T, body []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", body, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// containsAll reports whether s contains every one of parts.
func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
