package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim"
)

// parseSimFlags parses args as `rtrplay sim` does and builds the options.
func parseSimFlags(t *testing.T, args ...string) (sim.Options, error) {
	t.Helper()
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f simFlags
	f.define(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	return f.options(set)
}

func TestSimFlagsBuildOptions(t *testing.T) {
	opts, err := parseSimFlags(t,
		"-faults", "429:0.2,503-after:0.1@/real-time-response/,latency:5ms-10ms", "-seed", "9",
		"-time-scale", "0.5", "-queue-ttl", "1h", "-rate-limit", "50", "-region", "eu-1",
		"-child-cid", "0123456789ABCDEF0123456789ABCDEF=WIN-FIN-01, lnx-web-01",
		"-child-cid", "0123456789ABCDEF0123456789ABCDEF=mac-dev-01",
		"-null-state", "WIN-DC-01,WIN-HR-02", "-id-limits", "online-state=50,html-above=200")
	if err != nil {
		t.Fatalf("options: %v", err)
	}
	if got, want := opts.Faults.String(), "429:0.2,503-after:0.1@/real-time-response/,latency:5ms-10ms,seed:9"; got != want {
		t.Errorf("faults = %q, want %q", got, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"TimeScale", opts.TimeScale, 0.5},
		{"QueueTTL", opts.QueueTTL, time.Hour},
		{"RateLimit", opts.RateLimit, 50},
		{"Region", opts.Region, "eu-1"},
		{"ChildCIDs", opts.ChildCIDs, map[string][]string{
			"0123456789ABCDEF0123456789ABCDEF": {"WIN-FIN-01", "lnx-web-01", "mac-dev-01"}}},
		{"NullStateHosts", opts.NullStateHosts, []string{"WIN-DC-01", "WIN-HR-02"}},
		{"IDLimits", opts.IDLimits, sim.IDLimits{OnlineState: 50, HTMLAbove: 200}},
		{"Listen", opts.Listen, "127.0.0.1:0"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestSimFlagsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "bad fault", args: []string{"-faults", "503:2"}, want: []string{"-faults", `"503:2"`, "from 0 to 1"}},
		{name: "two seeds", args: []string{"-faults", "503:0.1,seed:1", "-seed", "2"},
			want: []string{"-seed 2 and seed:1", "give the seed once"}},
		{name: "zero time scale", args: []string{"-time-scale", "0"}, want: []string{"-time-scale 0 is invalid"}},
		{name: "token too short after scaling", args: []string{"-token-ttl", "1m", "-time-scale", "0.01"},
			want: []string{"-token-ttl 1m0s at -time-scale 0.01 is 600ms", "raise -token-ttl or -time-scale"}},
		{name: "bad id limits", args: []string{"-id-limits", "get=5"}, want: []string{"-id-limits", "details-get"}},
		{name: "child without hosts", args: []string{"-child-cid", "0123456789ABCDEF0123456789ABCDEF"},
			want: []string{"CID=HOST,HOST"}},
		{name: "zero rate limit", args: []string{"-rate-limit", "0"}, want: []string{"-rate-limit 0 is invalid"}},
		{name: "negative queue ttl", args: []string{"-queue-ttl", "-1h"}, want: []string{"-queue-ttl -1h0m0s is invalid"}},
		{name: "remote listen", args: []string{"-listen", "0.0.0.0:0"},
			want: []string{"-listen 0.0.0.0:0", "loopback only", "-allow-non-loopback"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSimFlags(t, tt.args...)
			if err == nil {
				t.Fatalf("options accepted %v", tt.args)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestSimFlagsAllowNonLoopback(t *testing.T) {
	opts, err := parseSimFlags(t, "-listen", "0.0.0.0:0", "-allow-non-loopback")
	if err != nil {
		t.Fatalf("options: %v", err)
	}
	if !opts.AllowNonLoopback || opts.Listen != "0.0.0.0:0" {
		t.Errorf("AllowNonLoopback %v Listen %q, want true and 0.0.0.0:0", opts.AllowNonLoopback, opts.Listen)
	}
}

func TestSimCommandAppliesFlags(t *testing.T) {
	vars, _, signals, exit := startSimCommand(t, "-region", "eu-1",
		"-faults", "503:1@/devices/queries/devices/v1", "-seed", "1",
		"-child-cid", "0123456789ABCDEF0123456789ABCDEF=WIN-FIN-01")
	defer func() {
		signals <- os.Interrupt
		<-exit
	}()
	pem, err := os.ReadFile(vars["FALCON_CA_FILE"])
	if err != nil {
		t.Fatalf("read CA file: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := loopback.Client(&tls.Config{RootCAs: pool})

	token := func(memberCID string) (*http.Response, string) {
		t.Helper()
		form := url.Values{"client_id": {vars["FALCON_CLIENT_ID"]}, "client_secret": {vars["FALCON_CLIENT_SECRET"]}}
		if memberCID != "" {
			form.Set("member_cid", memberCID)
		}
		resp, err := client.PostForm(vars["FALCON_BASE_URL"]+"/oauth2/token", form)
		if err != nil {
			t.Fatalf("token request: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	resp, body := token("")
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Cs-Region") != "eu-1" {
		t.Errorf("token: status %d X-CS-Region %q, want 201 and eu-1; body %s",
			resp.StatusCode, resp.Header.Get("X-Cs-Region"), body)
	}
	if resp, body := token("0123456789ABCDEF0123456789ABCDEF"); resp.StatusCode != http.StatusCreated {
		t.Errorf("token for the child CID: status %d, want 201; body %s", resp.StatusCode, body)
	}

	tokenValue := body[strings.Index(body, `"access_token":"`)+len(`"access_token":"`):]
	tokenValue = tokenValue[:strings.Index(tokenValue, `"`)]
	req, _ := http.NewRequest(http.MethodGet, vars["FALCON_BASE_URL"]+"/devices/queries/devices/v1", nil)
	req.Header.Set("Authorization", "Bearer "+tokenValue)
	got, err := client.Do(req)
	if err != nil {
		t.Fatalf("device query: %v", err)
	}
	got.Body.Close()
	if got.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("device query: status %d, want the injected 503", got.StatusCode)
	}
}
