package fleet

import (
	"fmt"
	"regexp"
	"strings"
)

// runMount lists volumes without arguments. On Linux and macOS,
// mount -t=<type> <source> <mount point> mounts a network share on an
// existing directory and prints nothing.
func runMount(c *call) Result {
	s := c.h.system()
	if c.h.platform == Windows {
		return stdout(windowsVolumes(s.volumes))
	}
	if len(c.inv.args) == 0 {
		var b strings.Builder
		for _, m := range s.mounts {
			b.WriteString(c.mountLine(m))
		}
		return stdout(b.String())
	}
	return c.mountShare(s)
}

// windowsVolumes renders the volumes as a PowerShell-style table.
func windowsVolumes(vols []volume) string {
	var b strings.Builder
	rows := make([][]string, 0, len(vols))
	for _, v := range vols {
		rows = append(rows, []string{v.letter, v.fileSystem, v.label,
			fmt.Sprintf("%.1f", v.sizeGB), fmt.Sprintf("%.1f", v.freeGB)})
	}
	b.WriteString("\n")
	writeTable(&b, []column{{header: "DriveLetter"}, {header: "FileSystem"}, {header: "Label", width: 10},
		{header: "Size (GB)"}, {header: "Free (GB)"}}, rows, 2, false)
	return b.String()
}

// mountLine is one line of mount's listing in the platform's layout.
func (c *call) mountLine(m mountEntry) string {
	if c.h.platform == Mac {
		return fmt.Sprintf("%s on %s (%s, %s)\n", m.source, m.target, m.fsType, m.options)
	}
	return fmt.Sprintf("%s on %s type %s (%s)\n", m.source, m.target, m.fsType, m.options)
}

// credentials matches the user:password@ part of a share URL, which is
// never kept: the listing shows the user only.
var credentials = regexp.MustCompile(`^(//[^:/@]+):[^@]*@`)

// mountShare mounts a share. The type comes from -t or, as mount guesses
// it, from the source: host:/path is NFS and //host/share is SMB.
// NOTE: the error text follows util-linux mount on both platforms, though
// the macOS mount tools word theirs differently. Whether the read-only
// endpoint may mount is unverified; the command table allows it.
func (c *call) mountShare(s *systemState) Result {
	if len(c.inv.args) < 2 {
		return stderr("mount: bad usage\nTry 'mount --help' for more information.\n")
	}
	source := credentials.ReplaceAllString(c.inv.args[0], "$1@")
	target := c.inv.args[1]
	fsType, _ := c.inv.flag("t")
	if fsType == "" {
		switch {
		case strings.HasPrefix(source, "//"):
			fsType = "smbfs"
			if c.h.platform == Linux {
				fsType = "cifs"
			}
		case strings.Contains(source, ":/"):
			fsType = "nfs"
		default:
			return stderr(fmt.Sprintf("mount: %s: special device %s does not exist.\n", target, source))
		}
	}
	comps, n, err := c.lookupArg(target)
	if err != nil || !n.dir {
		return stderr(fmt.Sprintf("mount: %s: mount point does not exist.\n", target))
	}
	shown := formatPath(c.h.platform, comps)
	for _, m := range s.mounts {
		if m.target == shown {
			return stderr(fmt.Sprintf("mount: %s: %s already mounted or mount point busy.\n", target, source))
		}
	}
	options, _ := c.inv.flag("o")
	if c.h.platform == Mac {
		parts := []string{"nodev", "nosuid"}
		if options != "" {
			parts = append(parts, options)
		}
		options = strings.Join(append(parts, "mounted by root"), ", ")
	} else if options == "" {
		options = "rw,relatime"
	}
	s.mounts = append(s.mounts, mountEntry{source: source, target: shown, fsType: fsType, options: options, added: true})
	return Result{}
}

// runUmount removes a mount made with mount. System mounts stay: the
// emulator treats them as busy.
func runUmount(c *call) Result {
	typed := c.arg(0, "")
	if typed == "" {
		return stderr("umount: bad usage\nTry 'umount --help' for more information.\n")
	}
	comps, _ := c.resolve(typed)
	shown := formatPath(c.h.platform, comps)
	s := c.h.system()
	for i, m := range s.mounts {
		if m.target != shown && m.source != typed {
			continue
		}
		if !m.added {
			return stderr(fmt.Sprintf("umount: %s: target is busy.\n", typed))
		}
		s.mounts = append(s.mounts[:i], s.mounts[i+1:]...)
		return Result{}
	}
	if c.h.platform == Mac {
		return stderr(fmt.Sprintf("umount: %s: not currently mounted\n", typed))
	}
	return stderr(fmt.Sprintf("umount: %s: not mounted.\n", typed))
}

// driveLetter accepts "Z" or "Z:" and returns "Z:".
func driveLetter(s string) (string, bool) {
	s = strings.TrimSuffix(s, ":")
	if len(s) != 1 || !isASCIILetter(s[0]) {
		return "", false
	}
	return strings.ToUpper(s) + ":", true
}

// runMap maps a network share to a drive letter. The drive then exists in
// the file system as an empty directory tree. Errors use the Windows
// system error messages (net use prints the same ones).
func runMap(c *call) Result {
	s := c.h.system()
	if len(c.inv.args) < 2 {
		return stderr("The syntax of this command is:\n\nmap <drive letter> <\\\\server\\share> <user> <password>\n")
	}
	letter, ok := driveLetter(c.inv.args[0])
	if !ok {
		return stderr("The specified device name is invalid.")
	}
	remote := c.inv.args[1]
	if !strings.HasPrefix(remote, `\\`) || len(strings.Split(strings.Trim(remote, `\`), `\`)) < 2 {
		return stderr("The network name cannot be found.")
	}
	if _, err := c.h.fs.lookup([]string{letter}); err == nil {
		return stderr("The local device name is already in use.")
	}
	now := c.h.now()
	c.h.fs.root.children[c.h.fs.key(letter)] = newDir(letter, now)
	s.mappings[letter] = driveMapping{remote: remote, user: c.arg(2, "")}
	return Result{}
}

// runUnmap removes a drive mapping made with map.
func runUnmap(c *call) Result {
	letter, ok := driveLetter(c.arg(0, ""))
	if !ok {
		return stderr("The specified device name is invalid.")
	}
	s := c.h.system()
	if _, mapped := s.mappings[letter]; !mapped {
		return stderr("The network connection could not be found.")
	}
	delete(s.mappings, letter)
	delete(c.h.fs.root.children, c.h.fs.key(letter))
	return Result{}
}
