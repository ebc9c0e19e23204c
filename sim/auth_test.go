package sim

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestTokenRequest(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := &apiClient{t: t, srv: srv, http: newClient(t, srv).http}
	good := url.Values{"client_id": {srv.ClientID()}, "client_secret": {srv.ClientSecret()}}
	wrongSecret := url.Values{"client_id": {srv.ClientID()}, "client_secret": {"not-the-secret"}}
	wrongID := url.Values{"client_id": {"0123456789abcdef0123456789abcdef"}, "client_secret": {srv.ClientSecret()}}

	tests := []struct {
		name        string
		form        url.Values
		basic       *[2]string
		wantStatus  int
		wantMessage string
	}{
		{name: "form credentials", form: good, wantStatus: http.StatusCreated},
		{name: "basic credentials", form: url.Values{"grant_type": {"client_credentials"}},
			basic: &[2]string{srv.ClientID(), srv.ClientSecret()}, wantStatus: http.StatusCreated},
		{name: "wrong secret", form: wrongSecret, wantStatus: http.StatusForbidden,
			wantMessage: "access denied, authorization failed"},
		{name: "wrong client id", form: wrongID, wantStatus: http.StatusForbidden,
			wantMessage: "access denied, authorization failed"},
		{name: "wrong basic secret", basic: &[2]string{srv.ClientID(), "nope"},
			wantStatus: http.StatusForbidden, wantMessage: "access denied, authorization failed"},
		{name: "no credentials", form: url.Values{}, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, body, header := c.postForm(pathToken, tt.form, tt.basic)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if header.Get("X-Cs-Traceid") == "" {
				t.Errorf("response has no X-CS-TRACEID header")
			}
			if tt.wantStatus != http.StatusCreated {
				checkErrorEnvelope(t, body, tt.wantStatus, tt.wantMessage)
				return
			}
			var tok struct {
				AccessToken string `json:"access_token"`
				TokenType   string `json:"token_type"`
				ExpiresIn   int    `json:"expires_in"`
			}
			decodeJSON(t, body, &tok)
			if tok.AccessToken == "" {
				t.Errorf("access_token is empty")
			}
			if tok.TokenType != "bearer" {
				t.Errorf("token_type = %q, want bearer", tok.TokenType)
			}
			if tok.ExpiresIn != 1799 {
				t.Errorf("expires_in = %d, want 1799 for the default 30m lifetime", tok.ExpiresIn)
			}
			if got := header.Get("X-Cs-Region"); got != "local" {
				t.Errorf("X-CS-Region = %q, want local (no real cloud)", got)
			}
		})
	}
}

// checkErrorEnvelope checks that body is an error envelope with a meta
// block and one error of the given code and, unless empty, message.
func checkErrorEnvelope(t *testing.T, body []byte, code int, message string) {
	t.Helper()
	var env wireErrors
	decodeJSON(t, body, &env)
	if env.Meta.TraceID == "" || env.Meta.QueryTime == nil {
		t.Errorf("meta lacks trace_id or query_time: %s", body)
	}
	if len(env.Errors) != 1 {
		t.Fatalf("errors = %v, want one entry", env.Errors)
	}
	if env.Errors[0].Code != code {
		t.Errorf("errors[0].code = %d, want %d", env.Errors[0].Code, code)
	}
	if message != "" && env.Errors[0].Message != message {
		t.Errorf("errors[0].message = %q, want %q", env.Errors[0].Message, message)
	}
}

func TestBearerToken(t *testing.T) {
	srv := startServer(t, "demo", Options{TokenTTL: 1500 * time.Millisecond})
	valid := newClient(t, srv)
	expiring := newClient(t, srv)
	time.Sleep(1600 * time.Millisecond)
	fresh := newClient(t, srv)

	tests := []struct {
		name       string
		token      string
		wantStatus int
	}{
		{name: "missing token", token: "", wantStatus: http.StatusUnauthorized},
		{name: "unknown token", token: "0123456789abcdef", wantStatus: http.StatusUnauthorized},
		{name: "expired token", token: expiring.token, wantStatus: http.StatusUnauthorized},
		{name: "also expired", token: valid.token, wantStatus: http.StatusUnauthorized},
		{name: "fresh token", token: fresh.token, wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &apiClient{t: t, srv: srv, http: fresh.http, token: tt.token}
			status, body, _ := c.do(http.MethodGet, pathDeviceQuery, nil, nil)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if tt.wantStatus == http.StatusUnauthorized {
				checkErrorEnvelope(t, body, http.StatusUnauthorized, "")
			}
		})
	}
}

func TestTokenExpiresInFollowsTTL(t *testing.T) {
	srv := startServer(t, "demo", Options{TokenTTL: 2 * time.Minute})
	c := &apiClient{t: t, srv: srv, http: newClient(t, srv).http}
	status, body, _ := c.postForm(pathToken, url.Values{
		"client_id": {srv.ClientID()}, "client_secret": {srv.ClientSecret()},
	}, nil)
	if status != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %s", status, body)
	}
	var tok struct {
		ExpiresIn int `json:"expires_in"`
	}
	decodeJSON(t, body, &tok)
	if tok.ExpiresIn != 119 {
		t.Errorf("expires_in = %d, want 119 for a 2m lifetime", tok.ExpiresIn)
	}
}

func TestRevokeToken(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	creds := &[2]string{srv.ClientID(), srv.ClientSecret()}

	status, body, _ := c.postForm(pathRevoke, url.Values{"token": {c.token}}, &[2]string{srv.ClientID(), "wrong"})
	if status != http.StatusForbidden {
		t.Fatalf("revoke with a wrong secret: status %d, want 403; body %s", status, body)
	}
	c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)

	status, body, _ = c.postForm(pathRevoke, url.Values{"token": {c.token}}, creds)
	if status != http.StatusOK {
		t.Fatalf("revoke: status %d, want 200; body %s", status, body)
	}
	status, body, _ = c.do(http.MethodGet, pathDeviceQuery, nil, nil)
	if status != http.StatusUnauthorized {
		t.Errorf("request with a revoked token: status %d, want 401; body %s", status, body)
	}
}
