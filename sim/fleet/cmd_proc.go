package fleet

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

func runPs(c *call) Result {
	if c.h.platform == Windows {
		return stdout(c.h.windowsPs())
	}
	return stdout(c.h.posixPs())
}

// processName is the ProcessName column of Get-Process: the image name
// without its .exe extension.
func processName(p *process) string {
	if len(p.name) > 4 && strings.EqualFold(p.name[len(p.name)-4:], ".exe") {
		return p.name[:len(p.name)-4]
	}
	return p.name
}

// windowsPs renders RTR's Windows process table: a blank line, then a
// PowerShell-style table sorted by name as Get-Process sorts it. Protected
// processes show no path, because their image cannot be opened.
func (h *Host) windowsPs() string {
	procs := h.sortedProcesses()
	sort.SliceStable(procs, func(i, j int) bool {
		return strings.ToLower(processName(procs[i])) < strings.ToLower(processName(procs[j]))
	})
	cols := []column{{"Name", 19}, {"Id", 5}, {"Start Time " + h.utcLabel(), 22},
		{"User Time", 9}, {"Kernel Time", 11}, {"WorkingSet(MB)", 14}, {"Path", 4}}
	rows := make([][]string, 0, len(procs))
	for _, p := range procs {
		path := p.path
		if p.protected {
			path = ""
		}
		rows = append(rows, []string{processName(p), strconv.Itoa(p.pid),
			h.local(p.start).Format(windowsTimeLayout), formatClock(p.userCPU),
			formatClock(p.kernelCPU), fmt.Sprintf("%.1f", float64(p.workingSet)/(1<<20)), path})
	}
	var b strings.Builder
	b.WriteString("\n")
	writeTable(&b, cols, rows, 2, false)
	return b.String()
}

// posixPs renders ps -ef: UID PID PPID C STIME TTY TIME CMD.
func (h *Host) posixPs() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %5s %5s %2s %-5s %-8s %8s %s\n", "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD")
	now := h.local(h.now())
	for _, p := range h.sortedProcesses() {
		tty := p.tty
		if tty == "" {
			tty = "?"
		}
		fmt.Fprintf(&b, "%-8s %5d %5d %2d %-5s %-8s %8s %s\n", psUser(p.user), p.pid, p.ppid, 0,
			stime(h.local(p.start), now), tty, cpuTime(p.userCPU+p.kernelCPU), cmdColumn(p))
	}
	return b.String()
}

// psUser shortens user names longer than 8 characters to 7 and a plus
// sign, as procps does ("systemd+").
func psUser(name string) string {
	if len(name) > 8 {
		return name[:7] + "+"
	}
	return name
}

// stime is the STIME column: the clock time for processes started today,
// else month and day, else the year.
func stime(start, now time.Time) string {
	switch {
	case start.YearDay() == now.YearDay() && start.Year() == now.Year():
		return start.Format("15:04")
	case start.Year() == now.Year():
		return start.Format("Jan02")
	}
	return start.Format("2006")
}

func cpuTime(d time.Duration) string {
	s := int64(d / time.Second)
	if days := s / 86400; days > 0 {
		return fmt.Sprintf("%d-%02d:%02d:%02d", days, s/3600%24, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// cmdColumn is the CMD column: the command line, or the name in brackets
// for kernel threads, which have none.
func cmdColumn(p *process) string {
	if p.commandLine == "" {
		return "[" + p.name + "]"
	}
	return p.commandLine
}

func runKill(c *call) Result {
	typed := c.arg(0, "")
	win := c.h.platform == Windows
	if typed == "" {
		if win {
			return stderr("Cannot bind argument to parameter 'Id' because it is null.")
		}
		return stderr("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n")
	}
	pid, err := strconv.Atoi(typed)
	if err != nil || pid < 0 {
		if win {
			return stderr(fmt.Sprintf("Cannot bind parameter 'Id'. Cannot convert value \"%s\" to type \"System.Int32\". "+
				"Error: \"Input string was not in a correct format.\"", typed))
		}
		return stderr(fmt.Sprintf("kill: %s: arguments must be process or job IDs\n", typed))
	}
	name := ""
	if p, ok := c.h.procs[pid]; ok {
		name = processName(p)
	}
	switch err := c.h.killProcess(pid); {
	case err == nil:
		return Result{}
	case err == errNoProcess && win:
		return stderr(windowsNoPID(pid))
	case err == errNoProcess:
		return stderr(fmt.Sprintf("kill: (%d) - No such process\n", pid))
	case win:
		return stderr(windowsAccessDenied(name, pid))
	}
	return stderr(fmt.Sprintf("kill: (%d) - Operation not permitted\n", pid))
}

// windowsNoPID is PowerShell's message for a PID that does not exist, which
// RTR's kill passes through.
func windowsNoPID(pid int) string {
	return fmt.Sprintf("Cannot find a process with the process identifier %d.", pid)
}

func windowsAccessDenied(name string, pid int) string {
	return fmt.Sprintf("Cannot stop process \"%s (%d)\" because of the following error: Access is denied", name, pid)
}
