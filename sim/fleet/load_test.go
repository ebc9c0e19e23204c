package fleet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSample(t *testing.T) {
	f, err := Load("testdata/lab.json")
	if err != nil {
		t.Fatal(err)
	}
	if f.CID() != "0123456789abcdef0123456789abcdef" || len(f.Hosts()) != 4 {
		t.Fatalf("CID %s, %d hosts", f.CID(), len(f.Hosts()))
	}
	lab := f.Host("a0000000000000000000000000000001")
	if lab == nil || lab.Hostname() != "WIN-LAB-01" {
		t.Fatalf("host by fixed AID = %v", lab)
	}
	sh := lab.NewShell()
	checks := []struct{ command, want string }{
		{`cat "C:\Program Files\Vendor App\settings.ini"`, "[agent]\r\nserver=198.51.100.40\r\nport=443\r\n"},
		{`cat "C:\Program Files\Vendor App\logo.bin" 4`, "\x89PNG"},
		{`ls "C:\Program Files\Vendor App"`, "agent.exe                                .exe         1843712         1.76            1/22/2024 10:03:20 AM"},
		{`reg query "HKLM\SOFTWARE\Vendor App" AutoUpdate`, "AutoUpdate    REG_DWORD    0x1"},
		{`reg query "HKLM\SOFTWARE\Vendor App\Plugins"`, `Enabled    REG_MULTI_SZ    export\0audit`},
		{"netstat", "192.0.2.15:49712       198.51.100.40:443      ESTABLISHED     6120"},
		{"ps", `agent                  6120`},
		{"env", "VENDOR_HOME"},
		{`cd C:\Temp\Work`, `C:\Temp\Work`},
	}
	for _, c := range checks {
		if got := runOK(t, lab, sh, c.command); !strings.Contains(got, c.want) {
			t.Errorf("%s lacks %q:\n%s", c.command, c.want, got)
		}
	}
	if windowsPIDOf(t, runOK(t, lab, sh, "ps"), "updater64") < 0 {
		t.Error("compromised WIN-LAB-01 lacks the implant")
	}
	mac := f.HostByName("mac-lab-03")
	if mac.Info().Online || !hasImplant(mac) {
		t.Errorf("mac-lab-03: online %v, implant %v; want offline and compromised", mac.Info().Online, hasImplant(mac))
	}
	empty := f.HostByName("WIN-EMPTY-04")
	if got := runOK(t, empty, empty.NewShell(), "ps"); len(parseTable(t, got).rows) != 0 {
		t.Errorf("a host without base system runs processes:\n%s", got)
	}
	if empty.Info().Reachable {
		t.Error("WIN-EMPTY-04 is reachable")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"syntax", "{\n  \"hosts\": [\n    {\"hostname\": }\n  ]\n}", "line 3, column 19: invalid JSON"},
		{"no hosts", `{"hosts": []}`, "hosts: missing or empty"},
		{"unknown top field", `{"host": []}`, `json: unknown field "host"`},
		{"bad cid", `{"cid": "xyz", "hosts": [{"hostname": "a", "platform": "linux"}]}`, `cid: "xyz" is not 32 hex digits`},
		{"unknown host field", `{"hosts": [{"hostname": "h1", "platform": "linux", "onlin": true}]}`,
			`host "h1" (hosts[0]): json: unknown field "onlin"`},
		{"missing hostname", `{"hosts": [{"platform": "linux"}]}`, "hosts[0]: hostname: missing"},
		{"bad platform", `{"hosts": [{"hostname": "h1", "platform": "solaris"}]}`,
			`host "h1" (hosts[0]): platform: unknown platform "solaris"`},
		{"wrong type", `{"hosts": [{"hostname": "h1", "platform": "linux", "online": "yes"}]}`,
			`host "h1" (hosts[0]): online: expected bool, got a JSON string`},
		{"bad aid", `{"hosts": [{"hostname": "h1", "platform": "linux", "aid": "123"}]}`, `aid: "123" is not 32 hex digits`},
		{"duplicate hostname", `{"hosts": [{"hostname": "h1", "platform": "linux"}, {"hostname": "h1", "platform": "mac"}]}`,
			`host "h1" (hosts[1]): hostname: "h1" is used by an earlier host`},
		{"duplicate aid", `{"hosts": [{"hostname": "h1", "platform": "linux", "aid": "a0000000000000000000000000000001"},
			{"hostname": "h2", "platform": "linux", "aid": "a0000000000000000000000000000001"}]}`, `host "h2" (hosts[1]): aid: "a0000000000000000000000000000001" is used by an earlier host`},
		{"bad containment", `{"hosts": [{"hostname": "h1", "platform": "linux", "containment": "isolated"}]}`, `containment: unknown status "isolated"`},
		{"relative file", `{"hosts": [{"hostname": "h1", "platform": "windows", "files": [{"path": "notes.txt", "content": ""}]}]}`,
			`host "h1" (hosts[0]): files[0]: path: "notes.txt" is not an absolute windows path`},
		{"file with two contents", `{"hosts": [{"hostname": "h1", "platform": "linux", "files": [{"path": "/a", "content": "x", "size": 3}]}]}`,
			`files[0]: path "/a": give exactly one of dir, content, content_base64 or size`},
		{"bad base64", `{"hosts": [{"hostname": "h1", "platform": "linux", "files": [{"path": "/a", "content_base64": "@@"}]}]}`,
			"files[0]: content_base64: illegal base64 data"},
		{"negative size", `{"hosts": [{"hostname": "h1", "platform": "linux", "files": [{"path": "/a", "size": -1}]}]}`,
			"files[0]: size: -1 is negative"},
		{"process without name", `{"hosts": [{"hostname": "h1", "platform": "linux", "processes": [{"pid": 5000}]}]}`,
			`host "h1" (hosts[0]): processes[0].name: missing`},
		{"process pid in use", `{"hosts": [{"hostname": "h1", "platform": "linux", "processes": [{"pid": 1, "name": "x"}]}]}`,
			"processes[0].pid: 1 is already in use by systemd"},
		{"connection to unknown pid", `{"hosts": [{"hostname": "h1", "platform": "linux", "connections": [{"proto": "TCP", "local": "192.0.2.1:1", "state": "LISTEN", "pid": 77777}]}]}`,
			"connections[0].pid: no process with PID 77777 on the host"},
		{"connection to unknown name", `{"hosts": [{"hostname": "h1", "platform": "linux", "connections": [{"proto": "TCP", "local": "192.0.2.1:1", "state": "LISTEN", "process": "nope"}]}]}`,
			`connections[0].process: no process named "nope" on the host`},
		{"bad local address", `{"hosts": [{"hostname": "h1", "platform": "linux", "connections": [{"proto": "TCP", "local": "::1:22", "state": "LISTEN"}]}]}`,
			`connections[0].local: "::1:22" is not address:port`},
		{"bad proto", `{"hosts": [{"hostname": "h1", "platform": "linux", "connections": [{"proto": "SCTP", "local": "192.0.2.1:1"}]}]}`,
			`connections[0].proto: "SCTP" is not TCP or UDP`},
		{"bad state", `{"hosts": [{"hostname": "h1", "platform": "linux", "connections": [{"proto": "TCP", "local": "192.0.2.1:1", "state": "OPEN"}]}]}`,
			"connections[0].state: unknown connection state OPEN"},
		{"registry on linux", `{"hosts": [{"hostname": "h1", "platform": "linux", "registry": [{"key": "HKLM\\SOFTWARE\\x", "name": "a", "type": "REG_SZ", "data": "b"}]}]}`,
			"registry: only windows hosts have a registry, this host is linux"},
		{"bad registry key", `{"hosts": [{"hostname": "h1", "platform": "windows", "registry": [{"key": "SOFTWARE\\x", "name": "a", "type": "REG_SZ", "data": "b"}]}]}`,
			`registry[0].key: "SOFTWARE\\x" is not a registry key`},
		{"bad registry type", `{"hosts": [{"hostname": "h1", "platform": "windows", "registry": [{"key": "HKLM\\x", "name": "a", "type": "REG_TEXT", "data": "b"}]}]}`,
			`registry[0].type: unknown registry value type "REG_TEXT"`},
		{"dword out of range", `{"hosts": [{"hostname": "h1", "platform": "windows", "registry": [{"key": "HKLM\\x", "name": "a", "type": "REG_DWORD", "data": 4294967296}]}]}`,
			"registry[0].data: 4294967296 is not a valid REG_DWORD number"},
		{"multi sz needs a list", `{"hosts": [{"hostname": "h1", "platform": "windows", "registry": [{"key": "HKLM\\x", "name": "a", "type": "REG_MULTI_SZ", "data": "b"}]}]}`,
			"registry[0].data: REG_MULTI_SZ needs a list of strings"},
		{"bad env name", `{"hosts": [{"hostname": "h1", "platform": "linux", "env": {"A=B": "c"}}]}`, `env: "A=B" is not a valid variable name`},
		{"bad utc offset", `{"hosts": [{"hostname": "h1", "platform": "linux", "utc_offset": 20}]}`, "utc_offset: 20 is outside -12..14 hours"},
		{"bad ip", `{"hosts": [{"hostname": "h1", "platform": "linux", "local_ip": "10.0.0"}]}`, `local_ip: "10.0.0" is not an IP address`},
		{"trailing data", `{"hosts": [{"hostname": "h1", "platform": "linux"}]} {}`, "unexpected data after the top-level object"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded, want an error containing %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), "fleet file "+path+": ") {
				t.Errorf("error %q does not start with the file name", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/none.json")
	if err == nil || !strings.Contains(err.Error(), "testdata/none.json") {
		t.Errorf("Load of a missing file: %v", err)
	}
}
