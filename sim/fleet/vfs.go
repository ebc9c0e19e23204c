package fleet

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sort"
	"strings"
	"time"
)

// Errors of file-system operations. Commands turn them into the platform's
// own error text.
var (
	errNotFound    = errors.New("no such file or directory")
	errNotDir      = errors.New("not a directory")
	errIsDir       = errors.New("is a directory")
	errNotEmpty    = errors.New("directory not empty")
	errExists      = errors.New("file exists")
	errFileInUse   = errors.New("file is in use by a running process")
	errInvalidPath = errors.New("invalid path")
)

// posixReason is the strerror text that coreutils prints for a failed
// lookup: ENOTDIR when a path component is a file, else ENOENT.
func posixReason(err error) string {
	if err == errNotDir {
		return "Not a directory"
	}
	return "No such file or directory"
}

// fsNode is a file or a directory.
type fsNode struct {
	name     string // as created, case preserved
	dir      bool
	children map[string]*fsNode // keyed by nameKey; directories only

	content []byte     // explicit content, or nil when generated
	gen     *generator // content made on demand from a seed, or nil
	size    int64

	modified, created time.Time
	mode              uint32 // POSIX permission bits; unused on Windows
	owner, group      string // POSIX owner; unused on Windows

	hashes *fileHashes // cached, computed on first use
}

type fileHashes struct{ md5, sha1, sha256 string }

// fileSystem is one host's file tree. On Windows the root's children are
// drives ("C:"); elsewhere the root is "/".
type fileSystem struct {
	platform Platform
	fold     bool
	root     *fsNode
}

func newFileSystem(p Platform, created time.Time) *fileSystem {
	fs := &fileSystem{platform: p, fold: foldsCase(p), root: newDir("", created)}
	if p == Windows {
		fs.root.children[fs.key("C:")] = newDir("C:", created)
	}
	return fs
}

func newDir(name string, t time.Time) *fsNode {
	return &fsNode{name: name, dir: true, children: map[string]*fsNode{},
		modified: t, created: t, mode: 0o755, owner: "root", group: "root"}
}

func (fs *fileSystem) key(name string) string {
	if fs.fold {
		return strings.ToLower(name)
	}
	return name
}

// lookup returns the node at comps, or errNotFound / errNotDir.
func (fs *fileSystem) lookup(comps []string) (*fsNode, error) {
	n := fs.root
	for _, c := range comps {
		if !n.dir {
			return nil, errNotDir
		}
		child, ok := n.children[fs.key(c)]
		if !ok {
			return nil, errNotFound
		}
		n = child
	}
	return n, nil
}

// canonical returns comps spelled as the stored names, for output after a
// case-insensitive lookup. comps must exist.
func (fs *fileSystem) canonical(comps []string) []string {
	out := make([]string, 0, len(comps))
	n := fs.root
	for _, c := range comps {
		n = n.children[fs.key(c)]
		out = append(out, n.name)
	}
	return out
}

// parent returns the directory that holds comps and the last component.
func (fs *fileSystem) parent(comps []string) (*fsNode, string, error) {
	if len(comps) == 0 || (fs.platform == Windows && len(comps) == 1) {
		return nil, "", errInvalidPath
	}
	dir, err := fs.lookup(comps[:len(comps)-1])
	if err != nil {
		return nil, "", err
	}
	if !dir.dir {
		return nil, "", errNotDir
	}
	return dir, comps[len(comps)-1], nil
}

// mkdirAll creates comps and any missing parents, returning the directory.
func (fs *fileSystem) mkdirAll(comps []string, t time.Time) (*fsNode, error) {
	n := fs.root
	for i, c := range comps {
		child, ok := n.children[fs.key(c)]
		if !ok {
			if fs.platform == Windows && i == 0 {
				return nil, errNotFound // no such drive
			}
			child = newDir(c, t)
			n.children[fs.key(c)] = child
		}
		if !child.dir {
			return nil, errNotDir
		}
		n = child
	}
	return n, nil
}

// mkdir creates one directory whose parent exists.
func (fs *fileSystem) mkdir(comps []string, t time.Time) (*fsNode, error) {
	dir, name, err := fs.parent(comps)
	if err != nil {
		return nil, err
	}
	if _, ok := dir.children[fs.key(name)]; ok {
		return nil, errExists
	}
	n := newDir(name, t)
	dir.children[fs.key(name)] = n
	return n, nil
}

// putFile creates or replaces a file, creating missing parent directories.
func (fs *fileSystem) putFile(comps []string, n *fsNode) error {
	if len(comps) == 0 || (fs.platform == Windows && len(comps) == 1) {
		return errInvalidPath
	}
	dir, err := fs.mkdirAll(comps[:len(comps)-1], n.created)
	if err != nil {
		return err
	}
	if old, ok := dir.children[fs.key(comps[len(comps)-1])]; ok && old.dir {
		return errIsDir
	}
	n.name = comps[len(comps)-1]
	dir.children[fs.key(n.name)] = n
	return nil
}

// remove deletes the node at comps. Directories need recursive; inUse
// reports files that a running process holds open.
func (fs *fileSystem) remove(comps []string, recursive bool, inUse func([]string) bool) error {
	dir, name, err := fs.parent(comps)
	if err != nil {
		return err
	}
	n, ok := dir.children[fs.key(name)]
	if !ok {
		return errNotFound
	}
	if n.dir && !recursive {
		if len(n.children) > 0 {
			return errNotEmpty
		}
		return errIsDir
	}
	if inUse != nil {
		if anyInUse(fs.canonical(comps), n, inUse) {
			return errFileInUse
		}
	}
	delete(dir.children, fs.key(name))
	return nil
}

func anyInUse(comps []string, n *fsNode, inUse func([]string) bool) bool {
	if !n.dir {
		return inUse(comps)
	}
	for _, child := range n.children {
		sub := append(append([]string(nil), comps...), child.name)
		if anyInUse(sub, child, inUse) {
			return true
		}
	}
	return false
}

// sortedChildren lists a directory: subdirectories first on Windows (as
// Get-ChildItem prints them), plain byte order elsewhere (as ls does in the C
// locale).
func (fs *fileSystem) sortedChildren(dir *fsNode) []*fsNode {
	out := make([]*fsNode, 0, len(dir.children))
	for _, c := range dir.children {
		out = append(out, c)
	}
	if fs.platform == Windows {
		sort.Slice(out, func(i, j int) bool {
			if out[i].dir != out[j].dir {
				return out[i].dir
			}
			return strings.ToLower(out[i].name) < strings.ToLower(out[j].name)
		})
		return out
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// walk calls fn for every node below n in path order, n excluded.
func (fs *fileSystem) walk(comps []string, n *fsNode, fn func([]string, *fsNode)) {
	keys := make([]string, 0, len(n.children))
	for k := range n.children {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		child := n.children[k]
		sub := append(append([]string(nil), comps...), child.name)
		fn(sub, child)
		if child.dir {
			fs.walk(sub, child, fn)
		}
	}
}

// bytes returns the whole content of a file.
func (n *fsNode) bytes() []byte {
	if n.gen == nil {
		return n.content
	}
	buf := make([]byte, n.size)
	n.gen.ReadAt(buf, 0)
	return buf
}

// readerAt returns the content without copying generated content into
// memory. Stored content is never changed in place, so the reader stays
// valid after the file is replaced or removed.
func (n *fsNode) readerAt() *io.SectionReader {
	if n.gen == nil {
		return io.NewSectionReader(bytes.NewReader(n.content), 0, n.size)
	}
	return io.NewSectionReader(n.gen, 0, n.size)
}

// readRange returns up to count bytes from offset.
func (n *fsNode) readRange(offset, count int64) []byte {
	if offset >= n.size {
		return nil
	}
	count = min(count, n.size-offset)
	if n.gen == nil {
		return n.content[offset : offset+count]
	}
	buf := make([]byte, count)
	n.gen.ReadAt(buf, offset)
	return buf
}

func (n *fsNode) fileHashes() fileHashes {
	if n.hashes == nil {
		m, s1, s256 := md5.New(), sha1.New(), sha256.New()
		// Writes to hashes never fail, so the copy's error is always nil.
		_, _ = io.Copy(io.MultiWriter(m, s1, s256), n.readerAt())
		n.hashes = &fileHashes{
			md5:    hex.EncodeToString(m.Sum(nil)),
			sha1:   hex.EncodeToString(s1.Sum(nil)),
			sha256: hex.EncodeToString(s256.Sum(nil)),
		}
	}
	return *n.hashes
}

// extension returns the file-name extension with its dot, or "".
func extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return ""
	}
	return name[i:]
}
