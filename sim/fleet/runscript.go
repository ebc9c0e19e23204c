package fleet

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// defaultScriptTimeout is how long RTR lets a script run when runscript has
// no -Timeout flag (30 s, the default that Falcon Toolkit documents).
const defaultScriptTimeout = 30 * time.Second

// scriptOutput collects what a script writes and how long it ran.
type scriptOutput struct {
	stdout, stderr strings.Builder
	duration       time.Duration
	timeout        time.Duration
	timedOut       bool // the script was stopped at its timeout
}

// sleep advances the simulated clock, stopping the script at its timeout.
func (o *scriptOutput) sleep(d time.Duration) {
	if o.duration+d >= o.timeout {
		o.duration, o.timedOut = o.timeout, true
		return
	}
	o.duration += d
}

// runRunscript runs inline (-Raw), on-host (-HostPath) or cloud
// (-CloudFile) scripts. Windows scripts run in the PowerShell subset,
// Linux and macOS scripts in the shell subset. -CommandLine is accepted
// and not passed on: neither subset reads script arguments.
func runRunscript(c *call) Result {
	raw, hasRaw := c.inv.flag("Raw")
	hostPath, hasHostPath := c.inv.flag("HostPath")
	cloudFile, hasCloudFile := c.inv.flag("CloudFile")
	sources := 0
	for _, has := range []bool{hasRaw, hasHostPath, hasCloudFile} {
		if has {
			sources++
		}
	}
	if sources != 1 {
		return apiError(codeCommandNotValid, "Command is not valid")
	}
	timeout := defaultScriptTimeout
	if t, ok := c.inv.flag("Timeout"); ok {
		secs, err := strconv.Atoi(t)
		if err != nil || secs <= 0 {
			return apiError(codeCommandNotValid, "Command is not valid")
		}
		timeout = time.Duration(secs) * time.Second
	}

	script := raw
	switch {
	case hasCloudFile:
		// A script that exists but that this tier may not run, or that
		// was uploaded for other platforms, is reported as missing: the
		// live API gives 40412 for unknown and not-permitted scripts alike.
		// NOTE: the answer for a script of another platform is unverified.
		s, ok := c.h.cloudScript(cloudFile, c.tier)
		if !ok {
			return apiError(codeCloudFileAbsent, fmt.Sprintf("The file %s could not be found", cloudFile))
		}
		script = s.Content
	case hasHostPath:
		_, n, err := c.lookupArg(hostPath)
		if err != nil || n.dir {
			if c.h.platform == Windows {
				return stderr(windowsNotFound(hostPath))
			}
			return stderr(fmt.Sprintf("/bin/bash: %s: No such file or directory\n", hostPath))
		}
		script = string(n.bytes())
	}

	out := scriptOutput{timeout: timeout}
	if c.h.platform == Windows {
		c.runPowerShell(script, &out)
	} else {
		c.runBash(script, &out)
	}
	if out.timedOut {
		// NOTE: RTR's text for a script stopped at its timeout was never
		// seen; this wording is the emulator's own.
		fmt.Fprintf(&out.stderr, "The script was stopped after its timeout of %d seconds.\n", int(timeout/time.Second))
	}
	return Result{Stdout: out.stdout.String(), Stderr: out.stderr.String(), Duration: out.duration}
}
