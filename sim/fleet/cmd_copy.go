package fleet

import (
	"errors"
	"fmt"
	"time"
)

// Errors of copy and move that have their own error text.
var (
	errSameFile     = errors.New("source and destination are the same file")
	errIntoItself   = errors.New("destination is inside the source directory")
	errDirOntoFile  = errors.New("a directory cannot replace a file")
	errDestExists   = errors.New("destination already exists")
	errBadOperands  = errors.New("missing operand")
	errParentAbsent = errors.New("destination's directory does not exist")
)

// transfer is one cp or mv: the source and the resolved destination.
type transfer struct {
	srcTyped, dstTyped string
	src, dst           []string // canonical source, destination as resolved
	node               *fsNode
	// onto is the directory already at dst when the source is a
	// directory too: cp merges into it, mv needs it empty.
	onto *fsNode
}

// planTransfer resolves a cp or mv. A destination that is an existing
// directory receives the source under its own name, as cp, mv, Copy-Item
// and Move-Item all do.
func (c *call) planTransfer() (transfer, error) {
	t := transfer{srcTyped: c.arg(0, ""), dstTyped: c.arg(1, "")}
	if t.srcTyped == "" || t.dstTyped == "" {
		return t, errBadOperands
	}
	src, n, err := c.lookupArg(t.srcTyped)
	if err != nil {
		return t, err
	}
	t.src, t.node = src, n
	if _, _, err := c.h.fs.parent(src); err != nil && len(src) > 0 {
		// A Windows drive root has no parent directory to move it from.
		return t, errInvalidPath
	}
	dst, ok := c.resolve(t.dstTyped)
	if !ok {
		return t, errParentAbsent
	}
	if existing, err := c.h.fs.lookup(dst); err == nil && existing.dir {
		dst = append(c.h.fs.canonical(dst), n.name)
	}
	t.dst = dst
	if pathEqual(c.h.fs, src, dst) {
		return t, errSameFile
	}
	if n.dir && len(dst) > len(src) && pathEqual(c.h.fs, src, dst[:len(src)]) {
		return t, errIntoItself
	}
	dir, name, err := c.h.fs.parent(dst)
	if err != nil {
		return t, errParentAbsent
	}
	if existing, ok := dir.children[c.h.fs.key(name)]; ok {
		switch {
		case n.dir && !existing.dir:
			return t, errDirOntoFile
		case existing.dir && !n.dir:
			return t, errDestExists
		case existing.dir:
			t.onto = existing
		}
	}
	return t, nil
}

func pathEqual(fs *fileSystem, a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if fs.key(a[i]) != fs.key(b[i]) {
			return false
		}
	}
	return true
}

// place puts n at dst, whose parent directory exists, replacing any entry
// of that name.
func (fs *fileSystem) place(dst []string, n *fsNode) {
	dir, name, _ := fs.parent(dst)
	n.name = name
	dir.children[fs.key(name)] = n
}

// cloneTree copies a file or directory tree. File content is shared: the
// file system never changes content in place. Copies get new times, as
// cp without -p does; Windows keeps the last-write time, as Copy-Item does.
func (fs *fileSystem) cloneTree(n *fsNode, now time.Time) *fsNode {
	cp := *n
	cp.created = now
	if fs.platform != Windows {
		cp.modified = now
	}
	if n.dir {
		cp.children = make(map[string]*fsNode, len(n.children))
		for k, child := range n.children {
			cp.children[k] = fs.cloneTree(child, now)
		}
	}
	return &cp
}

// runCp copies a file, or a directory with everything in it: RTR's cp has
// no recursion flag, so a directory is always copied whole.
// NOTE: whether RTR's cp copies directories is unverified; copying them
// keeps the command useful and the result checkable.
// Success prints nothing.
func runCp(c *call) Result {
	t, err := c.planTransfer()
	if err != nil {
		return c.transferError("cp", t, err)
	}
	clone := c.h.fs.cloneTree(t.node, c.h.now())
	if t.onto != nil {
		mergeInto(t.onto, clone)
		return Result{}
	}
	c.h.fs.place(t.dst, clone)
	return Result{}
}

// runMv moves or renames a file or directory. Windows refuses to move a
// running program's image, as Move-Item does; Linux and macOS allow it.
func runMv(c *call) Result {
	t, err := c.planTransfer()
	if err == nil && c.h.platform == Windows {
		if anyInUse(t.src, t.node, c.h.imageInUse) {
			err = errFileInUse
		}
		if dir, name, _ := c.h.fs.parent(t.dst); err == nil && dir.children[c.h.fs.key(name)] != nil &&
			!pathEqual(c.h.fs, t.src, t.dst) {
			// Move-Item does not overwrite without -Force, which RTR's mv lacks.
			err = errDestExists
		}
	}
	if err == nil && t.onto != nil && len(t.onto.children) > 0 {
		err = errDestExists
	}
	if err != nil {
		return c.transferError("mv", t, err)
	}
	// planTransfer checked that the source exists and has a parent, and
	// recursion is allowed, so remove succeeds. A move keeps the times.
	_ = c.h.fs.remove(t.src, true, nil)
	c.h.fs.place(t.dst, t.node)
	return Result{}
}

// mergeInto copies the entries of src into dir, replacing same-named
// files and merging same-named directories, as cp -r onto an existing
// directory does.
func mergeInto(dir, src *fsNode) {
	for k, child := range src.children {
		if old, ok := dir.children[k]; ok && old.dir && child.dir {
			mergeInto(old, child)
			continue
		}
		dir.children[k] = child
	}
}

// transferError renders a failed cp or mv: coreutils' messages on Linux and
// macOS, the RTR or PowerShell message on Windows.
func (c *call) transferError(cmd string, t transfer, err error) Result {
	if c.h.platform == Windows {
		return stderr(c.windowsTransferError(t, err))
	}
	switch err {
	case errBadOperands:
		if t.srcTyped == "" {
			return stderr(cmd + ": missing file operand\n")
		}
		return stderr(fmt.Sprintf("%s: missing destination file operand after '%s'\n", cmd, t.srcTyped))
	case errNotFound, errNotDir:
		return stderr(fmt.Sprintf("%s: cannot stat '%s': %s\n", cmd, t.srcTyped, posixReason(err)))
	case errSameFile:
		return stderr(fmt.Sprintf("%s: '%s' and '%s' are the same file\n", cmd, t.srcTyped, t.dstTyped))
	case errIntoItself:
		shown := formatPath(c.h.platform, t.dst)
		if cmd == "cp" {
			return stderr(fmt.Sprintf("cp: cannot copy a directory, '%s', into itself, '%s'\n", t.srcTyped, shown))
		}
		return stderr(fmt.Sprintf("mv: cannot move '%s' to a subdirectory of itself, '%s'\n", t.srcTyped, shown))
	case errDirOntoFile:
		return stderr(fmt.Sprintf("%s: cannot overwrite non-directory '%s' with directory '%s'\n", cmd, t.dstTyped, t.srcTyped))
	case errDestExists:
		if cmd == "cp" {
			return stderr(fmt.Sprintf("cp: cannot overwrite directory '%s' with non-directory\n", formatPath(c.h.platform, t.dst)))
		}
		return stderr(fmt.Sprintf("%s: cannot move '%s' to '%s': Directory not empty\n", cmd, t.srcTyped, formatPath(c.h.platform, t.dst)))
	}
	if cmd == "cp" {
		return stderr(fmt.Sprintf("cp: cannot create regular file '%s': No such file or directory\n", t.dstTyped))
	}
	return stderr(fmt.Sprintf("mv: cannot move '%s' to '%s': No such file or directory\n", t.srcTyped, t.dstTyped))
}

// NOTE: RTR's Windows cp and mv error text was never seen. A missing
// source uses RTR's file-command message; the rest follow Copy-Item and
// Move-Item.
func (c *call) windowsTransferError(t transfer, err error) string {
	switch err {
	case errBadOperands, errNotFound, errNotDir:
		return windowsNotFound(t.srcTyped)
	case errSameFile:
		return fmt.Sprintf("Cannot overwrite the item %s with itself.", formatPath(Windows, t.src))
	case errIntoItself:
		return fmt.Sprintf("Cannot copy or move the item %s into itself.", formatPath(Windows, t.src))
	case errDirOntoFile, errDestExists:
		return "Cannot create a file when that file already exists."
	case errInvalidPath:
		return fmt.Sprintf("Access to the path '%s' is denied.", formatPath(Windows, t.src))
	case errFileInUse:
		return "The process cannot access the file because it is being used by another process."
	}
	return fmt.Sprintf("Could not find a part of the path '%s'.", t.dstTyped)
}
