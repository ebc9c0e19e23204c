package rtr

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// discoveryConfig returns an autodiscover Config whose cloud table points
// us-1 and eu-1 at the fakes.
func discoveryConfig(us1, eu1 *fakeFalcon) Config {
	cfg := us1.config()
	cfg.BaseURL = ""
	cfg.Cloud = "autodiscover"
	// httptest servers share one certificate, so us-1's CA file trusts
	// both fakes.
	cfg.cloudURLs = map[Cloud]string{CloudUS1: us1.srv.URL, CloudEU1: eu1.srv.URL}
	return cfg
}

func TestAutodiscoverMovesToRegion(t *testing.T) {
	us1, eu1 := newFakeFalcon(t), newFakeFalcon(t)
	us1.region = "eu-1"
	handleDeviceQuery(eu1)
	cfg := discoveryConfig(us1, eu1)

	c := newTestClient(t, cfg)
	if got := c.BaseURL(); got != eu1.srv.URL {
		t.Fatalf("BaseURL() = %s, want the eu-1 URL %s", got, eu1.srv.URL)
	}
	if _, err := c.QueryDevices(context.Background(), ""); err != nil {
		t.Fatalf("QueryDevices: %v", err)
	}
	if got := len(eu1.requestsTo("GET " + pathDeviceQuery)); got != 1 {
		t.Errorf("eu-1 device queries = %d, want 1", got)
	}
	if got := len(us1.requestsTo("GET " + pathDeviceQuery)); got != 0 {
		t.Errorf("us-1 device queries = %d, want 0", got)
	}
	revokes := eu1.requestsTo("POST /oauth2/revoke")
	if len(revokes) != 1 || revokes[0].Form.Get("token") != "token-1" {
		t.Errorf("eu-1 revokes = %+v, want the discovery token revoked there", revokes)
	}
	if got := eu1.tokensIssued(); got != 1 {
		t.Errorf("eu-1 tokens = %d, want 1 fresh token", got)
	}
}

func TestAutodiscoverStaysOnUS1(t *testing.T) {
	tests := []struct {
		name   string
		region string
	}{
		{"region header us-1", "us-1"},
		{"no region header", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			us1, eu1 := newFakeFalcon(t), newFakeFalcon(t)
			us1.region = tt.region
			handleDeviceQuery(us1)
			cfg := discoveryConfig(us1, eu1)

			c := newTestClient(t, cfg)
			if got := c.BaseURL(); got != us1.srv.URL {
				t.Fatalf("BaseURL() = %s, want us-1 %s", got, us1.srv.URL)
			}
			if _, err := c.QueryDevices(context.Background(), ""); err != nil {
				t.Fatalf("QueryDevices: %v", err)
			}
			if got := us1.tokensIssued(); got != 1 {
				t.Errorf("us-1 tokens = %d, want the discovery token reused", got)
			}
		})
	}
}

func TestAutodiscoverFailures(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(f *fakeFalcon)
		want    []string
		wantIs  error
		notWant string
	}{
		{
			name: "gov credentials",
			setup: func(f *fakeFalcon) {
				f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
					writeJSON(w, http.StatusBadRequest, errorBody(400, "invalid client"))
					return true
				}
			},
			want: []string{"GovCloud tenants cannot be discovered", "FALCON_CLOUD", "us-gov-1"},
		},
		{
			name: "IP allowlist",
			setup: func(f *fakeFalcon) {
				f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
					writeJSON(w, http.StatusForbidden, errorBody(403, "access denied, authorization failed"))
					return true
				}
			},
			want:   []string{"IP allowlist"},
			wantIs: ErrCredentialsRejected,
		},
		{
			name:  "unknown region",
			setup: func(f *fakeFalcon) { f.region = "local" },
			want:  []string{`named region "local"`, "FALCON_BASE_URL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			us1, eu1 := newFakeFalcon(t), newFakeFalcon(t)
			tt.setup(us1)
			c, err := New(context.Background(), discoveryConfig(us1, eu1))
			if err == nil {
				_ = c.Close(context.Background())
				t.Fatal("New succeeded, want a discovery error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error = %v, want %v", err, tt.wantIs)
			}
		})
	}
}

func TestBaseURLWinsOverAutodiscover(t *testing.T) {
	us1, other := newFakeFalcon(t), newFakeFalcon(t)
	us1.region = "eu-1"
	cfg := discoveryConfig(us1, other)
	cfg.BaseURL = other.srv.URL
	cfg.CAFile = other.caFile

	c := newTestClient(t, cfg)
	if got := c.BaseURL(); got != other.srv.URL {
		t.Errorf("BaseURL() = %s, want the configured %s", got, other.srv.URL)
	}
	if got := len(us1.requestsCopy()); got != 0 {
		t.Errorf("us-1 received %d requests, want none when the base URL is set", got)
	}
}
