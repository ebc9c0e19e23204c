package sim

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
)

func TestTimeScaleScalesLifetimes(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want Options // only the scaled fields are compared
	}{
		{name: "defaults unscaled", opts: Options{},
			want: Options{TokenTTL: 30 * time.Minute, SessionTTL: 10 * time.Minute,
				UploadDelay: 1500 * time.Millisecond, ContainDelay: time.Second, QueueTTL: 7 * 24 * time.Hour}},
		{name: "defaults at one hundredth", opts: Options{TimeScale: 0.01},
			want: Options{TokenTTL: 18 * time.Second, SessionTTL: 6 * time.Second,
				UploadDelay: 15 * time.Millisecond, ContainDelay: 10 * time.Millisecond,
				QueueTTL: 6048 * time.Second}},
		{name: "explicit values are scaled too",
			opts: Options{TimeScale: 0.5, TokenTTL: 2 * time.Minute, SessionTTL: time.Minute,
				UploadDelay: time.Second, ContainDelay: 4 * time.Second, QueueTTL: time.Hour},
			want: Options{TokenTTL: time.Minute, SessionTTL: 30 * time.Second,
				UploadDelay: 500 * time.Millisecond, ContainDelay: 2 * time.Second, QueueTTL: 30 * time.Minute}},
		{name: "tiny delays keep one millisecond", opts: Options{TimeScale: 1e-9},
			want: Options{TokenTTL: time.Millisecond, SessionTTL: time.Millisecond,
				UploadDelay: time.Millisecond, ContainDelay: time.Millisecond, QueueTTL: time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Fleet, tt.opts.HTTP = demoFleet(t), true
			srv, err := New(tt.opts)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer srv.Close()
			got := srv.opts
			for _, d := range []struct {
				name      string
				got, want time.Duration
			}{
				{"TokenTTL", got.TokenTTL, tt.want.TokenTTL},
				{"SessionTTL", got.SessionTTL, tt.want.SessionTTL},
				{"UploadDelay", got.UploadDelay, tt.want.UploadDelay},
				{"ContainDelay", got.ContainDelay, tt.want.ContainDelay},
				{"QueueTTL", got.QueueTTL, tt.want.QueueTTL},
			} {
				if d.got != d.want {
					t.Errorf("%s = %v, want %v", d.name, d.got, d.want)
				}
			}
		})
	}
}

// TestTimeScaleShortensSessionAndContainment runs a session past its
// scaled idle lifetime (10m at 1/500 is 1.2s) and a containment past its
// scaled delay (1s at 1/500 is 2ms).
func TestTimeScaleShortensSessionAndContainment(t *testing.T) {
	srv := startServer(t, "demo", Options{TimeScale: 0.002})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "lnx-web-01")
	web := aidOf(t, srv, "lnx-web-01")

	c.expect(http.StatusAccepted, http.MethodPost, pathDeviceActions, url.Values{"action_name": {"contain"}},
		map[string]any{"ids": []string{web}}, nil)
	time.Sleep(100 * time.Millisecond)
	if got := hostNamed(t, srv.Fleet(), "lnx-web-01").Info().Containment; got != "contained" {
		t.Errorf("containment 100ms after contain = %q, want contained (delay scaled to 2ms)", got)
	}

	time.Sleep(1300 * time.Millisecond)
	results := runBatch(t, c, pathBatchCommand, batchID, "pwd", nil)
	if codes := errorCodes(results[web].Errors); len(codes) != 1 || codes[0] != 50007 {
		t.Errorf("command 1.4s after init: errors %v, want [50007] (session lifetime scaled to 1.2s)", codes)
	}
}

func TestTimeScaleExpiresToken(t *testing.T) {
	// One minute at 1/40 is 1.5s.
	srv := startServer(t, "demo", Options{TokenTTL: time.Minute, TimeScale: 0.025})
	status, body, _ := requestToken(t, srv, nil)
	if status != http.StatusCreated {
		t.Fatalf("token request: status %d; body %s", status, body)
	}
	var tok struct {
		ExpiresIn *int `json:"expires_in"`
	}
	decodeJSON(t, body, &tok)
	if tok.ExpiresIn == nil || *tok.ExpiresIn != 0 {
		t.Errorf("expires_in = %v, want 0 for a 1.5s lifetime", tok.ExpiresIn)
	}
	c := clientWithToken(t, srv, nil)
	c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)
	time.Sleep(1600 * time.Millisecond)
	status, body, _ = c.do(http.MethodGet, pathDeviceQuery, nil, nil)
	if status != http.StatusUnauthorized {
		t.Fatalf("request after the scaled lifetime: status %d, want 401; body %s", status, body)
	}
	checkErrorEnvelope(t, body, http.StatusUnauthorized, "access denied, invalid bearer token")
}

func TestRevokeAffectsOnlyNamedToken(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	revoked, kept := newClient(t, srv), newClient(t, srv)
	creds := &[2]string{srv.ClientID(), srv.ClientSecret()}
	for i := range 2 { // revoking twice succeeds both times
		status, body, _ := revoked.postForm(pathRevoke, url.Values{"token": {revoked.token}}, creds)
		if status != http.StatusOK {
			t.Fatalf("revoke %d: status %d, want 200; body %s", i+1, status, body)
		}
	}
	if status, _, _ := revoked.do(http.MethodGet, pathDeviceQuery, nil, nil); status != http.StatusUnauthorized {
		t.Errorf("revoked token: status %d, want 401", status)
	}
	kept.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)
}

func TestRateLimitOption(t *testing.T) {
	srv := startServer(t, "demo", Options{RateLimit: 3})
	c := newClient(t, srv) // the token request takes the first of the three
	for _, wantRemaining := range []string{"1", "0"} {
		status, body, header := c.do(http.MethodGet, pathDeviceQuery, nil, nil)
		if status != http.StatusOK {
			t.Fatalf("status %d, want 200; body %s", status, body)
		}
		if got := header.Get("X-RateLimit-Limit"); got != "3" {
			t.Errorf("X-RateLimit-Limit = %q, want 3", got)
		}
		if got := header.Get("X-RateLimit-Remaining"); got != wantRemaining {
			t.Errorf("X-RateLimit-Remaining = %q, want %s", got, wantRemaining)
		}
	}
	status, body, header := c.do(http.MethodGet, pathDeviceQuery, nil, nil)
	if status != http.StatusTooManyRequests {
		t.Fatalf("fourth request: status %d, want 429; body %s", status, body)
	}
	checkErrorEnvelope(t, body, http.StatusTooManyRequests, "")
	checkRetryAfterWithin(t, header, 58*time.Second, 61*time.Second)
}

func TestRegionHeader(t *testing.T) {
	tests := []struct {
		region string
		want   string
	}{
		{region: "", want: "local"},
		{region: "eu-1", want: "eu-1"},
		{region: "us-gov-2", want: "us-gov-2"},
	}
	for _, tt := range tests {
		t.Run("region "+tt.want, func(t *testing.T) {
			srv := startServer(t, "demo", Options{Region: tt.region})
			status, body, header := requestToken(t, srv, nil)
			if status != http.StatusCreated {
				t.Fatalf("token request: status %d; body %s", status, body)
			}
			if got := header.Get("X-Cs-Region"); got != tt.want {
				t.Errorf("X-CS-Region = %q, want %q", got, tt.want)
			}
			c := newClient(t, srv)
			_, _, header = c.do(http.MethodGet, pathDeviceQuery, nil, nil)
			if got := header.Get("X-Cs-Region"); got != "" {
				t.Errorf("device query sent X-CS-Region %q; only token responses carry it", got)
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{name: "negative time scale", opts: Options{TimeScale: -1}, want: "time scale -1 is invalid"},
		{name: "NaN time scale", opts: Options{TimeScale: math.NaN()}, want: "use a positive number"},
		{name: "negative rate limit", opts: Options{RateLimit: -5}, want: "rate limit -5 is negative"},
		{name: "region with a space", opts: Options{Region: "eu 1"}, want: `region "eu 1" is invalid`},
		{name: "region with a newline", opts: Options{Region: "eu-1\r\nX: y"}, want: "is invalid"},
		{name: "negative id limit", opts: Options{IDLimits: IDLimits{OnlineState: -1}},
			want: "id limit online-state is -1"},
		{name: "unknown null-state host", opts: Options{NullStateHosts: []string{"nope"}},
			want: `null-state host "nope" is not in the fleet`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Fleet, tt.opts.HTTP = demoFleet(t), true
			srv, err := New(tt.opts)
			if err == nil {
				srv.Close()
				t.Fatalf("New accepted %+v", tt.opts)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestNonLoopbackNeedsOption(t *testing.T) {
	tests := []struct {
		name    string
		listen  string
		allow   bool
		wantErr string
	}{
		{name: "rejected by default", listen: "0.0.0.0:0", wantErr: "Options.AllowNonLoopback"},
		{name: "allowed with the option", listen: "0.0.0.0:0", allow: true},
		{name: "still needs a port", listen: "0.0.0.0", allow: true, wantErr: "use host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// New does not bind, so no test listens beyond loopback.
			srv, err := New(Options{Fleet: demoFleet(t), HTTP: true, Listen: tt.listen, AllowNonLoopback: tt.allow})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				srv.Close()
				return
			}
			if err == nil {
				srv.Close()
				t.Fatalf("New accepted %s", tt.listen)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if !tt.allow && !errors.Is(err, loopback.ErrNotLoopback) {
				t.Errorf("error %q does not wrap loopback.ErrNotLoopback", err)
			}
		})
	}
}
