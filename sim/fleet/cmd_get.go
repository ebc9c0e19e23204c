package fleet

import (
	"fmt"
	"strings"
)

// windowsVolume is the NT device that holds drive C:, used in the file
// names of batch-get status entries.
const windowsVolume = `\Device\HarddiskVolume2`

// GetResult is the outcome of `get` on one host: the command's own result
// plus the file that the host uploads.
type GetResult struct {
	Stdout, Stderr string
	ErrCode        int
	ErrMessage     string
	// DevicePath names the file in batch-get status: the NT device path
	// (\Device\HarddiskVolume2\Windows\notepad.exe) on Windows, the
	// absolute path elsewhere.
	DevicePath string
	Content    []byte
	SHA256     string // lowercase hex
}

// Get prepares `get <pathArg>`. pathArg is tokenized like a command
// argument, so quotes around a path with spaces are removed; relative paths
// resolve against the shell's working directory. Stdout is the path as
// given, as RTR prints it. Content holds the whole file.
//
// NOTE: the API reference does not say whether Falcon tokenizes the
// batch-get file_path. Get treats it as a command argument, so an unquoted
// path with spaces is rejected, which is the reading hardest on a client.
func (h *Host) Get(sh *Shell, pathArg string) GetResult {
	sh = h.shellFor(sh)
	toks, err := tokenize(pathArg)
	if err != nil || len(toks) == 0 {
		return GetResult{ErrCode: codeCommandNotValid, ErrMessage: "Command is not valid"}
	}
	if len(toks) > 1 {
		return GetResult{ErrCode: codeMaxArgs, ErrMessage: fmt.Sprintf("Max args is 1. %d were provided", len(toks))}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	sh.record("get " + pathArg)
	return h.get(sh, toks[0].text)
}

func (h *Host) get(sh *Shell, typed string) GetResult {
	c := &call{h: h, sh: sh}
	comps, n, err := c.lookupArg(typed)
	if err != nil || n.dir {
		switch {
		case h.platform == Windows:
			return GetResult{Stderr: windowsNotFound(typed)}
		case err == nil:
			return GetResult{Stderr: fmt.Sprintf("get: %s: Is a directory\n", typed)}
		}
		return GetResult{Stderr: fmt.Sprintf("get: %s: No such file or directory\n", typed)}
	}
	device := formatPath(h.platform, comps)
	if h.platform == Windows {
		device = windowsVolume + `\` + strings.Join(comps[1:], `\`)
	}
	return GetResult{Stdout: typed, DevicePath: device, Content: n.bytes(), SHA256: n.fileHashes().sha256}
}

// runGet runs `get` sent through a command endpoint. The file itself is
// only available through Host.Get.
func runGet(c *call) Result {
	if len(c.inv.args) == 0 {
		return c.missingOperand("get")
	}
	g := c.h.get(c.sh, c.inv.args[0])
	return Result{Stdout: g.Stdout, Stderr: g.Stderr}
}
