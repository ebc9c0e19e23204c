package rtr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// The RTR admin library holds put-files, which the put and put-and-run
// commands drop on hosts, and custom scripts, which runscript -CloudFile
// runs. Both have the same record. Every library call needs the API scope
// real-time-response-admin:write.

// Limits of the library's text fields, from the API reference.
const (
	maxLibraryNameChars    = 32766
	maxLibraryCommentChars = 4096
)

// Platform is an operating system as RTR names it in sessions and
// scripts.
type Platform string

// The RTR platforms.
const (
	PlatformWindows Platform = "windows"
	PlatformLinux   Platform = "linux"
	PlatformMac     Platform = "mac"
)

// ScriptPermission is the set of users that may run a custom script
// (permission_type).
type ScriptPermission string

// The script permissions.
const (
	// PermissionPrivate lets only the script's author run it.
	PermissionPrivate ScriptPermission = "private"
	// PermissionGroup lets every RTR administrator run it.
	PermissionGroup ScriptPermission = "group"
	// PermissionPublic lets active responders run it too.
	PermissionPublic ScriptPermission = "public"
)

// LibraryFile is the record of a put-file or custom script
// (empowerapi.RemoteCommandPutFileV1 and V2).
type LibraryFile struct {
	// ID is the object's id: 32 hex digits, an underscore, 32 hex digits.
	ID string
	// Name is the name that put, put-and-run and runscript -CloudFile
	// take. Names are case-sensitive.
	Name string
	// Description and CommentsForAuditLog are the texts stored with it.
	Description         string
	CommentsForAuditLog string
	// Content is a script's text; put-file records leave it empty, and
	// PutFileContents returns their bytes.
	Content string
	// SHA256 is the hex SHA-256 of the content and Size its length in
	// bytes.
	SHA256 string
	Size   int64
	// FileType is Falcon's kind of the object (file_type).
	FileType string
	// PermissionType and Platforms are set for scripts.
	PermissionType ScriptPermission
	Platforms      []Platform
	// CreatedBy and ModifiedBy name the users, CreatedByUUID and
	// ModifiedByUUID identify them, and CreatedAt and ModifiedAt are the
	// created_timestamp and modified_timestamp.
	CreatedBy      string
	CreatedByUUID  string
	CreatedAt      time.Time
	ModifiedBy     string
	ModifiedByUUID string
	ModifiedAt     time.Time
	// RunAttemptCount and RunSuccessCount count the times hosts received
	// the object.
	RunAttemptCount int
	RunSuccessCount int
	// WriteAccess reports whether the caller may change the object.
	WriteAccess bool
	// ShareWithWorkflow and WorkflowIsDisruptive are set only by the v2
	// calls.
	ShareWithWorkflow    bool
	WorkflowIsDisruptive bool
}

type wireLibraryFile struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name"`
	Description          string           `json:"description"`
	CommentsForAuditLog  string           `json:"comments_for_audit_log"`
	Content              string           `json:"content"`
	SHA256               string           `json:"sha256"`
	Size                 int64            `json:"size"`
	FileType             string           `json:"file_type"`
	PermissionType       ScriptPermission `json:"permission_type"`
	Platform             []Platform       `json:"platform"`
	CreatedBy            string           `json:"created_by"`
	CreatedByUUID        string           `json:"created_by_uuid"`
	CreatedTimestamp     apiTime          `json:"created_timestamp"`
	ModifiedBy           string           `json:"modified_by"`
	ModifiedByUUID       string           `json:"modified_by_uuid"`
	ModifiedTimestamp    apiTime          `json:"modified_timestamp"`
	RunAttemptCount      int              `json:"run_attempt_count"`
	RunSuccessCount      int              `json:"run_success_count"`
	WriteAccess          bool             `json:"write_access"`
	ShareWithWorkflow    bool             `json:"share_with_workflow"`
	WorkflowIsDisruptive bool             `json:"workflow_is_disruptive"`
}

func (w wireLibraryFile) libraryFile() LibraryFile {
	return LibraryFile{
		ID: w.ID, Name: w.Name, Description: w.Description,
		CommentsForAuditLog: w.CommentsForAuditLog, Content: w.Content,
		SHA256: w.SHA256, Size: w.Size, FileType: w.FileType,
		PermissionType: w.PermissionType, Platforms: w.Platform,
		CreatedBy: w.CreatedBy, CreatedByUUID: w.CreatedByUUID,
		CreatedAt:  time.Time(w.CreatedTimestamp),
		ModifiedBy: w.ModifiedBy, ModifiedByUUID: w.ModifiedByUUID,
		ModifiedAt:      time.Time(w.ModifiedTimestamp),
		RunAttemptCount: w.RunAttemptCount, RunSuccessCount: w.RunSuccessCount,
		WriteAccess: w.WriteAccess, ShareWithWorkflow: w.ShareWithWorkflow,
		WorkflowIsDisruptive: w.WorkflowIsDisruptive,
	}
}

// checkLibraryText checks the name, description and comment of a library
// write against the API's limits. A nil pointer is a field left out.
func checkLibraryText(name, description, comments *string) error {
	if name != nil {
		switch n := utf8.RuneCountInString(*name); {
		case strings.TrimSpace(*name) == "":
			return errors.New("empty name")
		case n > maxLibraryNameChars:
			return fmt.Errorf("name is %d characters long; the limit is %d", n, maxLibraryNameChars)
		case strings.ContainsAny(*name, "\x00\r\n"):
			return fmt.Errorf("name %q contains a NUL or line break", *name)
		}
	}
	if description != nil && strings.TrimSpace(*description) == "" {
		return errors.New("empty description; Falcon requires one")
	}
	if comments != nil {
		if n := utf8.RuneCountInString(*comments); n > maxLibraryCommentChars {
			return fmt.Errorf("comments for the audit log are %d characters long; the limit is %d",
				n, maxLibraryCommentChars)
		}
	}
	return nil
}

// checkContent checks a file to upload.
func checkContent(content io.ReaderAt, size int64) error {
	switch {
	case content == nil:
		return errors.New("no content to upload")
	case size < 0:
		return fmt.Errorf("negative content size %d", size)
	}
	return nil
}

// libraryWrite sends a multipart create or update and returns the record
// that the v2 calls return, or nil for the v1 calls, which return only
// meta.writes.
func (c *Client) libraryWrite(ctx context.Context, r *request, form *multipartForm, v2 bool) (*LibraryFile, error) {
	upload, err := form.body()
	if err != nil {
		return nil, err
	}
	r.upload = upload
	var out struct {
		envelope
		Resources []wireLibraryFile `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, err
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	if !v2 {
		return nil, nil
	}
	if len(out.Resources) == 0 {
		return nil, fmt.Errorf("%s %s: HTTP %d without the record written (trace id %s)",
			r.method, r.path, resp.StatusCode, resp.Header.Get(headerTraceID))
	}
	f := out.Resources[0].libraryFile()
	return &f, nil
}

// getLibraryFiles returns the records of ids from a library GET call, in
// chunks of Limits.LibraryDetails. Unknown ids are absent from the
// result.
func (c *Client) getLibraryFiles(ctx context.Context, path string, ids []string) ([]LibraryFile, error) {
	if err := objectIDForm.checkAll("ids", ids); err != nil {
		return nil, err
	}
	// Unknown ids get 404 entries in errors next to the records.
	wires, err := fetchEntities[wireLibraryFile](ctx, c, ids, c.limits.LibraryDetails, idsInQuery(path))
	if err != nil {
		return nil, err
	}
	files := make([]LibraryFile, 0, len(wires))
	for _, w := range wires {
		files = append(files, w.libraryFile())
	}
	return files, nil
}

// deleteLibraryFile deletes one put-file or script. The API deletes one id
// per call. The request is repeated after a connection failure, so a
// delete that took effect before the connection dropped ends in a 404.
func (c *Client) deleteLibraryFile(ctx context.Context, path, id string) error {
	if err := objectIDForm.check("id", id); err != nil {
		return err
	}
	r := &request{
		method: http.MethodDelete, path: path, query: url.Values{"ids": {id}},
		ok: []int{http.StatusOK, http.StatusNoContent}, repeatable: true,
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	drain(resp.Body)
	return nil
}

// queryLibraryIDs returns one page of a library id query.
func (c *Client) queryLibraryIDs(ctx context.Context, path string, q ListQuery, maxLimit int, sortFields []string) ([]string, Page, error) {
	query, err := q.values(maxLimit, sortFields)
	if err != nil {
		return nil, Page{}, err
	}
	r := &request{
		method: http.MethodGet, path: path, query: query,
		ok: []int{http.StatusOK}, repeatable: true,
	}
	var out struct {
		envelope
		Resources []string `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, Page{}, err
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	return out.Resources, out.Meta.Pagination.page(), nil
}
