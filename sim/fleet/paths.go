package fleet

import (
	"path"
	"strings"
)

// A path inside a host's file system is kept as its list of components. On
// Windows the first component is the drive ("C:"); on Linux and macOS the
// empty list is the root directory.

// resolvePath turns a command argument into absolute path components, using
// cwd for relative paths. It reports false for paths that no command on the
// platform could reach, such as UNC paths.
func resolvePath(p Platform, cwd []string, arg string) ([]string, bool) {
	if p == Windows {
		return resolveWindowsPath(cwd, arg)
	}
	return resolvePosixPath(cwd, arg), true
}

func resolveWindowsPath(cwd []string, arg string) ([]string, bool) {
	p := strings.ReplaceAll(arg, "/", `\`)
	if strings.HasPrefix(p, `\\`) {
		return nil, false
	}
	var comps []string
	rest := p
	switch {
	case len(p) >= 2 && p[1] == ':' && isASCIILetter(p[0]):
		drive := strings.ToUpper(p[:2])
		rest = p[2:]
		// "C:foo" is relative to the current directory of drive C, which is
		// the shell's cwd when that is on C, else the drive's root.
		if !strings.HasPrefix(rest, `\`) && len(cwd) > 0 && strings.EqualFold(cwd[0], drive) {
			comps = append(comps, cwd...)
		} else {
			comps = []string{drive}
		}
	case strings.HasPrefix(p, `\`):
		comps = []string{cwd[0]}
	default:
		comps = append(comps, cwd...)
	}
	for _, part := range strings.Split(rest, `\`) {
		switch part {
		case "", ".":
		case "..":
			if len(comps) > 1 {
				comps = comps[:len(comps)-1]
			}
		default:
			comps = append(comps, part)
		}
	}
	return comps, true
}

func resolvePosixPath(cwd []string, arg string) []string {
	full := arg
	if !strings.HasPrefix(arg, "/") {
		full = "/" + strings.Join(cwd, "/") + "/" + arg
	}
	clean := path.Clean(full)
	if clean == "/" {
		return []string{}
	}
	return strings.Split(strings.TrimPrefix(clean, "/"), "/")
}

// formatPath renders absolute path components the way the platform prints
// them: C:\Windows\System32 or /usr/bin.
func formatPath(p Platform, comps []string) string {
	if p == Windows {
		if len(comps) == 1 {
			return comps[0] + `\`
		}
		return strings.Join(comps, `\`)
	}
	return "/" + strings.Join(comps, "/")
}

// rootPath returns the components of the directory a new session starts in.
func rootPath(p Platform) []string {
	if p == Windows {
		return []string{"C:"}
	}
	return []string{}
}

func isASCIILetter(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// foldsCase reports whether the platform's default file system ignores case:
// NTFS on Windows and APFS (case-insensitive by default) on macOS.
func foldsCase(p Platform) bool {
	return p == Windows || p == Mac
}
