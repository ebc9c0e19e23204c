package sim

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestScriptCreate(t *testing.T) {
	tests := []struct {
		name          string
		v2            bool
		parts         []formPart
		wantName      string
		wantContent   string
		wantPerm      string
		wantPlatforms []string
	}{
		{name: "content field with default platform", v2: true,
			parts: []formPart{field("name", "Hello"), field("content", "Write-Output hi"),
				field("description", "d"), field("permission_type", "public")},
			wantName: "Hello", wantContent: "Write-Output hi", wantPerm: "public", wantPlatforms: []string{"windows"}},
		{name: "file part named by its file", v2: false,
			parts: []formPart{filePart("collect.sh", "echo hi\n"), field("description", "d"),
				field("permission_type", "group"), field("platform", "linux"), field("platform", "mac")},
			wantName: "collect.sh", wantContent: "echo hi\n", wantPerm: "group", wantPlatforms: []string{"linux", "mac"}},
		{name: "private", v2: true,
			parts: []formPart{field("name", "Mine"), field("content", "echo x"), field("description", "d"),
				field("permission_type", "private"), field("platform", "linux")},
			wantName: "Mine", wantContent: "echo x", wantPerm: "private", wantPlatforms: []string{"linux"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, "demo", Options{})
			c := newClient(t, srv)
			path := pathScriptsV1
			if tc.v2 {
				path = pathScriptsV2
			}
			var created wireWrites
			c.expectForm(http.StatusOK, http.MethodPost, path, &created, tc.parts...)
			if created.Meta.Writes == nil || created.Meta.Writes.ResourcesAffected != 1 {
				t.Errorf("create meta.writes = %+v, want resources_affected 1", created.Meta.Writes)
			}
			if tc.v2 != (len(created.Resources) == 1) {
				t.Errorf("create returned %d records, want one for v2 and none for v1", len(created.Resources))
			}
			ids, _ := queryIDs(t, c, pathScriptQuery, nil)
			if len(ids) != 1 {
				t.Fatalf("script query = %v, want one id", ids)
			}
			var got wireEntities
			c.expect(http.StatusOK, http.MethodGet, pathScriptsV2, url.Values{"ids": ids}, nil, &got)
			e := got.Resources[0]
			if e.Name != tc.wantName || e.Content == nil || *e.Content != tc.wantContent || e.FileType != fileTypeScript {
				t.Errorf("record name %q content %v file_type %q, want %q %q %q",
					e.Name, e.Content, e.FileType, tc.wantName, tc.wantContent, fileTypeScript)
			}
			if e.PermissionType != tc.wantPerm || !reflect.DeepEqual(e.Platform, tc.wantPlatforms) {
				t.Errorf("record permission %q platforms %v, want %q %v", e.PermissionType, e.Platform, tc.wantPerm, tc.wantPlatforms)
			}
		})
	}
}

func TestScriptCreateRejects(t *testing.T) {
	base := []formPart{field("name", "S"), field("description", "d"), field("permission_type", "public")}
	tests := []struct {
		name    string
		parts   []formPart
		wantMsg string
	}{
		{"file and content", append([]formPart{filePart("s.ps1", "a"), field("content", "b")}, base...), "not both"},
		{"no script", base, "the script is missing"},
		{"no permission", []formPart{field("name", "S"), field("description", "d"), field("content", "x")},
			`invalid permission_type ""`},
		{"permission none", []formPart{field("name", "S"), field("description", "d"), field("content", "x"),
			field("permission_type", "none")}, `invalid permission_type "none"`},
		{"permission case", []formPart{field("name", "S"), field("description", "d"), field("content", "x"),
			field("permission_type", "Public")}, `invalid permission_type "Public"`},
		{"platform list in one field", append([]formPart{field("content", "x"), field("platform", "windows,linux")}, base...),
			`invalid platform "windows,linux"`},
		{"no name for content", []formPart{field("content", "x"), field("description", "d"),
			field("permission_type", "public")}, "name is required"},
		{"no description", []formPart{field("name", "S"), field("content", "x"), field("permission_type", "public")},
			"description is required"},
	}
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := c.sendForm(http.MethodPost, pathScriptsV1, tc.parts...)
			var resp wireErrors
			decodeJSON(t, body, &resp)
			if status != http.StatusBadRequest || len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, tc.wantMsg) {
				t.Errorf("status %d errors %+v, want 400 with %q", status, resp.Errors, tc.wantMsg)
			}
		})
	}
	if ids, _ := queryIDs(t, c, pathScriptQuery, nil); len(ids) != 0 {
		t.Errorf("rejected creates left scripts %v", ids)
	}
}

func TestScriptUpdate(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	s := createScript(t, c, "Collect", "echo one", "private", "linux")
	createScript(t, c, "Other", "echo other", "public")

	tests := []struct {
		name       string
		v2         bool
		parts      []formPart
		wantStatus int
		check      func(t *testing.T, e wireLibEntity)
	}{
		{name: "v1 content and permission", parts: []formPart{field("id", s.ID), field("content", "echo two"),
			field("permission_type", "public")}, wantStatus: http.StatusAccepted,
			check: func(t *testing.T, e wireLibEntity) {
				if *e.Content != "echo two" || e.PermissionType != "public" || e.Name != "Collect" {
					t.Errorf("after update: %+v, want new content and permission, same name", e)
				}
			}},
		{name: "v2 file, name and platforms", v2: true, parts: []formPart{field("id", s.ID),
			filePart("c.sh", "echo three"), field("name", "Collect2"), field("platform", "linux"),
			field("platform", "mac"), field("permission_type", "none")}, wantStatus: http.StatusAccepted,
			check: func(t *testing.T, e wireLibEntity) {
				if *e.Content != "echo three" || e.Name != "Collect2" || e.PermissionType != "public" ||
					!reflect.DeepEqual(e.Platform, []string{"linux", "mac"}) {
					t.Errorf("after update: %+v, want new content, name and platforms, permission kept", e)
				}
			}},
		{name: "unknown id", parts: []formPart{field("id", "nope"), field("content", "x")}, wantStatus: http.StatusBadRequest},
		{name: "no id", parts: []formPart{field("content", "x")}, wantStatus: http.StatusBadRequest},
		{name: "name taken", parts: []formPart{field("id", s.ID), field("name", "Other")}, wantStatus: http.StatusBadRequest},
		{name: "bad permission", v2: true, parts: []formPart{field("id", s.ID), field("permission_type", "all"),
			field("content", "echo lost")}, wantStatus: http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := pathScriptsV1
			if tc.v2 {
				path = pathScriptsV2
			}
			var resp wireWrites
			c.expectForm(tc.wantStatus, http.MethodPatch, path, &resp, tc.parts...)
			if tc.wantStatus != http.StatusAccepted {
				return
			}
			if tc.v2 != (len(resp.Resources) == 1) {
				t.Errorf("update returned %d records, want one for v2 and none for v1", len(resp.Resources))
			}
			var got wireEntities
			c.expect(http.StatusOK, http.MethodGet, pathScriptsV1, url.Values{"ids": {s.ID}}, nil, &got)
			tc.check(t, got.Resources[0])
		})
	}
	var final wireEntities
	c.expect(http.StatusOK, http.MethodGet, pathScriptsV1, url.Values{"ids": {s.ID}}, nil, &final)
	if got := *final.Resources[0].Content; got != "echo three" {
		t.Errorf("content after a rejected update = %q, want the last accepted one", got)
	}
}

func TestLibraryQuery(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	byID := map[string]string{}
	for _, f := range []struct{ name, content string }{{"b.exe", "bb"}, {"a.ps1", "a"}, {"c.ps1", "cccc"}} {
		byID[createPutFile(t, c, f.name, f.content).ID] = f.name
	}
	tests := []struct {
		name      string
		query     url.Values
		wantNames string
		wantTotal int
	}{
		{"creation order", nil, "b.exe,a.ps1,c.ps1", 3},
		{"equal", url.Values{"filter": {"name:'a.ps1'"}}, "a.ps1", 1},
		{"wildcard", url.Values{"filter": {"name:*'*.ps1'"}}, "a.ps1,c.ps1", 2},
		{"negation", url.Values{"filter": {"name:!'a.ps1'"}}, "b.exe,c.ps1", 2},
		{"any of", url.Values{"filter": {"name:['c.ps1','b.exe']"}}, "b.exe,c.ps1", 2},
		{"sort by name", url.Values{"sort": {"name|asc"}}, "a.ps1,b.exe,c.ps1", 3},
		{"sort by name descending", url.Values{"sort": {"name.desc"}}, "c.ps1,b.exe,a.ps1", 3},
		{"sort by size", url.Values{"sort": {"size|desc"}}, "c.ps1,b.exe,a.ps1", 3},
		{"page", url.Values{"sort": {"name"}, "offset": {"1"}, "limit": {"1"}}, "b.exe", 3},
		{"offset past the end", url.Values{"offset": {"5"}}, "", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids, total := queryIDs(t, c, pathPutFileQuery, tc.query)
			if got := namesOf(ids, byID); got != tc.wantNames || total != tc.wantTotal {
				t.Errorf("names %q total %d, want %q %d", got, total, tc.wantNames, tc.wantTotal)
			}
		})
	}
	for _, bad := range []url.Values{
		{"filter": {"hostname:'x'"}}, {"filter": {"name:"}}, {"sort": {"created_at|asc"}},
		{"sort": {"name|up"}}, {"limit": {"0"}}, {"limit": {"5001"}}, {"offset": {"-1"}},
	} {
		c.expect(http.StatusBadRequest, http.MethodGet, pathPutFileQuery, bad, nil, nil)
	}
	if ids, _ := queryIDs(t, c, pathScriptQuery, nil); len(ids) != 0 {
		t.Errorf("script query lists put-files: %v", ids)
	}
}

func TestFalconScripts(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	byID := map[string]string{}
	for _, f := range falconScripts {
		byID[f.ID] = f.Name
	}
	tests := []struct {
		name      string
		query     url.Values
		wantNames string
	}{
		{"all by name", nil, "GetProcessTree,GetShellHistory,ListLaunchItems,ListScheduledTasks"},
		{"platform", url.Values{"filter": {"platform:'windows'"}}, "GetProcessTree,ListScheduledTasks"},
		{"modified descending", url.Values{"sort": {"modified_timestamp|desc"}},
			"GetProcessTree,ListLaunchItems,GetShellHistory,ListScheduledTasks"},
		{"page", url.Values{"offset": {"1"}, "limit": {"2"}}, "GetShellHistory,ListLaunchItems"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids, _ := queryIDs(t, c, pathFalconQuery, tc.query)
			if got := namesOf(ids, byID); got != tc.wantNames {
				t.Errorf("names %q, want %q", got, tc.wantNames)
			}
		})
	}
	for _, bad := range []url.Values{{"limit": {"101"}}, {"sort": {"size"}}, {"filter": {"nope:'x'"}}} {
		c.expect(http.StatusBadRequest, http.MethodGet, pathFalconQuery, bad, nil, nil)
	}

	var got struct {
		Resources []map[string]any `json:"resources"`
	}
	first := falconScripts[0]
	c.expect(http.StatusOK, http.MethodGet, pathFalconScripts, url.Values{"ids": {first.ID}}, nil, &got)
	if len(got.Resources) != 1 || got.Resources[0]["name"] != first.Name || got.Resources[0]["platform"] != first.Platform {
		t.Errorf("GET %s = %+v, want the %s record", first.ID, got.Resources, first.Name)
	}
	if !objectIDPattern.MatchString(first.ID) {
		t.Errorf("Falcon script id %q is not of the form <32 hex>_<32 hex>", first.ID)
	}
	c.expect(http.StatusNotFound, http.MethodGet, pathFalconScripts, url.Values{"ids": {first.ID, "nope"}}, nil, nil)
	c.expect(http.StatusBadRequest, http.MethodGet, pathFalconScripts, nil, nil, nil)
}
