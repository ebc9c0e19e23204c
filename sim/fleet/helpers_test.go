package fleet

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// demoHost builds a fleet and returns one of its hosts with a new shell.
func demoHost(t *testing.T, fleetName, hostname string) (*Host, *Shell) {
	t.Helper()
	f, err := Named(fleetName)
	if err != nil {
		t.Fatalf("Named(%q): %v", fleetName, err)
	}
	h := f.HostByName(hostname)
	if h == nil {
		t.Fatalf("fleet %s has no host %s", fleetName, hostname)
	}
	return h, h.NewShell()
}

// run executes a command at the admin tier and fails on an API error.
func run(t *testing.T, h *Host, sh *Shell, command string) Result {
	t.Helper()
	res := h.Exec(sh, Admin, command)
	if res.ErrCode != 0 {
		t.Fatalf("%s on %s: API error %d %q", command, h.Hostname(), res.ErrCode, res.ErrMessage)
	}
	return res
}

// runOK executes a command and fails unless stderr is empty.
func runOK(t *testing.T, h *Host, sh *Shell, command string) string {
	t.Helper()
	res := run(t, h, sh, command)
	if res.Stderr != "" {
		t.Fatalf("%s on %s: unexpected stderr %q", command, h.Hostname(), res.Stderr)
	}
	return res.Stdout
}

// table is a text table parsed the way the project's parsers read RTR
// output: the header gives the column names, the dash line the column
// starts.
type table struct {
	header []string
	rows   []map[string]string
}

// parseTable parses the first header/dash-line table in text.
func parseTable(t *testing.T, text string) table {
	t.Helper()
	lines := regexp.MustCompile(`\r?\n`).Split(text, -1)
	for i := 0; i+1 < len(lines); i++ {
		dashes := strings.TrimRight(lines[i+1], " ")
		if dashes == "" || strings.Trim(dashes, "- ") != "" {
			continue
		}
		var starts []int
		for j := 0; j < len(dashes); j++ {
			if dashes[j] == '-' && (j == 0 || dashes[j-1] == ' ') {
				starts = append(starts, j)
			}
		}
		tb := table{}
		for k := range starts {
			tb.header = append(tb.header, cell(lines[i], starts, k))
		}
		for _, l := range lines[i+2:] {
			if strings.TrimSpace(l) == "" {
				break
			}
			row := map[string]string{}
			for k, name := range tb.header {
				row[name] = cell(l, starts, k)
			}
			tb.rows = append(tb.rows, row)
		}
		return tb
	}
	t.Fatalf("no table in output:\n%s", text)
	return table{}
}

func cell(line string, starts []int, k int) string {
	if starts[k] >= len(line) {
		return ""
	}
	end := len(line)
	if k+1 < len(starts) && starts[k+1] < end {
		end = starts[k+1]
	}
	return strings.TrimSpace(line[starts[k]:end])
}

// windowsPIDOf finds a process's PID in Windows ps output by its Name
// column.
func windowsPIDOf(t *testing.T, psOutput, name string) int {
	t.Helper()
	for _, row := range parseTable(t, psOutput).rows {
		if row["Name"] == name {
			pid, err := strconv.Atoi(row["Id"])
			if err != nil {
				t.Fatalf("Id of %s is %q: %v", name, row["Id"], err)
			}
			return pid
		}
	}
	return -1
}

// posixPIDOf finds a process's PID in ps -ef output by a CMD substring.
func posixPIDOf(psOutput, cmd string) int {
	for _, l := range strings.Split(psOutput, "\n")[1:] {
		f := strings.Fields(l)
		if len(f) >= 8 && strings.Contains(strings.Join(f[7:], " "), cmd) {
			pid, _ := strconv.Atoi(f[1])
			return pid
		}
	}
	return -1
}

func implantPID(t *testing.T, h *Host) int {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.procs {
		if strings.HasPrefix(p.name, "updater64") {
			return p.pid
		}
	}
	t.Fatalf("%s has no implant process", h.Hostname())
	return 0
}

func itoa(n int) string { return strconv.Itoa(n) }

// fleetState snapshots one host.
func (h *Host) fleetState() HostState { return h.snapshot() }

func statesEqual(a, b HostState) bool { return reflect.DeepEqual(a, b) }
