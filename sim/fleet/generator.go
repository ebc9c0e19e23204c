package fleet

import (
	"encoding/binary"
	"hash/fnv"
	"strings"
)

// generator makes file content from a seed so that large files cost no
// memory until read. Every byte depends only on the seed and its offset, so
// ReadAt works at any offset and repeated reads agree.
type generator struct {
	seed   uint64
	kind   contentKind
	header []byte // executable header for contentExecutable
}

type contentKind int

const (
	contentBinary     contentKind = iota // random bytes
	contentExecutable                    // a PE (MZ) or ELF header, then random bytes
	contentText                          // printable lines
)

// peHeader starts every generated Windows executable, so that the file
// begins with "MZ" like a real PE image.
var peHeader = []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" +
	"\xb8\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\x00")

var elfHeader = []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00")

var machoHeader = []byte("\xcf\xfa\xed\xfe\x0c\x00\x00\x01\x00\x00\x00\x00\x02\x00\x00\x00")

const textAlphabet = "abcdefghijklmnopqrstuvwxyz      0123456789=:,.-_/"

func newGenerator(p Platform, seedText string, kind contentKind) *generator {
	h := fnv.New64a()
	h.Write([]byte(seedText))
	g := &generator{seed: h.Sum64(), kind: kind}
	if kind == contentExecutable {
		switch p {
		case Windows:
			g.header = peHeader
		case Linux:
			g.header = elfHeader
		case Mac:
			g.header = machoHeader
		}
	}
	return g
}

// contentKindFor picks the kind of generated content from a file name.
func contentKindFor(p Platform, name string) contentKind {
	switch strings.ToLower(extension(name)) {
	case ".exe", ".dll", ".sys", ".so":
		return contentExecutable
	case ".txt", ".log", ".ini", ".conf", ".cfg", ".csv", ".json", ".xml", ".ps1", ".sh", ".md", "":
		if p != Windows && extension(name) == "" && !strings.HasPrefix(name, ".") {
			return contentExecutable // extension-less POSIX files are mostly programs
		}
		return contentText
	}
	return contentBinary
}

// ReadAt fills p with the content at off. It never fails.
func (g *generator) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		p[i] = g.byteAt(off + int64(i))
	}
	return len(p), nil
}

func (g *generator) byteAt(off int64) byte {
	if off < int64(len(g.header)) {
		return g.header[off]
	}
	var word [8]byte
	binary.LittleEndian.PutUint64(word[:], splitmix64(g.seed+uint64(off/8)))
	b := word[off%8]
	if g.kind != contentText {
		return b
	}
	if off%72 == 71 {
		return '\n'
	}
	return textAlphabet[int(b)%len(textAlphabet)]
}

// splitmix64 is the SplitMix64 mixing function (Steele, Lea and Flood,
// 2014), used as a cheap counter-based random source.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
