package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/bodgit/sevenzip"
)

type wireFile struct {
	ID             int64   `json:"id"`
	CloudRequestID string  `json:"cloud_request_id"`
	SessionID      string  `json:"session_id"`
	Name           string  `json:"name"`
	SHA256         string  `json:"sha256"`
	Size           *int64  `json:"size"`
	CreatedAt      string  `json:"created_at"`
	DeletedAt      *string `json:"deleted_at"`
}

type wireGetStatus struct {
	Resources map[string]wireFile `json:"resources"`
	Errors    []wireError         `json:"errors"`
}

func TestBatchGetFlow(t *testing.T) {
	const delay = 400 * time.Millisecond
	srv := startServer(t, "demo", Options{UploadDelay: delay})
	c := newClient(t, srv)
	batchID, init := initBatch(t, c, "WIN-FIN-01", "WIN-HR-02")
	fin, hr := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "WIN-HR-02")
	const path = `C:\Windows\notepad.exe`

	var post wireBatchCommand
	c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil,
		map[string]any{"batch_id": batchID, "file_path": path, "optional_hosts": []string{}}, &post)
	posted := time.Now()
	if !isUUID(post.BatchGetCmdReqID) {
		t.Fatalf("batch_get_cmd_req_id = %q, want a UUID", post.BatchGetCmdReqID)
	}
	for _, aid := range []string{fin, hr} {
		host := post.Combined.Resources[aid]
		if !host.Complete || host.Stdout != path || host.BaseCommand != "get" || len(host.Errors) != 0 {
			t.Errorf("host %s get entry = %+v, want complete, stdout %q, base_command get, no errors", aid, host, path)
		}
	}
	statusQuery := url.Values{"batch_get_cmd_req_id": {post.BatchGetCmdReqID}}

	var early wireGetStatus
	c.expect(http.StatusOK, http.MethodGet, pathBatchGet, statusQuery, nil, &early)
	if time.Since(posted) < delay && len(early.Resources) != 0 {
		t.Errorf("status before UploadDelay lists %d files, want none", len(early.Resources))
	}
	want := hostNamed(t, srv.Fleet(), "WIN-FIN-01").Get(nil, path)
	finSession := init.Resources[fin].SessionID
	status, body, _ := c.do(http.MethodGet, pathExtractedFile,
		url.Values{"session_id": {finSession}, "sha256": {want.SHA256}}, nil)
	if time.Since(posted) < delay && status != http.StatusNotFound {
		t.Errorf("download before UploadDelay: status %d, want 404; body %.200s", status, body)
	}

	time.Sleep(delay - time.Since(posted) + 50*time.Millisecond)
	var ready wireGetStatus
	c.expect(http.StatusOK, http.MethodGet, pathBatchGet, statusQuery, nil, &ready)
	for _, aid := range []string{fin, hr} {
		file, listed := ready.Resources[aid]
		if !listed {
			t.Fatalf("status after UploadDelay lacks host %s: %+v", aid, ready.Resources)
		}
		if file.CloudRequestID != post.Combined.Resources[aid].TaskID {
			t.Errorf("host %s cloud_request_id = %q, want the POST's task_id %q",
				aid, file.CloudRequestID, post.Combined.Resources[aid].TaskID)
		}
		if file.SessionID != init.Resources[aid].SessionID {
			t.Errorf("host %s session_id = %q, want %q", aid, file.SessionID, init.Resources[aid].SessionID)
		}
		if file.Name != `\Device\HarddiskVolume2\Windows\notepad.exe` {
			t.Errorf("host %s name = %q, want the NT device path", aid, file.Name)
		}
		if file.SHA256 != want.SHA256 {
			t.Errorf("host %s sha256 = %q, want %q", aid, file.SHA256, want.SHA256)
		}
		if file.Size == nil || file.DeletedAt != nil || file.CreatedAt == "" {
			t.Errorf("host %s entry lacks size or created_at, or has deleted_at: %+v", aid, file)
		}
	}

	archive := download(t, c, finSession, want.SHA256, "notepad.exe")
	name, content := extractOnly(t, archive, "infected")
	if name != "notepad.exe" {
		t.Errorf("archived file name = %q, want notepad.exe", name)
	}
	if !bytes.Equal(content, want.Content) {
		t.Errorf("extracted %d bytes that differ from the fleet's %d-byte file", len(content), len(want.Content))
	}
	sum := sha256.Sum256(content)
	if got := hex.EncodeToString(sum[:]); got != want.SHA256 {
		t.Errorf("extracted file sha256 = %s, want %s", got, want.SHA256)
	}
	if _, _, err := tryExtract(archive, "wrong"); err == nil {
		t.Errorf("archive extracted with a wrong password")
	}

	log := srv.Commands()
	gets := 0
	for _, rec := range log {
		if rec.Endpoint == pathBatchGet && rec.BaseCommand == "get" && rec.CommandString == "get "+path {
			gets++
		}
	}
	if gets != 2 {
		t.Errorf("command log has %d get entries, want 2: %+v", gets, log)
	}
}

// download fetches an extracted file and checks the response headers.
func download(t *testing.T, c *apiClient, sessionID, sum, filename string) []byte {
	t.Helper()
	status, body, header := c.do(http.MethodGet, pathExtractedFile, url.Values{
		"session_id": {sessionID}, "sha256": {sum}, "filename": {filename},
	}, nil)
	if status != http.StatusOK {
		t.Fatalf("download: status %d, want 200; body %.300s", status, body)
	}
	if got := header.Get("Content-Type"); got != "application/x-7z-compressed" {
		t.Errorf("Content-Type = %q, want application/x-7z-compressed", got)
	}
	if got := header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length = %q, body has %d bytes", got, len(body))
	}
	return body
}

// extractOnly opens a 7z archive holding one file and returns its name and
// content.
func extractOnly(t *testing.T, archive []byte, password string) (string, []byte) {
	t.Helper()
	name, content, err := tryExtract(archive, password)
	if err != nil {
		t.Fatalf("extract archive: %v", err)
	}
	return name, content
}

func tryExtract(archive []byte, password string) (string, []byte, error) {
	r, err := sevenzip.NewReaderWithPassword(bytes.NewReader(archive), int64(len(archive)), password)
	if err != nil {
		return "", nil, err
	}
	if len(r.File) != 1 {
		return "", nil, io.ErrUnexpectedEOF
	}
	rc, err := r.File[0].Open()
	if err != nil {
		return "", nil, err
	}
	defer rc.Close()
	content, err := io.ReadAll(rc)
	return r.File[0].Name, content, err
}

func TestBatchGetMissingFile(t *testing.T) {
	srv := startServer(t, "demo", Options{UploadDelay: time.Millisecond})
	c := newClient(t, srv)
	batchID, _ := initBatch(t, c, "WIN-FIN-01")
	aid := aidOf(t, srv, "WIN-FIN-01")

	var post wireBatchCommand
	c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil,
		map[string]any{"batch_id": batchID, "file_path": `C:\no\such\file.txt`}, &post)
	host := post.Combined.Resources[aid]
	if host.Stderr == "" || host.Stdout != "" {
		t.Errorf("missing file: stdout %q, stderr %q; want only stderr", host.Stdout, host.Stderr)
	}
	time.Sleep(20 * time.Millisecond)
	var st wireGetStatus
	c.expect(http.StatusOK, http.MethodGet, pathBatchGet,
		url.Values{"batch_get_cmd_req_id": {post.BatchGetCmdReqID}}, nil, &st)
	if len(st.Resources) != 0 {
		t.Errorf("status lists %d files for a missing file, want none", len(st.Resources))
	}
}

func TestBatchGetStatusErrors(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	tests := []struct {
		name       string
		path       string
		query      url.Values
		wantStatus int
	}{
		{name: "status without request id", path: pathBatchGet, query: nil, wantStatus: http.StatusBadRequest},
		{name: "status of unknown request", path: pathBatchGet,
			query: url.Values{"batch_get_cmd_req_id": {newUUID()}}, wantStatus: http.StatusNotFound},
		{name: "download without sha256", path: pathExtractedFile,
			query: url.Values{"session_id": {newUUID()}}, wantStatus: http.StatusBadRequest},
		{name: "download of unknown file", path: pathExtractedFile,
			query: url.Values{"session_id": {newUUID()}, "sha256": {"00"}}, wantStatus: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, body, _ := c.do(http.MethodGet, tt.path, tt.query, nil)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			checkErrorEnvelope(t, body, tt.wantStatus, "")
		})
	}
}
