package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/rtrplay/rtrplay/executor"
)

// textView renders run events as plain lines.
type textView struct {
	mu sync.Mutex
	w  io.Writer
}

func newTextView(w io.Writer) *textView { return &textView{w: w} }

func (v *textView) handle(e executor.Event) {
	line, ok := eventLine(e)
	if !ok {
		return
	}
	line = terminalSafe(line)
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintln(v.w, line)
}

// eventLine returns the line that a plain view prints for an event, or
// false for events that plain output leaves out.
func eventLine(e executor.Event) (string, bool) {
	switch e := e.(type) {
	case executor.RunStarted:
		return fmt.Sprintf("Running %q on %s; evidence in %s", e.Playbook, plural(e.Hosts, "host"), e.RunDir), true
	case executor.SessionOpened:
		id := e.BatchID
		if id == "" {
			id = "(none opened)"
		}
		line := fmt.Sprintf("session %s: %d of %s connected", id, e.Connected, plural(e.Hosts, "host"))
		if e.Queued > 0 {
			line += fmt.Sprintf(", %d queued", e.Queued)
		}
		if e.Failed > 0 {
			line += fmt.Sprintf(", %d failed", e.Failed)
		}
		for _, f := range e.FailedHosts {
			line += fmt.Sprintf("\n  %s: %s", f.Hostname, f.Reason)
		}
		return line, true
	case executor.SessionRefreshed:
		if e.Err != "" {
			return fmt.Sprintf("session %s: refresh failed: %s", e.BatchID, e.Err), true
		}
	case executor.HostStepFinished:
		if e.State == executor.StateFailed || e.State == executor.StateUnknown {
			return fmt.Sprintf("  %s on %s: %s: %s", e.Step, e.Hostname, e.State, e.Reason), true
		}
	case executor.ArtifactSaved:
		return fmt.Sprintf("  %s on %s: saved %s (sha256 %s)", e.Step, e.Hostname, e.ArchivePath, e.SHA256), true
	case executor.StepFinished:
		return fmt.Sprintf("%s: %s", e.Step, countsText(e.Counts)), true
	case executor.Interrupted:
		return "Interrupted: no new commands will be sent.", true
	}
	return "", false
}

func countsText(counts map[executor.State]int) string {
	order := []executor.State{executor.StateSucceeded, executor.StateFailed, executor.StateUnknown,
		executor.StateQueued, executor.StateSkipped}
	var parts []string
	for _, s := range order {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if len(parts) == 0 {
		return "no hosts"
	}
	return strings.Join(parts, ", ")
}

func (v *textView) summary(r *executor.Report, runDir string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.w, "\nRun %s. Hosts: %s. Steps on hosts: %s.\nEvidence: %s\n",
		r.Status, countsText(r.HostOutcomes), countsText(r.Counts), runDir)
	for _, e := range r.EvidenceErrors {
		fmt.Fprintf(v.w, "  evidence not stored: %s\n", terminalSafe(e))
	}
	names := make([]string, 0, len(r.Outputs))
	for name := range r.Outputs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(v.w, "  output %s = %s\n", name, terminalSafe(formatOutput(r.Outputs[name])))
	}
}

func formatOutput(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case fmt.Stringer:
		return x.String()
	}
	if raw, ok := v.(interface{ MarshalJSON() ([]byte, error) }); ok {
		if b, err := raw.MarshalJSON(); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// runView renders the events of a run and its closing summary.
type runView interface {
	handle(executor.Event)
	summary(r *executor.Report, runDir string)
}

// newRunView returns progress bars on a terminal and plain lines
// elsewhere, so that logs and CI output stay readable.
func (c *cli) newRunView() runView {
	if c.stdoutIsTerminal != nil && c.stdoutIsTerminal() {
		return newProgressView(c.stdout)
	}
	return newTextView(c.stdout)
}

// terminalSafe escapes control and format characters, because hostnames,
// paths and error text come from hosts and could otherwise move the cursor,
// recolour the screen or reorder what the responder reads.
func terminalSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
