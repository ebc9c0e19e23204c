package sevenz

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// changingReader returns data in the first pass over it and data with its
// first byte inverted in every later pass. A read at offset 0 starts a pass.
type changingReader struct {
	data   []byte
	passes int
}

func (r *changingReader) ReadAt(p []byte, offset int64) (int, error) {
	if offset == 0 {
		r.passes++
	}
	n := copy(p, r.data[offset:])
	if offset == 0 && n > 0 && r.passes > 1 {
		p[0] ^= 0xFF
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// failingReader returns err from every read.
type failingReader struct{ err error }

func (r failingReader) ReadAt([]byte, int64) (int, error) { return 0, r.err }

// shortReader returns half of what is asked for and no error, which breaks
// the io.ReaderAt contract.
type shortReader struct{}

func (shortReader) ReadAt(p []byte, _ int64) (int, error) { return len(p) / 2, nil }

var errDisk = errors.New("disk read failed")

func TestWriteRejectsInvalidArguments(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		size     int64
		src      io.ReaderAt // patternReader{size} when nil
		modTime  time.Time
		password string
		// nilSource passes src as nil instead of the patternReader default.
		nilSource bool
		want      error
	}{
		{name: "negative size", file: "a", size: -1, want: errInvalidSize},
		{name: "size above maximum", file: "a", size: maxSize + 1, want: errInvalidSize},
		{name: "empty name", file: "", size: 1, want: errInvalidName},
		{name: "name with NUL", file: "a\x00b", size: 1, want: errInvalidName},
		{name: "name not UTF-8", file: "a\xffb", size: 1, want: errInvalidName},
		{name: "empty password", file: "a", size: 1, password: "", want: errEmptyPassword},
		{name: "zero time", file: "a", size: 1, modTime: time.Time{}, want: errInvalidModTime},
		{name: "time before 1601", file: "a", size: 1,
			modTime: time.Date(1600, time.December, 31, 23, 59, 59, 0, time.UTC), want: errInvalidModTime},
		{name: "time after 30828", file: "a", size: 1,
			modTime: time.Date(30829, time.January, 1, 0, 0, 0, 0, time.UTC), want: errInvalidModTime},
		{name: "source shorter than size", file: "a", size: 100, src: patternReader{99}, want: io.ErrUnexpectedEOF},
		{name: "source empty", file: "a", size: 1, src: patternReader{0}, want: io.ErrUnexpectedEOF},
		{name: "source short without error", file: "a", size: 100, src: shortReader{}, want: io.ErrUnexpectedEOF},
		{name: "source fails", file: "a", size: 100, src: failingReader{errDisk}, want: errDisk},
		{name: "source nil", file: "a", size: 100, nilSource: true, want: errNilSource},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Zero fields get valid values, except the one the case is about.
			if tc.src == nil && !tc.nilSource {
				tc.src = patternReader{max(tc.size, 0)}
			}
			if tc.modTime.IsZero() && tc.want != errInvalidModTime {
				tc.modTime = modTime
			}
			if tc.password == "" && tc.want != errEmptyPassword {
				tc.password = password
			}

			var buf bytes.Buffer
			n, err := Write(&buf, tc.file, tc.modTime, tc.src, tc.size, tc.password)
			if !errors.Is(err, tc.want) {
				t.Errorf("Write error = %v, want %v", err, tc.want)
			}
			if n != 0 || buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes (returned %d), want none", buf.Len(), n)
			}
		})
	}
}

func TestWriteErrorNamesValue(t *testing.T) {
	_, err := Write(io.Discard, "report.txt", modTime, patternReader{10}, 20, password)
	if err == nil {
		t.Fatal("Write of a short source succeeded, want an error")
	}
	for _, want := range []string{`"report.txt"`, "byte 10", "20"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %s", err, want)
		}
	}
}

func TestSizeRejectsInvalidArguments(t *testing.T) {
	tests := []struct {
		name string
		file string
		size int64
	}{
		{name: "negative size", file: "a", size: -1},
		{name: "empty name", file: "", size: 1},
		{name: "name with NUL", file: "a\x00", size: 1},
		{name: "name not UTF-8", file: "\xff", size: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Size(tc.file, tc.size); got != -1 {
				t.Errorf("Size(%q, %d) = %d, want -1", tc.file, tc.size, got)
			}
		})
	}
}

func TestWriteDetectsChangedContent(t *testing.T) {
	src := &changingReader{data: content(100)}
	n, err := Write(io.Discard, "moving.bin", modTime, src, 100, password)
	if !errors.Is(err, errContentChanged) {
		t.Errorf("Write error = %v, want %v", err, errContentChanged)
	}
	// Write stops after the content, so the archive lacks its header.
	if want := int64(signatureHeaderSize + paddedSize(100)); n != want {
		t.Errorf("Write wrote %d bytes, want %d: the signature header and the content", n, want)
	}
}

// limitedWriter accepts limit bytes and then fails.
type limitedWriter struct {
	limit int
	n     int
}

var errFull = errors.New("connection closed")

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		accepted := w.limit - w.n
		w.n = w.limit
		return accepted, errFull
	}
	w.n += len(p)
	return len(p), nil
}

func TestWriteReturnsWriterError(t *testing.T) {
	const size = 200 << 10
	total := Size("big.bin", size)
	for _, limit := range []int{0, 10, signatureHeaderSize + 100, signatureHeaderSize + size + 8, int(total) - 1} {
		w := &limitedWriter{limit: limit}
		n, err := Write(w, "big.bin", modTime, patternReader{size}, size, password)
		if !errors.Is(err, errFull) {
			t.Errorf("limit %d: Write error = %v, want %v", limit, err, errFull)
		}
		if n != int64(limit) {
			t.Errorf("limit %d: Write returned %d, want the %d bytes the writer accepted", limit, n, limit)
		}
	}
}

func TestCachedKeyBounded(t *testing.T) {
	first := cachedKey("first")
	if again := cachedKey("first"); again != first {
		t.Errorf("cachedKey returned different keys for one password")
	}
	for i := range maxCachedKeys + 2 {
		cachedKey(strings.Repeat("x", i+1))
	}
	keyCache.Lock()
	defer keyCache.Unlock()
	if len(keyCache.keys) > maxCachedKeys {
		t.Errorf("key cache holds %d keys, want at most %d", len(keyCache.keys), maxCachedKeys)
	}
}

func TestAppendNumber(t *testing.T) {
	tests := []struct {
		value uint64
		want  []byte
	}{
		{0, []byte{0x00}},
		{0x7F, []byte{0x7F}},
		{0x80, []byte{0x80, 0x80}},
		{0x3FFF, []byte{0xBF, 0xFF}},
		{0x4000, []byte{0xC0, 0x00, 0x40}},
		{0x123456, []byte{0xD2, 0x56, 0x34}},
		{1<<56 - 1, []byte{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
		{1 << 56, []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1}},
		{1<<64 - 1, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
	}
	for _, tc := range tests {
		if got := appendNumber(nil, tc.value); !bytes.Equal(got, tc.want) {
			t.Errorf("appendNumber(%#x) = % x, want % x", tc.value, got, tc.want)
		}
	}
}
