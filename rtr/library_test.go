package rtr

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rtrplay/rtrplay/sim"
)

func TestSimPutFiles(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	content := bytes.Repeat([]byte("MZ rtrplay put-file\x00\xff"), 5000)
	sum := sha256.Sum256(content)

	created, err := c.CreatePutFile(ctx, PutFileRequest{Name: "Tool.exe", Description: "triage tool",
		Content: bytes.NewReader(content), Size: int64(len(content))})
	if err != nil {
		t.Fatalf("CreatePutFile: %v", err)
	}
	if !objectIDPattern.MatchString(created.ID) || created.Name != "Tool.exe" ||
		created.SHA256 != hex.EncodeToString(sum[:]) || created.Size != int64(len(content)) {
		t.Fatalf("created = %+v, want an object id, the name, the content's sha256 and size", created)
	}
	if err := c.CreatePutFileV1(ctx, PutFileRequest{Name: "notes.txt", Description: "notes",
		CommentsForAuditLog: "case 42", Content: strings.NewReader("hello"), Size: 5}); err != nil {
		t.Fatalf("CreatePutFileV1: %v", err)
	}
	_, err = c.CreatePutFile(ctx, PutFileRequest{Name: "Tool.exe", Description: "again",
		Content: strings.NewReader("x"), Size: 1})
	if apiStatus(err) != http.StatusBadRequest {
		t.Errorf("duplicate name: error %v, want HTTP 400", err)
	}

	queries := []struct {
		name string
		q    ListQuery
		want []string // names, in order
	}{
		{name: "every put-file", q: ListQuery{Sort: "name|asc"}, want: []string{"Tool.exe", "notes.txt"}},
		{name: "by name", q: ListQuery{Filter: "name:'notes.txt'"}, want: []string{"notes.txt"}},
		{name: "names are case-sensitive", q: ListQuery{Filter: "name:'tool.exe'"}, want: nil},
	}
	for _, tt := range queries {
		t.Run(tt.name, func(t *testing.T) {
			ids, page, err := c.QueryPutFileIDs(ctx, tt.q)
			if err != nil {
				t.Fatalf("QueryPutFileIDs: %v", err)
			}
			if page.Total != len(tt.want) {
				t.Errorf("total = %d, want %d", page.Total, len(tt.want))
			}
			var names []string
			if len(ids) > 0 {
				files, err := c.GetPutFilesV1(ctx, ids)
				if err != nil {
					t.Fatalf("GetPutFilesV1: %v", err)
				}
				for _, f := range files {
					names = append(names, f.Name)
				}
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("names = %v, want %v", names, tt.want)
			}
		})
	}

	files, err := c.GetPutFiles(ctx, []string{created.ID})
	if err != nil {
		t.Fatalf("GetPutFiles: %v", err)
	}
	if len(files) != 1 || files[0].Description != "triage tool" || files[0].CreatedAt.IsZero() || files[0].CreatedBy == "" {
		t.Errorf("records = %+v, want the put-file with its description, creation time and author", files)
	}

	var got bytes.Buffer
	n, digest, err := c.PutFileContents(ctx, created.ID, &got)
	if err != nil {
		t.Fatalf("PutFileContents: %v", err)
	}
	if n != int64(len(content)) || !bytes.Equal(got.Bytes(), content) || digest != created.SHA256 {
		t.Errorf("contents: %d bytes, sha256 %s, equal %v; want %d bytes with sha256 %s",
			n, digest, bytes.Equal(got.Bytes(), content), len(content), created.SHA256)
	}

	// A host can put the file by its name.
	fin := simHostID(t, srv, "WIN-FIN-01")
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{fin}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	hosts, err := c.BatchCommand(ctx, Admin, BatchCommandRequest{BatchID: init.BatchID, BaseCommand: "put",
		CommandString: "put Tool.exe"})
	if err != nil || hosts[fin].Err() != nil {
		t.Errorf("put Tool.exe: %v, %v", err, hosts[fin].Err())
	}

	if err := c.DeletePutFile(ctx, created.ID); err != nil {
		t.Fatalf("DeletePutFile: %v", err)
	}
	if err := c.DeletePutFile(ctx, created.ID); apiStatus(err) != http.StatusNotFound {
		t.Errorf("second delete: error %v, want HTTP 404", err)
	}
	if files, err := c.GetPutFiles(ctx, []string{created.ID}); err != nil || len(files) != 0 {
		t.Errorf("GetPutFiles after delete = %v, %v; want none and no error", files, err)
	}
}

func TestSimScripts(t *testing.T) {
	_, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	script := "Get-Process | Select-Object -First 3"

	created, err := c.CreateScript(ctx, ScriptRequest{Name: "TopProcs", Description: "first processes",
		PermissionType: PermissionPublic, Platforms: []Platform{PlatformWindows}, Content: script})
	if err != nil {
		t.Fatalf("CreateScript: %v", err)
	}
	fileScript := "#!/bin/sh\nuname -a\n"
	if err := c.CreateScriptV1(ctx, ScriptRequest{Name: "uname.sh", Description: "kernel",
		PermissionType: PermissionPrivate, Platforms: []Platform{PlatformLinux, PlatformMac},
		File: strings.NewReader(fileScript), Size: int64(len(fileScript))}); err != nil {
		t.Fatalf("CreateScriptV1: %v", err)
	}

	updated, err := c.UpdateScript(ctx, ScriptUpdate{ID: created.ID, Content: new("Get-Process"),
		CommentsForAuditLog: new(""), Platforms: []Platform{PlatformWindows, PlatformLinux}})
	if err != nil {
		t.Fatalf("UpdateScript: %v", err)
	}
	if updated.Content != "Get-Process" || !slices.Equal(updated.Platforms, []Platform{PlatformWindows, PlatformLinux}) ||
		updated.PermissionType != PermissionPublic || updated.Description != "first processes" {
		t.Errorf("updated = %+v, want new content and platforms, permission and description kept", updated)
	}
	if err := c.UpdateScriptV1(ctx, ScriptUpdate{ID: created.ID, Description: new("three processes"),
		PermissionType: PermissionGroup}); err != nil {
		t.Fatalf("UpdateScriptV1: %v", err)
	}

	ids, _, err := c.QueryScriptIDs(ctx, ListQuery{Filter: "platform:'linux'", Sort: "name.asc"})
	if err != nil {
		t.Fatalf("QueryScriptIDs: %v", err)
	}
	scripts, err := c.GetScripts(ctx, ids)
	if err != nil {
		t.Fatalf("GetScripts: %v", err)
	}
	tests := []struct {
		name      string
		content   string
		perm      ScriptPermission
		desc      string
		platforms []Platform
	}{
		{"TopProcs", "Get-Process", PermissionGroup, "three processes", []Platform{PlatformWindows, PlatformLinux}},
		{"uname.sh", fileScript, PermissionPrivate, "kernel", []Platform{PlatformLinux, PlatformMac}},
	}
	if len(scripts) != len(tests) {
		t.Fatalf("linux scripts = %+v, want %d", scripts, len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scripts[i]
			if s.Name != tt.name || s.Content != tt.content || s.PermissionType != tt.perm || s.Description != tt.desc {
				t.Errorf("script = %q %q %s %q, want %q %q %s %q", s.Name, s.Content, s.PermissionType,
					s.Description, tt.name, tt.content, tt.perm, tt.desc)
			}
			if !slices.Equal(s.Platforms, tt.platforms) {
				t.Errorf("platforms = %v, want %v", s.Platforms, tt.platforms)
			}
			if s.ModifiedAt.Before(s.CreatedAt) || s.ModifiedBy == "" {
				t.Errorf("modified %v by %q, created %v", s.ModifiedAt, s.ModifiedBy, s.CreatedAt)
			}
		})
	}
	v1, err := c.GetScriptsV1(ctx, []string{created.ID})
	if err != nil || len(v1) != 1 || v1[0].Name != "TopProcs" {
		t.Errorf("GetScriptsV1 = %+v, %v; want TopProcs", v1, err)
	}

	if err := c.DeleteScript(ctx, created.ID); err != nil {
		t.Fatalf("DeleteScript: %v", err)
	}
	left, _, err := c.QueryScriptIDs(ctx, ListQuery{})
	if err != nil || len(left) != 1 {
		t.Errorf("scripts after delete = %v, %v; want one", left, err)
	}
}

func TestSimFalconScripts(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	before := countRequests(srv, http.MethodGet, pathFalconScriptQuery)
	ids, err := AllPages(ctx, ListQuery{Sort: "name|asc", Limit: 3}, c.QueryFalconScriptIDs)
	if err != nil {
		t.Fatalf("AllPages of Falcon scripts: %v", err)
	}
	if n := countRequests(srv, http.MethodGet, pathFalconScriptQuery) - before; n != 2 {
		t.Errorf("query requests = %d, want 2 pages of at most 3", n)
	}
	scripts, err := c.GetFalconScripts(ctx, ids)
	if err != nil {
		t.Fatalf("GetFalconScripts: %v", err)
	}
	var names []string
	for _, s := range scripts {
		names = append(names, s.Name)
		if !objectIDPattern.MatchString(s.ID) || s.Description == "" || s.Platform == "" || s.CreatedAt.IsZero() {
			t.Errorf("script %+v lacks an id, description, platform or creation time", s)
		}
	}
	want := []string{"GetProcessTree", "GetShellHistory", "ListLaunchItems", "ListScheduledTasks"}
	if !slices.Equal(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}

	linux, _, err := c.QueryFalconScriptIDs(ctx, ListQuery{Filter: "platform:'linux'"})
	if err != nil || len(linux) != 1 {
		t.Errorf("linux Falcon scripts = %v, %v; want one", linux, err)
	}
}

func TestLibraryMultipartWireFormat(t *testing.T) {
	f := newFakeFalcon(t)
	c := newTestClient(t, f.config())
	record := map[string]any{"id": strings.Repeat("a", 32) + "_" + strings.Repeat("b", 32), "name": "x",
		"run_attempt_count": 0, "run_success_count": 0, "size": 3}
	for _, route := range []string{"POST " + pathPutFilesV2, "POST " + pathScriptsV2, "PATCH " + pathScriptsV2} {
		status := http.StatusOK
		if strings.HasPrefix(route, "PATCH") {
			status = http.StatusAccepted
		}
		f.handle(route, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, status, okBody(map[string]any{"resources": []any{record}}))
		})
	}
	ctx := context.Background()
	id := record["id"].(string)
	tests := []struct {
		name  string
		route string
		call  func() error
		want  map[string][]string // form fields; "file" holds the file part's content
	}{
		{name: "put-file", route: "POST " + pathPutFilesV2,
			call: func() error {
				_, err := c.CreatePutFile(ctx, PutFileRequest{Name: "a b.exe", Description: "d",
					Content: strings.NewReader("MZ\x00"), Size: 3})
				return err
			},
			want: map[string][]string{"name": {"a b.exe"}, "description": {"d"},
				"comments_for_audit_log": {""}, "file": {"MZ\x00"}, "filename": {"a b.exe"}}},
		{name: "script with empty content", route: "POST " + pathScriptsV2,
			call: func() error {
				_, err := c.CreateScript(ctx, ScriptRequest{Name: "s", Description: "d",
					PermissionType: PermissionGroup, Platforms: []Platform{PlatformMac, PlatformLinux}})
				return err
			},
			want: map[string][]string{"name": {"s"}, "description": {"d"}, "comments_for_audit_log": {""},
				"permission_type": {"group"}, "platform": {"mac", "linux"}, "content": {""}}},
		{name: "script update", route: "PATCH " + pathScriptsV2,
			call: func() error {
				_, err := c.UpdateScript(ctx, ScriptUpdate{ID: id, CommentsForAuditLog: new(""),
					File: strings.NewReader("ls"), Size: 2})
				return err
			},
			want: map[string][]string{"id": {id}, "comments_for_audit_log": {""}, "file": {"ls"}, "filename": {id}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := f.requestsTo(tt.route)
			got := multipartFields(t, reqs[len(reqs)-1])
			if len(got) != len(tt.want) {
				t.Errorf("fields = %q, want %q", got, tt.want)
			}
			for name, values := range tt.want {
				if !slices.Equal(got[name], values) {
					t.Errorf("field %s = %q, want %q", name, got[name], values)
				}
			}
		})
	}
}

// multipartFields parses a recorded multipart body into its fields, with
// the file part under "file" and its file name under "filename". The
// body's Content-Length needs no check here: Go's transport fails a
// request whose body does not match it.
func multipartFields(t *testing.T, rec recorded) map[string][]string {
	t.Helper()
	_, params, err := mime.ParseMediaType(rec.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", rec.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(bytes.NewReader(rec.Body), params["boundary"])
	fields := map[string][]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return fields
		}
		if err != nil {
			t.Fatalf("multipart body: %v", err)
		}
		data, _ := io.ReadAll(part)
		fields[part.FormName()] = append(fields[part.FormName()], string(data))
		if part.FileName() != "" {
			fields["filename"] = append(fields["filename"], part.FileName())
		}
	}
}

func TestPutFileContentsForms(t *testing.T) {
	f := newFakeFalcon(t)
	c := newTestClient(t, f.config())
	id := strings.Repeat("c", 32) + "_" + strings.Repeat("d", 32)
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
		wantErr     string
	}{
		{name: "raw bytes", contentType: "application/octet-stream", body: "MZ\x00\xff", want: "MZ\x00\xff"},
		{name: "JSON byte array", contentType: "application/json", body: "[77, 90, 0, 255]", want: "MZ\x00\xff"},
		{name: "empty JSON array", contentType: "application/json", body: "[]", want: ""},
		{name: "value above 255", contentType: "application/json", body: "[77, 300]", wantErr: "byte 1 is 300"},
		{name: "JSON object", contentType: "application/json", body: `{"errors":[]}`, wantErr: "not an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.handle("GET "+pathPutFileContents, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = io.WriteString(w, tt.body)
			})
			var got bytes.Buffer
			n, digest, err := c.PutFileContents(context.Background(), id, &got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("PutFileContents: %v", err)
			}
			sum := sha256.Sum256([]byte(tt.want))
			if got.String() != tt.want || n != int64(len(tt.want)) || digest != hex.EncodeToString(sum[:]) {
				t.Errorf("content %q (%d bytes, sha256 %s), want %q", got.String(), n, digest, tt.want)
			}
		})
	}
	reqs := f.requestsTo("GET " + pathPutFileContents)
	if accept := reqs[0].Header.Get("Accept"); !strings.HasPrefix(accept, "application/octet-stream") {
		t.Errorf("Accept = %q, want the raw bytes first", accept)
	}
}
