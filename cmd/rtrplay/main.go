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
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	c := &cli{
		stdin:            os.Stdin,
		stdout:           os.Stdout,
		stderr:           os.Stderr,
		getenv:           os.Getenv,
		isTerminal:       func() bool { return term.IsTerminal(int(os.Stdin.Fd())) },
		stdoutIsTerminal: func() bool { return term.IsTerminal(int(os.Stdout.Fd())) },
		signals:          signals,
	}
	os.Exit(c.run(os.Args[1:]))
}
