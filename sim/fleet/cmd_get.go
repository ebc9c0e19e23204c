package fleet

import (
	"fmt"
	"io"
	"strings"
	"time"
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
	// Content is the whole file when it is at most MaxGetContent bytes,
	// else nil. Reader and Size always give the file, so a server can
	// stream large files without holding them in memory.
	Content []byte
	Reader  io.ReaderAt
	Size    int64
	SHA256  string // lowercase hex
	// Delay is added to the upload's time before it appears in the get
	// status; Stalled means the upload never finishes.
	Delay   time.Duration
	Stalled bool
}

// MaxGetContent is the largest file whose bytes GetResult.Content carries.
// Larger files exist only as generated content (a page file, for one),
// and copying them into memory could exhaust it.
const MaxGetContent = 256 << 20

// getContentLimit is MaxGetContent, lowered by tests to keep them fast.
var getContentLimit int64 = MaxGetContent

// Get prepares `get <pathArg>`. pathArg is tokenized like a command
// argument, so quotes around a path with spaces are removed; relative paths
// resolve against the shell's working directory. Stdout is the path as
// given, as RTR prints it.
//
// NOTE: the API reference does not say whether Falcon tokenizes the
// batch-get file_path. Get treats it as a command argument, so an unquoted
// path with spaces is rejected, which is the reading hardest on a client.
func (h *Host) Get(sh *Shell, pathArg string) GetResult {
	sh = h.shellFor(sh)
	h.materialize()
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
	return h.faultGet(h.get(sh, toks[0].text))
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
		return GetResult{Stderr: fmt.Sprintf("get: %s: %s\n", typed, posixReason(err))}
	}
	device := formatPath(h.platform, comps)
	if h.platform == Windows {
		device = windowsVolume + `\` + strings.Join(comps[1:], `\`)
	}
	g := GetResult{Stdout: typed, DevicePath: device, Reader: n.readerAt(), Size: n.size, SHA256: n.fileHashes().sha256}
	if n.size <= getContentLimit {
		g.Content = n.bytes()
	}
	return g
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
