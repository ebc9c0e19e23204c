package fleet

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// minidumpMagic starts a Windows minidump file.
var minidumpMagic = []byte("MDMP\x93\xa7")

// runMemdump writes a dump of one process, sized like its working set, and
// prints the dump's path. The default path is C:\Windows\Temp\<image
// name without extension>-<pid>.dmp.
// NOTE: RTR's error text for memdump was never seen; a bad PID uses
// PowerShell's messages, as kill does.
func runMemdump(c *call) Result {
	typed := c.arg(0, "")
	pid, err := strconv.Atoi(typed)
	if err != nil || pid < 0 {
		return stderr(fmt.Sprintf("Cannot bind parameter 'Id'. Cannot convert value \"%s\" to type \"System.Int32\". "+
			"Error: \"Input string was not in a correct format.\"", typed))
	}
	p, ok := c.h.procs[pid]
	if !ok {
		return stderr(windowsNoPID(pid))
	}
	if p.protected {
		return stderr(fmt.Sprintf("Cannot dump process \"%s (%d)\" because of the following error: Access is denied", processName(p), pid))
	}
	base := strings.TrimSuffix(p.name, extension(p.name))
	dst, problem := c.archiveDestination(c.arg(1, fmt.Sprintf(`C:\Windows\Temp\%s-%d.dmp`, base, pid)))
	if problem != "" {
		return stderr(problem)
	}
	size := max(p.workingSet, 1<<20)
	c.h.fs.place(dst, opaqueFile(Windows, formatPath(Windows, dst), minidumpMagic, size, c.h.now()))
	return stdout(formatPath(Windows, c.h.fs.canonical(dst)))
}

// xmemdump's dump kinds, their sizes and how long each takes to write.
// The figures are estimates for a host with 16 GiB of memory.
var xmemdumpKinds = map[string]struct {
	size  int64
	write time.Duration
}{
	"complete": {size: 16 << 30, write: 3 * time.Minute},
	"kernel":   {size: 1 << 30, write: 30 * time.Second},
}

// runXmemdump starts a Complete or Kernel memory dump and returns at once
// with run's message. The dump file appears once it is written, so a
// client must poll for it, as the PSFalcon sample does.
func runXmemdump(c *call) Result {
	kind := strings.ToLower(c.arg(0, ""))
	spec, ok := xmemdumpKinds[kind]
	if !ok {
		// NOTE: the text for a bad dump kind was never seen; this wording
		// is the emulator's own.
		return stderr(fmt.Sprintf("xmemdump: dump kind must be Complete or Kernel, got '%s'\n", c.arg(0, "")))
	}
	name := strings.ToUpper(kind[:1]) + kind[1:]
	dst, problem := c.archiveDestination(c.arg(1, fmt.Sprintf(`C:\Windows\Temp\%s-%s.dmp`, c.h.info.Hostname, name)))
	if problem != "" {
		return stderr(problem)
	}
	now := c.h.now()
	s := c.h.system()
	s.pending = append(s.pending, pendingDump{comps: dst, ready: now.Add(spec.write),
		node: opaqueFile(Windows, formatPath(Windows, dst), []byte("PAGEDU64"), spec.size, now.Add(spec.write))})
	return stdout(processStarted)
}
