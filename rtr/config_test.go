package rtr

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func envFunc(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{
			name: "all variables",
			env: map[string]string{
				EnvClientID: " id ", EnvClientSecret: "secret", EnvCloud: "EU-1",
				EnvMemberCID: "0123456789ABCDEF0123456789ABCDEF-A7", EnvCAFile: "/tmp/ca.pem",
				EnvLoopbackOnly: "1",
			},
			want: Config{
				ClientID: "id", ClientSecret: "secret", Cloud: "eu-1",
				MemberCID: "0123456789ABCDEF0123456789ABCDEF", CAFile: "/tmp/ca.pem", LoopbackOnly: true,
			},
		},
		{name: "empty environment", env: map[string]string{}, want: Config{}},
		{name: "cloud without dash", env: map[string]string{EnvCloud: "us2"}, want: Config{Cloud: "us-2"}},
		{name: "gov alias", env: map[string]string{EnvCloud: "gov1"}, want: Config{Cloud: "us-gov-1"}},
		{name: "gov upper case", env: map[string]string{EnvCloud: "US-GOV-2"}, want: Config{Cloud: "us-gov-2"}},
		{name: "autodiscover", env: map[string]string{EnvCloud: "autodiscover"}, want: Config{Cloud: "autodiscover"}},
		{name: "unknown cloud", env: map[string]string{EnvCloud: "eu-2"}, wantErr: "FALCON_CLOUD: unknown Falcon cloud \"eu-2\""},
		{
			name: "member CID without suffix",
			env:  map[string]string{EnvMemberCID: "0123456789abcdef0123456789abcdef"},
			want: Config{MemberCID: "0123456789abcdef0123456789abcdef"},
		},
		{name: "member CID too short", env: map[string]string{EnvMemberCID: "0123"}, wantErr: "FALCON_MEMBER_CID: invalid member CID \"0123\""},
		{
			name:    "member CID long suffix",
			env:     map[string]string{EnvMemberCID: "0123456789ABCDEF0123456789ABCDEF-A7B"},
			wantErr: "invalid member CID",
		},
		{
			name:    "member CID not hex",
			env:     map[string]string{EnvMemberCID: "0123456789ABCDEF0123456789ABCDEZ"},
			wantErr: "invalid member CID",
		},
		{
			name: "base URL host only",
			env:  map[string]string{EnvBaseURL: "api.eu-1.crowdstrike.com"},
			want: Config{BaseURL: "api.eu-1.crowdstrike.com"},
		},
		{name: "base URL plain http remote", env: map[string]string{EnvBaseURL: "http://example.com"}, wantErr: "plain http is allowed only for loopback"},
		{name: "base URL plain http loopback", env: map[string]string{EnvBaseURL: "http://127.0.0.1:8080"}, want: Config{BaseURL: "http://127.0.0.1:8080"}},
		{name: "base URL bad scheme", env: map[string]string{EnvBaseURL: "ftp://example.com"}, wantErr: "scheme must be https"},
		{name: "loopback zero", env: map[string]string{EnvLoopbackOnly: "0"}, want: Config{}},
		{name: "loopback true", env: map[string]string{EnvLoopbackOnly: "true"}, want: Config{LoopbackOnly: true}},
		{name: "loopback invalid", env: map[string]string{EnvLoopbackOnly: "yes"}, wantErr: "RTRPLAY_LOOPBACK_ONLY: invalid value \"yes\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromEnv(envFunc(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ConfigFromEnv error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ConfigFromEnv: %v", err)
			}
			if got.String() != tt.want.String() || got.ClientSecret != tt.want.ClientSecret {
				t.Errorf("ConfigFromEnv = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseCloudTable(t *testing.T) {
	tests := []struct {
		name    string
		want    Cloud
		wantURL string
	}{
		{"us-1", CloudUS1, "https://api.crowdstrike.com"},
		{" US1 ", CloudUS1, "https://api.crowdstrike.com"},
		{"us-2", CloudUS2, "https://api.us-2.crowdstrike.com"},
		{"us-3", CloudUS3, "https://api.us-3.crowdstrike.com"},
		{"Eu-1", CloudEU1, "https://api.eu-1.crowdstrike.com"},
		{"us-gov-1", CloudUSGov1, "https://api.laggar.gcw.crowdstrike.com"},
		{"usgov1", CloudUSGov1, "https://api.laggar.gcw.crowdstrike.com"},
		{"gov2", CloudUSGov2, "https://api.us-gov-2.crowdstrike.mil"},
		{"AutoDiscover", CloudAutodiscover, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCloud(tt.name)
			if err != nil {
				t.Fatalf("ParseCloud(%q): %v", tt.name, err)
			}
			if got != tt.want {
				t.Errorf("ParseCloud(%q) = %q, want %q", tt.name, got, tt.want)
			}
			if url := got.BaseURL(); url != tt.wantURL {
				t.Errorf("%s.BaseURL() = %q, want %q", got, url, tt.wantURL)
			}
		})
	}
}

func TestConfigRedactsSecret(t *testing.T) {
	cfg := Config{ClientID: "id", ClientSecret: testSecret, MemberCID: "0123456789abcdef0123456789abcdef"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "config", cfg)

	outputs := map[string]string{
		"%v":     fmt.Sprintf("%v", cfg),
		"%+v":    fmt.Sprintf("%+v", cfg),
		"%#v":    fmt.Sprintf("%#v", cfg),
		"%s":     fmt.Sprintf("%s", cfg),
		"slog":   logged.String(),
		"String": cfg.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, testSecret) {
			t.Errorf("%s output contains the secret: %s", name, out)
		}
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("%s output does not show that a secret is set: %s", name, out)
		}
		if !strings.Contains(out, "0123456789abcdef0123456789abcdef") {
			t.Errorf("%s output lacks the member CID: %s", name, out)
		}
	}
	if got := (Config{}).String(); strings.Contains(got, "REDACTED") {
		t.Errorf("empty Config shows a redacted secret: %s", got)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr []string
	}{
		{"missing both", Config{}, []string{"client id (FALCON_CLIENT_ID)", "client secret (FALCON_CLIENT_SECRET)"}},
		{"missing secret", Config{ClientID: "id"}, []string{"missing API client client secret (FALCON_CLIENT_SECRET)"}},
		{"missing id", Config{ClientSecret: "s"}, []string{"missing API client client id (FALCON_CLIENT_ID)"}},
		{"bad member CID", Config{ClientID: "id", ClientSecret: "s", MemberCID: "xyz"}, []string{"invalid member CID \"xyz\""}},
		{"bad cloud", Config{ClientID: "id", ClientSecret: "s", Cloud: "mars-1"}, []string{"unknown Falcon cloud \"mars-1\""}},
		{
			"loopback only with remote URL",
			Config{ClientID: "id", ClientSecret: "s", BaseURL: "https://api.crowdstrike.com", LoopbackOnly: true},
			[]string{"address is not loopback"},
		},
		{
			"loopback only with remote cloud",
			Config{ClientID: "id", ClientSecret: "s", Cloud: "us-2", LoopbackOnly: true},
			[]string{"address is not loopback"},
		},
		{"missing CA file", Config{ClientID: "id", ClientSecret: "s", BaseURL: "https://127.0.0.1:1", CAFile: "/nonexistent/ca.pem"}, []string{"read CA file (FALCON_CA_FILE)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(context.Background(), tt.cfg)
			if err == nil {
				_ = c.Close(context.Background())
				t.Fatalf("New(%v) succeeded, want an error", tt.cfg)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("New error = %q, want it to contain %q", err, want)
				}
			}
			if strings.Contains(err.Error(), tt.cfg.ClientSecret) && tt.cfg.ClientSecret != "" && len(tt.cfg.ClientSecret) > 2 {
				t.Errorf("New error contains the secret: %q", err)
			}
		})
	}
}

func TestNewAcceptsCloudAndMemberCIDSuffix(t *testing.T) {
	c, err := New(context.Background(), Config{
		ClientID: "id", ClientSecret: "s", Cloud: "EU1",
		MemberCID: "0123456789ABCDEF0123456789ABCDEF-A7",
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer c.Close(context.Background())
	if got, want := c.BaseURL(), "https://api.eu-1.crowdstrike.com"; got != want {
		t.Errorf("BaseURL() = %q, want %q", got, want)
	}
	if got, want := c.tokens.memberCID, "0123456789ABCDEF0123456789ABCDEF"; got != want {
		t.Errorf("member CID = %q, want %q", got, want)
	}
	if got := c.userAgent; !strings.HasPrefix(got, "rtrplay/") {
		t.Errorf("User-Agent = %q, want the rtrplay/ prefix", got)
	}
}
