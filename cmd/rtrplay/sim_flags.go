package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// minTokenTTL is the shortest token lifetime that `rtrplay sim` accepts
// after -time-scale. Below two seconds expires_in (the lifetime less one
// second, in whole seconds) is 0, which golang.org/x/oauth2 (and so
// gofalcon) reads as a token that never expires.
const minTokenTTL = 2 * time.Second

// simFlags are the options of `rtrplay sim`.
type simFlags struct {
	listen, fleet, stateDir     string
	plainHTTP, allowNonLoopback bool
	clientID, clientSecret      string
	sessionTTL, tokenTTL        time.Duration
	uploadDelay, containDelay   time.Duration
	queueTTL                    time.Duration
	timeScale                   float64
	faults, idLimits, region    string
	seed                        uint64
	rateLimit                   int
	childCIDs                   stringsFlag
	nullState                   string
	batchHostLimit              int
	foreignClientIDs            string
}

// define registers the flags on fs.
func (f *simFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:0",
		"address to listen on; port 0 picks a free port; loopback only unless -allow-non-loopback")
	fs.BoolVar(&f.allowNonLoopback, "allow-non-loopback", false,
		"allow a -listen address that is not loopback (the certificate still names only loopback)")
	fs.StringVar(&f.fleet, "fleet", "demo", "built-in fleet ("+joinNames(fleet.Names())+"), generated:N[:SEED] for N generated hosts, or a fleet file (JSON)")
	fs.BoolVar(&f.plainHTTP, "http", false, "serve plain HTTP instead of HTTPS")
	fs.StringVar(&f.clientID, "client-id", "", "API client id to accept (default: new at each start)")
	fs.StringVar(&f.clientSecret, "client-secret", "", "API client secret to accept (default: new at each start)")
	fs.DurationVar(&f.sessionTTL, "session-ttl", 10*time.Minute, "how long an RTR session lives without a refresh")
	fs.DurationVar(&f.tokenTTL, "token-ttl", 30*time.Minute, "lifetime of access tokens")
	fs.DurationVar(&f.uploadDelay, "upload-delay", 1500*time.Millisecond, "time before a retrieved file is ready")
	fs.DurationVar(&f.containDelay, "contain-delay", time.Second, "time a host stays containment_pending")
	fs.DurationVar(&f.queueTTL, "queue-ttl", 7*24*time.Hour, "how long a command queued for an offline host waits")
	fs.Float64Var(&f.timeScale, "time-scale", 1,
		"multiply every lifetime and delay above by this factor, such as 0.01 for tests")
	fs.StringVar(&f.faults, "faults", "",
		"faults to inject, such as 429:0.2,503:0.1,503-after:0.05,drop:0.05,latency:20ms-200ms,null-state:0.1; "+
			"add @/path/prefix to a part to target it")
	fs.Uint64Var(&f.seed, "seed", 0, "seed for the fault draws, for repeatable runs (default: random)")
	fs.IntVar(&f.rateLimit, "rate-limit", 6000, "requests per sliding minute before 429 (X-RateLimit-Limit)")
	fs.StringVar(&f.region, "region", "local",
		"X-CS-Region of token responses; a real region makes autodiscovering clients leave this emulator")
	fs.Var(&f.childCIDs, "child-cid",
		"CID=HOST,HOST...: put these hosts under a member CID that tokens select with member_cid (repeatable)")
	fs.StringVar(&f.nullState, "null-state", "", "comma list of hostnames whose online state is reported as null")
	fs.StringVar(&f.idLimits, "id-limits", "",
		"ids per Hosts API request, such as details-get=100,details-post=5000,online-state=100,actions=100,html-above=500")
	fs.IntVar(&f.batchHostLimit, "batch-host-limit", 10000, "most hosts one batch init accepts")
	fs.StringVar(&f.foreignClientIDs, "foreign-client-id", "",
		"comma list of client ids whose token requests get 400 invalid client, as GovCloud credentials do at us-1")
	fs.StringVar(&f.stateDir, "state-dir", "", "directory for the CA certificate (default: a new temporary directory)")
}

// options checks the flags and builds the emulator's options, without
// the fleet. set names the flags given on the command line.
func (f *simFlags) options(set map[string]bool) (sim.Options, error) {
	if err := f.checkListen(); err != nil {
		return sim.Options{}, err
	}
	if err := f.checkDurations(); err != nil {
		return sim.Options{}, err
	}
	faults, err := sim.ParseFaults(f.faults)
	if err != nil {
		return sim.Options{}, fmt.Errorf("-faults: %w", err)
	}
	if set["seed"] {
		if faults.Seeded && faults.Seed != f.seed {
			return sim.Options{}, fmt.Errorf("-seed %d and seed:%d in -faults differ; give the seed once", f.seed, faults.Seed)
		}
		faults.Seed, faults.Seeded = f.seed, true
	}
	limits, err := sim.ParseIDLimits(f.idLimits)
	if err != nil {
		return sim.Options{}, fmt.Errorf("-id-limits: %w", err)
	}
	children, err := parseChildCIDs(f.childCIDs)
	if err != nil {
		return sim.Options{}, err
	}
	if f.batchHostLimit < 1 {
		return sim.Options{}, fmt.Errorf("-batch-host-limit %d is invalid; use 1 or more hosts", f.batchHostLimit)
	}
	if f.rateLimit < 1 {
		return sim.Options{}, fmt.Errorf("-rate-limit %d is invalid; use a number of requests per minute of 1 or more", f.rateLimit)
	}
	return sim.Options{
		Listen: f.listen, AllowNonLoopback: f.allowNonLoopback, HTTP: f.plainHTTP,
		ClientID: f.clientID, ClientSecret: f.clientSecret,
		SessionTTL: f.sessionTTL, TokenTTL: f.tokenTTL, UploadDelay: f.uploadDelay,
		ContainDelay: f.containDelay, QueueTTL: f.queueTTL, TimeScale: f.timeScale,
		Faults: faults, RateLimit: f.rateLimit, Region: f.region, ChildCIDs: children,
		NullStateHosts: splitList(f.nullState), IDLimits: limits, StateDir: f.stateDir,
		BatchHostLimit: f.batchHostLimit, ForeignClientIDs: splitList(f.foreignClientIDs),
	}, nil
}

// checkListen rejects a non-loopback -listen address unless
// -allow-non-loopback is given, naming the flag that allows it.
func (f *simFlags) checkListen() error {
	err := loopback.CheckHostPort(f.listen)
	if err == nil || f.allowNonLoopback || !errors.Is(err, loopback.ErrNotLoopback) {
		return nil // sim.New reports malformed addresses
	}
	return fmt.Errorf("-listen %s: %w; the emulator listens on loopback only, and "+
		"-allow-non-loopback lets it listen there anyway", f.listen, err)
}

func (f *simFlags) checkDurations() error {
	for _, d := range []struct {
		name      string
		value     time.Duration
		allowZero bool
	}{
		{"-session-ttl", f.sessionTTL, false}, {"-token-ttl", f.tokenTTL, false},
		{"-upload-delay", f.uploadDelay, true}, {"-contain-delay", f.containDelay, true},
		{"-queue-ttl", f.queueTTL, false},
	} {
		if d.value < 0 || (d.value == 0 && !d.allowZero) {
			return fmt.Errorf("%s %s is invalid; use a positive duration such as 30s", d.name, d.value)
		}
	}
	if !(f.timeScale > 0) {
		return fmt.Errorf("-time-scale %v is invalid; use a positive factor such as 0.01", f.timeScale)
	}
	if scaled := time.Duration(float64(f.tokenTTL) * f.timeScale); scaled < minTokenTTL {
		return fmt.Errorf("-token-ttl %s at -time-scale %v is %s, under %s, so expires_in would be 0, which "+
			"OAuth2 clients read as never expiring; raise -token-ttl or -time-scale", f.tokenTTL, f.timeScale,
			scaled.Round(time.Millisecond), minTokenTTL)
	}
	return nil
}

// parseChildCIDs reads -child-cid values of the form CID=HOST,HOST.
func parseChildCIDs(values []string) (map[string][]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	children := map[string][]string{}
	for _, v := range values {
		cid, hosts, ok := strings.Cut(v, "=")
		if !ok || cid == "" {
			return nil, fmt.Errorf("-child-cid %q is invalid; write CID=HOST,HOST with a 32-hex CID", v)
		}
		children[cid] = append(children[cid], splitList(hosts)...)
	}
	return children, nil
}

// splitList splits a comma list, dropping blanks around and between items.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
