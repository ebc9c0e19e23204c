package sevenz

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// chunkSize is the buffer that both passes over the content read into.
	// It is a multiple of blockSize, so only the last chunk needs padding.
	chunkSize = 64 << 10

	// maxSize is far above any real file and low enough that the archive
	// length cannot overflow int64.
	maxSize = 1 << 62

	// filetimeEpoch is the number of seconds from 1601-01-01, where FILETIME
	// starts, to the Unix epoch. A FILETIME counts 100 ns intervals.
	filetimeEpoch          = 11644473600
	filetimeUnitsPerSecond = 10_000_000
)

var (
	errInvalidName    = errors.New("invalid member name")
	errInvalidSize    = errors.New("invalid member size")
	errInvalidModTime = errors.New("invalid modification time")
	errEmptyPassword  = errors.New("empty password")
	errNilSource      = errors.New("nil source")
	errContentChanged = errors.New("content changed while it was archived")
)

// Write writes a 7z archive that contains one file, name, whose size bytes of
// content are read from src, and returns the number of bytes written, which
// equals Size(name, size). The content is stored without compression and
// encrypted with the 7zAES coder, and so is the header. The package
// documentation describes the layout. modTime is stored as a FILETIME,
// which drops the time zone and any part below 100 ns.
//
// Write reads src twice, first for the CRC32 that the signature header
// depends on and then to encrypt it, so its memory use does not grow with
// size. If the content differs between the passes, Write stops after the
// content and returns an error, leaving an archive without its header.
//
// Write returns an error, and writes nothing, for invalid arguments: a
// negative size, an empty name or one that contains NUL or is not valid
// UTF-8, an empty password, or a modification time outside 1601 to 30828.
// It does the same for a src that is nil or shorter than size.
func Write(w io.Writer, name string, modTime time.Time, src io.ReaderAt, size int64, password string) (int64, error) {
	a, err := prepare(name, modTime, src, size, password)
	if err != nil {
		return 0, err
	}
	out := &countingWriter{w: w}
	if err := a.writeTo(out); err != nil {
		return out.n, fmt.Errorf("sevenz: writing the archive of %q: %w", name, err)
	}
	return out.n, nil
}

// archive is the state of one Write call, prepared before the first byte is
// written.
type archive struct {
	src          io.ReaderAt
	size         int64
	crc          uint32 // CRC32 of the content, from the first pass
	block        cipher.Block
	contentIV    []byte
	buf          []byte
	start        []byte // signature header
	sealedHeader []byte // encrypted header
	encoded      []byte // encoded header
}

// prepare checks the arguments, derives the key, reads src for its CRC32 and
// builds the headers.
func prepare(name string, modTime time.Time, src io.ReaderAt, size int64, password string) (*archive, error) {
	if err := checkMember(name, size); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, fmt.Errorf("sevenz: %w: pass the password that readers will use, such as \"infected\"", errEmptyPassword)
	}
	if src == nil {
		return nil, fmt.Errorf("sevenz: %w for %q: pass an io.ReaderAt of its %d bytes", errNilSource, name, size)
	}
	filetime, err := toFiletime(modTime)
	if err != nil {
		return nil, err
	}

	key := cachedKey(password)
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("sevenz: creating the AES cipher: %w", err)
	}

	a := &archive{src: src, size: size, block: block, contentIV: newIV(), buf: make([]byte, chunkSize)}
	if a.crc, err = checksum(src, size, a.buf); err != nil {
		return nil, fmt.Errorf("sevenz: reading %q for its checksum: %w", name, err)
	}

	m := member{name: name, size: size, crc: a.crc, filetime: filetime}
	headerIV := newIV()
	header, encoded := buildHeaders(m, a.contentIV, headerIV)
	a.sealedHeader = encryptPadded(block, headerIV, header)
	a.encoded = encoded
	a.start = signatureHeader(paddedSize(uint64(size))+uint64(len(a.sealedHeader)), encoded)
	return a, nil
}

func (a *archive) writeTo(w io.Writer) error {
	if _, err := w.Write(a.start); err != nil {
		return err
	}
	if err := encryptContent(w, a.block, a.contentIV, a.src, a.size, a.crc, a.buf); err != nil {
		return err
	}
	if _, err := w.Write(a.sealedHeader); err != nil {
		return err
	}
	_, err := w.Write(a.encoded)
	return err
}

// Size returns the exact length of the archive that Write produces for name
// and size, whatever the modification time and password. It returns -1 for
// a name or size that Write rejects.
func Size(name string, size int64) int64 {
	if checkMember(name, size) != nil {
		return -1
	}
	// The IVs, CRC32s and time have fixed lengths, so zeros give the length.
	zeroIV := make([]byte, blockSize)
	header, encoded := buildHeaders(member{name: name, size: size}, zeroIV, zeroIV)
	n := signatureHeaderSize + paddedSize(uint64(size)) +
		paddedSize(uint64(len(header))) + uint64(len(encoded))
	return int64(n)
}

func checkMember(name string, size int64) error {
	switch {
	case size < 0:
		return fmt.Errorf("sevenz: %w %d for %q: pass the file's length in bytes", errInvalidSize, size, name)
	case size > maxSize:
		return fmt.Errorf("sevenz: %w %d for %q: the maximum is %d bytes", errInvalidSize, size, name, int64(maxSize))
	case name == "":
		return fmt.Errorf("sevenz: %w: the name is empty, pass the file's name", errInvalidName)
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("sevenz: %w %q: 7z ends names with NUL, so a name cannot contain one", errInvalidName, name)
	case !utf8.ValidString(name):
		return fmt.Errorf("sevenz: %w %q: 7z stores names as UTF-16, so the name must be valid UTF-8", errInvalidName, name)
	}
	return nil
}

// toFiletime converts t to a Windows FILETIME: 100 ns intervals since
// 1601-01-01 UTC, which readers treat as a signed 64-bit number.
func toFiletime(t time.Time) (uint64, error) {
	const maxSeconds = math.MaxInt64/filetimeUnitsPerSecond - filetimeEpoch
	seconds := t.Unix()
	if seconds < -filetimeEpoch || seconds >= maxSeconds {
		return 0, fmt.Errorf("sevenz: %w %v: a 7z archive stores times from 1601 to 30828", errInvalidModTime, t)
	}
	return uint64(seconds+filetimeEpoch)*filetimeUnitsPerSecond + uint64(t.Nanosecond()/100), nil
}

// checksum returns the CRC32 of the first size bytes of src.
func checksum(src io.ReaderAt, size int64, buf []byte) (uint32, error) {
	var crc uint32
	for offset := int64(0); offset < size; {
		chunk := buf[:min(int64(len(buf)), size-offset)]
		if err := readFullAt(src, chunk, offset, size); err != nil {
			return 0, err
		}
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
		offset += int64(len(chunk))
	}
	return crc, nil
}

// encryptContent reads the first size bytes of src, encrypts them in CBC
// mode and writes them to w, with zeros after the last byte up to the block
// size. It returns an error if their CRC32 differs from want.
func encryptContent(w io.Writer, block cipher.Block, iv []byte, src io.ReaderAt, size int64, want uint32, buf []byte) error {
	cbc := cipher.NewCBCEncrypter(block, iv)
	var crc uint32
	for offset := int64(0); offset < size; {
		n := int(min(int64(len(buf)), size-offset))
		if err := readFullAt(src, buf[:n], offset, size); err != nil {
			return err
		}
		crc = crc32.Update(crc, crc32.IEEETable, buf[:n])
		offset += int64(n)

		padded := buf[:paddedSize(uint64(n))]
		clear(padded[n:])
		cbc.CryptBlocks(padded, padded)
		if _, err := w.Write(padded); err != nil {
			return err
		}
	}
	if crc != want {
		return fmt.Errorf("%w: CRC32 %08x in the first pass and %08x in the second, so the archive was left without its header; archive a source that does not change", errContentChanged, want, crc)
	}
	return nil
}

// readFullAt fills p from src at offset. Fewer bytes than len(p) are an
// error even where src returns none.
func readFullAt(src io.ReaderAt, p []byte, offset, size int64) error {
	n, err := src.ReadAt(p, offset)
	// A ReadAt that fills p at the end of its source may return io.EOF.
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading at offset %d: %w", offset, err)
	}
	if n < len(p) {
		return fmt.Errorf("the source ended at byte %d of the %d given as size: %w", offset+int64(n), size, io.ErrUnexpectedEOF)
	}
	return nil
}

// encryptPadded returns plain padded with zeros to the block size and
// encrypted in CBC mode.
func encryptPadded(block cipher.Block, iv, plain []byte) []byte {
	sealed := make([]byte, paddedSize(uint64(len(plain))))
	copy(sealed, plain)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(sealed, sealed)
	return sealed
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
