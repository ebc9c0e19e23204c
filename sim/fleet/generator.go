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

// ReadAt fills p with the content at off. It never fails and does not stop
// at the file's size; callers bound it with io.NewSectionReader.
func (g *generator) ReadAt(p []byte, off int64) (int, error) {
	var word [8]byte
	for i := 0; i < len(p); {
		pos := off + int64(i)
		if pos < int64(len(g.header)) {
			p[i] = g.header[pos]
			i++
			continue
		}
		// Fill the rest of this 8-byte word from one random draw.
		binary.LittleEndian.PutUint64(word[:], splitmix64(g.seed+uint64(pos/8)))
		for j := pos % 8; j < 8 && i < len(p); j++ {
			p[i] = g.shape(word[j], off+int64(i))
			i++
		}
	}
	return len(p), nil
}

// shape turns a random byte into the byte at pos for the content kind:
// printable characters with a newline every 72 bytes for text.
func (g *generator) shape(b byte, pos int64) byte {
	if g.kind != contentText {
		return b
	}
	if pos%72 == 71 {
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
