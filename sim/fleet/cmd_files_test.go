package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

func TestCat(t *testing.T) {
	tests := []struct {
		host, command string
		wantStdout    string
		wantStderr    string
	}{
		{"WIN-FIN-01", `cat C:\Windows\System32\drivers\etc\hosts`, windowsHosts, ""},
		{"WIN-FIN-01", `cat c:\windows\SYSTEM32\drivers\etc\HOSTS`, windowsHosts, ""},
		{"WIN-FIN-01", `cat C:\Windows\System32\drivers\etc\hosts 9 2`, "Copyright", ""},
		{"WIN-FIN-01", `cat C:\missing.log`, "", `Check your filename. Couldn't find 'C:\missing.log'`},
		{"WIN-FIN-01", `cat C:\Windows`, "", `Check your filename. Couldn't find 'C:\Windows'`},
		{"WIN-FIN-01", `cat C:\Windows\notepad.exe 40000`, "", "Count must be a whole number from 1 to 32768, got '40000'"},
		{"lnx-web-01", "cat /etc/hostname", "lnx-web-01\n", ""},
		{"lnx-web-01", "cat notes.txt", "", "cat: notes.txt: No such file or directory\n"},
		{"lnx-web-01", "cat /etc", "", "cat: /etc: Is a directory\n"},
		{"lnx-web-01", "cat /ETC/HOSTNAME", "", "cat: /ETC/HOSTNAME: No such file or directory\n"},
		{"lnx-web-01", "cat /etc/hostname/x", "", "cat: /etc/hostname/x: Not a directory\n"},
		{"lnx-web-01", "cat -n /etc/hostname", "     1\tlnx-web-01\n", ""},
		{"mac-dev-01", "cat /ETC/HOSTS", "##\n# Host Database\n##\n127.0.0.1\tlocalhost\n255.255.255.255\tbroadcasthost\n::1             localhost\n", ""},
		{"mac-dev-01", "cat -t /etc/hosts", "##\n# Host Database\n##\n127.0.0.1^Ilocalhost\n255.255.255.255^Ibroadcasthost\n::1             localhost\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.host+" "+tc.command, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := run(t, h, sh, tc.command)
			if res.Stdout != tc.wantStdout || res.Stderr != tc.wantStderr {
				t.Errorf("stdout %q stderr %q, want %q %q", res.Stdout, res.Stderr, tc.wantStdout, tc.wantStderr)
			}
		})
	}
}

func TestWindowsCatLimitAndHex(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	out := runOK(t, h, sh, `cat C:\Windows\notepad.exe`)
	if len(out) != 32768 || !strings.HasPrefix(out, "MZ") {
		t.Errorf("cat of a 201216-byte file returned %d bytes starting %q, want 32768 starting MZ", len(out), out[:2])
	}
	hex := runOK(t, h, sh, `cat C:\Windows\notepad.exe 20 -ShowHex`)
	want := "\n           00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F\n\n" +
		"00000000   4D 5A 90 00 03 00 00 00 04 00 00 00 FF FF 00 00  MZ..............\n" +
		"00000010   B8 00 00 00                                      ....\n"
	if hex != want {
		t.Errorf("cat -ShowHex =\n%q\nwant\n%q", hex, want)
	}
}

func TestRmThenLsAndCat(t *testing.T) {
	tests := []struct {
		host, dir, file string
		rm              string
		wantCatErr      string
	}{
		{"WIN-HR-02", `C:\Users\kpatel\Documents`, "notes.txt", `rm "C:\Users\kpatel\Documents\notes.txt"`,
			`Check your filename. Couldn't find 'C:\Users\kpatel\Documents\notes.txt'`},
		{"lnx-web-01", "/var/www/html", "index.html", "rm /var/www/html/index.html",
			"cat: /var/www/html/index.html: No such file or directory\n"},
		{"mac-ceo-02", "/Users/cbrooks/Documents", "todo.md", "rm /users/cbrooks/documents/TODO.md",
			"cat: /Users/cbrooks/Documents/todo.md: No such file or directory\n"},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			sep := "/"
			if h.Platform() == Windows {
				sep = `\`
			}
			full := tc.dir + sep + tc.file
			if !strings.Contains(runOK(t, h, sh, `ls "`+tc.dir+`"`), tc.file) {
				t.Fatalf("%s is not listed before rm", tc.file)
			}
			if got := runOK(t, h, sh, tc.rm); got != "" {
				t.Errorf("rm printed %q, want nothing", got)
			}
			if strings.Contains(runOK(t, h, sh, `ls "`+tc.dir+`"`), tc.file) {
				t.Errorf("%s is still listed after rm", tc.file)
			}
			if res := run(t, h, sh, `cat "`+full+`"`); res.Stderr != tc.wantCatErr {
				t.Errorf("cat after rm: stderr %q, want %q", res.Stderr, tc.wantCatErr)
			}
		})
	}
}

func TestRmRules(t *testing.T) {
	tests := []struct {
		name, host, command string
		wantStderr          string
		removed             string // path that must be removed afterwards, checked with ls
	}{
		{"windows dir needs Force", "WIN-FIN-01", `rm C:\Users\mhall\Downloads`,
			`Cannot remove 'C:\Users\mhall\Downloads' because it is a directory. Use -Force to remove a directory and its contents.`, ""},
		{"windows dir with Force", "WIN-FIN-01", `rm C:\Users\mhall\Downloads -Force`, "", `C:\Users\mhall\Downloads`},
		{"windows --force", "WIN-FIN-01", `rm 'C:\Users\mhall\Downloads' --force`, "", `C:\Users\mhall\Downloads`},
		{"windows missing", "WIN-FIN-01", `rm C:\nope.txt`, `Check your filename. Couldn't find 'C:\nope.txt'`, ""},
		{"windows running image", "WIN-FIN-01", `rm "C:\ProgramData\Vendor App\updater64.exe"`,
			`The process cannot access the file 'C:\ProgramData\Vendor App\updater64.exe' because it is being used by another process.`, ""},
		{"windows dir holding a running image", "WIN-FIN-01", `rm "C:\ProgramData\Vendor App" -Force`,
			`The process cannot access the file 'C:\ProgramData\Vendor App' because it is being used by another process.`, ""},
		{"windows drive root", "WIN-FIN-01", `rm C:\ -Force`, `Access to the path 'C:\' is denied.`, ""},
		{"linux dir needs -r", "lnx-web-01", "rm /var/www", "rm: cannot remove '/var/www': Is a directory\n", ""},
		{"linux -d on non-empty dir", "lnx-web-01", "rm -d /var/www", "rm: cannot remove '/var/www': Directory not empty\n", ""},
		{"linux -d on empty dir", "lnx-web-01", "rm -d /mnt", "", "/mnt"},
		{"linux -r", "lnx-web-01", "rm /var/www -r", "", "/var/www"},
		{"linux -rf combined", "lnx-web-01", "rm -rf /var/www", "", "/var/www"},
		{"linux missing", "lnx-web-01", "rm /nope", "rm: cannot remove '/nope': No such file or directory\n", ""},
		{"linux -f missing", "lnx-web-01", "rm -f /nope", "", ""},
		{"linux root", "lnx-web-01", "rm -r /", "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n", ""},
		{"linux running binary may be unlinked", "lnx-web-01", "rm /usr/sbin/nginx", "", "/usr/sbin/nginx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := run(t, h, sh, tc.command)
			if res.Stderr != tc.wantStderr || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want stderr %q", res.Stdout, res.Stderr, tc.wantStderr)
			}
			if tc.removed != "" && run(t, h, sh, `ls "`+tc.removed+`"`).Stderr == "" {
				t.Errorf("%s still exists", tc.removed)
			}
		})
	}
}

func TestRmImplantAfterKill(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	runOK(t, h, sh, "kill "+itoa(implantPID(t, h)))
	runOK(t, h, sh, `rm "C:\ProgramData\Vendor App\updater64.exe"`)
	if res := run(t, h, sh, `filehash "C:\ProgramData\Vendor App\updater64.exe"`); res.Stderr == "" {
		t.Errorf("implant file still hashes after kill and rm")
	}
}

func TestMkdir(t *testing.T) {
	tests := []struct {
		host, command          string
		wantStdout, wantStderr string
	}{
		{"WIN-FIN-01", `mkdir "C:\Program Files\Vendor App\collect"`, `C:\Program Files\Vendor App\collect`, ""},
		{"WIN-FIN-01", `mkdir C:\Windows`, "", `An item with the specified name C:\Windows already exists.`},
		{"lnx-web-01", "mkdir /tmp/collect", "/tmp/collect", ""},
		{"lnx-web-01", "mkdir /tmp/a/b", "", "mkdir: cannot create directory '/tmp/a/b': No such file or directory\n"},
		{"lnx-web-01", "mkdir -p /tmp/a/b", "/tmp/a/b", ""},
		{"lnx-web-01", "mkdir /etc", "", "mkdir: cannot create directory '/etc': File exists\n"},
		{"lnx-web-01", "mkdir /etc/hosts/x", "", "mkdir: cannot create directory '/etc/hosts/x': Not a directory\n"},
	}
	for _, tc := range tests {
		t.Run(tc.host+" "+tc.command, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := run(t, h, sh, tc.command)
			if res.Stdout != tc.wantStdout || res.Stderr != tc.wantStderr {
				t.Fatalf("stdout %q stderr %q, want %q %q", res.Stdout, res.Stderr, tc.wantStdout, tc.wantStderr)
			}
			if tc.wantStdout != "" {
				runOK(t, h, sh, `cd "`+tc.wantStdout+`"`)
			}
		})
	}
}

func TestMkdirRelative(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-HR-02")
	runOK(t, h, sh, `cd C:\Windows\Temp`)
	if got := runOK(t, h, sh, "mkdir ir-case"); got != `C:\Windows\Temp\ir-case` {
		t.Errorf("mkdir ir-case = %q", got)
	}
}

func TestFilehash(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-web-01")
	out := runOK(t, h, sh, "filehash /etc/hostname")
	sum := sha256.Sum256([]byte("lnx-web-01\n"))
	want := "SHA256 : " + strings.ToUpper(hex.EncodeToString(sum[:]))
	if !strings.Contains(out, want) || !strings.HasPrefix(out, "Path   : /etc/hostname\n") {
		t.Errorf("filehash =\n%s\nwant path line and %s", out, want)
	}
	if !regexp.MustCompile(`(?m)^MD5    : [0-9A-F]{32}$`).MatchString(out) || !regexp.MustCompile(`(?m)^SHA1   : [0-9A-F]{40}$`).MatchString(out) {
		t.Errorf("filehash lacks MD5 or SHA1 lines:\n%s", out)
	}
	if res := run(t, h, sh, "filehash /etc"); res.Stderr != "filehash: /etc: Is a directory\n" {
		t.Errorf("filehash of a directory: stderr %q", res.Stderr)
	}
	w, wsh := demoHost(t, FleetDemo, "WIN-DC-01")
	if res := run(t, w, wsh, `filehash C:\nope.exe`); res.Stderr != `Check your filename. Couldn't find 'C:\nope.exe'` {
		t.Errorf("filehash of a missing file: stderr %q", res.Stderr)
	}
	if out := runOK(t, w, wsh, `filehash C:\Windows\notepad.exe`); !strings.HasPrefix(out, "Path   : C:\\Windows\\notepad.exe\n") {
		t.Errorf("windows filehash:\n%s", out)
	}
}
