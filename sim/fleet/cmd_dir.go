package fleet

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// windowsNotFound is the message Windows file commands (cat, cd, ls,
// filehash, get, rm) put in stderr for a path that does not exist, with
// the path as typed.
func windowsNotFound(typed string) string {
	return "Check your filename. Couldn't find '" + typed + "'"
}

// resolve turns a path argument into components against the shell's cwd.
func (c *call) resolve(arg string) ([]string, bool) {
	return resolvePath(c.h.platform, c.sh.dir(), arg)
}

// lookupArg resolves and looks up a path argument.
func (c *call) lookupArg(arg string) ([]string, *fsNode, error) {
	comps, ok := c.resolve(arg)
	if !ok {
		return nil, nil, errNotFound
	}
	n, err := c.h.fs.lookup(comps)
	if err != nil {
		return nil, nil, err
	}
	return c.h.fs.canonical(comps), n, nil
}

func (c *call) arg(i int, def string) string {
	if i < len(c.inv.args) {
		return c.inv.args[i]
	}
	return def
}

func stdout(s string) Result { return Result{Stdout: s} }
func stderr(s string) Result { return Result{Stderr: s} }

func runPwd(c *call) Result {
	return stdout(c.sh.Cwd())
}

func runCd(c *call) Result {
	if len(c.inv.args) == 0 {
		return stdout(c.sh.Cwd())
	}
	typed := c.inv.args[0]
	comps, n, err := c.lookupArg(typed)
	if err == nil && !n.dir {
		err = errNotDir
	}
	if err != nil {
		if c.h.platform == Windows {
			return stderr(windowsNotFound(typed))
		}
		return stderr(fmt.Sprintf("cd: %s: %s\n", typed, posixReason(err)))
	}
	c.sh.setDir(comps)
	return stdout(formatPath(c.h.platform, comps))
}

func runLs(c *call) Result {
	typed := c.arg(0, ".")
	comps, n, err := c.lookupArg(typed)
	if c.h.platform == Windows {
		if err != nil {
			return stderr(windowsNotFound(typed))
		}
		return stdout(c.windowsListing(comps, n))
	}
	if err != nil {
		return stderr(fmt.Sprintf("ls: cannot access '%s': %s\n", typed, posixReason(err)))
	}
	if !n.dir {
		if c.inv.hasFlag("l") {
			return stdout(c.longLine(n, typed) + "\n")
		}
		return stdout(typed + "\n")
	}
	var b strings.Builder
	c.posixListing(&b, comps, n, typed, c.inv.hasFlag("R"))
	return stdout(b.String())
}

// windowsListing renders the fixed-width table that RTR prints on Windows:
// six columns padded to 40, 12, 15, 15, 25 and 25 characters, so every
// line is 137 characters long unless a name overflows its column.
func (c *call) windowsListing(comps []string, n *fsNode) string {
	zone := c.h.utcLabel()
	cols := []column{{"Name", 40}, {"Type", 12}, {"Size (bytes)", 15}, {"Size (MB)", 15},
		{"Last Modified " + zone, 25}, {"Created " + zone, 25}}
	entries := []*fsNode{n}
	if n.dir {
		entries = c.h.fs.sortedChildren(n)
	}
	rows := make([][]string, 0, len(entries))
	for _, e := range entries {
		typ, size, mb := "<Directory>", "--", "--"
		if !e.dir {
			typ, size, mb = extension(e.name), strconv.FormatInt(e.size, 10), formatMB(e.size)
		}
		rows = append(rows, []string{e.name, typ, size, mb,
			c.h.local(e.modified).Format(windowsTimeLayout),
			c.h.local(e.created).Format(windowsTimeLayout)})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Directory listing for %s -\n\n", formatPath(Windows, comps))
	writeTable(&b, cols, rows, 1, true)
	return b.String()
}

// posixListing writes ls output for a directory: names one per line in
// byte order without dot files, or ls -l lines, and with -R every
// subdirectory under a "path:" heading.
func (c *call) posixListing(b *strings.Builder, comps []string, dir *fsNode, shown string, recursive bool) {
	entries := visibleEntries(c.h.fs.sortedChildren(dir))
	if c.inv.hasFlag("t") {
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].modified.After(entries[j].modified) })
	}
	if recursive {
		fmt.Fprintf(b, "%s:\n", shown)
	}
	long := c.inv.hasFlag("l")
	if long {
		fmt.Fprintf(b, "total %d\n", totalBlocks(entries))
	}
	for _, e := range entries {
		if long {
			b.WriteString(c.longLine(e, e.name))
		} else {
			b.WriteString(e.name)
		}
		b.WriteString("\n")
	}
	if !recursive {
		return
	}
	for _, e := range entries {
		if e.dir {
			b.WriteString("\n")
			sub := append(append([]string(nil), comps...), e.name)
			c.posixListing(b, sub, e, strings.TrimSuffix(shown, "/")+"/"+e.name, true)
		}
	}
}

func visibleEntries(all []*fsNode) []*fsNode {
	out := all[:0:0]
	for _, e := range all {
		if !strings.HasPrefix(e.name, ".") {
			out = append(out, e)
		}
	}
	return out
}

// totalBlocks is the "total" line of ls -l: 1 KiB blocks, allocated in
// 4 KiB units.
func totalBlocks(entries []*fsNode) int64 {
	var total int64
	for _, e := range entries {
		total += (diskSize(e) + 4095) / 4096 * 4
	}
	return total
}

func diskSize(n *fsNode) int64 {
	if n.dir {
		return 4096
	}
	return n.size
}

// longLine renders one ls -l line.
func (c *call) longLine(n *fsNode, name string) string {
	links := 1
	if n.dir {
		links = 2
		for _, child := range n.children {
			if child.dir {
				links++
			}
		}
	}
	mtime := c.h.local(n.modified)
	layout := "Jan _2 15:04"
	if c.h.now().Sub(mtime) > 182*24*time.Hour || mtime.After(c.h.now()) {
		layout = "Jan _2  2006"
	}
	return fmt.Sprintf("%s %d %s %s %d %s %s", modeString(n), links, n.owner, n.group,
		diskSize(n), mtime.Format(layout), name)
}

func modeString(n *fsNode) string {
	b := []byte("-rwxrwxrwx")
	if n.dir {
		b[0] = 'd'
	}
	for i := 0; i < 9; i++ {
		if n.mode&(1<<(8-i)) == 0 {
			b[i+1] = '-'
		}
	}
	return string(b)
}
