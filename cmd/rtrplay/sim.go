package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rtrplay/rtrplay/sim"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// sim serves the Falcon API emulator until SIGINT or SIGTERM. Once the
// listener is bound it prints the environment a client needs as KEY=VALUE
// lines on stdout, and nothing else there; logs go to stderr.
func (c *cli) sim(args []string) int {
	fs := c.newFlagSet("sim", "")
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to listen on; port 0 picks a free port")
	fleetName := fs.String("fleet", "demo", "built-in fleet ("+joinNames(fleet.Names())+") or a fleet file (JSON)")
	plainHTTP := fs.Bool("http", false, "serve plain HTTP instead of HTTPS")
	clientID := fs.String("client-id", "", "API client id to accept (default: new at each start)")
	clientSecret := fs.String("client-secret", "", "API client secret to accept (default: new at each start)")
	sessionTTL := fs.Duration("session-ttl", 10*time.Minute, "how long an RTR session lives without a refresh")
	tokenTTL := fs.Duration("token-ttl", 30*time.Minute, "lifetime of access tokens")
	uploadDelay := fs.Duration("upload-delay", 1500*time.Millisecond, "time before a retrieved file is ready")
	containDelay := fs.Duration("contain-delay", time.Second, "time a host stays containment_pending")
	stateDir := fs.String("state-dir", "", "directory for the CA certificate (default: a new temporary directory)")
	if code, ok := c.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(c.stderr, "rtrplay sim: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	for name, d := range map[string]time.Duration{"-session-ttl": *sessionTTL, "-token-ttl": *tokenTTL,
		"-upload-delay": *uploadDelay, "-contain-delay": *containDelay} {
		if d < 0 || (d == 0 && (name == "-session-ttl" || name == "-token-ttl")) {
			fmt.Fprintf(c.stderr, "rtrplay sim: %s %s is invalid; use a positive duration such as 30s\n", name, d)
			return exitError
		}
	}
	fl, err := loadFleet(*fleetName)
	if err != nil {
		fmt.Fprintf(c.stderr, "rtrplay sim: %v\n", err)
		return exitError
	}
	logger := c.logger()
	srv, err := sim.New(sim.Options{
		Fleet: fl, Listen: *listen, HTTP: *plainHTTP, ClientID: *clientID, ClientSecret: *clientSecret,
		SessionTTL: *sessionTTL, TokenTTL: *tokenTTL, UploadDelay: *uploadDelay, ContainDelay: *containDelay,
		StateDir: *stateDir, Logger: logger,
	})
	if err == nil {
		err = srv.Start()
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "rtrplay sim: %v\n", err)
		return exitError
	}
	defer srv.Close()
	fmt.Fprintf(c.stdout, "FALCON_BASE_URL=%s\n", srv.URL())
	fmt.Fprintf(c.stdout, "FALCON_CLIENT_ID=%s\n", srv.ClientID())
	fmt.Fprintf(c.stdout, "FALCON_CLIENT_SECRET=%s\n", srv.ClientSecret())
	if ca := srv.CAFile(); ca != "" {
		fmt.Fprintf(c.stdout, "FALCON_CA_FILE=%s\n", ca)
	}
	if f, ok := c.stdout.(*os.File); ok {
		_ = f.Sync()
	}
	fmt.Fprintf(c.stderr, "rtrplay sim: serving %d hosts (fleet %s) at %s; interrupt to stop\n", len(fl.Hosts()), *fleetName, srv.URL())
	c.waitForSignal()
	fmt.Fprintln(c.stderr, "rtrplay sim: stopped")
	return exitOK
}

func (c *cli) waitForSignal() {
	signals := c.signals
	if signals == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		signals = ch
	}
	<-signals
}

func loadFleet(name string) (*fleet.Fleet, error) {
	for _, n := range fleet.Names() {
		if n == name {
			return fleet.Named(name)
		}
	}
	if _, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("fleet %q is neither a built-in fleet (%s) nor a readable file: %w", name, joinNames(fleet.Names()), err)
	}
	return fleet.Load(name)
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
