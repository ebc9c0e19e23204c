package fleet

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"sort"
	"strings"
	"testing"
)

// fileNode returns the node at an absolute path, failing when it is absent.
func fileNode(t *testing.T, h *Host, path string) *fsNode {
	t.Helper()
	comps, ok := resolvePath(h.platform, rootPath(h.platform), path)
	if !ok {
		t.Fatalf("bad path %s", path)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	n, err := h.fs.lookup(comps)
	if err != nil {
		t.Fatalf("%s after the command: %v", path, err)
	}
	return n
}

func zipNames(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("archive does not open as zip: %v", err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

func TestZip(t *testing.T) {
	tests := []struct {
		name, host, command, wantStdout string
		wantNames                       []string
	}{
		{"windows dir", "WIN-HR-02", `zip C:\Users\kpatel\Documents C:\Windows\Temp\docs.zip`, `C:\Windows\Temp\docs.zip`, nil},
		{"windows default name", "WIN-HR-02", `zip ` + winNotes, winNotes + ".zip", []string{"notes.txt"}},
		{"linux file", "lnx-web-01", "zip /etc/hostname /tmp/h.zip", "/tmp/h.zip", []string{"hostname"}},
		{"mac dir", "mac-ceo-02", "zip /Users/cbrooks/Documents /tmp/d.zip", "/tmp/d.zip", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			if got := runOK(t, h, sh, tc.command); got != tc.wantStdout {
				t.Fatalf("stdout %q, want %q", got, tc.wantStdout)
			}
			names := zipNames(t, fileNode(t, h, tc.wantStdout).bytes())
			if tc.wantNames != nil && strings.Join(names, ",") != strings.Join(tc.wantNames, ",") {
				t.Errorf("archive holds %v, want %v", names, tc.wantNames)
			}
			if len(names) == 0 {
				t.Errorf("archive is empty")
			}
			if res := run(t, h, sh, `filehash "`+tc.wantStdout+`"`); res.Stderr != "" {
				t.Errorf("filehash of the archive: %q", res.Stderr)
			}
		})
	}
}

func TestZipLargeSourceIsPlausible(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-web-01")
	out := runOK(t, h, sh, "zip /var/log /tmp/logs.zip")
	n := fileNode(t, h, out)
	var total int64
	for _, p := range []string{"/var/log/syslog", "/var/log/auth.log"} {
		total += fileNode(t, h, p).size
	}
	if n.size < total/4 || n.size > total*2 || !bytes.HasPrefix(n.readRange(0, 4), []byte("PK\x03\x04")) {
		t.Errorf("archive of %d log bytes is %d bytes starting %q", total, n.size, n.readRange(0, 4))
	}
}

func TestTar(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-web-01")
	if got := runOK(t, h, sh, "tar -c -f=/tmp/www.tar /var/www"); got != "/tmp/www.tar" {
		t.Fatalf("tar -c stdout %q", got)
	}
	runOK(t, h, sh, "tar -u -f=/tmp/www.tar /etc/hostname")
	tr := tar.NewReader(bytes.NewReader(fileNode(t, h, "/tmp/www.tar").bytes()))
	var names []string
	for hdr, err := tr.Next(); err == nil; hdr, err = tr.Next() {
		names = append(names, hdr.Name)
	}
	if len(names) < 3 || names[0] != "www/" || names[len(names)-1] != "hostname" {
		t.Errorf("tar members %v, want www/ first and hostname appended last", names)
	}

	if got := runOK(t, h, sh, "tar -c -a -f=/tmp/www.tgz /var/www"); got != "/tmp/www.tgz" {
		t.Fatalf("tar -a stdout %q", got)
	}
	gz, err := gzip.NewReader(bytes.NewReader(fileNode(t, h, "/tmp/www.tgz").bytes()))
	if err != nil {
		t.Fatalf("tar -a with .tgz did not gzip: %v", err)
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		t.Errorf("gzip stream: %v", err)
	}
	runOK(t, h, sh, "tar -c -J -f=/tmp/www.tar.xz /var/www")
	if got := fileNode(t, h, "/tmp/www.tar.xz").readRange(0, 6); string(got) != "\xfd7zXZ\x00" {
		t.Errorf("tar -J archive starts %q, want the xz magic", got)
	}
}

func TestArchiveErrors(t *testing.T) {
	tests := []struct {
		name, host, command string
		wantCode            int
		wantStderr          string
	}{
		{"windows zip missing source", "WIN-HR-02", `zip C:\nope C:\x.zip`, 0, `Check your filename. Couldn't find 'C:\nope'`},
		{"windows zip missing dest dir", "WIN-HR-02", `zip ` + winNotes + ` C:\no\x.zip`, 0, `Could not find a part of the path 'C:\no\x.zip'.`},
		{"linux zip missing source", "lnx-web-01", "zip /nope /tmp/x.zip", 0, "\tzip warning: name not matched: /nope\n\nzip error: Nothing to do! (/tmp/x.zip)\n"},
		{"linux zip onto dir", "lnx-web-01", "zip /etc/hostname /tmp", 0, "/tmp: Cannot open: Is a directory\n"},
		{"tar without mode", "lnx-web-01", "tar -f=/tmp/x.tar /etc", 0,
			"tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\nTry 'tar --help' or 'tar --usage' for more information.\n"},
		{"tar without file", "lnx-web-01", "tar -c /etc", 0,
			"tar: Refusing to write archive contents to terminal (missing -f option?)\ntar: Error is not recoverable: exiting now\n"},
		{"tar missing source", "lnx-web-01", "tar -c -f=/tmp/x.tar /nope", 0,
			"tar: /nope: Cannot stat: No such file or directory\ntar: Exiting with failure status due to previous errors\n"},
		{"tar update compressed", "lnx-web-01", "tar -u -z -f=/tmp/x.tgz /etc", 0,
			"tar: Cannot update compressed archives\nTry 'tar --help' or 'tar --usage' for more information.\n"},
		{"tar unknown flag", "lnx-web-01", "tar -c -x -f=/tmp/x.tar /etc", codeUnknownFlag, ""},
		{"tar on mac", "mac-ceo-02", "tar -c -f=/tmp/x.tar /etc", codeCommandNotFound, ""},
		{"tar on windows", "WIN-HR-02", `tar -c -f=C:\x.tar C:\Windows`, codeCommandNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			before := h.fleetState()
			res := h.Exec(sh, ActiveResponder, tc.command)
			if res.ErrCode != tc.wantCode || res.Stderr != tc.wantStderr || res.Stdout != "" {
				t.Errorf("code %d stdout %q stderr %q, want code %d stderr %q", res.ErrCode, res.Stdout, res.Stderr, tc.wantCode, tc.wantStderr)
			}
			if !statesEqual(before, h.fleetState()) {
				t.Errorf("a failed command changed the host")
			}
		})
	}
}

func TestEncrypt(t *testing.T) {
	tests := []struct {
		name, host, path string
	}{
		{"windows", "WIN-HR-02", winNotes},
		{"linux", "lnx-web-01", "/etc/hostname"},
		{"mac", "mac-ceo-02", "/Users/cbrooks/Documents/todo.md"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			plain := fileNode(t, h, tc.path)
			out := runOK(t, h, sh, `encrypt "`+tc.path+`"`)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 2 || lines[0] != "Encrypted "+tc.path+" to "+tc.path+".enc" || !strings.HasPrefix(lines[1], "Key: ") {
				t.Fatalf("encrypt printed %q", out)
			}
			key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[1], "Key: "))
			if err != nil || len(key) != 32 {
				t.Errorf("printed key %q is not 32 bytes of base64", lines[1])
			}
			enc := fileNode(t, h, tc.path+".enc")
			if enc.size != plain.size+encryptOverhead {
				t.Errorf(".enc is %d bytes, want %d", enc.size, plain.size+encryptOverhead)
			}
			if hashOnly(runOK(t, h, sh, `filehash "`+tc.path+`.enc"`)) == hashOnly(runOK(t, h, sh, `filehash "`+tc.path+`"`)) {
				t.Errorf("the .enc file hashes like the plain file")
			}
			given := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
			if got := runOK(t, h, sh, `encrypt "`+tc.path+`" `+given); strings.Contains(got, "Key:") {
				t.Errorf("encrypt with a key printed a key: %q", got)
			}
		})
	}
}

func TestEncryptErrors(t *testing.T) {
	tests := []struct {
		name, host, command, wantStderr string
	}{
		{"windows missing", "WIN-HR-02", `encrypt C:\nope.db`, `Check your filename. Couldn't find 'C:\nope.db'`},
		{"linux missing", "lnx-web-01", "encrypt /nope", "encrypt: /nope: No such file or directory\n"},
		{"linux dir", "lnx-web-01", "encrypt /etc", "encrypt: /etc: Is a directory\n"},
		{"bad key", "lnx-web-01", "encrypt /etc/hostname c2hvcnQ=", "encrypt: key must be 32 bytes in base64 (44 characters), got 'c2hvcnQ='\n"},
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
				t.Errorf("a failed encrypt changed the host")
			}
		})
	}
}
