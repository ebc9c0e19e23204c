package sim

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// contentStep is one batch command of a content test and what the host's
// entry must show.
type contentStep struct {
	name     string
	path     string // batch command path: the tier
	command  string
	wantCode int // per-host error code; 0 for none
	wantMsg  string
	wantOut  string
	wantErr  string
	wantBase string // base_command of the entry; "" = the command's first word
}

func TestContentCommandsOnWindows(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	createPutFile(t, c, "Tool.msi", "MSI package")
	createPutFile(t, c, "tool.exe", "MZ tool")
	createPutFile(t, c, "check.ps1", "Write-Output on-disk")
	createScript(t, c, "Hello", "Write-Output hi", "public", "windows", "linux")
	createScript(t, c, "GroupOnly", "Write-Output group", "group", "windows")
	createScript(t, c, "Mine", "Write-Output mine", "private", "windows")
	createScript(t, c, "LinuxOnly", "echo linux", "public", "linux")
	createScript(t, c, "StopImplant", "Stop-Process -Name updater64 -Force; Write-Output stopped", "public", "windows")
	batchID, _ := initBatch(t, c, "WIN-FIN-01")

	steps := []contentStep{
		{name: "cd", path: pathBatchResponder, command: `cd C:\Windows\Temp`, wantOut: `C:\Windows\Temp`},
		{name: "put", path: pathBatchAdmin, command: "put Tool.msi", wantBase: "DOWNLOAD_RENAME"},
		{name: "put again", path: pathBatchAdmin, command: "put Tool.msi", wantBase: "DOWNLOAD_RENAME",
			wantErr: "put: Destination already exists."},
		{name: "R17 put name case mismatch", path: pathBatchAdmin, command: "put tool.msi",
			wantCode: 40408, wantMsg: "Put file not found by name"},
		{name: "put at active responder", path: pathBatchResponder, command: "put Tool.msi",
			wantCode: 40007, wantMsg: "Command not found"},
		{name: "put-and-run", path: pathBatchAdmin, command: "put-and-run tool.exe -CommandLine=```-x 1```",
			wantOut: "The process was successfully started"},
		{name: "R16 put-and-run with a bare flag", path: pathBatchAdmin, command: "put-and-run file.exe -CommandLine abcd",
			wantCode: 40408, wantMsg: "Put file not found by name"},
		{name: "R16 put-and-run stray argument", path: pathBatchAdmin, command: "put-and-run tool.exe abcd",
			wantCode: 40012, wantMsg: "Max args is 1. 2 were provided"},
		{name: "run", path: pathBatchAdmin, command: "run C:\\Windows\\notepad.exe -CommandLine=```C:\\x.txt```",
			wantOut: "The process was successfully started"},
		{name: "R16 run positional arguments", path: pathBatchAdmin,
			command:  `run "C:\Windows\System32\cmd.exe" "C:\Temp\update 1.msu" /quiet /norestart`,
			wantCode: 40012, wantMsg: "Max args is 1. 4 were provided"},
		{name: "public script at active responder", path: pathBatchResponder, command: `runscript -CloudFile="Hello"`,
			wantOut: "hi\n"},
		{name: "group script at active responder", path: pathBatchResponder, command: `runscript -CloudFile="GroupOnly"`,
			wantCode: 40412, wantMsg: "The file GroupOnly could not be found"},
		{name: "group script at admin", path: pathBatchAdmin, command: `runscript -CloudFile="GroupOnly"`,
			wantOut: "group\n"},
		{name: "private script at active responder", path: pathBatchResponder, command: `runscript -CloudFile="Mine"`,
			wantCode: 40412, wantMsg: "The file Mine could not be found"},
		{name: "private script at admin", path: pathBatchAdmin, command: `runscript -CloudFile="Mine"`,
			wantOut: "mine\n"},
		{name: "script of another platform", path: pathBatchAdmin, command: `runscript -CloudFile="LinuxOnly"`,
			wantCode: 40412, wantMsg: "The file LinuxOnly could not be found"},
		{name: "R17 script name case mismatch", path: pathBatchAdmin, command: `runscript -CloudFile="hello"`,
			wantCode: 40412, wantMsg: "The file hello could not be found"},
		{name: "R16 runscript positional arguments", path: pathBatchAdmin,
			command:  `runscript -CloudFile="Hello" C:\x.msu /quiet`,
			wantCode: 40012, wantMsg: "Max args is 0. 2 were provided"},
		{name: "script changes the host", path: pathBatchResponder, command: `runscript -CloudFile="StopImplant"`,
			wantOut: "stopped\n"},
		{name: "host path at active responder", path: pathBatchResponder,
			command: `runscript -HostPath="C:\Windows\Temp\check.ps1"`, wantCode: 40014, wantMsg: "Unrecognized flag found: HostPath"},
		{name: "put a script", path: pathBatchAdmin, command: "put check.ps1", wantBase: "DOWNLOAD_RENAME"},
		{name: "host path at admin", path: pathBatchAdmin, command: `runscript -HostPath="C:\Windows\Temp\check.ps1"`,
			wantOut: "on-disk\n"},
	}
	runContentSteps(t, c, batchID, aidOf(t, srv, "WIN-FIN-01"), steps)

	host := hostNamed(t, srv.Fleet(), "WIN-FIN-01")
	checkHostFile(t, srv, host, `C:\Windows\Temp\Tool.msi`, "MSI package")
	ps := host.Exec(nil, fleet.ReadOnly, "ps").Stdout
	for _, want := range []string{`C:\Windows\Temp\tool.exe`, `C:\Windows\notepad.exe`} {
		if !strings.Contains(ps, want) {
			t.Errorf("ps lacks a process started from %s:\n%s", want, ps)
		}
	}
	if strings.Contains(ps, "updater64") {
		t.Errorf("the implant still runs after StopImplant:\n%s", ps)
	}
	checkPutRecorded(t, srv)
}

// runContentSteps runs each step in the batch and checks the host's entry.
func runContentSteps(t *testing.T, c *apiClient, batchID, aid string, steps []contentStep) {
	t.Helper()
	for _, st := range steps {
		host := runBatch(t, c, st.path, batchID, st.command, nil)[aid]
		wantBase := st.wantBase
		if wantBase == "" {
			wantBase, _, _ = strings.Cut(st.command, " ")
		}
		if codes := errorCodes(host.Errors); st.wantCode != 0 {
			if len(codes) != 1 || codes[0] != st.wantCode || host.Errors[0].Message != st.wantMsg {
				t.Errorf("%s: %s errors %+v, want %d %q", st.name, st.command, host.Errors, st.wantCode, st.wantMsg)
			}
			continue
		} else if len(codes) != 0 {
			t.Errorf("%s: %s errors %+v, want none", st.name, st.command, host.Errors)
			continue
		}
		if !host.Complete || host.Stdout != st.wantOut || host.Stderr != st.wantErr || host.BaseCommand != wantBase {
			t.Errorf("%s: %s = complete %v stdout %q stderr %q base %q, want complete, %q, %q, %q",
				st.name, st.command, host.Complete, host.Stdout, host.Stderr, host.BaseCommand,
				st.wantOut, st.wantErr, wantBase)
		}
	}
}

// checkHostFile checks that the host has a file at path with content.
func checkHostFile(t *testing.T, srv *Server, host *fleet.Host, path, content string) {
	t.Helper()
	sum := sha256.Sum256([]byte(content))
	want := "sha256:" + hex.EncodeToString(sum[:])
	for _, hs := range srv.Fleet().Snapshot().Hosts {
		if hs.AID != host.AID() {
			continue
		}
		for _, f := range hs.Files {
			if f.Path == path {
				if f.ContentID != want {
					t.Errorf("%s content %s, want %s", path, f.ContentID, want)
				}
				return
			}
		}
	}
	t.Errorf("host %s has no file %s", host.Hostname(), path)
}

// checkPutRecorded checks that the command log names put as the command
// the host received, although the API reports DOWNLOAD_RENAME.
func checkPutRecorded(t *testing.T, srv *Server) {
	t.Helper()
	for _, rec := range srv.Commands() {
		if strings.HasPrefix(rec.CommandString, "put ") && rec.BaseCommand != "put" {
			t.Errorf("command log entry %q has base command %q, want put", rec.CommandString, rec.BaseCommand)
		}
	}
}

func TestPutStatusReportsDownloadRename(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	createPutFile(t, c, "a.sh", "echo a")
	batchID, _ := initBatch(t, c, "lnx-db-02")
	aid := aidOf(t, srv, "lnx-db-02")
	host := runBatch(t, c, pathBatchAdmin, batchID, "put a.sh", nil)[aid]
	var status wireStatus
	c.expect(http.StatusOK, http.MethodGet, pathStatusAdmin,
		url.Values{"cloud_request_id": {host.TaskID}, "sequence_id": {"0"}}, nil, &status)
	if len(status.Resources) != 1 || status.Resources[0].BaseCommand != "DOWNLOAD_RENAME" {
		t.Errorf("status of put = %+v, want base_command DOWNLOAD_RENAME", status.Resources)
	}
	checkHostFile(t, srv, hostNamed(t, srv.Fleet(), "lnx-db-02"), "/a.sh", "echo a")

	var got wireEntities
	ids, _ := queryIDs(t, c, pathPutFileQuery, nil)
	c.expect(http.StatusOK, http.MethodGet, pathPutFilesV1, url.Values{"ids": ids}, nil, &got)
	if n := got.Resources[0].RunAttemptCount; n == nil || *n != 1 {
		t.Errorf("run_attempt_count after one put = %v, want 1", n)
	}
}

// newMemberClient returns a client whose token acts for a child CID.
func newMemberClient(t *testing.T, srv *Server, memberCID string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, srv: srv, http: loopback.Client(&tls.Config{RootCAs: srv.CertPool()})}
	status, body, _ := c.postForm(pathToken, url.Values{
		"client_id": {srv.ClientID()}, "client_secret": {srv.ClientSecret()}, "member_cid": {memberCID},
	}, nil)
	if status != http.StatusCreated {
		t.Fatalf("token for member CID %s: status %d; body %s", memberCID, status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeJSON(t, body, &tok)
	c.token = tok.AccessToken
	return c
}

func TestLibraryPerCID(t *testing.T) {
	child := strings.Repeat("c", 32)
	srv := startServer(t, "demo", Options{ChildCIDs: map[string][]string{child: {"lnx-web-01"}}})
	parent, member := newClient(t, srv), newMemberClient(t, srv, child)
	createPutFile(t, parent, "parent.sh", "echo parent")
	createPutFile(t, member, "child.sh", "echo child")

	for _, tc := range []struct {
		name   string
		client *apiClient
		want   int
	}{{"parent", parent, 1}, {"child", member, 1}} {
		if ids, _ := queryIDs(t, tc.client, pathPutFileQuery, nil); len(ids) != tc.want {
			t.Errorf("%s sees put-files %v, want %d", tc.name, ids, tc.want)
		}
	}
	batchID, _ := initBatch(t, member, "lnx-web-01")
	runContentSteps(t, member, batchID, aidOf(t, srv, "lnx-web-01"), []contentStep{
		{name: "child's put-file", path: pathBatchAdmin, command: "put child.sh", wantBase: "DOWNLOAD_RENAME"},
		{name: "parent's put-file", path: pathBatchAdmin, command: "put parent.sh",
			wantCode: 40408, wantMsg: "Put file not found by name"},
	})
}
