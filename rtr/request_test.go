package rtr

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRateLimitWaitsForReset(t *testing.T) {
	tests := []struct {
		name     string
		reset    func() string
		minTook  time.Duration
		wantReqs int
	}{
		{
			name:    "reset in two seconds",
			reset:   func() string { return strconv.FormatInt(time.Now().Add(2*time.Second).Unix(), 10) },
			minTook: 900 * time.Millisecond, // epoch seconds truncate the reset
		},
		{
			name:    "reset in the past waits the floor",
			reset:   func() string { return strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10) },
			minTook: 900 * time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			var calls atomic.Int32
			f.handle("GET "+pathDeviceQuery, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("X-RateLimit-RetryAfter", tt.reset())
					writeJSON(w, http.StatusTooManyRequests, errorBody(429, "API rate limit exceeded."))
					return
				}
				writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": []string{hostA}}))
			})
			c := newTestClient(t, f.config())

			start := time.Now()
			ids, err := c.QueryDevices(context.Background(), "")
			took := time.Since(start)
			if err != nil {
				t.Fatalf("QueryDevices: %v", err)
			}
			if len(ids) != 1 || ids[0] != hostA {
				t.Errorf("ids = %v, want [%s]", ids, hostA)
			}
			if took < tt.minTook {
				t.Errorf("took %s, want at least %s", took, tt.minTook)
			}
			if took > 3*time.Second {
				t.Errorf("took %s, want the wait to end at the reset", took)
			}
			if got := calls.Load(); got != 2 {
				t.Errorf("requests = %d, want 2", got)
			}
		})
	}
}

func TestRateLimitResetTooFar(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("POST "+pathBatchCmd(Admin), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-RetryAfter", strconv.FormatInt(time.Now().Add(10*time.Minute).Unix(), 10))
		writeJSON(w, http.StatusTooManyRequests, errorBody(429, "API rate limit exceeded."))
	})
	c := newTestClient(t, f.config())

	start := time.Now()
	_, err := c.BatchCommand(context.Background(), Admin, BatchCommandRequest{
		BatchID: testBatchID, BaseCommand: "put", CommandString: "put tool.exe",
	})
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("error = %v, want ErrRateLimited", err)
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("error = %v; a 429 is a definite refusal, not an unknown outcome", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Errorf("error = %v, want it to wrap the 429 *APIError", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %s, want an immediate error", took)
	}
}

func TestRateLimitSharedByRequests(t *testing.T) {
	f := newFakeFalcon(t)
	var limited atomic.Bool
	f.handle("GET "+pathDeviceQuery, func(w http.ResponseWriter, r *http.Request) {
		if !limited.Swap(true) {
			w.Header().Set("X-RateLimit-RetryAfter", strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10))
			writeJSON(w, http.StatusTooManyRequests, errorBody(429, "API rate limit exceeded."))
			return
		}
		writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": []string{}}))
	})
	f.handle("GET "+pathBatchGet, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": map[string]any{}}))
	})
	c := newTestClient(t, f.config())
	ctx := context.Background()

	if _, err := c.QueryDevices(ctx, ""); err != nil {
		t.Fatalf("QueryDevices: %v", err)
	}
	c.gate.hold(time.Now().Add(500 * time.Millisecond)) // as if another request just got a 429
	start := time.Now()
	if _, err := c.BatchGetStatus(ctx, "req-1"); err != nil {
		t.Fatalf("BatchGetStatus: %v", err)
	}
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("second request took %s, want it to wait for the shared reset", took)
	}
}

func TestServerErrorRetriedOnRead(t *testing.T) {
	tests := []struct {
		name      string
		failures  int
		wantErr   bool
		wantCalls int32
	}{
		{name: "recovers", failures: 2, wantCalls: 3},
		{name: "gives up", failures: 10, wantErr: true, wantCalls: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			var calls atomic.Int32
			f.handle("GET "+pathDeviceQuery, func(w http.ResponseWriter, r *http.Request) {
				if int(calls.Add(1)) <= tt.failures {
					writeJSON(w, http.StatusServiceUnavailable, errorBody(503, "service unavailable"))
					return
				}
				writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": []string{hostA}}))
			})
			c := newTestClient(t, f.config())

			_, err := c.QueryDevices(context.Background(), "")
			if tt.wantErr {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
					t.Errorf("error = %v, want an *APIError with status 503", err)
				}
			} else if err != nil {
				t.Errorf("QueryDevices: %v", err)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("requests = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestDroppedConnectionRetriedOnRead(t *testing.T) {
	f := newFakeFalcon(t)
	var calls atomic.Int32
	f.handle("POST "+pathBatchInit, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			dropConnection(t, w)
			return
		}
		writeJSON(w, http.StatusCreated, okBody(map[string]any{
			"batch_id":  testBatchID,
			"resources": map[string]any{hostA: map[string]any{"aid": hostA, "session_id": "s1", "complete": true}},
		}))
	})
	c := newTestClient(t, f.config())

	res, err := c.BatchInit(context.Background(), BatchInitRequest{HostIDs: []string{hostA}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	if res.BatchID != testBatchID {
		t.Errorf("batch id = %q, want %q", res.BatchID, testBatchID)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("init requests = %d, want 2", got)
	}
}

func TestCommandNotResentAfterAmbiguousFailure(t *testing.T) {
	tests := []struct {
		name    string
		tier    Tier
		fail    func(t *testing.T, w http.ResponseWriter)
		wantAPI int
	}{
		{name: "dropped connection read-only", tier: ReadOnly, fail: dropConnection},
		{name: "dropped connection active responder", tier: ActiveResponder, fail: dropConnection},
		{name: "dropped connection admin", tier: Admin, fail: dropConnection},
		{
			name: "bad gateway", tier: ActiveResponder, wantAPI: 502,
			fail: func(t *testing.T, w http.ResponseWriter) {
				writeJSON(w, http.StatusBadGateway, errorBody(502, "bad gateway"))
			},
		},
		{
			name: "truncated answer", tier: Admin,
			fail: func(t *testing.T, w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(`{"combined":{"resources":{`))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			route := "POST " + pathBatchCmd(tt.tier)
			f.handle(route, func(w http.ResponseWriter, r *http.Request) { tt.fail(t, w) })
			c := newTestClient(t, f.config())

			_, err := c.BatchCommand(context.Background(), tt.tier, BatchCommandRequest{
				BatchID: testBatchID, BaseCommand: "rm", CommandString: `rm C:\x.txt`,
			})
			if !errors.Is(err, ErrOutcomeUnknown) {
				t.Fatalf("error = %v, want ErrOutcomeUnknown", err)
			}
			if got := len(f.requestsTo(route)); got != 1 {
				t.Errorf("command requests = %d, want exactly 1", got)
			}
			var apiErr *APIError
			if tt.wantAPI != 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantAPI) {
				t.Errorf("error = %v, want it to wrap an *APIError with status %d", err, tt.wantAPI)
			}
		})
	}
}

func TestBatchGetNotResentAfterDrop(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("POST "+pathBatchGet, func(w http.ResponseWriter, r *http.Request) { dropConnection(t, w) })
	c := newTestClient(t, f.config())

	_, _, err := c.BatchGet(context.Background(), BatchGetRequest{BatchID: testBatchID, FilePath: `C:\x.txt`})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("error = %v, want ErrOutcomeUnknown", err)
	}
	if got := len(f.requestsTo("POST " + pathBatchGet)); got != 1 {
		t.Errorf("batch get requests = %d, want 1", got)
	}
}

func TestCommandRetriedWhenNeverSent(t *testing.T) {
	// A refused connection means the request never left: safe to retry.
	f := newFakeFalcon(t)
	cfg := f.config()
	cfg.BaseURL = "https://127.0.0.1:1" // nothing listens on port 1
	c := newTestClient(t, cfg)
	c.tokens.store(tokenExpiringAt(time.Now().Add(time.Hour)), time.Now())

	_, err := c.BatchCommand(context.Background(), ReadOnly, BatchCommandRequest{
		BatchID: testBatchID, BaseCommand: "ls", CommandString: "ls",
	})
	if err == nil {
		t.Fatal("BatchCommand to a closed port succeeded")
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("error = %v; a refused connection is not an unknown outcome", err)
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	page := "<html><head><title>400 Bad Request</title></head><body>" + strings.Repeat("x", 500) + "</body></html>"
	f := newFakeFalcon(t)
	f.handle("POST "+pathDeviceDetails, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(page))
	})
	c := newTestClient(t, f.config())

	_, err := c.GetDevices(context.Background(), []string{hostA})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want an *APIError", err)
	}
	if apiErr.StatusCode != 400 {
		t.Errorf("status = %d, want 400", apiErr.StatusCode)
	}
	if apiErr.ContentType != "text/html" {
		t.Errorf("content type = %q, want text/html", apiErr.ContentType)
	}
	if apiErr.BodyPrefix != page[:200] {
		t.Errorf("body prefix = %q, want the first 200 bytes", apiErr.BodyPrefix)
	}
	if len(apiErr.Errors) != 0 {
		t.Errorf("errors = %v, want none", apiErr.Errors)
	}
	for _, want := range []string{"HTTP 400", "text/html", "<html>"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestAPIErrorFromEnvelope(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("POST "+pathDeviceActions, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusConflict, errorBody(409, "host is already contained"))
	})
	c := newTestClient(t, f.config())

	_, err := c.DeviceAction(context.Background(), Contain, []string{hostA})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want an *APIError", err)
	}
	if apiErr.Method != "POST" || apiErr.Path != pathDeviceActions {
		t.Errorf("request = %s %s, want POST %s", apiErr.Method, apiErr.Path, pathDeviceActions)
	}
	want := ErrorEntry{Code: 409, Message: "host is already contained"}
	if len(apiErr.Errors) != 1 || apiErr.Errors[0] != want {
		t.Errorf("errors = %v, want [%v]", apiErr.Errors, want)
	}
	if apiErr.TraceID == "" {
		t.Error("trace id is empty")
	}
	if apiErr.ContentType != "" || apiErr.BodyPrefix != "" {
		t.Errorf("content type %q and body prefix %q set for a JSON envelope", apiErr.ContentType, apiErr.BodyPrefix)
	}
}

func TestIdleTimeoutStopsStalledBody(t *testing.T) {
	f := newFakeFalcon(t)
	release := make(chan struct{})
	defer close(release)
	f.handle("GET /stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := newTestClient(t, f.config())

	r := &request{method: "GET", path: "/stall", ok: []int{200}, repeatable: true, idleTimeout: 200 * time.Millisecond}
	resp, err := c.send(context.Background(), r)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	defer resp.Body.Close()
	start := time.Now()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	if !errors.Is(err, errRequestTimeout) {
		t.Fatalf("read error = %v, want errRequestTimeout", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("read took %s, want about the 200 ms idle timeout", took)
	}
	if buf.String() != "partial" {
		t.Errorf("read %q before the stall, want %q", buf.String(), "partial")
	}
}

func TestRequestDeadline(t *testing.T) {
	tests := []struct {
		serverTimeout time.Duration
		want          time.Duration
	}{
		{0, 60 * time.Second},
		{20 * time.Second, 50 * time.Second},
		{300 * time.Second, 330 * time.Second},
	}
	for _, tt := range tests {
		r := &request{serverTimeout: tt.serverTimeout}
		if got := r.deadline(); got != tt.want {
			t.Errorf("deadline for server timeout %s = %s, want %s", tt.serverTimeout, got, tt.want)
		}
	}
}

func TestRequestLogging(t *testing.T) {
	f := newFakeFalcon(t)
	handleDeviceQuery(f)
	var logged bytes.Buffer
	cfg := f.config()
	cfg.Logger = slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, cfg)

	if _, err := c.QueryDevices(context.Background(), ""); err != nil {
		t.Fatalf("QueryDevices: %v", err)
	}
	out := logged.String()
	for _, want := range []string{`"method":"GET"`, `"path":"` + pathDeviceQuery + `"`, `"status":200`, `"trace_id":"trace-`, `"duration":`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range []string{testSecret, "token-1"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	if got := f.requestsTo("GET " + pathDeviceQuery)[0].Header.Get("User-Agent"); !strings.HasPrefix(got, "rtrplay/") {
		t.Errorf("User-Agent = %q, want rtrplay/<version>", got)
	}
}

func TestBackoffBounds(t *testing.T) {
	for attempt := 1; attempt <= 10; attempt++ {
		d := backoff(attempt, 100*time.Millisecond, time.Second)
		ceiling := min(100*time.Millisecond<<(attempt-1), time.Second)
		if d < ceiling/2 || d > ceiling {
			t.Errorf("backoff(%d) = %s, want within [%s, %s]", attempt, d, ceiling/2, ceiling)
		}
	}
}

func TestRateLimitWaitFromHeader(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name       string
		header     string
		waits      int
		want       time.Duration
		fromHeader bool
	}{
		{"epoch seconds", "1800000030", 0, 30 * time.Second, true},
		{"epoch milliseconds", "1800000030500", 0, 30500 * time.Millisecond, true},
		{"past reset", "1799999000", 0, time.Second, true},
		{"reset now", "1800000000", 0, time.Second, true},
		{"missing header", "", 0, 2 * time.Second, false},
		{"garbage header", "soon", 2, 8 * time.Second, false},
		{"missing header capped", "", 9, 64 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("X-RateLimit-RetryAfter", tt.header)
			}
			got, fromHeader := rateLimitWait(h, now, tt.waits, 2*time.Second)
			if got != tt.want {
				t.Errorf("wait = %s, want %s", got, tt.want)
			}
			if fromHeader != tt.fromHeader {
				t.Errorf("from header = %t, want %t", fromHeader, tt.fromHeader)
			}
		})
	}
}

func TestUntrustedCertificateNotRetried(t *testing.T) {
	f := newFakeFalcon(t)
	handleDeviceQuery(f)
	cfg := f.config()
	cfg.CAFile = "" // the system pool does not trust the test certificate
	c := newTestClient(t, cfg)
	c.retry.baseDelay = time.Second // a retry would show in the duration

	start := time.Now()
	_, err := c.QueryDevices(context.Background(), "")
	if err == nil {
		t.Fatal("QueryDevices with an untrusted certificate succeeded")
	}
	if !strings.Contains(err.Error(), "FALCON_CA_FILE") {
		t.Errorf("error %q does not point to FALCON_CA_FILE", err)
	}
	if took := time.Since(start); took > 900*time.Millisecond {
		t.Errorf("took %s, want no retry of a certificate failure", took)
	}
}
