package rtrout

import (
	"path"
	"strconv"
	"strings"
)

// Process is one row of ps output.
type Process struct {
	Name string
	PID  int
	// Path is the image path on Windows and the command line elsewhere; it
	// can be empty for protected processes.
	Path string
}

// ParseProcesses reads the output of RTR's ps on any platform. Windows
// prints a dash-lined table with Name and Id columns; Linux and macOS print
// a ps -ef style table with PID and CMD columns. Rows whose PID does not
// parse are skipped.
func ParseProcesses(text string) []Process {
	rows := ParseDashTable(text)
	if rows == nil {
		rows = ParseSpaceTable(text)
	}
	var procs []Process
	for _, row := range rows {
		pidText, ok := row.Get("Id", "PID")
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(pidText)
		if err != nil {
			continue
		}
		p := Process{PID: pid}
		p.Path, _ = row.Get("Path", "CMD", "COMMAND")
		p.Name, _ = row.Get("Name")
		if p.Name == "" {
			// ps -ef has no name column: the name is the executable's
			// base name, the first word of the command.
			first, _, _ := strings.Cut(p.Path, " ")
			p.Name = path.Base(first)
		}
		procs = append(procs, p)
	}
	return procs
}

// MatchName reports whether the process is the program named name: the
// name compares equal without case, with or without a .exe suffix, or the
// base name of its path does.
func (p Process) MatchName(name string) bool {
	want := strings.ToLower(strings.TrimSuffix(strings.ToLower(name), ".exe"))
	if want == "" {
		return false
	}
	base := p.Path
	if i := strings.LastIndexAny(base, `\/`); i >= 0 {
		base = base[i+1:]
	}
	if first, _, ok := strings.Cut(base, " "); ok && !strings.Contains(p.Path, `\`) {
		base = first
	}
	for _, candidate := range []string{p.Name, base} {
		if strings.TrimSuffix(strings.ToLower(candidate), ".exe") == want {
			return true
		}
	}
	return false
}
