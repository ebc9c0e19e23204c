package rtr

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtrplay/rtrplay/internal/testenv"
)

// make7z builds an archive with the 7z program from files (name to
// content) in a temporary directory and returns its path. args are extra
// 7z switches such as -mx0.
func make7z(t *testing.T, password string, files map[string][]byte, args ...string) string {
	t.Helper()
	program := testenv.Program(t, "7z", "7zz")
	dir := t.TempDir()
	var names []string
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	archive := filepath.Join(t.TempDir(), "file.7z")
	cmdArgs := append([]string{"a", "-bd", "-y", "-p" + password}, args...)
	cmdArgs = append(cmdArgs, append([]string{archive}, names...)...)
	cmd := exec.Command(program, cmdArgs...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", program, cmdArgs, err, out)
	}
	return archive
}

func TestExtractArchive(t *testing.T) {
	content := append([]byte("MZ"), bytes.Repeat([]byte("notepad body "), 5000)...)
	sum := sha256.Sum256(content)
	wantSHA := hex.EncodeToString(sum[:])

	tests := []struct {
		name     string
		args     []string
		password string
		maxSize  int64
		wantErr  string
	}{
		{name: "compressed", password: ArchivePassword, maxSize: 1 << 20},
		{name: "stored", args: []string{"-mx0"}, password: ArchivePassword, maxSize: 1 << 20},
		{name: "encrypted headers", args: []string{"-mhe=on"}, password: ArchivePassword, maxSize: 1 << 20},
		{name: "exact size limit", password: ArchivePassword, maxSize: int64(len(content))},
		{name: "wrong password", password: "wrong", maxSize: 1 << 20, wantErr: "wrong password"},
		{name: "wrong password stored", args: []string{"-mx0"}, password: "wrong", maxSize: 1 << 20, wantErr: "wrong password"},
		{name: "over size limit", password: ArchivePassword, maxSize: int64(len(content)) - 1, wantErr: "over the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			archive := make7z(t, ArchivePassword, map[string][]byte{"notepad.exe": content}, tt.args...)
			var out bytes.Buffer
			member, err := ExtractArchive(archive, tt.password, &out, tt.maxSize)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ExtractArchive error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ExtractArchive: %v", err)
			}
			if member.Name != "notepad.exe" {
				t.Errorf("name = %q, want notepad.exe", member.Name)
			}
			if member.Size != int64(len(content)) {
				t.Errorf("size = %d, want %d", member.Size, len(content))
			}
			if member.SHA256 != wantSHA {
				t.Errorf("sha256 = %s, want %s", member.SHA256, wantSHA)
			}
			if !bytes.Equal(out.Bytes(), content) {
				t.Error("extracted content differs from the original")
			}
		})
	}
}

func TestExtractArchiveMemberCount(t *testing.T) {
	archive := make7z(t, ArchivePassword, map[string][]byte{"a.txt": []byte("a"), "b.txt": []byte("b")})
	_, err := ExtractArchive(archive, ArchivePassword, &bytes.Buffer{}, 1<<20)
	if err == nil || !strings.Contains(err.Error(), "has 2 members, want exactly 1") {
		t.Errorf("error = %v, want a member count error", err)
	}
}

func TestExtractArchiveNotAnArchive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.7z")
	if err := os.WriteFile(path, []byte("<html>not found</html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ExtractArchive(path, ArchivePassword, &bytes.Buffer{}, 1<<20); err == nil {
		t.Error("ExtractArchive of an HTML page succeeded")
	}
}

func TestCheckMemberName(t *testing.T) {
	tests := []struct {
		name    string
		wantErr string
	}{
		{"notepad.exe", ""},
		{"dir/file.txt", ""},
		{"..file", ""},
		{"", "empty name"},
		{"/etc/passwd", "absolute path"},
		{`\Windows\notepad.exe`, "absolute path"},
		{`C:\Windows\notepad.exe`, "absolute path"},
		{"c:file", "absolute path"},
		{"../escape", "contains .."},
		{`a\..\..\escape`, "contains .."},
		{"a/b/..", "contains .."},
		{"nul\x00byte", "contains NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkMemberName(tt.name)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("checkMemberName(%q): %v", tt.name, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("checkMemberName(%q) = %v, want %q", tt.name, err, tt.wantErr)
			}
		})
	}
}
