package executor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSafeName(t *testing.T) {
	long := strings.Repeat("L", 250) + ".txt"
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"plain", "WIN-FIN-01", "WIN-FIN-01"},
		{"separators", `..\..\etc/passwd`, "_.._etc_passwd"},
		{"dots only", "..", "_"},
		{"empty", "", "_"},
		{"spaces", "Quarterly Review.key", "Quarterly_Review.key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeName(tc.in); got != tc.want {
				t.Errorf("safeName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	got := safeName(long)
	if len(got) > maxNameLength || !strings.HasSuffix(got, ".txt") {
		t.Errorf("safeName(long) = %q (%d bytes), want at most %d bytes ending .txt", got, len(got), maxNameLength)
	}
	if other := safeName(strings.Repeat("L", 249) + "M.txt"); other == got {
		t.Error("two long names that differ at the end got the same safe name")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, got+".7z"), []byte("x"), 0o644); err != nil {
		t.Errorf("the shortened name cannot be created: %v", err)
	}
}
