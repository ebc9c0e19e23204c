// Command rtrplay plans and runs incident-response playbooks written in HCL
// against hosts protected by CrowdStrike Falcon, through Real Time Response
// batch sessions, and serves an emulator of the Falcon API for rehearsals
// and tests.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	signals := make(chan os.Signal, 2)
	// SIGHUP (a dropped SSH session) stops a run as Ctrl-C does, so that
	// its report and manifest are still written.
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	// With SIGPIPE handled, writing to a closed stdout (apply | head)
	// returns an error instead of killing the process before it writes
	// the run directory.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	c := &cli{
		stdin:            os.Stdin,
		stdout:           os.Stdout,
		stderr:           os.Stderr,
		getenv:           os.Getenv,
		isTerminal:       func() bool { return term.IsTerminal(int(os.Stdin.Fd())) },
		stdoutIsTerminal: stdoutIsTerminal,
		signals:          signals,
	}
	os.Exit(c.run(os.Args[1:]))
}

// stdoutIsTerminal reports whether stdout is a terminal wide enough for
// progress bars; a zero-width pseudo-terminal gets plain lines.
func stdoutIsTerminal() bool {
	fd := int(os.Stdout.Fd())
	if !term.IsTerminal(fd) {
		return false
	}
	width, _, err := term.GetSize(fd)
	return err == nil && width >= 40
}
