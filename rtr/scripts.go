package rtr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

const (
	pathScriptsV1   = "/real-time-response/entities/scripts/v1"
	pathScriptsV2   = "/real-time-response/entities/scripts/v2"
	pathScriptQuery = "/real-time-response/queries/scripts/v1"
)

// ScriptRequest creates a custom script in the RTR admin library. The
// script's text is Content, sent as the content field, unless File is
// set, in which case File is uploaded as the file part.
type ScriptRequest struct {
	// Name is the script's name, which runscript -CloudFile takes.
	Name string
	// Description is required by Falcon.
	Description string
	// CommentsForAuditLog is stored in the audit log, at most 4096
	// characters. It is always sent, empty included.
	CommentsForAuditLog string
	// PermissionType sets who may run the script. Required.
	PermissionType ScriptPermission
	// Platforms are the platforms the script runs on, one platform field
	// each. Nil leaves Falcon's default, windows; an empty list is
	// rejected.
	Platforms []Platform
	// Content is the script's text. It is sent even when empty, unless
	// File is set.
	Content string
	// File, when set, is uploaded instead of Content: Size bytes read
	// from offset 0 for each attempt.
	File io.ReaderAt
	Size int64
}

// ScriptUpdate changes a custom script. Nil pointers and empty values
// leave a member unchanged; a pointer to an empty string sends the empty
// string. With Go 1.26, new("text") makes such a pointer.
type ScriptUpdate struct {
	// ID is the script's id. Required.
	ID string
	// Name, Description and CommentsForAuditLog replace the current
	// values when not nil.
	Name                *string
	Description         *string
	CommentsForAuditLog *string
	// PermissionType replaces the permission when not empty.
	PermissionType ScriptPermission
	// Platforms replaces the platforms when not nil; an empty non-nil
	// list is rejected.
	Platforms []Platform
	// Content replaces the script's text when not nil. File, when set,
	// replaces it with Size bytes read from File; set one at most.
	Content *string
	File    io.ReaderAt
	Size    int64
}

// checkScriptMembers checks the permission and platforms of a script
// write. required makes the permission mandatory.
func checkScriptMembers(perm ScriptPermission, platforms []Platform, required bool) error {
	switch perm {
	case PermissionPrivate, PermissionGroup, PermissionPublic:
	case "":
		if required {
			return errors.New("no permission type: use private, group or public")
		}
	default:
		return fmt.Errorf("invalid permission type %q: use private, group or public", perm)
	}
	if platforms != nil && len(platforms) == 0 {
		return errors.New("platforms is an empty list; pass nil to leave the platforms to Falcon")
	}
	seen := map[Platform]bool{}
	for _, p := range platforms {
		if p != PlatformWindows && p != PlatformLinux && p != PlatformMac {
			return fmt.Errorf("invalid platform %q: use windows, linux or mac", p)
		}
		if seen[p] {
			return fmt.Errorf("platform %s is listed twice", p)
		}
		seen[p] = true
	}
	return nil
}

// addScriptMembers adds the permission, platforms and text to form.
func addScriptMembers(form *multipartForm, perm ScriptPermission, platforms []Platform,
	content *string, file io.ReaderAt, size int64, name string) error {
	if perm != "" {
		form.add("permission_type", string(perm))
	}
	for _, p := range platforms {
		form.add("platform", string(p))
	}
	switch {
	case file != nil && content != nil:
		return errors.New("both Content and File are set; send the script one way")
	case file != nil:
		if err := checkContent(file, size); err != nil {
			return err
		}
		form.file = &formFile{field: "file", fileName: name, content: file, size: size}
	case content != nil:
		form.add("content", *content)
	}
	return nil
}

func (req ScriptRequest) form() (*multipartForm, error) {
	if err := checkLibraryText(&req.Name, &req.Description, &req.CommentsForAuditLog); err != nil {
		return nil, err
	}
	if err := checkScriptMembers(req.PermissionType, req.Platforms, true); err != nil {
		return nil, err
	}
	form := newMultipartForm()
	form.add("name", req.Name)
	form.add("description", req.Description)
	form.add("comments_for_audit_log", req.CommentsForAuditLog)
	content := &req.Content
	if req.File != nil {
		content = nil
	}
	return form, addScriptMembers(form, req.PermissionType, req.Platforms, content, req.File, req.Size, req.Name)
}

func (u ScriptUpdate) form() (*multipartForm, error) {
	if err := objectIDForm.check("id", u.ID); err != nil {
		return nil, err
	}
	if err := checkLibraryText(u.Name, u.Description, u.CommentsForAuditLog); err != nil {
		return nil, err
	}
	if err := checkScriptMembers(u.PermissionType, u.Platforms, false); err != nil {
		return nil, err
	}
	form := newMultipartForm()
	form.add("id", u.ID)
	fileName := u.ID
	for _, field := range []struct {
		name  string
		value *string
	}{{"name", u.Name}, {"description", u.Description}, {"comments_for_audit_log", u.CommentsForAuditLog}} {
		if field.value != nil {
			form.add(field.name, *field.value)
		}
	}
	if u.Name != nil {
		fileName = *u.Name
	}
	return form, addScriptMembers(form, u.PermissionType, u.Platforms, u.Content, u.File, u.Size, fileName)
}

// CreateScript creates a custom script through the v2 call and returns its
// record. A name that is taken gets an *APIError. The request is not sent
// again after a failure that leaves its outcome unknown (the error wraps
// ErrOutcomeUnknown), and QueryScriptIDs with the filter name:'<name>'
// shows whether the script was created.
func (c *Client) CreateScript(ctx context.Context, req ScriptRequest) (LibraryFile, error) {
	f, err := c.createScript(ctx, pathScriptsV2, req, true)
	if err != nil {
		return LibraryFile{}, err
	}
	return *f, nil
}

// CreateScriptV1 creates a custom script through the v1 call, which
// returns no record.
func (c *Client) CreateScriptV1(ctx context.Context, req ScriptRequest) error {
	_, err := c.createScript(ctx, pathScriptsV1, req, false)
	return err
}

func (c *Client) createScript(ctx context.Context, path string, req ScriptRequest, v2 bool) (*LibraryFile, error) {
	form, err := req.form()
	if err != nil {
		return nil, fmt.Errorf("create script %q: %w", req.Name, err)
	}
	r := &request{method: http.MethodPost, path: path, ok: []int{http.StatusOK, http.StatusCreated}}
	f, err := c.libraryWrite(ctx, r, form, v2)
	if err != nil {
		return nil, fmt.Errorf("create script %q: %w", req.Name, err)
	}
	return f, nil
}

// UpdateScript changes a custom script through the v2 call and returns
// the updated record. An update is sent again after a failure, because
// applying the same values twice leaves the same script.
func (c *Client) UpdateScript(ctx context.Context, u ScriptUpdate) (LibraryFile, error) {
	f, err := c.updateScript(ctx, pathScriptsV2, u, true)
	if err != nil {
		return LibraryFile{}, err
	}
	return *f, nil
}

// UpdateScriptV1 changes a custom script through the v1 call, which
// returns no record.
func (c *Client) UpdateScriptV1(ctx context.Context, u ScriptUpdate) error {
	_, err := c.updateScript(ctx, pathScriptsV1, u, false)
	return err
}

func (c *Client) updateScript(ctx context.Context, path string, u ScriptUpdate, v2 bool) (*LibraryFile, error) {
	form, err := u.form()
	if err != nil {
		return nil, fmt.Errorf("update script %s: %w", u.ID, err)
	}
	// The reference documents 200 for v1, and gofalcon accepts 202.
	r := &request{
		method: http.MethodPatch, path: path,
		ok: []int{http.StatusOK, http.StatusAccepted}, repeatable: true,
	}
	f, err := c.libraryWrite(ctx, r, form, v2)
	if err != nil {
		return nil, fmt.Errorf("update script %s: %w", u.ID, err)
	}
	return f, nil
}

// GetScripts returns the records of the custom scripts ids, with their
// text, through the v2 call. Unknown ids are absent from the result.
func (c *Client) GetScripts(ctx context.Context, ids []string) ([]LibraryFile, error) {
	files, err := c.getLibraryFiles(ctx, pathScriptsV2, ids)
	if err != nil {
		return nil, fmt.Errorf("get scripts: %w", err)
	}
	return files, nil
}

// GetScriptsV1 is GetScripts through the v1 call, whose records lack the
// workflow fields.
func (c *Client) GetScriptsV1(ctx context.Context, ids []string) ([]LibraryFile, error) {
	files, err := c.getLibraryFiles(ctx, pathScriptsV1, ids)
	if err != nil {
		return nil, fmt.Errorf("get scripts (v1): %w", err)
	}
	return files, nil
}

// DeleteScript deletes the custom script id. An id that names no script
// gets an *APIError with status 404.
func (c *Client) DeleteScript(ctx context.Context, id string) error {
	if err := c.deleteLibraryFile(ctx, pathScriptsV1, id); err != nil {
		return fmt.Errorf("delete script: %w", err)
	}
	return nil
}

// QueryScriptIDs returns one page of the ids of the custom scripts that
// match q.Filter, such as platform:'linux'. q.Limit may be at most
// Limits.LibraryQueryPage; AllPages reads every page.
func (c *Client) QueryScriptIDs(ctx context.Context, q ListQuery) ([]string, Page, error) {
	ids, page, err := c.queryLibraryIDs(ctx, pathScriptQuery, q, c.limits.LibraryQueryPage, nil)
	if err != nil {
		return nil, Page{}, fmt.Errorf("query scripts with filter %q: %w", q.Filter, err)
	}
	return ids, page, nil
}
