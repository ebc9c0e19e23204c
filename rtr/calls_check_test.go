package rtr

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCallsRejectBadValues checks that each call rejects malformed values
// with an error naming them, before anything is sent.
func TestCallsRejectBadValues(t *testing.T) {
	f := newFakeFalcon(t)
	c := newTestClient(t, f.config())
	ctx := context.Background()
	const (
		session = "5e550000-0000-4000-8000-000000000001"
		task    = "7a5c0000-0000-4000-8000-000000000001"
	)
	objectID := strings.Repeat("a", 32) + "_" + strings.Repeat("b", 32)
	content := strings.NewReader("x")
	tests := []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"init bad host id", func() error {
			_, err := c.InitSession(ctx, InitSessionRequest{HostID: "zz12"})
			return err
		}, `"zz12" is not a host id`},
		{"init timeout above 5 min", func() error {
			_, err := c.InitSession(ctx, InitSessionRequest{HostID: hostA, Timeout: 10 * time.Minute})
			return err
		}, "invalid timeout 10m0s"},
		{"pulse bad host id", func() error { _, err := c.PulseSession(ctx, hostA+"\r", false); return err },
			"is not a host id"},
		{"execute bad session id", func() error {
			_, err := c.Execute(ctx, ReadOnly, ExecuteRequest{SessionID: "s1", BaseCommand: "ls", CommandString: "ls"})
			return err
		}, `session id "s1" is not a session id`},
		{"execute base command mismatch", func() error {
			_, err := c.Execute(ctx, ReadOnly, ExecuteRequest{SessionID: session, BaseCommand: "reg", CommandString: "ls"})
			return err
		}, `base command "reg" is not the first word`},
		{"execute without tier", func() error {
			_, err := c.Execute(ctx, 0, ExecuteRequest{SessionID: session, BaseCommand: "ls", CommandString: "ls"})
			return err
		}, "invalid RTR tier"},
		{"session ids limit above maximum", func() error {
			_, _, err := c.QuerySessionIDs(ctx, ListQuery{Limit: 1001})
			return err
		}, "invalid limit 1001: use 1 to 1000"},
		{"session ids negative offset", func() error {
			_, _, err := c.QuerySessionIDs(ctx, ListQuery{Offset: -1})
			return err
		}, "invalid offset -1"},
		{"session ids malformed sort", func() error {
			_, _, err := c.QuerySessionIDs(ctx, ListQuery{Sort: "created_at desc"})
			return err
		}, `invalid sort "created_at desc"`},
		{"audit sort on another field", func() error {
			_, _, err := c.AuditSessions(ctx, AuditQuery{ListQuery: ListQuery{Sort: "hostname|asc"}})
			return err
		}, "this call sorts on created_at, updated_at, deleted_at"},
		{"get sessions without ids", func() error { _, err := c.GetSessions(ctx, nil); return err }, "no session ids"},
		{"get sessions repeated id", func() error { _, err := c.GetSessions(ctx, []string{session, session}); return err },
			"session ids[1]: " + session + " repeats session ids[0]"},
		{"queued sessions bad id", func() error { _, err := c.QueuedSessions(ctx, []string{"x"}); return err },
			`session ids[0]: "x" is not a session id`},
		{"cancel bad cloud request id", func() error { return c.CancelQueuedCommand(ctx, session, "42") },
			`cloud request id "42" is not a cloud request id`},
		{"session files bad session id", func() error { _, err := c.SessionFilesV1(ctx, ""); return err },
			"is not a session id"},
		{"delete two session files", func() error { return c.DeleteSessionFile(ctx, session, "1,2") },
			`file id "1,2" is not one file id`},
		{"delete negative v1 file id", func() error { return c.DeleteSessionFileV1(ctx, session, -1) },
			`file id "-1" is not a v1 file id`},
		{"put-file without description", func() error {
			_, err := c.CreatePutFile(ctx, PutFileRequest{Name: "a", Content: content, Size: 1})
			return err
		}, "empty description"},
		{"put-file name too long", func() error {
			return c.CreatePutFileV1(ctx, PutFileRequest{Name: strings.Repeat("n", 32767), Description: "d",
				Content: content, Size: 1})
		}, "name is 32767 characters long; the limit is 32766"},
		{"put-file comment too long", func() error {
			return c.CreatePutFileV1(ctx, PutFileRequest{Name: "a", Description: "d",
				CommentsForAuditLog: strings.Repeat("c", 4097), Content: content, Size: 1})
		}, "the limit is 4096"},
		{"put-file without content", func() error {
			_, err := c.CreatePutFile(ctx, PutFileRequest{Name: "a", Description: "d"})
			return err
		}, "no content to upload"},
		{"script without permission", func() error {
			_, err := c.CreateScript(ctx, ScriptRequest{Name: "s", Description: "d", Content: "ls"})
			return err
		}, "no permission type"},
		{"script with empty platforms", func() error {
			_, err := c.CreateScript(ctx, ScriptRequest{Name: "s", Description: "d", PermissionType: PermissionPrivate,
				Platforms: []Platform{}})
			return err
		}, "platforms is an empty list"},
		{"script for an unknown platform", func() error {
			return c.CreateScriptV1(ctx, ScriptRequest{Name: "s", Description: "d", PermissionType: PermissionPrivate,
				Platforms: []Platform{"Windows"}})
		}, `invalid platform "Windows"`},
		{"script update with content and file", func() error {
			_, err := c.UpdateScript(ctx, ScriptUpdate{ID: objectID, Content: new("ls"), File: content, Size: 1})
			return err
		}, "both Content and File are set"},
		{"script update bad id", func() error { return c.UpdateScriptV1(ctx, ScriptUpdate{ID: "17"}) },
			`id "17" is not an object id`},
		{"delete put-file bad id", func() error { return c.DeletePutFile(ctx, objectID+"x") }, "is not an object id"},
		{"get scripts bad id", func() error { _, err := c.GetScripts(ctx, []string{"a_b"}); return err },
			`ids[0]: "a_b" is not an object id`},
		{"put-file contents bad id", func() error { _, _, err := c.PutFileContents(ctx, "", nil); return err },
			"is not an object id"},
		{"falcon scripts limit above 100", func() error {
			_, _, err := c.QueryFalconScriptIDs(ctx, ListQuery{Limit: 101})
			return err
		}, "invalid limit 101: use 1 to 100"},
		{"falcon scripts sort on size", func() error {
			_, _, err := c.QueryFalconScriptIDs(ctx, ListQuery{Sort: "size|desc"})
			return err
		}, "this call sorts on created_timestamp, modified_timestamp, name"},
		{"falcon scripts bad id", func() error { _, err := c.GetFalconScripts(ctx, []string{objectID, "z"}); return err },
			`ids[1]: "z" is not an object id`},
		{"combined devices limit above maximum", func() error {
			_, err := c.CombinedDevices(ctx, CombinedDeviceQuery{Limit: 20000})
			return err
		}, "invalid limit 20000"},
		{"combined devices empty fields", func() error {
			_, err := c.CombinedDevices(ctx, CombinedDeviceQuery{Fields: []string{}})
			return err
		}, "fields is an empty list"},
		{"combined devices bad field", func() error {
			_, err := c.AllCombinedDevices(ctx, CombinedDeviceQuery{Fields: []string{"host name"}})
			return err
		}, `invalid field "host name"`},
		{"online states without ids", func() error { _, err := c.OnlineStates(ctx, nil); return err }, "no host ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	if reqs := f.requestsCopy(); len(reqs) != 0 {
		t.Errorf("requests = %d (first %s %s), want none: values are checked before sending",
			len(reqs), reqs[0].Method, reqs[0].Path)
	}
}

// TestQueryWireFormat checks where the query calls put their parameters:
// offset and limit always, filter and sort when set, and the audit's
// with_command_info even when false.
func TestQueryWireFormat(t *testing.T) {
	f := newFakeFalcon(t)
	c := newTestClient(t, f.config())
	page := okBody(map[string]any{"resources": []any{}})
	for _, route := range []string{"GET " + pathSessionIDs, "GET " + pathSessionAudit, "GET " + pathScriptQuery} {
		f.handle(route, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, page) })
	}
	ctx := context.Background()
	tests := []struct {
		name  string
		route string
		call  func() error
		want  string
	}{
		{name: "session ids defaults", route: "GET " + pathSessionIDs,
			call: func() error { _, _, err := c.QuerySessionIDs(ctx, ListQuery{}); return err },
			want: "limit=1000&offset=0"},
		{name: "session ids filter and sort", route: "GET " + pathSessionIDs,
			call: func() error {
				_, _, err := c.QuerySessionIDs(ctx, ListQuery{Filter: "user_id:'@me'", Sort: "created_at|desc",
					Offset: 20, Limit: 10})
				return err
			},
			want: "filter=user_id%3A%27%40me%27&limit=10&offset=20&sort=created_at%7Cdesc"},
		{name: "audit without command info", route: "GET " + pathSessionAudit,
			call: func() error { _, _, err := c.AuditSessions(ctx, AuditQuery{}); return err },
			want: "limit=1000&offset=0&with_command_info=false"},
		{name: "script ids", route: "GET " + pathScriptQuery,
			call: func() error { _, _, err := c.QueryScriptIDs(ctx, ListQuery{Limit: 5}); return err },
			want: "limit=5&offset=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := f.requestsTo(tt.route)
			got := reqs[len(reqs)-1]
			if q := got.Query.Encode(); q != tt.want {
				t.Errorf("query = %s, want %s", q, tt.want)
			}
			if len(got.Body) != 0 {
				t.Errorf("body = %q, want none: these parameters belong in the query", got.Body)
			}
		})
	}
}
