package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The token response's expires_in is the token lifetime less one second,
// in whole seconds.
func TestTokenExpiresInField(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want int64
	}{
		{name: "default lifetime", want: 1799},
		{name: "two-minute lifetime", ttl: 121 * time.Second, want: 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFieldServer(t, Options{TokenTTL: tt.ttl})
			status, body, _ := requestToken(t, srv, nil)
			if status != http.StatusCreated {
				t.Fatalf("token request: status %d, want 201", status)
			}
			var tok struct {
				ExpiresIn int64 `json:"expires_in"`
			}
			decodeJSON(t, body, &tok)
			if tok.ExpiresIn != tt.want {
				t.Errorf("expires_in = %d, want %d", tok.ExpiresIn, tt.want)
			}
		})
	}
}

// An access token stops working when its lifetime ends. Every endpoint
// family then returns 401 and runs nothing, so a retry with a new token is
// safe, and the new token reaches the batch that the old one opened.
func TestExpiredTokenRejectedEverywhere(t *testing.T) {
	// A time scale of 0.01 makes the 2-minute token last 1.2 s and the
	// 10-minute session 6 s.
	srv := startFieldServer(t, Options{TokenTTL: 2 * time.Minute, TimeScale: 0.01})
	old := newClient(t, srv)
	batchID, _ := openBatch(t, old, false, hostWin)
	time.Sleep(1300 * time.Millisecond)

	pwd := map[string]any{"base_command": "pwd", "command_string": "pwd", "batch_id": batchID}
	calls := []struct {
		path string
		body map[string]any
	}{
		{pathBatchCommand, pwd},
		{pathBatchResponder, pwd},
		{pathBatchAdmin, pwd},
		{pathBatchRefresh, map[string]any{"batch_id": batchID}},
		{pathBatchInit, map[string]any{"host_ids": []string{hostLinux}}},
	}
	for _, call := range calls {
		t.Run(call.path, func(t *testing.T) {
			var resp wireErrors
			old.expect(http.StatusUnauthorized, http.MethodPost, call.path, nil, call.body, &resp)
			checkOneError(t, call.path, resp.Errors, http.StatusUnauthorized, "access denied, invalid bearer token")
		})
	}
	if got := srv.Commands(); len(got) != 0 {
		t.Errorf("requests with an expired token ran %d commands, want none: %+v", len(got), got)
	}

	renewed := newClient(t, srv)
	res := runBatch(t, renewed, pathBatchAdmin, batchID, "pwd", nil)[hostWin]
	if !res.Complete || len(res.Errors) != 0 || res.Stdout != `C:\` {
		t.Errorf("admin pwd with a new token = %+v, want complete with stdout C:\\ and no errors", res)
	}
}

// A token requested with member_cid reaches only that child CID's hosts.
// The CID must be 32 hex digits in either case, and the console's form with
// a -XX checksum suffix gets 403. A token requested without member_cid, as
// by a refresh that drops it, reaches only the parent's hosts, so the
// child's hosts and batches look missing.
func TestMemberCIDScopesToken(t *testing.T) {
	const child = "0123456789ABCDEF0123456789ABCDEF"
	srv := startFieldServer(t, Options{ChildCIDs: map[string][]string{child: {"WIN-FC-06"}}})

	tokenTests := []struct {
		name       string
		memberCID  string
		wantStatus int
		wantError  string
	}{
		{name: "checksum suffix", memberCID: child + "-A7", wantStatus: http.StatusForbidden,
			wantError: "Failed to generate access token for customer ID=" + child + "-A7"},
		{name: "upper case", memberCID: child, wantStatus: http.StatusCreated},
		{name: "lower case", memberCID: strings.ToLower(child), wantStatus: http.StatusCreated},
		{name: "not a child", memberCID: strings.Repeat("e", 32), wantStatus: http.StatusForbidden,
			wantError: "Failed to generate access token for customer ID=" + strings.Repeat("e", 32)},
	}
	for _, tt := range tokenTests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := requestToken(t, srv, url.Values{"member_cid": {tt.memberCID}})
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if tt.wantError != "" {
				var resp wireErrors
				decodeJSON(t, body, &resp)
				checkOneError(t, "token request", resp.Errors, http.StatusForbidden, tt.wantError)
			}
		})
	}

	childClient := clientWithToken(t, srv, url.Values{"member_cid": {child}})
	parentClient := clientWithToken(t, srv, nil)
	childBatch, _ := openBatch(t, childClient, false, hostSpare)
	sensorComms := wireError{Code: 40401, Message: "Could not establish sensor comms"}
	scopeTests := []struct {
		name   string
		client *apiClient
		aid    string
	}{
		{name: "parent token, child host", client: parentClient, aid: hostSpare},
		{name: "child token, parent host", client: childClient, aid: hostWin},
	}
	for _, tt := range scopeTests {
		t.Run(tt.name, func(t *testing.T) {
			status, resp := postInit(t, tt.client, nil, map[string]any{"host_ids": []string{tt.aid}})
			if status != http.StatusNotFound {
				t.Fatalf("batch init: status %d, want 404", status)
			}
			checkOneError(t, "host "+tt.aid, resp.Resources[tt.aid].Errors, sensorComms.Code, sensorComms.Message)
		})
	}
	t.Run("parent token, child batch", func(t *testing.T) {
		var resp wireErrors
		parentClient.expect(http.StatusBadRequest, http.MethodPost, pathBatchRefresh, nil,
			map[string]any{"batch_id": childBatch}, &resp)
		checkOneError(t, "refresh", resp.Errors, http.StatusBadRequest, batchNotFound(childBatch))
	})
}

// A client discovers its cloud at the token call. X-CS-Region names the
// tenant's region, "local" by default so that no real cloud is named.
// Credentials of a cloud that cannot be discovered, such as GovCloud, get
// 400. Rejected credentials get 403 "access denied, authorization failed",
// the same response that a blocked IP address gets.
func TestTokenCallForRegionDiscovery(t *testing.T) {
	const govClient = "90v0000000000000000000000000c11e"
	tests := []struct {
		name       string
		opts       Options
		clientID   string // empty: the emulator's client id
		secret     string // empty: the emulator's client secret
		wantStatus int
		wantRegion string
		wantError  string
	}{
		{name: "default region", wantStatus: http.StatusCreated, wantRegion: "local"},
		// A real region name is safe here: this client follows no header.
		{name: "eu-1", opts: Options{Region: "eu-1"}, wantStatus: http.StatusCreated, wantRegion: "eu-1"},
		{name: "GovCloud credentials", opts: Options{ForeignClientIDs: []string{govClient}}, clientID: govClient,
			secret: "gov-secret", wantStatus: http.StatusBadRequest, wantError: "invalid client"},
		{name: "rejected credentials", secret: "wrong", wantStatus: http.StatusForbidden,
			wantError: "access denied, authorization failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFieldServer(t, tt.opts)
			id, secret := srv.ClientID(), srv.ClientSecret()
			if tt.clientID != "" {
				id = tt.clientID
			}
			if tt.secret != "" {
				secret = tt.secret
			}
			c := &apiClient{t: t, srv: srv, http: trustingClient(srv)}
			status, body, header := c.postForm(pathToken, url.Values{"client_id": {id}, "client_secret": {secret}}, nil)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if tt.wantRegion != "" {
				if got := header.Get("X-CS-Region"); got != tt.wantRegion {
					t.Errorf("X-CS-Region = %q, want %q", got, tt.wantRegion)
				}
			}
			if tt.wantError != "" {
				var resp wireErrors
				decodeJSON(t, body, &resp)
				checkOneError(t, "token request", resp.Errors, tt.wantStatus, tt.wantError)
			}
		})
	}
}

// The Hosts API caps the ids of one request at 100 for online state and
// for GET device details by default, with a JSON 400 past the cap. Past a
// second limit, 500 by default, a GET gets a text/html 400 page that JSON
// decoders fail on. Both limits are options.
func TestHostIDCapsAndHTMLPage(t *testing.T) {
	tests := []struct {
		name     string
		limits   IDLimits
		path     string
		ids      int
		wantHTML bool
		wantJSON string // the JSON 400's message; both empty: 200
	}{
		{name: "online state, 100 ids", path: pathOnlineState, ids: 100},
		{name: "online state, 101 ids", path: pathOnlineState, ids: 101,
			wantJSON: "request must contain between 0 and 100 ids"},
		{name: "online state, 501 ids", path: pathOnlineState, ids: 501, wantHTML: true},
		{name: "details, 101 ids", path: pathDeviceDetails, ids: 101,
			wantJSON: "request must contain between 0 and 100 ids"},
		{name: "details, 501 ids", path: pathDeviceDetails, ids: 501, wantHTML: true},
		{name: "online state, limit 50", limits: IDLimits{OnlineState: 50}, path: pathOnlineState, ids: 51,
			wantJSON: "request must contain between 0 and 50 ids"},
		{name: "details, HTML above 200", limits: IDLimits{HTMLAbove: 200}, path: pathDeviceDetails, ids: 201,
			wantHTML: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFieldServer(t, Options{IDLimits: tt.limits})
			c := newClient(t, srv)
			status, data, header := c.do(http.MethodGet, tt.path, idsQuery(tt.ids), nil)
			contentType := header.Get("Content-Type")
			switch {
			case tt.wantHTML:
				if status != http.StatusBadRequest || !strings.HasPrefix(contentType, "text/html") {
					t.Fatalf("status %d, Content-Type %q; want 400 text/html", status, contentType)
				}
				if !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) || json.Valid(data) {
					t.Errorf("body %.120q is not an HTML page", data)
				}
			case tt.wantJSON != "":
				if status != http.StatusBadRequest || contentType != "application/json" {
					t.Fatalf("status %d, Content-Type %q; want 400 application/json", status, contentType)
				}
				var resp wireErrors
				decodeJSON(t, data, &resp)
				checkOneError(t, tt.path, resp.Errors, http.StatusBadRequest, tt.wantJSON)
			default:
				if status != http.StatusOK {
					t.Errorf("status %d, want 200; body %.200s", status, data)
				}
			}
		})
	}
}

// The online state of a host can come back as JSON null instead of
// "online" or "offline", for the hosts an option names or, through a fault
// spec, for any entry.
func TestOnlineStateCanBeNull(t *testing.T) {
	hosts := []string{"WIN-FC-01", "lnx-fc-03", "WIN-FC-04"}
	tests := []struct {
		name string
		opts Options
		want map[string]string
	}{
		{name: "null-state host", opts: Options{NullStateHosts: []string{"WIN-FC-01"}},
			want: map[string]string{"WIN-FC-01": "null", "lnx-fc-03": `"online"`, "WIN-FC-04": `"offline"`}},
		{name: "null-state fault", opts: Options{Faults: mustParseFaults(t, "null-state:1,seed:7")},
			want: map[string]string{"WIN-FC-01": "null", "lnx-fc-03": "null", "WIN-FC-04": "null"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFieldServer(t, tt.opts)
			got := statesByHost(t, newClient(t, srv), hosts...)
			for _, name := range hosts {
				if got[name] != tt.want[name] {
					t.Errorf("%s state = %s, want %s", name, got[name], tt.want[name])
				}
			}
		})
	}
}

// A 429 comes before the API handles the request, so the command reaches
// no host and a retry is safe. X-RateLimit-RetryAfter gives the time to
// retry in epoch seconds.
func TestRateLimitedCommandNotRun(t *testing.T) {
	srv := startFieldServer(t, Options{Faults: mustParseFaults(t, "429:1@"+pathBatchCommand+",seed:1")})
	c := newClient(t, srv)
	batchID, _ := openBatch(t, c, false, hostWin)
	status, data, header := c.do(http.MethodPost, pathBatchCommand, nil,
		map[string]any{"base_command": "pwd", "command_string": "pwd", "batch_id": batchID})
	if status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429; body %.200s", status, data)
	}
	checkRetryAfterWithin(t, header, 0, 2*time.Second)
	var resp wireErrors
	decodeJSON(t, data, &resp)
	checkOneError(t, "batch command", resp.Errors, http.StatusTooManyRequests, "API rate limit exceeded.")
	if got := srv.Commands(); len(got) != 0 {
		t.Errorf("a rate-limited command ran on %d hosts, want none", len(got))
	}
}
