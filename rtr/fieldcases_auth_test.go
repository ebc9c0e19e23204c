package rtr

// Field cases of authentication and cloud selection, against the emulator:
// token renewal across RTR tiers, MSSP member CIDs, and region discovery.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim"
)

// One shared token source renews tokens whose expires_in is 1 s, so 5 s of
// read-only, active-responder and admin commands see no 401 and each command
// runs once.
func TestTokenRenewalServesEveryTier(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{TokenTTL: 2 * time.Second})
	c := newTestClient(t, simConfig(srv))
	ctx := context.Background()
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}

	var sent []string
	start := time.Now()
	for i := 0; time.Since(start) < 5*time.Second; i++ {
		tier, command := tierCommand(i)
		base, _, _ := strings.Cut(command, " ")
		hosts, err := c.BatchCommand(ctx, tier, BatchCommandRequest{
			BatchID: init.BatchID, BaseCommand: base, CommandString: command,
		})
		if err != nil {
			t.Fatalf("command %d (%s at %s): %v", i, command, tier, err)
		}
		if got := hosts[hostA]; !got.Complete || got.Err() != nil {
			t.Fatalf("command %d (%s at %s) = %+v, want complete without errors", i, command, tier, got)
		}
		sent = append(sent, command)
		time.Sleep(50 * time.Millisecond)
	}

	var tokens, unauthorized int
	for _, rec := range srv.Requests() {
		switch {
		case rec.Path == "/oauth2/token":
			tokens++
		case rec.Status == http.StatusUnauthorized:
			unauthorized++
		}
	}
	if unauthorized != 0 {
		t.Errorf("401 responses = %d, want none: the token is renewed before it expires", unauthorized)
	}
	// The client renews halfway through the announced second, so 5 s of
	// commands take about ten tokens.
	if tokens < 5 {
		t.Errorf("token requests = %d, want at least 5 over 5 s of 1 s tokens", tokens)
	}
	t.Logf("%d commands with %d tokens", len(sent), tokens)
	var ran []string
	for _, rec := range srv.Commands() {
		ran = append(ran, rec.CommandString)
	}
	if !slices.Equal(ran, sent) {
		t.Errorf("emulator ran %d commands, want the %d sent, each once:\n got %q\nwant %q", len(ran), len(sent), ran, sent)
	}
}

// tierCommand returns the i-th command of a run that cycles through the
// three tiers.
func tierCommand(i int) (Tier, string) {
	switch i % 3 {
	case 0:
		return ReadOnly, "pwd"
	case 1:
		return ActiveResponder, fmt.Sprintf(`mkdir C:\FieldRun%d`, i)
	default:
		return Admin, fmt.Sprintf("runscript -Raw=```Write-Output %d```", i)
	}
}

// A command that meets a revoked token is sent again once with a renewed
// token, which is safe after a 401, and runs once.
func TestRevokedTokenRenewedOnceForCommand(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{})
	c := newTestClient(t, simConfig(srv))
	ctx := context.Background()
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{hostA}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	c.tokens.mu.Lock()
	tok := c.tokens.tok
	c.tokens.mu.Unlock()
	if err := c.revokeToken(ctx, srv.URL(), tok.AccessToken, srv.ClientID(), srv.ClientSecret()); err != nil {
		t.Fatalf("revoke the client's token at the emulator: %v", err)
	}

	hosts, err := c.BatchCommand(ctx, Admin, BatchCommandRequest{
		BatchID: init.BatchID, BaseCommand: "runscript", CommandString: "runscript -Raw=```Write-Output after```",
	})
	if err != nil {
		t.Fatalf("BatchCommand after revocation: %v", err)
	}
	if got := strings.TrimSpace(hosts[hostA].Stdout); got != "after" {
		t.Errorf("stdout = %q, want after", got)
	}
	var statuses []int
	for _, rec := range simRequests(t, srv, http.MethodPost, pathAdminCommand, 2) {
		statuses = append(statuses, rec.Status)
	}
	if want := []int{http.StatusUnauthorized, http.StatusCreated}; !slices.Equal(statuses, want) {
		t.Errorf("admin command statuses = %v, want %v", statuses, want)
	}
	if got := len(simRequests(t, srv, http.MethodPost, "/oauth2/token", 2)); got != 2 {
		t.Errorf("token requests = %d, want 2 (the first and one renewal)", got)
	}
	if got := len(simCommands(srv, pathAdminCommand)); got != 1 {
		t.Errorf("emulator ran the command %d times, want 1", got)
	}
}

// A 30-minute token is renewed at least 4 minutes before expiry, and no later
// than the longest request deadline (5 min 30 s) before it.
func TestDefaultTokenRenewedMinutesEarly(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{})
	c := newTestClient(t, simConfig(srv))
	if err := c.Authenticate(context.Background()); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	c.tokens.mu.Lock()
	expiry, renewAt := c.tokens.tok.Expiry, c.tokens.renewAt
	c.tokens.mu.Unlock()

	early := expiry.Sub(renewAt)
	if early < 4*time.Minute {
		t.Errorf("renewal %s before expiry, want at least 4m", early)
	}
	if want := maxServerTimeout + deadlineMargin; early < want {
		t.Errorf("renewal %s before expiry, want at least the longest request deadline %s", early, want)
	}
}

// childCID is the member CID of the MSSP cases, as the console shows it
// (upper case, without the checksum suffix).
const childCID = "0123456789ABCDEF0123456789ABCDEF"

// A member CID with the console's -XX suffix is sent as its 32 hex digits on
// every token request, renewals included, so the child's hosts stay visible.
func TestMemberCIDKeptAcrossRenewals(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{
		TokenTTL:  2 * time.Second,
		ChildCIDs: map[string][]string{childCID: {"WIN-FIELD-01", "WIN-FIELD-03"}},
	})
	cfg := simConfig(srv)
	cfg.MemberCID = childCID + "-A7"
	c := newTestClient(t, cfg)
	wire := recordWire(c)
	ctx := context.Background()

	want := []string{hostA, hostC}
	for start := time.Now(); time.Since(start) < 2500*time.Millisecond; time.Sleep(100 * time.Millisecond) {
		ids, err := c.QueryDevices(ctx, "")
		if err != nil {
			t.Fatalf("QueryDevices: %v", err)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			t.Fatalf("hosts seen = %v, want the child's %v", ids, want)
		}
	}
	devices, err := c.GetDevices(ctx, want)
	if err != nil {
		t.Fatalf("GetDevices: %v", err)
	}
	for _, d := range devices {
		if !strings.EqualFold(d.CID, childCID) {
			t.Errorf("host %s CID = %s, want the child %s", d.ID, d.CID, childCID)
		}
	}

	tokenRequests := wire.to(http.MethodPost, "/oauth2/token")
	if len(tokenRequests) < 3 {
		t.Errorf("token requests = %d, want renewals over 2.5 s of 2 s tokens", len(tokenRequests))
	}
	for i, r := range tokenRequests {
		form, err := url.ParseQuery(string(r.Body))
		if err != nil {
			t.Fatalf("token request %d body %q: %v", i, r.Body, err)
		}
		if got := form.Get("member_cid"); got != childCID {
			t.Errorf("token request %d member_cid = %q, want %q", i, got, childCID)
		}
	}
	for _, rec := range simRequests(t, srv, http.MethodPost, "/oauth2/token", 1) {
		if rec.Status != http.StatusCreated {
			t.Errorf("emulator token status = %d, want 201", rec.Status)
		}
	}
}

// A member CID that the API client may not use gets 403, and the error names
// that CID and FALCON_MEMBER_CID.
func TestRefusedMemberCIDIsNamed(t *testing.T) {
	t.Parallel()
	srv := launchSim(t, fieldFleet(t), sim.Options{
		ChildCIDs: map[string][]string{childCID: {"WIN-FIELD-01"}},
	})
	const other = "FEDCBA9876543210FEDCBA9876543210"
	cfg := simConfig(srv)
	cfg.MemberCID = other + "-0B"
	c := newTestClient(t, cfg)

	_, err := c.QueryDevices(context.Background(), "")
	if !errors.Is(err, ErrCredentialsRejected) {
		t.Fatalf("QueryDevices error = %v, want ErrCredentialsRejected", err)
	}
	if !containsAll(err.Error(), "member CID "+other, EnvMemberCID) {
		t.Errorf("error = %q, want it to name member CID %s and %s", err, other, EnvMemberCID)
	}
	recs := simRequests(t, srv, http.MethodPost, "/oauth2/token", 1)
	if len(recs) != 1 || recs[0].Status != http.StatusForbidden {
		t.Errorf("emulator token requests = %+v, want one answered 403", recs)
	}
}

// regionPair is a us-1 emulator that only issues tokens, and an eu-1
// emulator that serves the fleet, both accepting the same credentials.
type regionPair struct {
	us1, eu1 *sim.Server
}

// startRegionPair starts the pair, with us1Opts as the us-1 emulator's
// options besides the shared credentials.
func startRegionPair(t *testing.T, us1Opts sim.Options) regionPair {
	t.Helper()
	const id, secret = "fieldcase-client", "fieldcase-secret"
	us1Opts.ClientID, us1Opts.ClientSecret = id, secret
	eu1 := launchSim(t, fieldFleet(t), sim.Options{ClientID: id, ClientSecret: secret})
	us1 := launchSim(t, loadFleet(t, fleetHost{Hostname: "US1-ONLY", Platform: "linux"}), us1Opts)
	return regionPair{us1: us1, eu1: eu1}
}

// config returns an autodiscover Config whose region-to-URL table points
// us-1 and eu-1 at the pair, so that no request can leave loopback.
func (p regionPair) config(t *testing.T) Config {
	t.Helper()
	return Config{
		ClientID: p.us1.ClientID(), ClientSecret: p.us1.ClientSecret(),
		Cloud: string(CloudAutodiscover), CAFile: catFiles(t, p.us1.CAFile(), p.eu1.CAFile()),
		LoopbackOnly: true,
		cloudURLs:    map[Cloud]string{CloudUS1: p.us1.URL(), CloudEU1: p.eu1.URL()},
	}
}

// Autodiscovery reads X-CS-Region eu-1 from the us-1 token response, revokes
// the discovery token at eu-1, and sends every later call there.
func TestAutodiscoverFollowsRegionHeader(t *testing.T) {
	t.Parallel()
	pair := startRegionPair(t, sim.Options{Region: "eu-1"})
	c := newTestClient(t, pair.config(t))

	if got := c.BaseURL(); got != pair.eu1.URL() {
		t.Fatalf("BaseURL() = %s, want eu-1 at %s", got, pair.eu1.URL())
	}
	ids, err := c.QueryDevices(context.Background(), "")
	if err != nil {
		t.Fatalf("QueryDevices: %v", err)
	}
	if len(ids) != 5 {
		t.Errorf("hosts = %d, want eu-1's 5", len(ids))
	}

	var us1Paths []string
	for _, rec := range pair.us1.Requests() {
		us1Paths = append(us1Paths, rec.Method+" "+rec.Path)
	}
	if want := []string{"POST /oauth2/token"}; !slices.Equal(us1Paths, want) {
		t.Errorf("us-1 requests = %v, want only the discovery token %v", us1Paths, want)
	}
	for _, path := range []string{"/oauth2/revoke", "/oauth2/token"} {
		if got := len(simRequests(t, pair.eu1, http.MethodPost, path, 1)); got != 1 {
			t.Errorf("eu-1 POST %s requests = %d, want 1", path, got)
		}
	}
	if got := len(simRequests(t, pair.eu1, http.MethodGet, pathDeviceQuery, 1)); got != 1 {
		t.Errorf("eu-1 device queries = %d, want 1", got)
	}
}

// A 400 from us-1 during discovery gives an error that instructs the user to set
// the GovCloud cloud explicitly, and a 403 one that mentions the IP allowlist.
func TestAutodiscoverFailuresExplained(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		us1Opts sim.Options
		secret  string // replaces the client secret when set
		want    []string
		wantIs  error
	}{
		{
			name:    "GovCloud credentials",
			us1Opts: sim.Options{ForeignClientIDs: []string{"fieldcase-client"}},
			want:    []string{"HTTP 400", "GovCloud tenants cannot be discovered", "us-gov-1", EnvCloud},
		},
		{
			name:   "IP allowlist or wrong secret",
			secret: "not-the-secret",
			want:   []string{"HTTP 403", "IP allowlist"},
			wantIs: ErrCredentialsRejected,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pair := startRegionPair(t, tt.us1Opts)
			cfg := pair.config(t)
			if tt.secret != "" {
				cfg.ClientSecret = tt.secret
			}
			c, err := New(context.Background(), cfg)
			if err == nil {
				_ = c.Close(context.Background())
				t.Fatal("New succeeded, want a discovery error")
			}
			if !containsAll(err.Error(), tt.want...) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error = %v, want %v", err, tt.wantIs)
			}
			if got := len(pair.eu1.Requests()); got != 0 {
				t.Errorf("eu-1 received %d requests, want none after a failed discovery", got)
			}
		})
	}
}

// A configured base URL wins over autodiscovery, so us-1 receives no request.
func TestBaseURLSkipsDiscovery(t *testing.T) {
	t.Parallel()
	pair := startRegionPair(t, sim.Options{Region: "eu-1"})
	cfg := pair.config(t)
	cfg.BaseURL = pair.eu1.URL()
	c := newTestClient(t, cfg)

	if _, err := c.QueryDevices(context.Background(), ""); err != nil {
		t.Fatalf("QueryDevices: %v", err)
	}
	if got := len(pair.us1.Requests()); got != 0 {
		t.Errorf("us-1 received %d requests, want none when the base URL is set", got)
	}
	if got := len(simRequests(t, pair.eu1, http.MethodGet, pathDeviceQuery, 1)); got != 1 {
		t.Errorf("eu-1 device queries = %d, want 1", got)
	}
}
