package fleet

import (
	"strings"
	"testing"
)

func TestMountListing(t *testing.T) {
	tests := []struct {
		host, want string
	}{
		{"WIN-FIN-01", "C:           NTFS        OS"},
		{"lnx-web-01", "/dev/sda1 on / type ext4 (rw,relatime)\n"},
		{"mac-ceo-02", "/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			if out := runOK(t, h, sh, "mount"); !strings.Contains(out, tc.want) {
				t.Errorf("mount lacks %q:\n%s", tc.want, out)
			}
		})
	}
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	tb := parseTable(t, runOK(t, h, sh, "mount"))
	if strings.Join(tb.header, ",") != "DriveLetter,FileSystem,Label,Size (GB),Free (GB)" {
		t.Errorf("Windows mount header %v", tb.header)
	}
}

func TestMountThenUmount(t *testing.T) {
	tests := []struct {
		host, mount, wantLine, wantUnmounted string
	}{
		{"lnx-web-01", `mount -t=nfs "files.example.test:/export" /mnt`,
			"files.example.test:/export on /mnt type nfs (rw,relatime)\n", "umount: /mnt: not mounted.\n"},
		{"mac-ceo-02", `mount -t=smbfs -o=nobrowse "//ana:s3cret@files.example.test/share" /tmp`,
			"//ana@files.example.test/share on /tmp (smbfs, nodev, nosuid, nobrowse, mounted by root)\n",
			"umount: /tmp: not currently mounted\n"},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			if got := runOK(t, h, sh, tc.mount); got != "" {
				t.Errorf("mount printed %q", got)
			}
			out := runOK(t, h, sh, "mount")
			if !strings.Contains(out, tc.wantLine) || strings.Contains(out, "s3cret") {
				t.Errorf("mount listing lacks %q or shows the password:\n%s", tc.wantLine, out)
			}
			target := strings.Fields(tc.mount)[len(strings.Fields(tc.mount))-1]
			runOK(t, h, sh, "umount "+target)
			if strings.Contains(runOK(t, h, sh, "mount"), tc.wantLine) {
				t.Errorf("still mounted after umount")
			}
			if res := run(t, h, sh, "umount "+target); res.Stderr != tc.wantUnmounted {
				t.Errorf("second umount: %q, want %q", res.Stderr, tc.wantUnmounted)
			}
		})
	}
}

func TestMountErrors(t *testing.T) {
	tests := []struct {
		name, host, command, wantStderr string
	}{
		{"no mount point", "lnx-web-01", `mount -t=nfs "h:/x" /nope`, "mount: /nope: mount point does not exist.\n"},
		{"one argument", "lnx-web-01", `mount "h:/x"`, "mount: bad usage\nTry 'mount --help' for more information.\n"},
		{"unknown source", "lnx-web-01", "mount /dev/sdz /mnt", "mount: /mnt: special device /dev/sdz does not exist.\n"},
		{"busy", "lnx-web-01", `mount -t=nfs "h:/x" /`, "mount: /: h:/x already mounted or mount point busy.\n"},
		{"system umount", "lnx-web-01", "umount /", "umount: /: target is busy.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			if res := run(t, h, sh, tc.command); res.Stderr != tc.wantStderr || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want %q", res.Stdout, res.Stderr, tc.wantStderr)
			}
		})
	}
}

func TestMapThenUnmap(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	if got := runOK(t, h, sh, `map z \\files.example.test\evidence analyst Pa55word`); got != "" {
		t.Errorf("map printed %q", got)
	}
	runOK(t, h, sh, `mkdir Z:\case1`)
	if out := runOK(t, h, sh, `ls Z:\`); !strings.Contains(out, "case1") {
		t.Errorf("ls of the mapped drive lacks case1:\n%s", out)
	}
	if strings.Contains(runOK(t, h, sh, "mount"), "Z:") {
		t.Errorf("mount lists the network drive as a local volume")
	}
	runOK(t, h, sh, "unmap Z:")
	if res := run(t, h, sh, `ls Z:\`); res.Stderr != `Check your filename. Couldn't find 'Z:\'` {
		t.Errorf("ls after unmap: %q", res.Stderr)
	}
}

func TestMapErrors(t *testing.T) {
	tests := []struct {
		name, command, wantStderr string
	}{
		{"letter in use", `map C: \\files.example.test\share u p`, "The local device name is already in use."},
		{"bad letter", `map 7 \\files.example.test\share u p`, "The specified device name is invalid."},
		{"not a share", `map Y: C:\Windows u p`, "The network name cannot be found."},
		{"usage", "map Y:", "The syntax of this command is:\n\nmap <drive letter> <\\\\server\\share> <user> <password>\n"},
		{"unmap unmapped", "unmap Y", "The network connection could not be found."},
		{"unmap a local drive", "unmap C:", "The network connection could not be found."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
			if res := run(t, h, sh, tc.command); res.Stderr != tc.wantStderr || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want %q", res.Stdout, res.Stderr, tc.wantStderr)
			}
		})
	}
	h, sh := demoHost(t, FleetDemo, "lnx-web-01")
	if res := h.Exec(sh, ActiveResponder, `map Z: \\h\s u p`); res.ErrCode != codeCommandNotFound {
		t.Errorf("map on Linux: code %d, want %d", res.ErrCode, codeCommandNotFound)
	}
}
