package sim

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// formPart is one part of a multipart/form-data request: a file part when
// fileName is set, else a text field.
type formPart struct {
	name, fileName, value string
}

func field(name, value string) formPart { return formPart{name: name, value: value} }

func filePart(fileName, content string) formPart {
	return formPart{name: "file", fileName: fileName, value: content}
}

// multipartBody encodes parts as a multipart/form-data body and returns
// it with its Content-Type.
func multipartBody(t *testing.T, parts ...formPart) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		var err error
		if p.fileName != "" {
			var fw io.Writer
			fw, err = mw.CreateFormFile(p.name, p.fileName)
			if err == nil {
				_, err = fw.Write([]byte(p.value))
			}
		} else {
			err = mw.WriteField(p.name, p.value)
		}
		if err != nil {
			t.Fatalf("build multipart field %s: %v", p.name, err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatalf("close multipart body: %v", err)
	}
	return &body, mw.FormDataContentType()
}

// sendForm sends parts as a multipart/form-data body and returns the
// status and body.
func (c *apiClient) sendForm(method, path string, parts ...formPart) (int, []byte) {
	c.t.Helper()
	body, contentType := multipartBody(c.t, parts...)
	req, err := http.NewRequest(method, c.srv.URL()+path, body)
	if err != nil {
		c.t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+c.token)
	status, data, _ := c.send(req)
	return status, data
}

// expectForm sends a multipart request, checks the status and decodes the
// body into out unless out is nil.
func (c *apiClient) expectForm(wantStatus int, method, path string, out any, parts ...formPart) {
	c.t.Helper()
	status, data := c.sendForm(method, path, parts...)
	if status != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, wantStatus, data)
	}
	if out != nil {
		decodeJSON(c.t, data, out)
	}
}

// wireLibEntity is a put-file or script record as a client reads it
// (empowerapi.RemoteCommandPutFileV1/V2).
type wireLibEntity struct {
	ID                   string   `json:"id"`
	Name                 string   `json:"name"`
	Description          string   `json:"description"`
	CommentsForAuditLog  string   `json:"comments_for_audit_log"`
	Content              *string  `json:"content"`
	CreatedBy            string   `json:"created_by"`
	CreatedByUUID        string   `json:"created_by_uuid"`
	CreatedTimestamp     string   `json:"created_timestamp"`
	ModifiedTimestamp    string   `json:"modified_timestamp"`
	FileType             string   `json:"file_type"`
	PermissionType       string   `json:"permission_type"`
	Platform             []string `json:"platform"`
	RunAttemptCount      *int     `json:"run_attempt_count"`
	RunSuccessCount      *int     `json:"run_success_count"`
	SHA256               string   `json:"sha256"`
	Size                 *int64   `json:"size"`
	ShareWithWorkflow    *bool    `json:"share_with_workflow"`
	WorkflowIsDisruptive *bool    `json:"workflow_is_disruptive"`
}

// wireWrites is the reply to a library write.
type wireWrites struct {
	Meta struct {
		PoweredBy string `json:"powered_by"`
		TraceID   string `json:"trace_id"`
		Writes    *struct {
			ResourcesAffected int `json:"resources_affected"`
		} `json:"writes"`
	} `json:"meta"`
	Resources []wireLibEntity `json:"resources"`
	Errors    []wireError     `json:"errors"`
}

type wireEntities struct {
	Resources []wireLibEntity `json:"resources"`
	Errors    []wireError     `json:"errors"`
}

type wireIDs struct {
	Meta      wireMeta    `json:"meta"`
	Resources []string    `json:"resources"`
	Errors    []wireError `json:"errors"`
}

// createPutFile uploads a put-file through v2 and returns its record.
func createPutFile(t *testing.T, c *apiClient, name, content string) wireLibEntity {
	t.Helper()
	var resp wireWrites
	c.expectForm(http.StatusOK, http.MethodPost, pathPutFilesV2, &resp,
		filePart(name, content), field("description", "test put-file "+name))
	if len(resp.Resources) != 1 {
		t.Fatalf("create put-file %s: %d records, want 1", name, len(resp.Resources))
	}
	return resp.Resources[0]
}

// createScript uploads a script through v2 with the content field and
// returns its record.
func createScript(t *testing.T, c *apiClient, name, content, permission string, platforms ...string) wireLibEntity {
	t.Helper()
	parts := []formPart{field("name", name), field("content", content),
		field("description", "test script "+name), field("permission_type", permission)}
	for _, p := range platforms {
		parts = append(parts, field("platform", p))
	}
	var resp wireWrites
	c.expectForm(http.StatusOK, http.MethodPost, pathScriptsV2, &resp, parts...)
	if len(resp.Resources) != 1 {
		t.Fatalf("create script %s: %d records, want 1", name, len(resp.Resources))
	}
	return resp.Resources[0]
}

// queryIDs runs an id query and returns the ids and the pagination total.
func queryIDs(t *testing.T, c *apiClient, path string, query url.Values) ([]string, int) {
	t.Helper()
	var resp wireIDs
	c.expect(http.StatusOK, http.MethodGet, path, query, nil, &resp)
	if resp.Meta.Pagination == nil {
		t.Fatalf("GET %s?%s: no meta.pagination", path, query.Encode())
	}
	return resp.Resources, resp.Meta.Pagination.Total
}

// namesOf maps ids back to names for readable failures.
func namesOf(ids []string, byID map[string]string) string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		names = append(names, byID[id])
	}
	return strings.Join(names, ",")
}
