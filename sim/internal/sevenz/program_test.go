package sevenz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/internal/testenv"
)

// sevenZipPrograms returns the 7-Zip programs to check archives with. One is
// required, so CI fails without it. Both are used where both are installed,
// because Debian's 7z (p7zip 16.02) and 7zz (7-Zip 25.01) are separate code
// bases.
func sevenZipPrograms(t *testing.T) []string {
	t.Helper()
	first := testenv.Program(t, "7z", "7zz")
	programs := []string{first}
	for _, name := range []string{"7z", "7zz"} {
		if path, err := exec.LookPath(name); err == nil && path != first {
			programs = append(programs, path)
		}
	}
	return programs
}

// run7z runs program with args and returns its standard output. The error
// includes the standard error, which is where 7-Zip reports failures.
func run7z(t *testing.T, program string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, program, args...)
	// A UTF-8 locale makes 7-Zip print names as UTF-8 in listings.
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", filepath.Base(program),
			strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

func writeArchiveFile(t *testing.T, archive []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "archive.7z")
	if err := os.WriteFile(path, archive, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWriteAcceptedBy7Zip(t *testing.T) {
	for _, program := range sevenZipPrograms(t) {
		for _, tc := range archiveCases {
			t.Run(filepath.Base(program)+"/"+tc.name, func(t *testing.T) {
				want := content(tc.size)
				path := writeArchiveFile(t, writeArchive(t, tc.file, want))

				if _, err := run7z(t, program, "t", "-p"+password, path); err != nil {
					t.Errorf("testing with the password: %v", err)
				}
				got, err := run7z(t, program, "x", "-so", "-p"+password, path)
				if err != nil {
					t.Errorf("extracting with the password: %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("extracted content differs: got %d bytes, want %d", len(got), len(want))
				}
				listing, err := run7z(t, program, "l", "-slt", "-p"+password, path)
				if err != nil {
					t.Errorf("listing with the password: %v", err)
				}
				if !bytes.Contains(listing, []byte("\nPath = "+tc.file+"\n")) {
					t.Errorf("listing does not contain Path = %s:\n%s", tc.file, listing)
				}
				if _, err := run7z(t, program, "t", "-pwrong", path); err == nil {
					t.Errorf("testing with the password \"wrong\" succeeded, want a failure")
				}
			})
		}
	}
}

// TestChangedContentFails7Zip checks that 7-Zip verifies the CRC32 of the
// content. The archive is assembled the way Write does it, except that it is
// completed after the source changed between the two passes, so it holds the
// CRC32 of the first pass and the content of the second.
func TestChangedContentFails7Zip(t *testing.T) {
	for _, program := range sevenZipPrograms(t) {
		for _, tc := range archiveCases {
			if tc.size == 0 {
				continue // no content to change
			}
			t.Run(filepath.Base(program)+"/"+tc.name, func(t *testing.T) {
				src := &changingReader{data: content(tc.size)}
				a, err := prepare(tc.file, modTime, src, tc.size, password)
				if err != nil {
					t.Fatalf("prepare: %v", err)
				}
				var buf bytes.Buffer
				buf.Write(a.start)
				err = encryptContent(&buf, a.block, a.contentIV, a.src, a.size, a.crc, a.buf)
				if !errors.Is(err, errContentChanged) {
					t.Fatalf("encryptContent of changed content: error %v, want %v", err, errContentChanged)
				}
				buf.Write(a.sealedHeader)
				buf.Write(a.encoded)

				path := writeArchiveFile(t, buf.Bytes())
				if _, err := run7z(t, program, "t", "-p"+password, path); err == nil {
					t.Errorf("testing an archive whose content fails its CRC32 succeeded, want a failure")
				}
			})
		}
	}
}
