package fleet

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Per-host API errors of the admin commands that read the RTR admin
// library.
const (
	codePutFileAbsent = 40408
	msgPutFileAbsent  = "Put file not found by name"
)

// putBaseCommand is the base_command that results of put report: RTR runs
// put as a download-and-rename on the host and reports that step's name.
const putBaseCommand = "DOWNLOAD_RENAME"

// processStarted is run's output once the program has started.
const processStarted = "The process was successfully started"

// maxArgsUnchecked lets put and put-and-run look their put-file up before
// counting positional arguments, so a missing put-file is 40408 even when
// the command also has stray arguments, as users of the live API report
// for put-and-run file.exe -CommandLine abcd.
// NOTE: which check the live API makes first is unverified.
const maxArgsUnchecked = 1 << 20

// checkMaxArgs is the positional-argument check that maxArgsUnchecked
// postpones.
func (c *call) checkMaxArgs(limit int) (Result, bool) {
	if n := len(c.inv.args); n > limit {
		return apiError(codeMaxArgs, fmt.Sprintf("Max args is %d. %d were provided", limit, n)), false
	}
	return Result{}, true
}

// destinationExists is put's stderr when the working directory already
// contains an entry of the put-file's name.
const destinationExists = "Destination already exists."

// runPut drops a put-file into the session's working directory under its
// put-file name. Success prints nothing.
func runPut(c *call) Result {
	pf, ok := c.h.putFile(c.arg(0, ""))
	if !ok {
		return apiError(codePutFileAbsent, msgPutFileAbsent)
	}
	if res, ok := c.checkMaxArgs(1); !ok {
		return res
	}
	res := Result{ReportedBaseCommand: putBaseCommand}
	if _, problem := c.place(pf); problem != "" {
		res.Stderr = "put: " + problem
	}
	return res
}

// runPutAndRun places a put-file in the working directory like put and
// starts it like run.
func runPutAndRun(c *call) Result {
	pf, ok := c.h.putFile(c.arg(0, ""))
	if !ok {
		return apiError(codePutFileAbsent, msgPutFileAbsent)
	}
	if res, ok := c.checkMaxArgs(1); !ok {
		return res
	}
	comps, problem := c.place(pf)
	if problem != "" {
		// The live API's text for this case is not documented, so it
		// follows put's message.
		return stderr("put-and-run: " + problem)
	}
	commandLine, _ := c.inv.flag("CommandLine")
	c.h.startProcess(comps, commandLine)
	return stdout(processStarted)
}

// place writes pf into the working directory and returns its path, or the
// reason it could not. An existing file or directory of that name is left
// alone.
func (c *call) place(pf PutFile) ([]string, string) {
	name := baseName(pf.Name)
	if name == "" {
		return nil, errInvalidPath.Error()
	}
	comps := append(c.sh.dir(), name)
	if _, err := c.h.fs.lookup(comps); err == nil {
		return nil, destinationExists
	}
	now := c.h.now()
	n := &fsNode{content: pf.Content, size: int64(len(pf.Content)), created: now, modified: now,
		mode: 0o644, owner: "root", group: "root"}
	if err := c.h.fs.putFile(comps, n); err != nil {
		return nil, err.Error()
	}
	return c.h.fs.canonical(comps), ""
}

// baseName returns the last element of a put-file name, so that a name
// containing a path separator still lands in the working directory.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `\/`); i >= 0 {
		return name[i+1:]
	}
	return name
}

// runRun starts a program from the host's disk. The emulator does not
// model what programs do: a started program runs until it is killed and
// prints nothing. With -Wait, run returns the program's output once it
// exits, so the result is empty and no process remains.
func runRun(c *call) Result {
	typed := c.arg(0, "")
	comps, n, err := c.lookupArg(typed)
	if err != nil || n.dir {
		return c.runNotFound(typed, err == nil)
	}
	if c.inv.hasFlag("Wait") {
		return Result{}
	}
	commandLine, _ := c.inv.flag("CommandLine")
	c.h.startProcess(comps, commandLine)
	return stdout(processStarted)
}

// runNotFound reports a program path that is missing or a directory.
// NOTE: run's error text is not documented. Windows uses RTR's
// file-command message and Linux and macOS a shell-style one.
func (c *call) runNotFound(typed string, isDir bool) Result {
	if c.h.platform == Windows {
		return stderr(windowsNotFound(typed))
	}
	if isDir {
		return stderr(fmt.Sprintf("run: %s: Is a directory\n", typed))
	}
	return stderr(fmt.Sprintf("run: %s: No such file or directory\n", typed))
}

// sensorProcesses are the sensor's own processes, one of which is the
// parent of every program that RTR starts.
var sensorProcesses = []string{"CSFalconService.exe", "falcon-sensor", "falcond"}

// startProcess adds a running process for the program at comps, started
// by the sensor as SYSTEM or root. The caller holds h.mu.
func (h *Host) startProcess(comps []string, commandLine string) *process {
	path := formatPath(h.platform, comps)
	p := &process{pid: h.newPID(), ppid: h.sensorPID(), name: comps[len(comps)-1], path: path,
		user: "root", start: h.now(), workingSet: 4 << 20}
	p.commandLine = path
	if h.platform == Windows {
		p.user = ntSystem
		p.commandLine = `"` + path + `"`
	}
	if commandLine != "" {
		p.commandLine += " " + commandLine
	}
	h.procs[p.pid] = p
	return p
}

func (h *Host) sensorPID() int {
	for _, name := range sensorProcesses {
		for _, p := range h.sortedProcesses() {
			if p.name == name {
				return p.pid
			}
		}
	}
	return 0
}

// newPID picks a free PID for a new process: a random multiple of 4 on
// Windows, the next rising number elsewhere. The caller holds h.mu.
func (h *Host) newPID() int {
	if h.platform == Windows {
		for {
			pid := 4 * (25 + rand.IntN(16000))
			if _, used := h.procs[pid]; !used {
				return pid
			}
		}
	}
	for {
		h.nextPID++
		if _, used := h.procs[h.nextPID]; !used {
			return h.nextPID
		}
	}
}
