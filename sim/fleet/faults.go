package fleet

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// LostCommandDuration is the run time reported for a command that a host
// was running when it went offline: far longer than any wait a client may
// ask for, so the command stays complete:false.
const LostCommandDuration = 100 * 365 * 24 * time.Hour

// HostFaults makes one host misbehave the way real endpoints do. The zero
// value injects nothing.
type HostFaults struct {
	// OfflineAfterCommands takes the host offline while it runs command
	// number OfflineAfterCommands+1 (counted from 1); that command never
	// finishes. Zero means never, unless OfflineAtFirst is set.
	OfflineAfterCommands int
	// OfflineAtFirst loses the host's very first command.
	OfflineAtFirst bool
	// OfflineAfter takes the host offline this long after its first
	// command, whether or not it is running one. Zero means never.
	OfflineAfter time.Duration
	// BackAfter brings the host back online this long after it went
	// offline. Zero means it stays offline.
	BackAfter time.Duration
	// Delay is added to every command's run time, so a client whose host
	// timeout is shorter gets complete:false and must poll.
	Delay time.Duration
	// StallUploads makes every get find its file but never finish the
	// upload: the file never appears in the get status.
	StallUploads bool
	// ChunkSize, when positive, is the number of stdout bytes in each
	// sequence_id chunk of this host's command status.
	ChunkSize int
	// NonUTF8 re-encodes stdout as Latin-1 and adds a line of bytes that
	// are not UTF-8, as a host with a legacy code page prints.
	NonUTF8 bool
	// ExtraOutputBytes appends that many bytes of generated text to every
	// command's stdout, for very large output.
	ExtraOutputBytes int
}

// nonUTF8Line is appended to stdout by NonUTF8: "café" and a byte-order
// mark in Latin-1, neither of which is valid UTF-8.
const nonUTF8Line = "caf\xe9 \xff\xfe\r\n"

// faultState is a host's faults and how far they have run.
type faultState struct {
	cfg      HostFaults
	mu       sync.Mutex
	commands int
	started  bool
	fired    bool
}

// SetFaults installs faults on the host, replacing any it had. Call it
// before the host serves commands.
func (h *Host) SetFaults(f HostFaults) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults = &faultState{cfg: f}
}

// Faults returns the host's faults.
func (h *Host) Faults() HostFaults {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.faults == nil {
		return HostFaults{}
	}
	return h.faults.cfg
}

func (h *Host) faultState() *faultState {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.faults
}

// faultBefore counts a command and reports whether the host goes offline
// while running it; lost is then the command's result.
func (h *Host) faultBefore() (lost Result, isLost bool) {
	fs := h.faultState()
	if fs == nil {
		return Result{}, false
	}
	fs.mu.Lock()
	fs.commands++
	first := !fs.started
	fs.started = true
	n := fs.commands
	fs.mu.Unlock()
	if first && fs.cfg.OfflineAfter > 0 {
		time.AfterFunc(fs.cfg.OfflineAfter, func() { h.goOffline(fs) })
	}
	limit := fs.cfg.OfflineAfterCommands
	if limit == 0 && !fs.cfg.OfflineAtFirst {
		return Result{}, false
	}
	if n == limit+1 && h.goOffline(fs) {
		return Result{Duration: LostCommandDuration}, true
	}
	return Result{}, false
}

// goOffline fires the offline fault once and schedules the return.
func (h *Host) goOffline(fs *faultState) bool {
	fs.mu.Lock()
	if fs.fired {
		fs.mu.Unlock()
		return false
	}
	fs.fired = true
	fs.mu.Unlock()
	h.SetOnline(false)
	if fs.cfg.BackAfter > 0 {
		time.AfterFunc(fs.cfg.BackAfter, func() { h.SetOnline(true) })
	}
	return true
}

// faultAfter shapes a finished command's result by the host's faults.
func (h *Host) faultAfter(res Result) Result {
	fs := h.faultState()
	if fs == nil || res.ErrCode != 0 {
		return res
	}
	c := fs.cfg
	res.Duration += c.Delay
	res.ChunkSize = c.ChunkSize
	if c.NonUTF8 {
		// The bad bytes get a line of their own, so that the command's
		// own last line (a path from pwd, say) stays as it was.
		out := latin1(res.Stdout)
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\r\n"
		}
		res.Stdout = out + nonUTF8Line
	}
	if c.ExtraOutputBytes > 0 {
		res.Stdout += extraOutput(h.info.AID, c.ExtraOutputBytes)
	}
	return res
}

// faultGet applies the delay and stalled uploads to a get. It runs with
// h.mu held, so it reads h.faults directly.
func (h *Host) faultGet(res GetResult) GetResult {
	if h.faults == nil || res.ErrCode != 0 {
		return res
	}
	res.Delay = h.faults.cfg.Delay
	res.Stalled = h.faults.cfg.StallUploads
	return res
}

// latin1 encodes s as ISO-8859-1, with '?' for characters outside it.
func latin1(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r))
		case r <= 0xff:
			b.WriteByte(byte(r))
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// extraOutput is n bytes of printable text made from seed, ending in a
// newline.
func extraOutput(seed string, n int) string {
	buf := make([]byte, n)
	g := newGenerator(Linux, "extra-output/"+seed, contentText)
	_, _ = g.ReadAt(buf, 0) // generator reads never fail
	buf[n-1] = '\n'
	return string(buf)
}

// validate checks the faults for values no host could follow.
func (f HostFaults) validate() error {
	for name, d := range map[string]time.Duration{"offline_after": f.OfflineAfter,
		"back_after": f.BackAfter, "delay": f.Delay} {
		if d < 0 {
			return fmt.Errorf("%s: %s is negative", name, d)
		}
	}
	switch {
	case f.OfflineAfterCommands < 0:
		return fmt.Errorf("offline_after_commands: %d is negative", f.OfflineAfterCommands)
	case f.ChunkSize < 0:
		return fmt.Errorf("chunk_size: %d is negative", f.ChunkSize)
	case f.ExtraOutputBytes < 0 || f.ExtraOutputBytes > maxExtraOutput:
		return fmt.Errorf("extra_output_bytes: %d is outside 0..%d", f.ExtraOutputBytes, maxExtraOutput)
	case f.BackAfter > 0 && f.OfflineAfter == 0 && f.OfflineAfterCommands == 0 && !f.OfflineAtFirst:
		return fmt.Errorf("back_after: the host never goes offline; set offline_after or offline_after_commands")
	}
	return nil
}

// maxExtraOutput bounds ExtraOutputBytes at 64 MiB, so that a typo cannot
// exhaust the emulator's memory.
const maxExtraOutput = 64 << 20
