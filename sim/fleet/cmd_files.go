package fleet

import (
	"fmt"
	"strconv"
	"strings"
)

// windowsCatMax is the most bytes that cat returns per call on Windows
// (the Count argument's documented maximum).
const windowsCatMax = 32768

func runCat(c *call) Result {
	typed := c.arg(0, "")
	if typed == "" {
		return c.missingOperand("cat")
	}
	_, n, err := c.lookupArg(typed)
	if c.h.platform == Windows {
		if err != nil || n.dir {
			return stderr(windowsNotFound(typed))
		}
		return c.windowsCat(n)
	}
	if err != nil {
		return stderr(fmt.Sprintf("cat: %s: %s\n", typed, posixReason(err)))
	}
	if n.dir {
		return stderr(fmt.Sprintf("cat: %s: Is a directory\n", typed))
	}
	text := string(n.bytes())
	if c.inv.hasFlag("t") {
		text = showNonPrinting(text)
	}
	if c.inv.hasFlag("n") {
		text = numberLines(text)
	}
	return stdout(text)
}

// windowsCat reads Count bytes (at most 32768) from Offset.
func (c *call) windowsCat(n *fsNode) Result {
	count, err := byteArg(c.arg(1, strconv.Itoa(windowsCatMax)), 1, windowsCatMax)
	if err != nil {
		return stderr("Count " + err.Error())
	}
	offset, err := byteArg(c.arg(2, "0"), 0, 1<<62)
	if err != nil {
		return stderr("Offset " + err.Error())
	}
	data := n.readRange(offset, count)
	if c.inv.hasFlag("ShowHex") {
		return stdout(formatHex(data, offset))
	}
	return stdout(string(data))
}

// NOTE: the error text for a bad Count or Offset on Windows was never
// seen; this wording is the emulator's own.
func byteArg(s string, lo, hi int64) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("must be a whole number from %d to %d, got '%s'", lo, hi, s)
	}
	return v, nil
}

// formatHex renders bytes like PowerShell's Format-Hex: a column header,
// then 16 bytes per row with their offset and ASCII form.
func formatHex(data []byte, offset int64) string {
	var b strings.Builder
	b.WriteString("\n           00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F\n\n")
	for i := 0; i < len(data); i += 16 {
		row := data[i:min(i+16, len(data))]
		fmt.Fprintf(&b, "%08X   ", offset+int64(i))
		for j := 0; j < 16; j++ {
			if j < len(row) {
				fmt.Fprintf(&b, "%02X ", row[j])
			} else {
				b.WriteString("   ")
			}
		}
		b.WriteString(" ")
		for _, x := range row {
			if x >= 0x20 && x < 0x7f {
				b.WriteByte(x)
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// numberLines is cat -n: a six-wide right-aligned number and a tab before
// every line.
func numberLines(text string) string {
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for i, l := range lines {
		if l == "" {
			continue
		}
		fmt.Fprintf(&b, "%6d\t%s", i+1, l)
	}
	return b.String()
}

// showNonPrinting is cat -t: tabs as ^I and other control characters in ^X
// or M- notation, newlines kept.
func showNonPrinting(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		x := text[i]
		if x >= 0x80 {
			b.WriteString("M-")
			x -= 0x80
		}
		switch {
		case x == '\n':
			b.WriteByte(x)
		case x < 0x20:
			b.WriteByte('^')
			b.WriteByte(x + '@')
		case x == 0x7f:
			b.WriteString("^?")
		default:
			b.WriteByte(x)
		}
	}
	return b.String()
}

func (c *call) missingOperand(cmd string) Result {
	if c.h.platform == Windows {
		return stderr(windowsNotFound(""))
	}
	return stderr(cmd + ": missing operand\n")
}

func runRm(c *call) Result {
	typed := c.arg(0, "")
	if typed == "" {
		return c.missingOperand("rm")
	}
	if c.h.platform == Windows {
		return c.windowsRm(typed)
	}
	return c.posixRm(typed)
}

func (c *call) windowsRm(typed string) Result {
	comps, _, err := c.lookupArg(typed)
	if err != nil {
		return stderr(windowsNotFound(typed))
	}
	err = c.h.fs.remove(comps, c.inv.hasFlag("Force"), c.h.imageInUse)
	full := formatPath(Windows, comps)
	switch err {
	case nil:
		return Result{}
	case errIsDir, errNotEmpty:
		// NOTE: RTR's text for a directory removed without -Force was never
		// seen; this wording is the emulator's own.
		return stderr(fmt.Sprintf("Cannot remove '%s' because it is a directory. Use -Force to remove a directory and its contents.", typed))
	case errFileInUse:
		return stderr(fmt.Sprintf("The process cannot access the file '%s' because it is being used by another process.", full))
	case errInvalidPath:
		return stderr(fmt.Sprintf("Access to the path '%s' is denied.", full))
	}
	return stderr(windowsNotFound(typed))
}

func (c *call) posixRm(typed string) Result {
	recursive := c.inv.hasFlag("r", "R")
	comps, n, err := c.lookupArg(typed)
	if err != nil {
		if c.inv.hasFlag("f") {
			return Result{}
		}
		return stderr(fmt.Sprintf("rm: cannot remove '%s': %s\n", typed, posixReason(err)))
	}
	if len(comps) == 0 {
		return stderr("rm: it is dangerous to operate recursively on '/'\n" +
			"rm: use --no-preserve-root to override this failsafe\n")
	}
	// rm -d removes an empty directory without -r.
	emptyDirOK := n.dir && len(n.children) == 0 && c.inv.hasFlag("d")
	switch err := c.h.fs.remove(comps, recursive || emptyDirOK, nil); err {
	case nil:
		return Result{}
	case errNotEmpty:
		if c.inv.hasFlag("d") {
			return stderr(fmt.Sprintf("rm: cannot remove '%s': Directory not empty\n", typed))
		}
	}
	return stderr(fmt.Sprintf("rm: cannot remove '%s': Is a directory\n", typed))
}

func runMkdir(c *call) Result {
	typed := c.arg(0, "")
	if typed == "" {
		return c.missingOperand("mkdir")
	}
	comps, ok := c.resolve(typed)
	if c.h.platform == Windows {
		return c.windowsMkdir(typed, comps, ok)
	}
	fail := func(reason string) Result {
		return stderr(fmt.Sprintf("mkdir: cannot create directory '%s': %s\n", typed, reason))
	}
	if _, err := c.h.fs.lookup(comps); err == nil {
		if c.inv.hasFlag("p") {
			return stdout(formatPath(c.h.platform, c.h.fs.canonical(comps)))
		}
		return fail("File exists")
	}
	var err error
	if c.inv.hasFlag("p") {
		_, err = c.h.fs.mkdirAll(comps, c.h.now())
	} else {
		_, err = c.h.fs.mkdir(comps, c.h.now())
	}
	switch err {
	case nil:
		return stdout(formatPath(c.h.platform, c.h.fs.canonical(comps)))
	case errNotDir:
		return fail("Not a directory")
	}
	return fail("No such file or directory")
}

// windowsMkdir creates missing parents too, as New-Item -ItemType
// Directory does.
func (c *call) windowsMkdir(typed string, comps []string, ok bool) Result {
	if !ok || len(comps) < 2 {
		return stderr(windowsNotFound(typed))
	}
	if _, err := c.h.fs.lookup(comps); err == nil {
		full := formatPath(Windows, c.h.fs.canonical(comps))
		return stderr(fmt.Sprintf("An item with the specified name %s already exists.", full))
	}
	if _, err := c.h.fs.mkdirAll(comps, c.h.now()); err != nil {
		return stderr(windowsNotFound(typed))
	}
	return stdout(formatPath(Windows, c.h.fs.canonical(comps)))
}

func runFilehash(c *call) Result {
	typed := c.arg(0, "")
	comps, n, err := c.lookupArg(typed)
	if err != nil || n.dir || typed == "" {
		if c.h.platform == Windows {
			return stderr(windowsNotFound(typed))
		}
		if err == nil {
			return stderr(fmt.Sprintf("filehash: %s: Is a directory\n", typed))
		}
		return stderr(fmt.Sprintf("filehash: %s: %s\n", typed, posixReason(err)))
	}
	sums := n.fileHashes()
	return stdout(fmt.Sprintf("Path   : %s\nMD5    : %s\nSHA1   : %s\nSHA256 : %s\n",
		formatPath(c.h.platform, comps), strings.ToUpper(sums.md5),
		strings.ToUpper(sums.sha1), strings.ToUpper(sums.sha256)))
}
