// Package testenv holds helpers that tests share: locating the files in the
// shared folder beside the repository and the external programs that some
// tests need. Outside CI a missing file or program skips the test with a
// message; under CI=true it fails the test, so that CI cannot pass by
// skipping.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// InCI reports whether the tests run under CI (the CI variable is "true").
func InCI() bool { return os.Getenv("CI") == "true" }

// RepoRoot returns the repository's root directory, found from this file's
// location at build time.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SharedFile returns the path of rel inside the shared folder that sits
// beside the repository (../shared). When the file is absent it skips the
// test, or fails it under CI=true.
func SharedFile(t testing.TB, rel string) string {
	t.Helper()
	path := filepath.Join(RepoRoot(), "..", "shared", rel)
	if _, err := os.Stat(path); err != nil {
		missing(t, "shared file %s is missing (%v); it lives beside the repository in ../shared", path, err)
	}
	return path
}

// Program returns the path of the first of names found on PATH. When none
// is found it skips the test, or fails it under CI=true.
func Program(t testing.TB, names ...string) string {
	t.Helper()
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	missing(t, "none of the programs %v is on PATH; .ci/run installs them (Debian package 7zip)", names)
	return ""
}

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}
