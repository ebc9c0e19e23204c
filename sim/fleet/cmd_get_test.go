package fleet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"time"
)

func TestGet(t *testing.T) {
	f, err := Named(FleetDemo)
	if err != nil {
		t.Fatal(err)
	}
	win, lnx := f.HostByName("WIN-FIN-01"), f.HostByName("lnx-web-01")
	tests := []struct {
		name       string
		host       *Host
		cwd        string
		pathArg    string
		wantStdout string
		wantDevice string
		wantPrefix string
	}{
		{"windows absolute", win, "", `C:\Windows\notepad.exe`, `C:\Windows\notepad.exe`,
			`\Device\HarddiskVolume2\Windows\notepad.exe`, "MZ"},
		{"windows quoted with spaces", win, "", `"C:\ProgramData\Vendor App\updater64.exe"`,
			`C:\ProgramData\Vendor App\updater64.exe`, `\Device\HarddiskVolume2\ProgramData\Vendor App\updater64.exe`, "MZ"},
		{"windows relative to cwd", win, `cd C:\Windows\System32\drivers\etc`, "hosts", "hosts",
			`\Device\HarddiskVolume2\Windows\System32\drivers\etc\hosts`, "# Copyright"},
		{"linux", lnx, "", "/etc/hostname", "/etc/hostname", "/etc/hostname", "lnx-web-01\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sh := tc.host.NewShell()
			if tc.cwd != "" {
				runOK(t, tc.host, sh, tc.cwd)
			}
			g := tc.host.Get(sh, tc.pathArg)
			if g.ErrCode != 0 || g.Stderr != "" {
				t.Fatalf("Get(%q): code %d stderr %q", tc.pathArg, g.ErrCode, g.Stderr)
			}
			if g.Stdout != tc.wantStdout || g.DevicePath != tc.wantDevice {
				t.Errorf("stdout %q device %q, want %q %q", g.Stdout, g.DevicePath, tc.wantStdout, tc.wantDevice)
			}
			if !bytes.HasPrefix(g.Content, []byte(tc.wantPrefix)) {
				t.Errorf("content starts %q, want %q", g.Content[:min(len(g.Content), 12)], tc.wantPrefix)
			}
			sum := sha256.Sum256(g.Content)
			if g.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 %s does not match the content", g.SHA256)
			}
		})
	}
}

func TestGetErrors(t *testing.T) {
	f, err := Named(FleetDemo)
	if err != nil {
		t.Fatal(err)
	}
	win, mac := f.HostByName("WIN-FIN-01"), f.HostByName("mac-dev-01")
	tests := []struct {
		name       string
		host       *Host
		pathArg    string
		wantStderr string
		wantCode   int
	}{
		{"windows missing", win, `C:\nope.exe`, `Check your filename. Couldn't find 'C:\nope.exe'`, 0},
		{"windows directory", win, `C:\Windows`, `Check your filename. Couldn't find 'C:\Windows'`, 0},
		{"unquoted spaces", win, `C:\Program Files\x.exe`, "", 40012},
		{"unterminated quote", win, `"C:\x`, "", 40006},
		{"mac missing", mac, "/nope", "get: /nope: No such file or directory\n", 0},
		{"mac directory", mac, "/Users", "get: /Users: Is a directory\n", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.host.Get(nil, tc.pathArg)
			if g.Stderr != tc.wantStderr || g.ErrCode != tc.wantCode {
				t.Errorf("stderr %q code %d, want %q %d", g.Stderr, g.ErrCode, tc.wantStderr, tc.wantCode)
			}
			if g.Stdout != "" || g.Content != nil {
				t.Errorf("failed get returned stdout %q and %d content bytes", g.Stdout, len(g.Content))
			}
		})
	}
}

func TestGetThroughExec(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	res := h.Exec(sh, ActiveResponder, `get "C:\ProgramData\Vendor App\updater64.exe"`)
	if res.Stdout != ImplantPath || res.Stderr != "" || res.ErrCode != 0 {
		t.Errorf("get via Exec: %+v", res)
	}
	if res := h.Exec(sh, ReadOnly, `get C:\Windows\notepad.exe`); res.ErrCode != 40007 {
		t.Errorf("get at read-only: code %d, want 40007", res.ErrCode)
	}
}

func TestGetLargeFileStreams(t *testing.T) {
	defer func(limit int64) { getContentLimit = limit }(getContentLimit)
	getContentLimit = 1 << 20
	size := getContentLimit + 1
	f, err := parseFleet([]byte(`{"hosts": [{"hostname": "big", "platform": "windows", "base": false,
		"files": [{"path": "C:\\dump.bin", "size": `+itoa(int(size))+`}]}]}`), newRand(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	g := f.HostByName("big").Get(nil, `C:\dump.bin`)
	if g.Content != nil || g.Size != size || g.Reader == nil {
		t.Fatalf("content %d bytes, size %d, reader %v; want no content, size %d and a reader", len(g.Content), g.Size, g.Reader, size)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(g.Reader, 0, g.Size)); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != g.SHA256 {
		t.Errorf("SHA256 of the reader %s, GetResult says %s", got, g.SHA256)
	}
	tail := make([]byte, 10)
	if n, err := g.Reader.ReadAt(tail, size-5); n != 5 || err != io.EOF {
		t.Errorf("ReadAt past the end read %d bytes with %v, want 5 and EOF", n, err)
	}
}
