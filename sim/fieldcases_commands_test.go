package sim

import (
	"bytes"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// mixedBytes is the content of the encoding samples mixed.txt: UTF-8 text
// with an accent, a symbol and CJK, an embedded NUL, and bytes that are
// not UTF-8.
const mixedBytes = "café ® 日本語\nNUL:\x00:end\nbad:\xff\xfe:\xc3(\n"

// hostStep is one command sent to hostWin through a batch endpoint, with
// the per-host result expected.
type hostStep struct {
	name     string
	path     string
	command  string
	wantCode int    // 0: no error
	wantMsg  string // the error message, or with no error the stdout
}

// runHostSteps runs each step in batchID and checks hostWin's entry.
func runHostSteps(t *testing.T, c *apiClient, batchID string, steps []hostStep) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got := runBatch(t, c, st.path, batchID, st.command, nil)[hostWin]
			if st.wantCode != 0 {
				checkOneError(t, st.command, got.Errors, st.wantCode, st.wantMsg)
				return
			}
			if len(got.Errors) != 0 || !got.Complete {
				t.Fatalf("%s: errors %+v, complete %v; want no errors and complete", st.command, got.Errors, got.Complete)
			}
			if st.wantMsg != "" && got.Stdout != st.wantMsg {
				t.Errorf("%s: stdout %q, want %q", st.command, got.Stdout, st.wantMsg)
			}
		})
	}
}

// Each command tier has its own endpoint. A command above the endpoint's
// tier gets per-host error 40007 "Command not found". runscript -Raw or
// -HostPath sent to the active-responder endpoint gets 40014
// "Unrecognized flag found", but runscript -CloudFile runs there.
func TestCommandTierRouting(t *testing.T) {
	srv := startFieldServer(t, Options{})
	c := newClient(t, srv)
	createPutFile(t, c, "tool.exe", "MZ tool")
	createScript(t, c, "Collector", "Write-Output collected", "public", "windows")
	batchID, _ := openBatch(t, c, false, hostWin)
	const notFound = "Command not found"
	runHostSteps(t, c, batchID, []hostStep{
		{name: "raw script at active responder", path: pathBatchResponder,
			command: "runscript -Raw=```Write-Output hi```", wantCode: 40014, wantMsg: "Unrecognized flag found: Raw"},
		{name: "host path script at active responder", path: pathBatchResponder,
			command: `runscript -HostPath="C:\Temp\collect.ps1"`, wantCode: 40014, wantMsg: "Unrecognized flag found: HostPath"},
		{name: "put at read-only", path: pathBatchCommand, command: "put tool.exe", wantCode: 40007, wantMsg: notFound},
		{name: "put at active responder", path: pathBatchResponder, command: "put tool.exe",
			wantCode: 40007, wantMsg: notFound},
		{name: "run at active responder", path: pathBatchResponder, command: `run "C:\Windows\System32\wusa.exe"`,
			wantCode: 40007, wantMsg: notFound},
		{name: "put-and-run at active responder", path: pathBatchResponder, command: "put-and-run tool.exe",
			wantCode: 40007, wantMsg: notFound},
		{name: "rm at read-only", path: pathBatchCommand, command: `rm C:\Temp\mixed.txt`,
			wantCode: 40007, wantMsg: notFound},
		{name: "get at read-only", path: pathBatchCommand, command: `get C:\Temp\mixed.txt`,
			wantCode: 40007, wantMsg: notFound},
		{name: "cloud script at active responder", path: pathBatchResponder,
			command: `runscript -CloudFile="Collector"`, wantMsg: "collected\n"},
		{name: "raw script at admin", path: pathBatchAdmin, command: "runscript -Raw=```Write-Output hi```",
			wantMsg: "hi\n"},
	})
}

// RTR counts every word after the base command that is not a -Flag as a
// positional argument. runscript takes none, and run and put-and-run take
// one, so more gets per-host error 40012. put-and-run of a name that is no
// put-file gets 40408 before its arguments are counted. Arguments for the
// program belong in one -CommandLine value, quoted with triple backticks.
func TestPositionalArgumentsRejected(t *testing.T) {
	srv := startFieldServer(t, Options{})
	c := newClient(t, srv)
	createPutFile(t, c, "tool.exe", "MZ tool")
	batchID, _ := openBatch(t, c, false, hostWin)
	const started = "The process was successfully started"
	wusaArgs := `"C:\Temp\update 1.msu" /quiet /norestart`
	runHostSteps(t, c, batchID, []hostStep{
		{name: "runscript with positional arguments", path: pathBatchAdmin,
			command:  `runscript C:\Windows\System32\wusa.exe ` + wusaArgs,
			wantCode: 40012, wantMsg: "Max args is 0. 4 were provided"},
		{name: "run with positional arguments", path: pathBatchAdmin,
			command:  `run "C:\Windows\System32\wusa.exe" ` + wusaArgs,
			wantCode: 40012, wantMsg: "Max args is 1. 4 were provided"},
		{name: "run with a command line", path: pathBatchAdmin,
			command: `run "C:\Windows\System32\wusa.exe" -CommandLine=` + "```" + wusaArgs + "```", wantMsg: started},
		{name: "put-and-run of an unknown put-file", path: pathBatchAdmin,
			command: "put-and-run file.exe -CommandLine abcd", wantCode: 40408, wantMsg: "Put file not found by name"},
		{name: "put-and-run with a bare flag value", path: pathBatchAdmin,
			command: "put-and-run tool.exe -CommandLine abcd", wantCode: 40012, wantMsg: "Max args is 1. 2 were provided"},
		{name: "put-and-run with a command line", path: pathBatchAdmin,
			command: "put-and-run tool.exe -CommandLine=```-x 1```", wantMsg: started},
	})

	want := map[string]string{
		`C:\Windows\System32\wusa.exe`: `"C:\Windows\System32\wusa.exe" ` + wusaArgs,
		`C:\tool.exe`:                  `"C:\tool.exe" -x 1`,
	}
	got := map[string]string{}
	for _, h := range srv.Fleet().Snapshot().Hosts {
		if h.AID != hostWin {
			continue
		}
		for _, p := range h.Processes {
			if _, ok := want[p.Path]; ok {
				got[p.Path] = p.CommandLine
			}
		}
	}
	for path, line := range want {
		if got[path] != line {
			t.Errorf("process %s command line = %q, want %q", path, got[path], line)
		}
	}
}

// Command output is bytes that need not be UTF-8. The emulator encodes it
// as Go's encoding/json does: UTF-8 text as is, NUL as \u0000, and each
// byte that is not UTF-8 as U+FFFD. Output split into sequence_id chunks
// joins back to the same text, and get returns the file's bytes unchanged.
func TestStdoutEncoding(t *testing.T) {
	const utf16Sample = "\ufffd\ufffdZ\x00o\x00\ufffd\x00 \x00\ufffd\x00\r\x00\n\x00"
	wantMixed := "café ® 日本語\nNUL:\x00:end\nbad:\ufffd\ufffd:\ufffd(\n"
	srv := startFieldServer(t, Options{ChunkSize: 4, UploadDelay: time.Millisecond})
	c := newClient(t, srv)
	batchID, entries := openBatch(t, c, false, hostWin, hostLinux)

	tests := []struct {
		name, aid, command, want string
	}{
		{name: "Linux cat", aid: hostLinux, command: "cat /tmp/mixed.txt", want: wantMixed},
		{name: "Windows cat", aid: hostWin, command: `cat C:\Temp\mixed.txt`, want: wantMixed},
		{name: "Windows UTF-16 file", aid: hostWin, command: `cat C:\Temp\utf16.txt`, want: utf16Sample},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, data, _ := c.do(http.MethodPost, pathBatchCommand, nil, map[string]any{
				"base_command": "cat", "command_string": tt.command, "batch_id": batchID,
				"optional_hosts": []string{tt.aid},
			})
			if status != http.StatusCreated {
				t.Fatalf("status %d, want 201", status)
			}
			for _, escape := range []string{`\u0000`, `\ufffd`} {
				if !bytes.Contains(data, []byte(escape)) {
					t.Errorf("body lacks the escape %s: %.300s", escape, data)
				}
			}
			var resp wireBatchCommand
			decodeJSON(t, data, &resp)
			got := resp.Combined.Resources[tt.aid]
			if got.Stdout != tt.want {
				t.Errorf("stdout = %q, want %q", got.Stdout, tt.want)
			}
			joined := waitStatus(t, c, pathStatusCommand, got.TaskID)
			if joined.stdout != tt.want || joined.chunks < 2 {
				t.Errorf("status chunks joined = %q in %d chunks, want %q in several", joined.stdout, joined.chunks, tt.want)
			}
		})
	}
	t.Run("raw UTF-8 on the wire", func(t *testing.T) {
		_, data, _ := c.do(http.MethodPost, pathBatchCommand, nil, map[string]any{
			"base_command": "cat", "command_string": "cat /tmp/mixed.txt", "batch_id": batchID,
			"optional_hosts": []string{hostLinux},
		})
		if !bytes.Contains(data, []byte("café ® 日本語")) {
			t.Errorf("body does not carry the UTF-8 text unescaped: %.300s", data)
		}
	})

	t.Run("get keeps the bytes", func(t *testing.T) {
		var post wireBatchCommand
		c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil, map[string]any{
			"batch_id": batchID, "file_path": "/tmp/mixed.txt", "optional_hosts": []string{hostLinux},
		}, &post)
		time.Sleep(20 * time.Millisecond)
		var st wireGetStatus
		c.expect(http.StatusOK, http.MethodGet, pathBatchGet,
			url.Values{"batch_get_cmd_req_id": {post.BatchGetCmdReqID}}, nil, &st)
		file, ok := st.Resources[hostLinux]
		if !ok {
			t.Fatalf("get status lacks the Linux host: %+v", st.Resources)
		}
		archive := download(t, c, entries[hostLinux].SessionID, file.SHA256, "mixed.txt")
		if _, content := extractOnly(t, archive, "infected"); string(content) != mixedBytes {
			t.Errorf("extracted file = %q, want %q", content, mixedBytes)
		}
	})
}
