package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
)

// Exit codes. They are part of the command line's contract.
const (
	exitOK     = 0 // every host succeeded
	exitError  = 1 // the run could not start or was stopped
	exitFailed = 2 // the run finished and some or all hosts failed
	exitQueued = 3 // the run finished with work queued and no failure
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// cli holds what a command reads and writes, so that tests can run the
// whole program in-process.
type cli struct {
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	getenv     func(string) string
	isTerminal func() bool
	// stdoutIsTerminal chooses progress bars over plain lines.
	stdoutIsTerminal func() bool
	signals          <-chan os.Signal
}

type command struct {
	name    string
	summary string
	run     func(c *cli, args []string) int
}

var commands = []command{
	{"validate", "Check a playbook without contacting Falcon", (*cli).validate},
	{"plan", "Resolve targets and show what apply would do", (*cli).plan},
	{"apply", "Run a playbook and collect its evidence", (*cli).apply},
	{"sim", "Serve the Falcon API emulator with a simulated fleet", (*cli).sim},
	{"version", "Print the version", (*cli).version},
}

func (c *cli) run(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		c.usage(c.stdout)
		if len(args) == 0 {
			return exitError
		}
		return exitOK
	}
	for _, cmd := range commands {
		if cmd.name == args[0] {
			return cmd.run(c, args[1:])
		}
	}
	fmt.Fprintf(c.stderr, "rtrplay: unknown command %q\n\n", args[0])
	c.usage(c.stderr)
	return exitError
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: rtrplay COMMAND [options] [ARGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'rtrplay COMMAND -h' for a command's options.")
}

func (c *cli) version(args []string) int {
	fmt.Fprintf(c.stdout, "rtrplay %s\n", version)
	return exitOK
}

// newFlagSet returns a flag set that reports errors to stderr and does not
// exit, so that every command returns its own exit code.
func (c *cli) newFlagSet(name, argsUsage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: rtrplay %s [options] %s\n\nOptions:\n", name, argsUsage)
		fs.PrintDefaults()
	}
	return fs
}

// parseOneFile parses flags and returns the one positional argument, the
// playbook file. When it returns ok=false the command ends with code: 0
// after -h, 1 after a usage error.
func (c *cli) parseOneFile(fs *flag.FlagSet, args []string) (path string, code int, ok bool) {
	if code, ok := c.parseFlags(fs, args); !ok {
		return "", code, false
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(c.stderr, "rtrplay %s: expected one playbook file, got %d arguments\n", fs.Name(), fs.NArg())
		if fs.NArg() > 1 && slices.ContainsFunc(fs.Args()[1:], func(a string) bool { return strings.HasPrefix(a, "-") }) {
			fmt.Fprintf(c.stderr, "Options go before the playbook file: rtrplay %s [options] FILE\n", fs.Name())
		}
		fs.Usage()
		return "", exitError, false
	}
	return fs.Arg(0), exitOK, true
}

// parseFlags parses flags; -h ends the command with exit 0 after the usage
// text, and a bad flag with exit 1.
func (c *cli) parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitError, false
	}
	return exitOK, true
}

// plural returns "1 host" or "2 hosts".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// stringsFlag is a repeatable string flag such as -var.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ", ") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// logger returns the structured logger: off unless RTRPLAY_LOG names a
// level (debug, info, warn, error), on stderr.
func (c *cli) logger() *slog.Logger {
	var level slog.Level
	switch strings.ToLower(c.getenv("RTRPLAY_LOG")) {
	case "":
		return slog.New(slog.DiscardHandler)
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn":
		level = slog.LevelWarn
	default:
		level = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: level}))
}
