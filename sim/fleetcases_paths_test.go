package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// vendorLog is the file under a path with spaces on caseWin, and
// vendorLogContent its content in the fleet file.
const (
	vendorLog        = `C:\Program Files\Vendor App\logs\app 1.log`
	vendorLogContent = "2024-06-03 08:01:44 started\r\n2024-06-03 08:01:45 connected\r\n"
)

// filePaths returns the paths of every file and directory on host aid.
func filePaths(t *testing.T, srv *Server, aid string) []string {
	t.Helper()
	for _, h := range srv.Fleet().Snapshot().Hosts {
		if h.AID != aid {
			continue
		}
		var paths []string
		for _, f := range h.Files {
			paths = append(paths, f.Path)
		}
		return paths
	}
	t.Fatalf("fleet snapshot has no host %s", aid)
	return nil
}

// commandLines returns the command lines of host aid's processes named
// name.
func commandLines(srv *Server, aid, name string) []string {
	var lines []string
	for _, h := range srv.Fleet().Snapshot().Hosts {
		for _, p := range h.Processes {
			if h.AID == aid && p.Name == name {
				lines = append(lines, p.CommandLine)
			}
		}
	}
	return lines
}

// R17, get: a batch get's file_path is read like a command argument, so a
// path with spaces works quoted and keeps every backslash, and the archive
// contains the file's exact content. Unquoted, the path is four arguments.
func TestGetPathWithSpaces(t *testing.T) {
	srv := startCaseServer(t, Options{UploadDelay: time.Millisecond})
	c := newClient(t, srv)
	batchID, hosts := openBatch(t, c, false, caseWin)

	var unquoted wireBatchCommand
	c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil,
		map[string]any{"batch_id": batchID, "file_path": vendorLog}, &unquoted)
	checkOneError(t, "unquoted get", unquoted.Combined.Resources[caseWin].Errors, 40012, "Max args is 1. 4 were provided")

	var post wireBatchCommand
	c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil,
		map[string]any{"batch_id": batchID, "file_path": `"` + vendorLog + `"`}, &post)
	checkDone(t, "quoted get", post.Combined.Resources[caseWin], vendorLog, "")

	time.Sleep(20 * time.Millisecond)
	var status wireGetStatus
	c.expect(http.StatusOK, http.MethodGet, pathBatchGet,
		url.Values{"batch_get_cmd_req_id": {post.BatchGetCmdReqID}}, nil, &status)
	file, listed := status.Resources[caseWin]
	if !listed {
		t.Fatalf("batch get status lacks the host: %+v", status.Resources)
	}
	if want := `\Device\HarddiskVolume2\Program Files\Vendor App\logs\app 1.log`; file.Name != want {
		t.Errorf("uploaded file name = %q, want %q", file.Name, want)
	}
	sum := sha256.Sum256([]byte(vendorLogContent))
	if want := hex.EncodeToString(sum[:]); file.SHA256 != want {
		t.Errorf("uploaded sha256 = %s, want %s", file.SHA256, want)
	}

	archive := download(t, c, hosts[caseWin].SessionID, file.SHA256, "app 1.log")
	name, content := extractOnly(t, archive, archivePassword)
	if name != "app 1.log" {
		t.Errorf("archived name = %q, want %q", name, "app 1.log")
	}
	if string(content) != vendorLogContent {
		t.Errorf("archived content = %q, want %q", content, vendorLogContent)
	}
}

// R17, rm: rm of a path with spaces needs the path quoted. Unquoted it is
// four arguments and nothing is removed, and quoted the file is gone.
func TestRemovePathWithSpaces(t *testing.T) {
	srv := startCaseServer(t, Options{})
	c := newClient(t, srv)
	batchID, _ := openBatch(t, c, false, caseWin)

	unquoted := runBatch(t, c, pathBatchResponder, batchID, "rm "+vendorLog, nil)[caseWin]
	checkOneError(t, "unquoted rm", unquoted.Errors, 40012, "Max args is 1. 4 were provided")
	if !slices.Contains(filePaths(t, srv, caseWin), vendorLog) {
		t.Fatalf("unquoted rm removed %s", vendorLog)
	}

	quoted := runBatch(t, c, pathBatchResponder, batchID, `rm "`+vendorLog+`"`, nil)[caseWin]
	checkDone(t, "quoted rm", quoted, "", "")
	if slices.Contains(filePaths(t, srv, caseWin), vendorLog) {
		t.Errorf("quoted rm left %s in place", vendorLog)
	}
	again := runBatch(t, c, pathBatchResponder, batchID, `rm "`+vendorLog+`"`, nil)[caseWin]
	checkDone(t, "second rm", again, "", "Check your filename. Couldn't find '"+vendorLog+"'")
}

// R17, put: put-file names are case-sensitive. A playbook's tool.msi does
// not match the library's Tool.msi, and the exact name is placed.
func TestPutFileNameCase(t *testing.T) {
	srv := startCaseServer(t, Options{})
	c := newClient(t, srv)
	createPutFile(t, c, "Tool.msi", "MSI package")
	batchID, _ := openBatch(t, c, false, caseWin)

	wrong := runBatch(t, c, pathBatchAdmin, batchID, "put tool.msi", nil)[caseWin]
	checkOneError(t, "put tool.msi", wrong.Errors, 40408, "Put file not found by name")

	right := runBatch(t, c, pathBatchAdmin, batchID, "put Tool.msi", nil)[caseWin]
	checkDone(t, "put Tool.msi", right, "", "")
	if right.BaseCommand != "DOWNLOAD_RENAME" {
		t.Errorf("put base_command = %q, want DOWNLOAD_RENAME", right.BaseCommand)
	}
	paths := filePaths(t, srv, caseWin)
	if !slices.Contains(paths, `C:\Tool.msi`) {
		t.Errorf("put did not place C:\\Tool.msi")
	}
	if slices.Contains(paths, `C:\tool.msi`) {
		t.Errorf("put placed the playbook's name C:\\tool.msi")
	}
}

// R18, batch: a batch session keeps the working directory between
// commands, so cd, put and ls act in C:\Temp\Work.
func TestBatchSessionKeepsDirectory(t *testing.T) {
	srv := startCaseServer(t, Options{})
	c := newClient(t, srv)
	createPutFile(t, c, "tool.exe", "MZ tool")
	batchID, _ := openBatch(t, c, false, caseWin)

	cd := runBatch(t, c, pathBatchCommand, batchID, `cd C:\Temp\Work`, nil)[caseWin]
	checkDone(t, "cd", cd, `C:\Temp\Work`, "")
	put := runBatch(t, c, pathBatchAdmin, batchID, "put tool.exe", nil)[caseWin]
	checkDone(t, "put", put, "", "")

	ls := runBatch(t, c, pathBatchCommand, batchID, "ls", nil)[caseWin]
	if !strings.HasPrefix(ls.Stdout, "Directory listing for C:\\Temp\\Work -\n") {
		t.Errorf("ls stdout starts %.60q, want the listing of C:\\Temp\\Work", ls.Stdout)
	}
	if !strings.Contains(ls.Stdout, "\ntool.exe ") {
		t.Errorf("ls of C:\\Temp\\Work lacks tool.exe:\n%s", ls.Stdout)
	}
	paths := filePaths(t, srv, caseWin)
	if !slices.Contains(paths, `C:\Temp\Work\tool.exe`) {
		t.Errorf("put did not place tool.exe in C:\\Temp\\Work")
	}
	if slices.Contains(paths, `C:\tool.exe`) {
		t.Errorf("put placed tool.exe in C:\\ despite the batch session's cd")
	}
}

// R18, single host: a single-host session resets the working directory to
// the drive root before each command, so put after cd lands in C:\.
func TestSingleSessionResetsDirectory(t *testing.T) {
	srv := startCaseServer(t, Options{})
	c := newClient(t, srv)
	createPutFile(t, c, "tool.exe", "MZ tool")
	sessionID := initSingle(t, c, "WIN-CASE-01", false)

	cdID, _ := execute(t, c, pathStatusCommand, sessionID, `cd C:\Temp\Work`, false)
	if got := waitStatus(t, c, pathStatusCommand, cdID); got.stdout != `C:\Temp\Work` {
		t.Errorf("cd stdout = %q, want C:\\Temp\\Work", got.stdout)
	}
	putID, _ := execute(t, c, pathStatusAdmin, sessionID, "put tool.exe", false)
	put := waitStatus(t, c, pathStatusAdmin, putID)
	if put.stdout != "" {
		t.Errorf("put stdout %q, want none", put.stdout)
	}
	if put.stderr != "" {
		t.Errorf("put stderr %q, want none", put.stderr)
	}
	pwdID, _ := execute(t, c, pathStatusCommand, sessionID, "pwd", false)
	if got := waitStatus(t, c, pathStatusCommand, pwdID); got.stdout != `C:\` {
		t.Errorf("pwd stdout = %q, want C:\\", got.stdout)
	}
	paths := filePaths(t, srv, caseWin)
	if !slices.Contains(paths, `C:\tool.exe`) {
		t.Errorf("put did not place tool.exe in the drive root C:\\")
	}
	if slices.Contains(paths, `C:\Temp\Work\tool.exe`) {
		t.Errorf("put placed tool.exe in C:\\Temp\\Work, but a single-host session resets the directory")
	}
}

// R30: in a batch of two Windows hosts and one macOS host, a .cmd run with
// a double-quoted argument containing a space starts on both Windows
// hosts with the argument whole. The macOS host reports the Windows path
// as a missing file, and its own variant, sent to it alone through
// optional_hosts, starts with its quoted argument.
func TestMixedPlatformQuoting(t *testing.T) {
	srv := startCaseServer(t, Options{})
	c := newClient(t, srv)
	batchID, _ := openBatch(t, c, false, caseWin, caseWin2, caseMac)

	windows := "run C:\\Temp\\run.cmd -CommandLine=```\"C:\\Temp\\a b.txt\"```"
	got := runBatch(t, c, pathBatchAdmin, batchID, windows, nil)
	for _, aid := range []string{caseWin, caseWin2} {
		checkDone(t, "run.cmd on "+aid, got[aid], processStarted, "")
		want := []string{`"C:\Temp\run.cmd" "C:\Temp\a b.txt"`}
		if lines := commandLines(srv, aid, "run.cmd"); !slices.Equal(lines, want) {
			t.Errorf("run.cmd command lines on %s = %q, want %q", aid, lines, want)
		}
	}
	checkDone(t, "run.cmd on the mac", got[caseMac], "", "run: C:\\Temp\\run.cmd: No such file or directory\n")
	if lines := commandLines(srv, caseMac, "run.cmd"); len(lines) != 0 {
		t.Errorf("mac started run.cmd: %q", lines)
	}

	mac := "run /Users/Shared/run.sh -CommandLine=```\"/Users/Shared/a b.txt\"```"
	macOnly := runBatch(t, c, pathBatchAdmin, batchID, mac, nil, caseMac)
	if len(macOnly) != 1 {
		t.Errorf("mac-only command reached %d hosts, want 1", len(macOnly))
	}
	checkDone(t, "run.sh on the mac", macOnly[caseMac], processStarted, "")
	want := []string{`/Users/Shared/run.sh "/Users/Shared/a b.txt"`}
	if lines := commandLines(srv, caseMac, "run.sh"); !slices.Equal(lines, want) {
		t.Errorf("run.sh command lines = %q, want %q", lines, want)
	}

	windowsOnly := runBatch(t, c, pathBatchCommand, batchID, "ipconfig", nil)[caseMac]
	checkOneError(t, "ipconfig on the mac", windowsOnly.Errors, 40007, "Command not found")
}

// processStarted is run's stdout once the program has started.
const processStarted = "The process was successfully started"
