package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// sim serves the Falcon API emulator until SIGINT or SIGTERM. Once the
// listener is bound it prints the environment a client needs as KEY=VALUE
// lines on stdout, and nothing else there; logs go to stderr.
func (c *cli) sim(args []string) int {
	fs := c.newFlagSet("sim", "")
	var flags simFlags
	flags.define(fs)
	if code, ok := c.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(c.stderr, "rtrplay sim: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	opts, err := flags.options(set)
	if err != nil {
		fmt.Fprintf(c.stderr, "rtrplay sim: %v\n", err)
		return exitError
	}
	fl, err := loadFleet(flags.fleet)
	if err != nil {
		fmt.Fprintf(c.stderr, "rtrplay sim: %v\n", err)
		return exitError
	}
	opts.Fleet, opts.Logger = fl, c.logger()
	srv, err := sim.New(opts)
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
	if flags.allowNonLoopback && loopback.CheckHostPort(flags.listen) != nil {
		fmt.Fprintf(c.stderr, "rtrplay sim: warning: listening on %s, beyond loopback; anyone who can reach "+
			"it and has the credentials printed on stdout can use the emulator\n", srv.URL())
	}
	if opts.Faults.String() != "" {
		fmt.Fprintf(c.stderr, "rtrplay sim: injecting faults %s\n", opts.Faults)
	}
	fmt.Fprintf(c.stderr, "rtrplay sim: serving %d hosts (fleet %s) at %s; interrupt to stop\n",
		len(fl.Hosts()), flags.fleet, srv.URL())
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
	if strings.HasPrefix(name, fleet.GeneratedPrefix) {
		return fleet.Named(name)
	}
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
