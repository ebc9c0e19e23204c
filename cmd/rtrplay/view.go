package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/rtrplay/rtrplay/executor"
)

// textView renders run events as plain lines.
type textView struct {
	mu sync.Mutex
	w  io.Writer
}

func newTextView(w io.Writer) *textView { return &textView{w: w} }

func (v *textView) handle(e executor.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch e := e.(type) {
	case executor.RunStarted:
		fmt.Fprintf(v.w, "Running %q on %d hosts; evidence in %s\n", e.Playbook, e.Hosts, e.RunDir)
	case executor.SessionOpened:
		fmt.Fprintf(v.w, "session %s: %d of %d hosts connected", e.BatchID, e.Connected, e.Hosts)
		if e.Queued > 0 {
			fmt.Fprintf(v.w, ", %d queued", e.Queued)
		}
		if e.Failed > 0 {
			fmt.Fprintf(v.w, ", %d failed", e.Failed)
		}
		fmt.Fprintln(v.w)
	case executor.SessionRefreshed:
		if e.Err != "" {
			fmt.Fprintf(v.w, "session %s: refresh failed: %s\n", e.BatchID, e.Err)
		}
	case executor.HostStepFinished:
		if e.State == executor.StateFailed || e.State == executor.StateUnknown {
			fmt.Fprintf(v.w, "  %s on %s: %s: %s\n", e.Step, e.Hostname, e.State, e.Reason)
		}
	case executor.ArtifactSaved:
		fmt.Fprintf(v.w, "  %s on %s: saved %s (sha256 %s)\n", e.Step, e.Hostname, e.ArchivePath, e.SHA256)
	case executor.StepFinished:
		fmt.Fprintf(v.w, "%s: %s\n", e.Step, countsText(e.Counts))
	case executor.Interrupted:
		fmt.Fprintln(v.w, "Interrupted: no new commands will be sent.")
	}
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
	fmt.Fprintf(v.w, "\nRun %s: %s. Evidence: %s\n", r.Status, countsText(r.Counts), runDir)
	names := make([]string, 0, len(r.Outputs))
	for name := range r.Outputs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(v.w, "  output %s = %s\n", name, formatOutput(r.Outputs[name]))
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
