package rtr

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"

	"github.com/bodgit/sevenzip"
)

// ArchivePassword is the password of the 7-Zip archives that Falcon serves
// for files retrieved with get.
const ArchivePassword = "infected"

// ArchiveMember describes the file that ExtractArchive wrote.
type ArchiveMember struct {
	// Name is the member's name in the archive, a relative path without
	// ".." or NUL.
	Name string
	// Size is the number of bytes written to dst.
	Size   int64
	SHA256 string // hex SHA-256 of the extracted content
}

// ExtractArchive streams the single member of the 7-Zip archive at
// archivePath, decrypted with password, to dst, and returns the member's
// name, size and SHA-256. Memory use does not grow with the file's size.
// It rejects an archive with more or fewer than one member, a member whose
// name is absolute or contains ".." or NUL (its name may later name a file
// on disk), and content over maxSize bytes. A wrong password shows up as a
// checksum or read error, reported as "wrong password or damaged archive".
// On error, dst may hold part of the content and should be discarded.
func ExtractArchive(archivePath, password string, dst io.Writer, maxSize int64) (ArchiveMember, error) {
	if maxSize <= 0 {
		return ArchiveMember{}, fmt.Errorf("extract %s: max size must be positive, got %d", archivePath, maxSize)
	}
	archive, err := sevenzip.OpenReaderWithPassword(archivePath, password)
	if err != nil {
		return ArchiveMember{}, fmt.Errorf("extract %s: %w", archivePath, describeArchiveError(err))
	}
	defer archive.Close()

	if n := len(archive.File); n != 1 {
		return ArchiveMember{}, fmt.Errorf("extract %s: the archive has %d members, want exactly 1", archivePath, n)
	}
	file := archive.File[0]
	if err := checkMemberName(file.Name); err != nil {
		return ArchiveMember{}, fmt.Errorf("extract %s: %w", archivePath, err)
	}
	if file.FileInfo().IsDir() {
		return ArchiveMember{}, fmt.Errorf("extract %s: member %q is a directory, not a file", archivePath, file.Name)
	}
	if file.UncompressedSize > uint64(maxSize) {
		return ArchiveMember{}, fmt.Errorf("extract %s: member %q is %d bytes, over the %d-byte limit",
			archivePath, file.Name, file.UncompressedSize, maxSize)
	}

	member, err := copyMember(file, dst, maxSize)
	if err != nil {
		return ArchiveMember{}, fmt.Errorf("extract %s: member %q: %w", archivePath, file.Name, err)
	}
	return member, nil
}

// copyMember streams file to dst, checking its size and CRC-32, which
// sevenzip v1.6 does not check for file content.
func copyMember(file *sevenzip.File, dst io.Writer, maxSize int64) (ArchiveMember, error) {
	rc, err := file.Open()
	if err != nil {
		return ArchiveMember{}, describeArchiveError(err)
	}
	defer rc.Close()

	sum := sha256.New()
	crc := crc32.NewIEEE()
	limited := io.LimitReader(rc, maxSize+1)
	n, err := io.Copy(io.MultiWriter(dst, sum, crc), limited)
	if err != nil {
		return ArchiveMember{}, describeArchiveError(err)
	}
	if n > maxSize {
		return ArchiveMember{}, fmt.Errorf("content is over the %d-byte limit", maxSize)
	}
	if uint64(n) != file.UncompressedSize {
		return ArchiveMember{}, fmt.Errorf("damaged archive: got %d bytes, the header gives %d", n, file.UncompressedSize)
	}
	if file.CRC32 != 0 && crc.Sum32() != file.CRC32 {
		return ArchiveMember{}, errors.New("CRC-32 mismatch: wrong password or damaged archive")
	}
	return ArchiveMember{Name: file.Name, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// checkMemberName rejects names that could escape a directory if used as a
// file name.
func checkMemberName(name string) error {
	switch {
	case name == "":
		return errors.New("member has an empty name")
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("member name %q contains NUL", name)
	case strings.HasPrefix(name, "/"), strings.HasPrefix(name, `\`), hasDriveLetter(name):
		return fmt.Errorf("member name %q is an absolute path", name)
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return fmt.Errorf("member name %q contains ..", name)
		}
	}
	return nil
}

func hasDriveLetter(name string) bool {
	if len(name) < 2 || name[1] != ':' {
		return false
	}
	c := name[0] | 0x20 // lower-case ASCII letters
	return c >= 'a' && c <= 'z'
}

// describeArchiveError adds the likely cause to sevenzip's errors about
// encrypted content.
func describeArchiveError(err error) error {
	var readErr *sevenzip.ReadError
	if errors.As(err, &readErr) && readErr.Encrypted {
		return fmt.Errorf("wrong password or damaged archive: %w", err)
	}
	return err
}
