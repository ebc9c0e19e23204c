package fleet

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"time"
)

// maxRealArchive is the most source bytes that zip, tar and encrypt turn
// into real archive or cipher bytes. Larger sources get generated content
// of a plausible size, so a collection of big logs costs no memory.
const maxRealArchive = 4 << 20

// archiveEntry is one file or directory to archive, by its name inside
// the archive.
type archiveEntry struct {
	name string
	node *fsNode
}

// archiveEntries lists n and, for a directory, everything below it, named
// relative to n's parent with forward slashes.
func (fs *fileSystem) archiveEntries(comps []string, n *fsNode) ([]archiveEntry, int64) {
	base := n.name
	entries := []archiveEntry{{name: base, node: n}}
	total := n.size
	if n.dir {
		entries[0].name += "/"
		fs.walk(comps, n, func(sub []string, child *fsNode) {
			name := base + "/" + strings.Join(sub[len(comps):], "/")
			if child.dir {
				name += "/"
			}
			entries = append(entries, archiveEntry{name: name, node: child})
			total += child.size
		})
	}
	return entries, total
}

// opaqueFile is a file of generated content that starts with a format's
// magic bytes, standing in for output too large to build for real.
func opaqueFile(p Platform, seed string, magic []byte, size int64, now time.Time) *fsNode {
	g := newGenerator(p, seed, contentBinary)
	g.header = magic
	return &fsNode{gen: g, size: size, created: now, modified: now, mode: 0o644, owner: "root", group: "root"}
}

func bytesFile(data []byte, now time.Time) *fsNode {
	return &fsNode{content: data, size: int64(len(data)), created: now, modified: now,
		mode: 0o644, owner: "root", group: "root"}
}

// estimateCompressed guesses a deflated size: generated text shrinks to
// about half, other content not at all, plus per-entry headers.
func estimateCompressed(entries []archiveEntry, perEntry int64) int64 {
	var size int64
	for _, e := range entries {
		size += perEntry + int64(len(e.name))
		if e.node.gen != nil && e.node.gen.kind == contentText {
			size += e.node.size / 2
		} else {
			size += e.node.size
		}
	}
	return size
}

func buildZip(entries []archiveEntry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: e.node.modified}
		if e.node.dir {
			hdr.Method = zip.Store
		}
		// Writes to a bytes.Buffer never fail.
		w, _ := zw.CreateHeader(hdr)
		if !e.node.dir {
			_, _ = io.Copy(w, e.node.readerAt())
		}
	}
	_ = zw.Close()
	return buf.Bytes()
}

// runZip archives a file or directory into a zip file and prints the
// archive's path. Without a destination the archive is the source's path
// plus ".zip".
func runZip(c *call) Result {
	srcTyped := c.arg(0, "")
	src, n, err := c.lookupArg(srcTyped)
	if err != nil || srcTyped == "" {
		if c.h.platform == Windows {
			return stderr(windowsNotFound(srcTyped))
		}
		return stderr(fmt.Sprintf("\tzip warning: name not matched: %s\n\nzip error: Nothing to do! (%s)\n", srcTyped, c.arg(1, srcTyped+".zip")))
	}
	dstTyped := c.arg(1, formatPath(c.h.platform, src)+".zip")
	dst, problem := c.archiveDestination(dstTyped)
	if problem != "" {
		return stderr(problem)
	}
	entries, total := c.h.fs.archiveEntries(src, n)
	now := c.h.now()
	var out *fsNode
	if total <= maxRealArchive {
		out = bytesFile(buildZip(entries), now)
	} else {
		out = opaqueFile(c.h.platform, formatPath(c.h.platform, dst), []byte("PK\x03\x04"), estimateCompressed(entries, 76), now)
	}
	c.h.fs.place(dst, out)
	return stdout(formatPath(c.h.platform, c.h.fs.canonical(dst)))
}

// archiveDestination checks where an archive may be written: its directory
// must exist and the name must not be a directory.
// NOTE: the error text of RTR's zip and tar was never seen; Windows follows
// Compress-Archive and the others Info-ZIP and GNU tar.
func (c *call) archiveDestination(typed string) ([]string, string) {
	dst, ok := c.resolve(typed)
	var dir *fsNode
	var name string
	var err error
	if ok {
		dir, name, err = c.h.fs.parent(dst)
	}
	if !ok || err != nil {
		if c.h.platform == Windows {
			return nil, fmt.Sprintf("Could not find a part of the path '%s'.", typed)
		}
		return nil, fmt.Sprintf("%s: Cannot open: No such file or directory\n", typed)
	}
	if existing, ok := dir.children[c.h.fs.key(name)]; ok && existing.dir {
		if c.h.platform == Windows {
			return nil, fmt.Sprintf("The archive file path '%s' is a directory.", typed)
		}
		return nil, fmt.Sprintf("%s: Cannot open: Is a directory\n", typed)
	}
	return dst, ""
}

// tarCompression is tar's compression option.
type tarCompression string

const (
	tarPlain tarCompression = ""
	tarGzip  tarCompression = "z"
	tarBzip2 tarCompression = "j"
	tarXz    tarCompression = "J"
)

// tarMagic starts a compressed archive of each kind.
var tarMagic = map[tarCompression][]byte{
	tarGzip:  {0x1f, 0x8b, 0x08, 0x00},
	tarBzip2: []byte("BZh9"),
	tarXz:    []byte("\xfd7zXZ\x00"),
}

// runTar is GNU tar with RTR's flags: -f=<archive>, -c to create or -u to
// append, and -z, -j, -J or -a (by the archive's suffix) to compress.
// The archive's path is the output.
func runTar(c *call) Result {
	file, hasFile := c.inv.flag("f")
	create, update := c.inv.hasFlag("c"), c.inv.hasFlag("u")
	switch {
	case !create && !update:
		return stderr("tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\n" +
			"Try 'tar --help' or 'tar --usage' for more information.\n")
	case !hasFile || file == "":
		return stderr("tar: Refusing to write archive contents to terminal (missing -f option?)\n" +
			"tar: Error is not recoverable: exiting now\n")
	}
	srcTyped := c.arg(0, "")
	if srcTyped == "" {
		return stderr("tar: Cowardly refusing to create an empty archive\n" +
			"Try 'tar --help' or 'tar --usage' for more information.\n")
	}
	comp := c.tarCompression(file)
	if update && comp != tarPlain {
		return stderr("tar: Cannot update compressed archives\n" +
			"Try 'tar --help' or 'tar --usage' for more information.\n")
	}
	src, n, err := c.lookupArg(srcTyped)
	if err != nil {
		return stderr(fmt.Sprintf("tar: %s: Cannot stat: %s\n"+
			"tar: Exiting with failure status due to previous errors\n", srcTyped, posixReason(err)))
	}
	dst, problem := c.archiveDestination(file)
	if problem != "" {
		return stderr("tar: " + problem + "tar: Error is not recoverable: exiting now\n")
	}
	entries, total := c.h.fs.archiveEntries(src, n)
	var prior *fsNode
	if update {
		if old, err := c.h.fs.lookup(dst); err == nil {
			prior = old
			total += old.size
		}
	}
	c.h.fs.place(dst, c.tarFile(formatPath(Linux, dst), entries, total, prior, comp))
	return stdout(formatPath(c.h.platform, c.h.fs.canonical(dst)))
}

func (c *call) tarCompression(file string) tarCompression {
	switch {
	case c.inv.hasFlag("z"):
		return tarGzip
	case c.inv.hasFlag("j"):
		return tarBzip2
	case c.inv.hasFlag("J"):
		return tarXz
	case c.inv.hasFlag("a"):
		lower := strings.ToLower(file)
		switch {
		case strings.HasSuffix(lower, ".gz"), strings.HasSuffix(lower, ".tgz"):
			return tarGzip
		case strings.HasSuffix(lower, ".bz2"), strings.HasSuffix(lower, ".tbz2"):
			return tarBzip2
		case strings.HasSuffix(lower, ".xz"), strings.HasSuffix(lower, ".txz"):
			return tarXz
		}
	}
	return tarPlain
}

// tarFile builds the archive: real tar (and gzip) bytes for small sources,
// generated content of the expected size otherwise. Go's library writes
// neither bzip2 nor xz, so those are always generated. With -u the new
// members follow the old archive's members.
func (c *call) tarFile(seed string, entries []archiveEntry, total int64, prior *fsNode, comp tarCompression) *fsNode {
	now := c.h.now()
	if total > maxRealArchive || comp == tarBzip2 || comp == tarXz {
		size := tarSize(entries)
		if prior != nil {
			size += prior.size - 1024
		}
		if comp != tarPlain {
			size = estimateCompressed(entries, 64)
		}
		return opaqueFile(Linux, seed, tarMagic[comp], size, now)
	}
	var buf bytes.Buffer
	var w io.Writer = &buf
	var gz *gzip.Writer
	if comp == tarGzip {
		gz = gzip.NewWriter(&buf)
		w = gz
	}
	tw := tar.NewWriter(w)
	if prior != nil {
		copyTarMembers(tw, prior)
	}
	for _, e := range entries {
		writeTarMember(tw, e)
	}
	// Writes to a bytes.Buffer never fail.
	_ = tw.Close()
	if gz != nil {
		_ = gz.Close()
	}
	return bytesFile(buf.Bytes(), now)
}

func writeTarMember(tw *tar.Writer, e archiveEntry) {
	hdr := &tar.Header{Name: e.name, Mode: int64(e.node.mode), ModTime: e.node.modified,
		Uname: e.node.owner, Gname: e.node.group, Typeflag: tar.TypeReg, Size: e.node.size}
	if e.node.dir {
		hdr.Typeflag, hdr.Size = tar.TypeDir, 0
	}
	_ = tw.WriteHeader(hdr)
	if !e.node.dir {
		_, _ = io.Copy(tw, e.node.readerAt())
	}
}

// copyTarMembers copies the members of an existing archive; an archive
// that does not parse (generated content) contributes nothing.
func copyTarMembers(tw *tar.Writer, old *fsNode) {
	tr := tar.NewReader(old.readerAt())
	for {
		hdr, err := tr.Next()
		if err != nil {
			return
		}
		_ = tw.WriteHeader(hdr)
		_, _ = io.Copy(tw, tr)
	}
}

// tarSize is an uncompressed tar's size: a 512-byte header per member,
// content in 512-byte blocks, two zero blocks, rounded up to GNU tar's
// 10240-byte record.
func tarSize(entries []archiveEntry) int64 {
	size := int64(1024)
	for _, e := range entries {
		size += 512 + (e.node.size+511)/512*512
	}
	return (size + 10239) / 10240 * 10240
}
