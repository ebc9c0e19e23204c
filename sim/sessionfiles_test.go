package sim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func init() {
	// The v2 file list sends deleted_at null for a file that is not
	// deleted, as the v1 list and the batch get status do.
	nullableProperties = append(nullableProperties, nullableProperty{definition: "domain.FileV2",
		property: "deleted_at", reason: "the emulator sends deleted_at null for files that are not " +
			"deleted, as captured model.File records show; the reference types it as a date-time string"})
}

type wireFileV2 struct {
	ID             string   `json:"id"`
	CloudRequestID string   `json:"cloud_request_id"`
	SessionID      string   `json:"session_id"`
	Name           string   `json:"name"`
	SHA256         string   `json:"sha256"`
	Size           *int64   `json:"size"`
	Complete       *bool    `json:"complete"`
	Progress       *float64 `json:"progress"`
	Stage          *string  `json:"stage"`
	Status         *string  `json:"status"`
	ErrorMessage   *string  `json:"error_message"`
	CreatedAt      string   `json:"created_at"`
}

type wireFilesV1 struct {
	Resources []wireFile  `json:"resources"`
	Errors    []wireError `json:"errors"`
}

type wireFilesV2 struct {
	Resources []wireFileV2 `json:"resources"`
	Errors    []wireError  `json:"errors"`
}

func TestSessionFileList(t *testing.T) {
	const delay = 300 * time.Millisecond
	srv := startServer(t, "demo", Options{UploadDelay: delay})
	c := newClient(t, srv)
	batchID, init := initBatch(t, c, "WIN-HR-02")
	aid := aidOf(t, srv, "WIN-HR-02")
	sessionID := init.Resources[aid].SessionID
	var post wireBatchCommand
	c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil,
		map[string]any{"batch_id": batchID, "file_path": `C:\Windows\System32\drivers\etc\hosts`}, &post)
	posted := time.Now()
	taskID := post.Combined.Resources[aid].TaskID
	query := url.Values{"session_id": {sessionID}}

	var early1 wireFilesV1
	var early2 wireFilesV2
	c.expect(http.StatusOK, http.MethodGet, pathFilesV1, query, nil, &early1)
	c.expect(http.StatusOK, http.MethodGet, pathFilesV2, query, nil, &early2)
	if time.Since(posted) < delay {
		if len(early1.Resources) != 0 {
			t.Errorf("v1 before the upload finished lists %+v, want nothing", early1.Resources)
		}
		if len(early2.Resources) != 1 || *early2.Resources[0].Complete || *early2.Resources[0].Progress >= 1 {
			t.Errorf("v2 before the upload finished = %+v, want one incomplete entry", early2.Resources)
		}
	}

	time.Sleep(delay - time.Since(posted) + 50*time.Millisecond)
	var v1 wireFilesV1
	var v2 wireFilesV2
	c.expect(http.StatusOK, http.MethodGet, pathFilesV1, query, nil, &v1)
	c.expect(http.StatusOK, http.MethodGet, pathFilesV2, query, nil, &v2)
	if len(v1.Resources) != 1 || len(v2.Resources) != 1 {
		t.Fatalf("after the upload: v1 %+v v2 %+v, want one file each", v1.Resources, v2.Resources)
	}
	f1, f2 := v1.Resources[0], v2.Resources[0]
	if f1.CloudRequestID != taskID || f2.CloudRequestID != taskID || f1.SessionID != sessionID {
		t.Errorf("cloud_request_id %q / %q session %q, want the get's task_id %q and session %q",
			f1.CloudRequestID, f2.CloudRequestID, f1.SessionID, taskID, sessionID)
	}
	if f2.ID != strconv.FormatInt(f1.ID, 10) || f1.SHA256 != f2.SHA256 || !strings.HasSuffix(f2.Name, `\Windows\System32\drivers\etc\hosts`) {
		t.Errorf("v1 %+v and v2 %+v do not describe the same file", f1, f2)
	}
	if !*f2.Complete || *f2.Progress != 1 || f2.Stage == nil || f2.Status == nil || f2.ErrorMessage == nil ||
		f2.Size == nil || *f2.Size == 0 {
		t.Errorf("v2 after the upload = %+v, want complete, progress 1, stage, status, error_message and size", f2)
	}

	for _, bad := range []struct {
		name   string
		path   string
		query  url.Values
		status int
	}{
		{"v1 without session", pathFilesV1, nil, http.StatusBadRequest},
		{"v2 unknown session", pathFilesV2, url.Values{"session_id": {newUUID()}}, http.StatusNotFound},
	} {
		t.Run(bad.name, func(t *testing.T) {
			c.expect(bad.status, http.MethodGet, bad.path, bad.query, nil, nil)
		})
	}
}

func TestSessionFileDelete(t *testing.T) {
	srv := startServer(t, "demo", Options{UploadDelay: time.Millisecond})
	c := newClient(t, srv)
	batchID, init := initBatch(t, c, "lnx-web-01")
	aid := aidOf(t, srv, "lnx-web-01")
	sessionID := init.Resources[aid].SessionID
	var sums []string
	for _, path := range []string{"/etc/hosts", "/etc/passwd"} {
		c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil,
			map[string]any{"batch_id": batchID, "file_path": path}, nil)
		sums = append(sums, hostNamed(t, srv.Fleet(), "lnx-web-01").Get(nil, path).SHA256)
	}
	time.Sleep(20 * time.Millisecond)
	var v2 wireFilesV2
	c.expect(http.StatusOK, http.MethodGet, pathFilesV2, url.Values{"session_id": {sessionID}}, nil, &v2)
	if len(v2.Resources) != 2 {
		t.Fatalf("files = %+v, want two", v2.Resources)
	}
	first, second := v2.Resources[0].ID, v2.Resources[1].ID

	tests := []struct {
		name   string
		path   string
		query  url.Values
		status int
	}{
		{"two ids", pathFilesV1, url.Values{"session_id": {sessionID}, "ids": {first, second}}, http.StatusBadRequest},
		{"comma list", pathFilesV2, url.Values{"session_id": {sessionID}, "ids": {first + "," + second}}, http.StatusBadRequest},
		{"no session", pathFilesV2, url.Values{"ids": {first}}, http.StatusBadRequest},
		{"unknown session", pathFilesV2, url.Values{"session_id": {newUUID()}, "ids": {first}}, http.StatusNotFound},
		{"unknown file", pathFilesV2, url.Values{"session_id": {sessionID}, "ids": {"999"}}, http.StatusNotFound},
		{"v1 deletes", pathFilesV1, url.Values{"session_id": {sessionID}, "ids": {first}}, http.StatusNoContent},
		{"already deleted", pathFilesV2, url.Values{"session_id": {sessionID}, "ids": {first}}, http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.expect(tc.status, http.MethodDelete, tc.path, tc.query, nil, nil)
		})
	}

	var left wireFilesV1
	c.expect(http.StatusOK, http.MethodGet, pathFilesV1, url.Values{"session_id": {sessionID}}, nil, &left)
	if len(left.Resources) != 1 || strconv.FormatInt(left.Resources[0].ID, 10) != second {
		t.Errorf("files after deleting %s = %+v, want only %s", first, left.Resources, second)
	}
	c.expect(http.StatusNotFound, http.MethodGet, pathExtractedFile,
		url.Values{"session_id": {sessionID}, "sha256": {sums[0]}}, nil, nil)
	status, _, _ := c.do(http.MethodGet, pathExtractedFile, url.Values{"session_id": {sessionID}, "sha256": {sums[1]}}, nil)
	if status != http.StatusOK {
		t.Errorf("download of the file that was kept: status %d, want 200", status)
	}
}
