package rtr

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const (
	testClientID = "0123456789abcdef0123456789abcdef"
	testSecret   = "s3cr3t-value-never-logged"
	hostA        = "a0000000000000000000000000000001"
	hostB        = "a0000000000000000000000000000002"
	hostC        = "a0000000000000000000000000000003"
	testBatchID  = "11111111-1111-4111-8111-111111111111"
)

// recorded is one request that the fake Falcon received.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	Form   url.Values
}

// fakeFalcon is a local HTTPS server that responds like Falcon: an OAuth2
// token endpoint with bearer checks, and per-route handlers set by each
// test.
type fakeFalcon struct {
	t      *testing.T
	srv    *httptest.Server
	caFile string

	mu        sync.Mutex
	routes    map[string]http.HandlerFunc
	requests  []recorded
	issued    int
	valid     map[string]bool
	expiresIn int
	region    string
	tokenHook func(w http.ResponseWriter, r *http.Request) bool
}

func newFakeFalcon(t *testing.T) *fakeFalcon {
	t.Helper()
	f := &fakeFalcon{t: t, routes: map[string]http.HandlerFunc{}, valid: map[string]bool{}, expiresIn: 1799}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)

	f.caFile = filepath.Join(t.TempDir(), "ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw}
	if err := os.WriteFile(f.caFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// handle sets the handler of "METHOD /path".
func (f *fakeFalcon) handle(route string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[route] = h
}

func (f *fakeFalcon) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		rec.Form, _ = url.ParseQuery(string(body))
	}
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	handler := f.routes[r.Method+" "+r.URL.Path]
	f.mu.Unlock()

	w.Header().Set("X-Cs-Traceid", fmt.Sprintf("trace-%d", len(f.requestsCopy())))
	switch r.URL.Path {
	case "/oauth2/token":
		f.token(w, r, rec.Form)
		return
	case "/oauth2/revoke":
		if handler == nil {
			f.revoke(w, r, rec.Form)
			return
		}
	default:
		if !f.authorized(r) {
			writeJSON(w, http.StatusUnauthorized, errorBody(401, "access denied, invalid bearer token"))
			return
		}
	}
	if handler == nil {
		writeJSON(w, http.StatusNotFound, errorBody(404, "no route "+r.Method+" "+r.URL.Path))
		return
	}
	handler(w, r)
}

func (f *fakeFalcon) token(w http.ResponseWriter, r *http.Request, form url.Values) {
	f.mu.Lock()
	hook := f.tokenHook
	f.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	if form.Get("client_id") != testClientID || form.Get("client_secret") != testSecret {
		writeJSON(w, http.StatusForbidden, errorBody(403, "access denied, authorization failed"))
		return
	}
	f.mu.Lock()
	f.issued++
	tok := fmt.Sprintf("token-%d", f.issued)
	f.valid[tok] = true
	expires, region := f.expiresIn, f.region
	f.mu.Unlock()
	if region != "" {
		w.Header().Set("X-Cs-Region", region)
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": expires,
	})
}

func (f *fakeFalcon) revoke(w http.ResponseWriter, r *http.Request, form url.Values) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != testClientID || secret != testSecret {
		writeJSON(w, http.StatusForbidden, errorBody(403, "access denied, authorization failed"))
		return
	}
	f.revokeToken(form.Get("token"))
	writeJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{"trace_id": "t"}, "errors": []any{}})
}

func (f *fakeFalcon) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	return ok && f.valid[tok]
}

// revokeToken makes tok invalid, as an expiry or revocation would.
func (f *fakeFalcon) revokeToken(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.valid, tok)
}

func (f *fakeFalcon) requestsCopy() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// requestsTo returns the recorded requests for "METHOD /path".
func (f *fakeFalcon) requestsTo(route string) []recorded {
	var out []recorded
	for _, r := range f.requestsCopy() {
		if r.Method+" "+r.Path == route {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeFalcon) tokensIssued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued
}

// config returns a Config for the fake that goes through the loopback
// guard and trusts the fake's certificate.
func (f *fakeFalcon) config() Config {
	return Config{
		ClientID:     testClientID,
		ClientSecret: testSecret,
		BaseURL:      f.srv.URL,
		CAFile:       f.caFile,
		LoopbackOnly: true,
	}
}

// newTestClient builds a client for cfg with fast retries.
func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.retry.baseDelay = time.Millisecond
	c.retry.maxDelay = 5 * time.Millisecond
	c.retry.defaultRateGap = 10 * time.Millisecond
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func errorBody(code int, message string) map[string]any {
	return map[string]any{
		"meta":   map[string]any{"query_time": 0.001, "powered_by": "crowdstrike-api-gateway", "trace_id": "body-trace"},
		"errors": []any{map[string]any{"code": code, "message": message}},
	}
}

// okBody wraps fields in the envelope with empty errors.
func okBody(fields map[string]any) map[string]any {
	body := map[string]any{
		"meta":   map[string]any{"query_time": 0.01, "powered_by": "empower-api", "trace_id": "body-trace"},
		"errors": []any{},
	}
	for k, v := range fields {
		body[k] = v
	}
	return body
}

// dropConnection closes the client's connection without a response.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Fatal("response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()
}

// decodeBody decodes a recorded JSON body into a generic map.
func decodeBody(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("request body %q is not a JSON object: %v", body, err)
	}
	return m
}

// pathBatchCmd returns tier's batch command path.
func pathBatchCmd(tier Tier) string {
	path, err := tier.batchPath()
	if err != nil {
		panic(err)
	}
	return path
}

func tokenExpiringAt(expiry time.Time) *oauth2.Token {
	return &oauth2.Token{AccessToken: "x", Expiry: expiry}
}
