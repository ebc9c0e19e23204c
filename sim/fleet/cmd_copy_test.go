package fleet

import (
	"strings"
	"testing"
)

const winNotes = `C:\Users\kpatel\Documents\notes.txt`

func TestCpThenCat(t *testing.T) {
	tests := []struct {
		name, host, cp, catPath, wantPrefix string
	}{
		{"windows file to new name", "WIN-HR-02", `cp ` + winNotes + ` C:\Windows\Temp\n.txt`, `C:\Windows\Temp\n.txt`, "call vendor"},
		{"windows file into dir", "WIN-HR-02", `cp ` + winNotes + ` C:\Windows\Temp`, `C:\Windows\Temp\notes.txt`, "call vendor"},
		{"windows dir whole", "WIN-HR-02", `cp C:\Users\kpatel\Documents C:\Windows\Temp\docs`, `C:\Windows\Temp\docs\notes.txt`, "call vendor"},
		{"linux file", "lnx-web-01", "cp /etc/hostname /tmp/h", "/tmp/h", "lnx-web-01"},
		{"linux into dir", "lnx-web-01", "cp /etc/hostname /tmp", "/tmp/hostname", "lnx-web-01"},
		{"linux dir", "lnx-web-01", "cp /etc /tmp/etc2", "/tmp/etc2/hostname", "lnx-web-01"},
		{"mac file", "mac-ceo-02", "cp /Users/cbrooks/Documents/todo.md /tmp/t.md", "/tmp/t.md", "- board deck"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			if got := runOK(t, h, sh, tc.cp); got != "" {
				t.Errorf("cp printed %q, want nothing", got)
			}
			if got := runOK(t, h, sh, `cat "`+tc.catPath+`"`); !strings.HasPrefix(got, tc.wantPrefix) {
				t.Errorf("cat of the copy = %q, want prefix %q", got, tc.wantPrefix)
			}
			src := strings.Fields(tc.cp)[1]
			if res := run(t, h, sh, `ls "`+src+`"`); res.Stderr != "" {
				t.Errorf("source %s gone after cp: %q", src, res.Stderr)
			}
		})
	}
}

func TestMvThenBothPaths(t *testing.T) {
	tests := []struct {
		name, host, src, dst string
		wantSrcErr           string
	}{
		{"windows rename", "WIN-HR-02", winNotes, `C:\Windows\Temp\moved.txt`, "Check your filename. Couldn't find '" + winNotes + "'"},
		{"linux rename", "lnx-web-01", "/etc/hostname", "/tmp/hn", "cat: /etc/hostname: No such file or directory\n"},
		{"mac rename", "mac-ceo-02", "/Users/cbrooks/Documents/todo.md", "/tmp/todo.md",
			"cat: /Users/cbrooks/Documents/todo.md: No such file or directory\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			before := runOK(t, h, sh, `filehash "`+tc.src+`"`)
			if got := runOK(t, h, sh, `mv "`+tc.src+`" "`+tc.dst+`"`); got != "" {
				t.Errorf("mv printed %q, want nothing", got)
			}
			if res := run(t, h, sh, `cat "`+tc.src+`"`); res.Stderr != tc.wantSrcErr {
				t.Errorf("cat of the old path: stderr %q, want %q", res.Stderr, tc.wantSrcErr)
			}
			after := runOK(t, h, sh, `filehash "`+tc.dst+`"`)
			if hashOnly(before) != hashOnly(after) {
				t.Errorf("hash changed by mv: %q then %q", before, after)
			}
		})
	}
}

// hashOnly drops path text from filehash output, keeping hex digests.
func hashOnly(out string) string {
	var keep []string
	for _, f := range strings.Fields(out) {
		if len(f) >= 32 && strings.Trim(strings.ToLower(f), "0123456789abcdef") == "" {
			keep = append(keep, strings.ToLower(f))
		}
	}
	return strings.Join(keep, " ")
}

func TestCpMvErrors(t *testing.T) {
	tests := []struct {
		name, host, command, wantStderr string
	}{
		{"windows missing source", "WIN-HR-02", `cp C:\nope.txt C:\x.txt`, `Check your filename. Couldn't find 'C:\nope.txt'`},
		{"windows missing dest dir", "WIN-HR-02", `cp ` + winNotes + ` C:\no\such\x.txt`, `Could not find a part of the path 'C:\no\such\x.txt'.`},
		{"windows mv onto existing", "WIN-HR-02", `mv ` + winNotes + ` C:\Windows\System32\drivers\etc\hosts`, "Cannot create a file when that file already exists."},
		{"windows mv running image", "WIN-FIN-01", `mv "C:\ProgramData\Vendor App\updater64.exe" C:\u.exe`,
			"The process cannot access the file because it is being used by another process."},
		{"windows cp onto itself", "WIN-HR-02", `cp ` + winNotes + ` ` + winNotes, "Cannot overwrite the item " + winNotes + " with itself."},
		{"windows missing operand", "WIN-HR-02", "cp " + winNotes, "Check your filename. Couldn't find '" + winNotes + "'"},
		{"windows drive root", "WIN-HR-02", `mv C:\ C:\Windows\Temp\c`, `Access to the path 'C:\' is denied.`},
		{"linux missing source", "lnx-web-01", "cp /nope /tmp/x", "cp: cannot stat '/nope': No such file or directory\n"},
		{"linux missing dest dir", "lnx-web-01", "cp /etc/hostname /no/x", "cp: cannot create regular file '/no/x': No such file or directory\n"},
		{"linux same file", "lnx-web-01", "cp /etc/hostname /etc/hostname", "cp: '/etc/hostname' and '/etc/hostname' are the same file\n"},
		{"linux dir into itself", "lnx-web-01", "cp /etc /etc/sub", "cp: cannot copy a directory, '/etc', into itself, '/etc/sub'\n"},
		{"linux dir onto file", "lnx-web-01", "cp /var/www /etc/hostname", "cp: cannot overwrite non-directory '/etc/hostname' with directory '/var/www'\n"},
		{"linux missing dest operand", "lnx-web-01", "mv /etc/hostname", "mv: missing destination file operand after '/etc/hostname'\n"},
		{"linux mv missing source", "lnx-web-01", "mv /nope /tmp", "mv: cannot stat '/nope': No such file or directory\n"},
		{"linux mv into itself", "lnx-web-01", "mv /var /var/www/x", "mv: cannot move '/var' to a subdirectory of itself, '/var/www/x'\n"},
		{"mac missing dest dir", "mac-ceo-02", "mv /Users/cbrooks/Documents/todo.md /nope/x", "mv: cannot move '/Users/cbrooks/Documents/todo.md' to '/nope/x': No such file or directory\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			before := h.fleetState()
			res := run(t, h, sh, tc.command)
			if res.Stderr != tc.wantStderr || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want stderr %q", res.Stdout, res.Stderr, tc.wantStderr)
			}
			if !statesEqual(before, h.fleetState()) {
				t.Errorf("a failed %s changed the host", tc.command)
			}
		})
	}
}

func TestCpMvTier(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-web-01")
	res := h.Exec(sh, ReadOnly, "cp /etc/hostname /tmp/x")
	if res.ErrCode != codeCommandNotFound {
		t.Errorf("cp at the read-only tier: code %d, want %d", res.ErrCode, codeCommandNotFound)
	}
	res = h.Exec(sh, ActiveResponder, "mv /etc/hostname /tmp/x /tmp/y")
	if res.ErrCode != codeMaxArgs || res.ErrMessage != "Max args is 2. 3 were provided" {
		t.Errorf("mv with 3 args: %d %q, want 40012", res.ErrCode, res.ErrMessage)
	}
}
