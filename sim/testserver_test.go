package sim

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// demoFleet returns a new demo fleet.
func demoFleet(t *testing.T) *fleet.Fleet {
	t.Helper()
	f, err := fleet.Named("demo")
	if err != nil {
		t.Fatalf("fleet.Named(demo): %v", err)
	}
	return f
}

// startFaultServer starts an emulator that injects the faults of spec.
func startFaultServer(t *testing.T, fleetName, spec string) *Server {
	t.Helper()
	return startServer(t, fleetName, Options{Faults: mustParseFaults(t, spec)})
}

func mustParseFaults(t *testing.T, spec string) Faults {
	t.Helper()
	f, err := ParseFaults(spec)
	if err != nil {
		t.Fatalf("ParseFaults(%q): %v", spec, err)
	}
	return f
}

// trustingClient returns an HTTP client that trusts srv's CA and dials
// only loopback.
func trustingClient(srv *Server) *http.Client {
	return loopback.Client(&tls.Config{RootCAs: srv.CertPool()})
}

// lastRequest returns the newest entry of srv's request log for path.
func lastRequest(t *testing.T, srv *Server, path string) RequestRecord {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Path == path {
			return reqs[i]
		}
	}
	t.Fatalf("request log has no request for %s", path)
	return RequestRecord{}
}

// sendExpectingFailure sends a JSON request with c's token and returns
// the transport error, failing the test when a response arrives.
func sendExpectingFailure(t *testing.T, c *apiClient, method, path string, body any) error {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("encode request body: %v", err)
	}
	req, err := http.NewRequest(method, c.srv.URL()+path, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ = io.ReadAll(resp.Body)
	t.Fatalf("%s %s: got status %d and body %.200s, want no response", method, path, resp.StatusCode, data)
	return nil
}

// checkRetryAfterWithin checks that X-RateLimit-RetryAfter is whole epoch
// seconds from min to max after now.
func checkRetryAfterWithin(t *testing.T, header http.Header, min, max time.Duration) {
	t.Helper()
	raw := header.Get("X-RateLimit-RetryAfter")
	at, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		t.Fatalf("X-RateLimit-RetryAfter = %q, want epoch seconds", raw)
	}
	if wait := time.Until(time.Unix(at, 0)); wait < min || wait > max {
		t.Errorf("X-RateLimit-RetryAfter is %v away, want %v to %v", wait, min, max)
	}
	if got := header.Get("X-RateLimit-Remaining"); got != "0" {
		t.Errorf("X-RateLimit-Remaining = %q, want 0 on a 429", got)
	}
}

// requestToken requests a token from srv with form (client credentials are
// added) and returns the status, body and headers.
func requestToken(t *testing.T, srv *Server, form url.Values) (int, []byte, http.Header) {
	t.Helper()
	c := &apiClient{t: t, srv: srv, http: trustingClient(srv)}
	full := url.Values{"client_id": {srv.ClientID()}, "client_secret": {srv.ClientSecret()}}
	for k, v := range form {
		full[k] = v
	}
	return c.postForm(pathToken, full, nil)
}

// clientWithToken returns a client holding a token requested with form.
func clientWithToken(t *testing.T, srv *Server, form url.Values) *apiClient {
	t.Helper()
	status, body, _ := requestToken(t, srv, form)
	if status != http.StatusCreated {
		t.Fatalf("token request with %v: status %d, want 201; body %s", form, status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(t, body, &tok)
	return &apiClient{t: t, srv: srv, http: trustingClient(srv), token: tok.AccessToken}
}

// idsQuery returns a query with n distinct well-formed AIDs.
func idsQuery(n int) url.Values {
	q := url.Values{}
	for i := range n {
		q.Add("ids", strings.Repeat("0", 24)+strconv.FormatInt(int64(0x10000000+i), 16))
	}
	return q
}
