package sevenz

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/bodgit/sevenzip"
)

// zeroReader is an io.ReaderAt of size zero bytes.
type zeroReader struct{ size int64 }

func (r zeroReader) ReadAt(p []byte, offset int64) (int, error) {
	n := int(max(0, min(int64(len(p)), r.size-offset)))
	clear(p[:n])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// sparseArchive is the archive of a large file without its encrypted
// content, which readers do not read until the member is opened. The content
// reads as zeros.
type sparseArchive struct {
	length int64
	parts  map[int64][]byte // data by offset
}

// newSparseArchive builds the headers of the archive that Write would write
// for size zero bytes, skipping the encryption of the content.
func newSparseArchive(t *testing.T, name string, size int64) *sparseArchive {
	t.Helper()
	a, err := prepare(name, modTime, zeroReader{size}, size, password)
	if err != nil {
		t.Fatalf("prepare(%d bytes): %v", size, err)
	}
	headerAt := int64(signatureHeaderSize + paddedSize(uint64(size)))
	return &sparseArchive{
		length: headerAt + int64(len(a.sealedHeader)+len(a.encoded)),
		parts: map[int64][]byte{
			0:                                     a.start,
			headerAt:                              a.sealedHeader,
			headerAt + int64(len(a.sealedHeader)): a.encoded,
		},
	}
}

func (s *sparseArchive) ReadAt(p []byte, offset int64) (int, error) {
	n := int(max(0, min(int64(len(p)), s.length-offset)))
	clear(p[:n])
	for at, data := range s.parts {
		lo, hi := max(at, offset), min(at+int64(len(data)), offset+int64(n))
		if lo < hi {
			copy(p[lo-offset:hi-offset], data[lo-at:hi-at])
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestWriteLargeFileHeaders checks the headers and Size for a file above
// 4 GiB, where sizes no longer fit in 32 bits and take 5-byte numbers.
func TestWriteLargeFileHeaders(t *testing.T) {
	const name, size = "memory dump.raw", 5<<30 + 3
	archive := newSparseArchive(t, name, size)
	if got := Size(name, size); got != archive.length {
		t.Errorf("Size(5 GiB + 3) = %d, want the archive length %d", got, archive.length)
	}

	r, err := sevenzip.NewReaderWithPassword(archive, archive.length, password)
	if err != nil {
		t.Fatalf("opening the archive with the password: %v", err)
	}
	if len(r.File) != 1 {
		t.Fatalf("archive has %d members, want 1", len(r.File))
	}
	if got := r.File[0].Name; got != name {
		t.Errorf("name = %q, want %q", got, name)
	}
	if got := r.File[0].UncompressedSize; got != size {
		t.Errorf("size = %d, want %d", got, uint64(size))
	}

	for _, program := range sevenZipPrograms(t) {
		path := filepath.Join(t.TempDir(), "large.7z")
		writeSparseFile(t, path, archive)
		listing, err := run7z(t, program, "l", "-slt", "-p"+password, path)
		if err != nil {
			t.Errorf("listing with the password: %v", err)
		}
		if want := "\nSize = 5368709123\n"; !bytes.Contains(listing, []byte(want)) {
			t.Errorf("%s listing does not contain %q:\n%s", filepath.Base(program), want, listing)
		}
	}
}

// writeSparseFile writes archive to path, leaving its content as a hole so
// that the file takes little disk space.
func writeSparseFile(t *testing.T, path string, archive *sparseArchive) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for at, data := range archive.parts {
		if _, err := f.WriteAt(data, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
