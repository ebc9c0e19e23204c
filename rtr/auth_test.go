package rtr

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// handleDeviceQuery serves a device query that returns hostA.
func handleDeviceQuery(f *fakeFalcon) {
	f.handle("GET "+pathDeviceQuery, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": []string{hostA}}))
	})
}

func TestTokenSharedByConcurrentCalls(t *testing.T) {
	f := newFakeFalcon(t)
	handleDeviceQuery(f)
	c := newTestClient(t, f.config())

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.QueryDevices(context.Background(), "")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("QueryDevices: %v", err)
		}
	}
	if got := f.tokensIssued(); got != 1 {
		t.Errorf("tokens issued = %d, want 1 shared by every call", got)
	}
}

func TestTokenRequestForm(t *testing.T) {
	f := newFakeFalcon(t)
	handleDeviceQuery(f)
	cfg := f.config()
	cfg.MemberCID = "0123456789ABCDEF0123456789ABCDEF-A7"
	c := newTestClient(t, cfg)

	if _, err := c.QueryDevices(context.Background(), ""); err != nil {
		t.Fatalf("QueryDevices: %v", err)
	}
	reqs := f.requestsTo("POST /oauth2/token")
	if len(reqs) != 1 {
		t.Fatalf("token requests = %d, want 1", len(reqs))
	}
	form := reqs[0].Form
	checks := map[string]string{
		"client_id":     testClientID,
		"client_secret": testSecret,
		"member_cid":    "0123456789ABCDEF0123456789ABCDEF",
		"grant_type":    "client_credentials",
	}
	for field, want := range checks {
		if got := form.Get(field); got != want {
			t.Errorf("token form %s = %q, want %q", field, got, want)
		}
	}
	if ua := reqs[0].Header.Get("User-Agent"); !strings.HasPrefix(ua, "rtrplay/") {
		t.Errorf("token request User-Agent = %q, want rtrplay/<version>", ua)
	}
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	f := newFakeFalcon(t)
	f.expiresIn = 2 // renewed at half its lifetime, 1 s
	handleDeviceQuery(f)
	cfg := f.config()
	cfg.MemberCID = "0123456789abcdef0123456789abcdef"
	c := newTestClient(t, cfg)
	ctx := context.Background()

	if _, err := c.QueryDevices(ctx, ""); err != nil {
		t.Fatalf("first QueryDevices: %v", err)
	}
	if _, err := c.QueryDevices(ctx, ""); err != nil {
		t.Fatalf("second QueryDevices: %v", err)
	}
	if got := f.tokensIssued(); got != 1 {
		t.Fatalf("tokens issued before the renewal point = %d, want 1", got)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := c.QueryDevices(ctx, ""); err != nil {
		t.Fatalf("QueryDevices after the renewal point: %v", err)
	}
	if got := f.tokensIssued(); got != 2 {
		t.Errorf("tokens issued after the renewal point = %d, want 2", got)
	}
	for i, req := range f.requestsTo("POST /oauth2/token") {
		if got := req.Form.Get("member_cid"); got != cfg.MemberCID {
			t.Errorf("token request %d member_cid = %q, want %q", i, got, cfg.MemberCID)
		}
	}
}

func TestTokenRenewMarginForLongTokens(t *testing.T) {
	s := &tokenSource{}
	start := time.Now()
	tok := tokenExpiringAt(start.Add(1799 * time.Second))
	s.store(tok, start)
	if got, want := tok.Expiry.Sub(s.renewAt), tokenRenewMargin; got != want {
		t.Errorf("renewal %s before expiry, want %s", got, want)
	}
	if tokenRenewMargin < 240*time.Second {
		t.Errorf("renewal margin %s is under 240 s", tokenRenewMargin)
	}
}

func TestUnauthorizedRenewsTokenOnce(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("POST "+pathBatchCmd(ReadOnly), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, okBody(map[string]any{
			"combined": map[string]any{"resources": map[string]any{
				hostA: map[string]any{"aid": hostA, "session_id": "5e550000-0000-0000-0000-000000000001", "complete": true, "stdout": "ok"},
			}},
		}))
	})
	c := newTestClient(t, f.config())
	ctx := context.Background()
	req := BatchCommandRequest{BatchID: testBatchID, BaseCommand: "ls", CommandString: "ls C:\\"}

	if _, err := c.BatchCommand(ctx, ReadOnly, req); err != nil {
		t.Fatalf("first BatchCommand: %v", err)
	}
	f.revokeToken("token-1") // the server revokes the token before its expiry

	hosts, err := c.BatchCommand(ctx, ReadOnly, req)
	if err != nil {
		t.Fatalf("BatchCommand after the token was revoked: %v", err)
	}
	if got := hosts[hostA].Stdout; got != "ok" {
		t.Errorf("stdout = %q, want ok", got)
	}
	if got := f.tokensIssued(); got != 2 {
		t.Errorf("tokens issued = %d, want 2", got)
	}
	if got := len(f.requestsTo("POST " + pathBatchCmd(ReadOnly))); got != 3 {
		t.Errorf("command requests = %d, want 3 (one, then a 401 and its retry)", got)
	}
}

func TestUnauthorizedTwiceIsAnError(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("GET "+pathDeviceQuery, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusUnauthorized, errorBody(401, "access denied, invalid bearer token"))
	})
	c := newTestClient(t, f.config())

	_, err := c.QueryDevices(context.Background(), "")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("QueryDevices error = %v, want an *APIError with status 401", err)
	}
	if got := len(f.requestsTo("GET " + pathDeviceQuery)); got != 2 {
		t.Errorf("requests = %d, want 2 (one renewal only)", got)
	}
}

func TestTokenRejected(t *testing.T) {
	tests := []struct {
		name      string
		memberCID string
		secret    string
		message   string
		want      []string
	}{
		{
			name: "wrong secret with allowlist message", secret: "wrong",
			message: "access denied, authorization failed",
			want:    []string{"client id " + testClientID, "FALCON_CLIENT_SECRET", "IP allowlist", "HTTP 403"},
		},
		{
			name: "member CID refused", secret: testSecret, memberCID: "0123456789ABCDEF0123456789ABCDEF",
			message: "Failed to generate access token for customer ID",
			want:    []string{"acting for member CID 0123456789ABCDEF0123456789ABCDEF", "FALCON_MEMBER_CID"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
				writeJSON(w, http.StatusForbidden, errorBody(403, tt.message))
				return true
			}
			cfg := f.config()
			cfg.ClientSecret = tt.secret
			cfg.MemberCID = tt.memberCID
			c := newTestClient(t, cfg)

			_, err := c.QueryDevices(context.Background(), "")
			if !errors.Is(err, ErrCredentialsRejected) {
				t.Fatalf("error = %v, want ErrCredentialsRejected", err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if tt.message != allowlistMessage && strings.Contains(err.Error(), "allowlist") {
				t.Errorf("error %q mentions the allowlist for another message", err)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error contains the secret: %q", err)
			}
		})
	}
}

func TestTokenEndpointRateLimited(t *testing.T) {
	f := newFakeFalcon(t)
	handleDeviceQuery(f)
	calls := 0
	f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		calls++
		if calls > 1 {
			return false
		}
		w.Header().Set("X-Ratelimit-Retryafter", "1") // long past: waits the 1 s floor
		writeJSON(w, http.StatusTooManyRequests, errorBody(429, "API rate limit exceeded."))
		return true
	}
	c := newTestClient(t, f.config())

	start := time.Now()
	if _, err := c.QueryDevices(context.Background(), ""); err != nil {
		t.Fatalf("QueryDevices: %v", err)
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Errorf("took %s, want the 1 s minimum wait after a 429", took)
	}
	if got := len(f.requestsTo("POST /oauth2/token")); got != 2 {
		t.Errorf("token requests = %d, want 2", got)
	}
}

func TestCloseRevokesToken(t *testing.T) {
	f := newFakeFalcon(t)
	handleDeviceQuery(f)
	c, err := New(context.Background(), f.config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.QueryDevices(ctx, ""); err != nil {
		t.Fatalf("QueryDevices: %v", err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}

	reqs := f.requestsTo("POST /oauth2/revoke")
	if len(reqs) != 1 {
		t.Fatalf("revoke requests = %d, want 1", len(reqs))
	}
	if got := reqs[0].Form.Get("token"); got != "token-1" {
		t.Errorf("revoked token = %q, want token-1", got)
	}
	if id, _, ok := (&http.Request{Header: reqs[0].Header}).BasicAuth(); !ok || id != testClientID {
		t.Errorf("revoke Basic auth user = %q (present %t), want %q", id, ok, testClientID)
	}
	if f.authorized(&http.Request{Header: http.Header{"Authorization": {"Bearer token-1"}}}) {
		t.Error("token-1 is still valid after Close")
	}
	if _, err := c.QueryDevices(ctx, ""); !errors.Is(err, errClosed) {
		t.Errorf("QueryDevices after Close error = %v, want errClosed", err)
	}
}
