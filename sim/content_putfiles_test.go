package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var objectIDPattern = regexp.MustCompile(`^[0-9a-f]{32}_[0-9a-f]{32}$`)

func TestPutFileLifecycle(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	const content = "MZ\x00\x01tool"

	var created wireWrites
	c.expectForm(http.StatusOK, http.MethodPost, pathPutFilesV1, &created,
		filePart("tool.exe", content), field("description", "triage tool"),
		field("comments_for_audit_log", "ticket 12"))
	if created.Meta.Writes == nil || created.Meta.Writes.ResourcesAffected != 1 {
		t.Errorf("v1 create meta.writes = %+v, want resources_affected 1", created.Meta.Writes)
	}
	if created.Meta.PoweredBy != poweredByEmpower || len(created.Resources) != 0 {
		t.Errorf("v1 create powered_by %q with %d records, want %q and none",
			created.Meta.PoweredBy, len(created.Resources), poweredByEmpower)
	}

	ids, total := queryIDs(t, c, pathPutFileQuery, nil)
	if len(ids) != 1 || total != 1 || !objectIDPattern.MatchString(ids[0]) {
		t.Fatalf("query ids %v total %d, want one id of the form <32 hex>_<32 hex>", ids, total)
	}
	id := ids[0]
	sum := sha256.Sum256([]byte(content))
	for _, path := range []string{pathPutFilesV1, pathPutFilesV2} {
		var got wireEntities
		c.expect(http.StatusOK, http.MethodGet, path, url.Values{"ids": {id}}, nil, &got)
		if len(got.Resources) != 1 {
			t.Fatalf("GET %s: %d records, want 1", path, len(got.Resources))
		}
		e := got.Resources[0]
		if e.ID != id || e.Name != "tool.exe" || e.Description != "triage tool" || e.CommentsForAuditLog != "ticket 12" {
			t.Errorf("GET %s record %+v, want id, name, description and comment as created", path, e)
		}
		if e.CreatedBy != srv.apiUserID() || e.CreatedByUUID != userUUID(srv.apiUserID()) {
			t.Errorf("GET %s created_by %q (%s), want the API user %q", path, e.CreatedBy, e.CreatedByUUID, srv.apiUserID())
		}
		if e.SHA256 != hex.EncodeToString(sum[:]) || e.Size == nil || *e.Size != int64(len(content)) {
			t.Errorf("GET %s sha256 %s size %v, want the content's", path, e.SHA256, e.Size)
		}
		if e.Content != nil || e.RunAttemptCount == nil || e.RunSuccessCount == nil || e.FileType != fileTypePutFile {
			t.Errorf("GET %s: content %v, run counts %v/%v, file_type %q; want no content, counts, %q",
				path, e.Content, e.RunAttemptCount, e.RunSuccessCount, e.FileType, fileTypePutFile)
		}
		if v2 := path == pathPutFilesV2; v2 != (e.ShareWithWorkflow != nil && e.WorkflowIsDisruptive != nil) {
			t.Errorf("GET %s: workflow fields present = %v, want %v", path, !v2, v2)
		}
	}

	checkPutFileContents(t, c, id, content)

	var deleted wireWrites
	c.expect(http.StatusOK, http.MethodDelete, pathPutFilesV1, url.Values{"ids": {id}}, nil, &deleted)
	if deleted.Meta.Writes == nil || deleted.Meta.Writes.ResourcesAffected != 1 {
		t.Errorf("delete meta.writes = %+v, want resources_affected 1", deleted.Meta.Writes)
	}
	c.expect(http.StatusNotFound, http.MethodGet, pathPutFilesV1, url.Values{"ids": {id}}, nil, nil)
	c.expect(http.StatusNotFound, http.MethodDelete, pathPutFilesV1, url.Values{"ids": {id}}, nil, nil)
	if ids, total := queryIDs(t, c, pathPutFileQuery, nil); len(ids) != 0 || total != 0 {
		t.Errorf("query after delete: ids %v total %d, want none", ids, total)
	}
}

// checkPutFileContents fetches the put-file's bytes as a JSON array and as
// a raw body.
func checkPutFileContents(t *testing.T, c *apiClient, id, want string) {
	t.Helper()
	tests := []struct {
		accept   string
		wantType string
	}{
		{"application/json, application/octet-stream", "application/json"},
		{"application/octet-stream", "application/octet-stream"},
		{"*/*", "application/octet-stream"},
	}
	for _, tc := range tests {
		req, err := http.NewRequest(http.MethodGet, c.srv.URL()+pathPutFileContents+"?id="+id, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Accept", tc.accept)
		status, body, header := c.send(req)
		if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), tc.wantType) {
			t.Fatalf("contents with Accept %q: status %d type %q, want 200 %s", tc.accept, status,
				header.Get("Content-Type"), tc.wantType)
		}
		got := string(body)
		if tc.wantType == "application/json" {
			var values []int
			decodeJSON(t, body, &values)
			raw := make([]byte, len(values))
			for i, v := range values {
				raw[i] = byte(v)
			}
			got = string(raw)
		}
		if got != want {
			t.Errorf("contents with Accept %q = %q, want %q", tc.accept, got, want)
		}
	}
	c.expect(http.StatusNotFound, http.MethodGet, pathPutFileContents, url.Values{"id": {"nope"}}, nil, nil)
	c.expect(http.StatusBadRequest, http.MethodGet, pathPutFileContents, nil, nil, nil)
}

func TestPutFileCreateRejects(t *testing.T) {
	longName := strings.Repeat("é", maxNameChars+1)
	tests := []struct {
		name    string
		parts   []formPart
		wantMsg string
	}{
		{"no file", []formPart{field("description", "d"), field("name", "x.exe")}, "file is required"},
		{"no description", []formPart{filePart("x.exe", "x")}, "description is required"},
		{"name too long", []formPart{filePart("x.exe", "x"), field("description", "d"), field("name", longName)},
			"name is 32767 characters long"},
		{"comment too long", []formPart{filePart("x.exe", "x"), field("description", "d"),
			field("comments_for_audit_log", strings.Repeat("c", maxCommentChars+1))}, "comments_for_audit_log is 4097"},
		{"duplicate name", []formPart{filePart("dup.exe", "y"), field("description", "d")}, `named "dup.exe" already exists`},
	}
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	createPutFile(t, c, "dup.exe", "x")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := c.sendForm(http.MethodPost, pathPutFilesV1, tc.parts...)
			var resp wireErrors
			decodeJSON(t, body, &resp)
			if status != http.StatusBadRequest || len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, tc.wantMsg) {
				t.Errorf("status %d errors %+v, want 400 with %q", status, resp.Errors, tc.wantMsg)
			}
		})
	}
	t.Run("not multipart", func(t *testing.T) {
		c.expect(http.StatusBadRequest, http.MethodPost, pathPutFilesV1, nil, map[string]string{"description": "d"}, nil)
	})
	t.Run("longest name", func(t *testing.T) {
		name := strings.Repeat("n", maxNameChars)
		var resp wireWrites
		c.expectForm(http.StatusOK, http.MethodPost, pathPutFilesV2, &resp,
			filePart("x.exe", "x"), field("description", "d"), field("name", name))
		if len(resp.Resources) != 1 || resp.Resources[0].Name != name {
			t.Errorf("create with a %d-character name: %d records", maxNameChars, len(resp.Resources))
		}
	})
}

func TestLibraryDeleteTakesOneID(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	a, b := createPutFile(t, c, "a.exe", "a"), createPutFile(t, c, "b.exe", "b")
	s := createScript(t, c, "s1", "Write-Output 1", "public")
	tests := []struct {
		name       string
		path       string
		query      url.Values
		wantStatus int
	}{
		{"two ids", pathPutFilesV1, url.Values{"ids": {a.ID, b.ID}}, http.StatusBadRequest},
		{"comma list", pathPutFilesV1, url.Values{"ids": {a.ID + "," + b.ID}}, http.StatusBadRequest},
		{"no id", pathPutFilesV1, nil, http.StatusBadRequest},
		{"unknown id", pathPutFilesV1, url.Values{"ids": {strings.Repeat("0", 32) + "_" + strings.Repeat("1", 32)}}, http.StatusNotFound},
		{"script id at put-files", pathPutFilesV1, url.Values{"ids": {s.ID}}, http.StatusNotFound},
		{"put-file id at scripts", pathScriptsV1, url.Values{"ids": {a.ID}}, http.StatusNotFound},
		{"two script ids", pathScriptsV1, url.Values{"ids": {s.ID, s.ID}}, http.StatusBadRequest},
		{"script", pathScriptsV1, url.Values{"ids": {s.ID}}, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.expect(tc.wantStatus, http.MethodDelete, tc.path, tc.query, nil, nil)
		})
	}
	if ids, _ := queryIDs(t, c, pathPutFileQuery, nil); len(ids) != 2 {
		t.Errorf("put-files after rejected deletes: %v, want both", ids)
	}
}

func TestLibraryGetByIDs(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	a := createPutFile(t, c, "a.exe", "a")
	unknown := strings.Repeat("a", 32) + "_" + strings.Repeat("b", 32)

	var both wireEntities
	status, body, _ := c.do(http.MethodGet, pathPutFilesV2, url.Values{"ids": {a.ID, unknown}}, nil)
	decodeJSON(t, body, &both)
	if status != http.StatusNotFound || len(both.Resources) != 1 || len(both.Errors) != 1 ||
		!strings.Contains(both.Errors[0].Message, unknown) {
		t.Errorf("GET a known and an unknown id: status %d, %d records, errors %+v; want 404, 1 record, 1 error naming the id",
			status, len(both.Resources), both.Errors)
	}
	c.expect(http.StatusBadRequest, http.MethodGet, pathPutFilesV1, nil, nil, nil)
}

func TestContentFormLimits(t *testing.T) {
	tests := []struct {
		name    string
		parts   []formPart
		wantErr string
	}{
		{"file at the limit", []formPart{filePart("a.bin", "12345678")}, ""},
		{"file over the limit", []formPart{filePart("a.bin", "123456789")}, `multipart field "file" is larger than 8 bytes`},
		{"content over the limit", []formPart{field("content", "123456789")}, `multipart field "content" is larger than 8 bytes`},
		{"long text field", []formPart{field("description", strings.Repeat("d", maxFieldBytes+1))},
			`multipart field "description" is larger than`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, contentType := multipartBody(t, tc.parts...)
			req := httptest.NewRequest(http.MethodPost, pathPutFilesV1, body)
			req.Header.Set("Content-Type", contentType)
			_, err := readContentFormLimit(req, 8)
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("readContentFormLimit error = %v, want %q", err, tc.wantErr)
			}
		})
	}
	req := httptest.NewRequest(http.MethodPost, pathPutFilesV1, strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	if _, err := readContentForm(req); err == nil || !strings.Contains(err.Error(), "multipart/form-data") {
		t.Errorf("JSON body: error %v, want one naming multipart/form-data", err)
	}
}
