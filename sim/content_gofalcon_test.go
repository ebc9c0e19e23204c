package sim

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon/client"
	"github.com/crowdstrike/gofalcon/falcon/client/real_time_response"
	"github.com/crowdstrike/gofalcon/falcon/client/real_time_response_admin"
	"github.com/go-openapi/runtime"
)

// TestGofalconPutFiles drives the put-file calls through gofalcon v0.20.0
// and checks what it decodes.
func TestGofalconPutFiles(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api, ctx := newGofalcon(t, srv)
	admin := api.RealTimeResponseAdmin
	const content = "MZ\x90\x00gofalcon"

	name := "from-v1.exe"
	if _, err := admin.RTRCreatePutFiles(&real_time_response_admin.RTRCreatePutFilesParams{
		Context: ctx, Description: "uploaded with v1", Name: &name,
		File: runtime.NamedReader("local.exe", strings.NewReader(content)),
	}); err != nil {
		t.Fatalf("RTRCreatePutFiles: %v", err)
	}
	created, err := admin.RTRCreatePutFilesV2(&real_time_response_admin.RTRCreatePutFilesV2Params{
		Context: ctx, Description: "uploaded with v2",
		File: runtime.NamedReader("from-v2.exe", strings.NewReader(content)),
	})
	if err != nil {
		t.Fatalf("RTRCreatePutFilesV2: %v", err)
	}
	if got := created.Payload.Resources; len(got) != 1 || got[0].Name != "from-v2.exe" || *got[0].Size != int64(len(content)) {
		t.Fatalf("RTRCreatePutFilesV2 resources = %+v, want from-v2.exe of %d bytes", got, len(content))
	}

	sort := "name|asc"
	list, err := admin.RTRListPutFiles(&real_time_response_admin.RTRListPutFilesParams{Context: ctx, Sort: &sort})
	if err != nil {
		t.Fatalf("RTRListPutFiles: %v", err)
	}
	ids := list.Payload.Resources
	if len(ids) != 2 || *list.Payload.Meta.Pagination.Total != 2 {
		t.Fatalf("RTRListPutFiles = %v (total %v), want two ids", ids, list.Payload.Meta.Pagination.Total)
	}
	got, err := admin.RTRGetPutFiles(&real_time_response_admin.RTRGetPutFilesParams{Context: ctx, Ids: ids})
	if err != nil {
		t.Fatalf("RTRGetPutFiles: %v", err)
	}
	if n := len(got.Payload.Resources); n != 2 || got.Payload.Resources[0].Name != "from-v1.exe" {
		t.Errorf("RTRGetPutFiles = %d records, first %q; want from-v1.exe first", n, got.Payload.Resources[0].Name)
	}
	v2, err := admin.RTRGetPutFilesV2(&real_time_response_admin.RTRGetPutFilesV2Params{Context: ctx, Ids: ids[:1]})
	if err != nil || len(v2.Payload.Resources) != 1 || v2.Payload.Resources[0].ID != ids[0] {
		t.Errorf("RTRGetPutFilesV2 = %v, %v; want the first record", v2, err)
	}

	contents, err := admin.RTRGetPutFileContents(&real_time_response_admin.RTRGetPutFileContentsParams{Context: ctx, ID: ids[0]})
	if err != nil {
		t.Fatalf("RTRGetPutFileContents: %v", err)
	}
	raw := make([]byte, len(contents.Payload))
	for i, v := range contents.Payload {
		raw[i] = byte(v)
	}
	if string(raw) != content {
		t.Errorf("RTRGetPutFileContents = %q, want %q", raw, content)
	}

	if _, err := admin.RTRDeletePutFiles(&real_time_response_admin.RTRDeletePutFilesParams{Context: ctx, Ids: ids[0]}); err != nil {
		t.Fatalf("RTRDeletePutFiles: %v", err)
	}
	if _, err := admin.RTRGetPutFiles(&real_time_response_admin.RTRGetPutFilesParams{Context: ctx, Ids: ids[:1]}); err == nil {
		t.Errorf("RTRGetPutFiles of a deleted put-file succeeded, want a 404 error")
	}
}

// TestGofalconScripts drives the script and Falcon script calls through
// gofalcon v0.20.0, including PATCH v1, which gofalcon reads as 202.
func TestGofalconScripts(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api, ctx := newGofalcon(t, srv)
	admin := api.RealTimeResponseAdmin

	name, text := "Collect", "Write-Output one"
	if _, err := admin.RTRCreateScripts(&real_time_response_admin.RTRCreateScriptsParams{
		Context: ctx, Description: "v1 script", Name: &name, Content: &text, PermissionType: "group",
		Platform: []string{"windows", "linux"},
	}); err != nil {
		t.Fatalf("RTRCreateScripts: %v", err)
	}
	created, err := admin.RTRCreateScriptsV2(&real_time_response_admin.RTRCreateScriptsV2Params{
		Context: ctx, Description: "v2 script", PermissionType: "public",
		File: runtime.NamedReader("fromfile.ps1", strings.NewReader("Write-Output two")),
	})
	if err != nil {
		t.Fatalf("RTRCreateScriptsV2: %v", err)
	}
	if r := created.Payload.Resources; len(r) != 1 || r[0].Name != "fromfile.ps1" || r[0].PermissionType != "public" {
		t.Errorf("RTRCreateScriptsV2 = %+v, want fromfile.ps1, public", r)
	}

	filter := "name:'Collect'"
	list, err := admin.RTRListScripts(&real_time_response_admin.RTRListScriptsParams{Context: ctx, Filter: &filter})
	if err != nil || len(list.Payload.Resources) != 1 {
		t.Fatalf("RTRListScripts(%s) = %v, %v; want one id", filter, list, err)
	}
	id := list.Payload.Resources[0]

	newText, perm := "Write-Output three", "public"
	if _, err := admin.RTRUpdateScripts(&real_time_response_admin.RTRUpdateScriptsParams{
		Context: ctx, ID: id, Content: &newText, PermissionType: &perm,
	}); err != nil {
		t.Fatalf("RTRUpdateScripts (PATCH v1): %v", err)
	}
	renamed := "Collect2"
	updated, err := admin.RTRUpdateScriptsV2(&real_time_response_admin.RTRUpdateScriptsV2Params{
		Context: ctx, ID: id, Name: &renamed, Platform: []string{"mac"},
	})
	if err != nil {
		t.Fatalf("RTRUpdateScriptsV2: %v", err)
	}
	if r := updated.Payload.Resources; len(r) != 1 || r[0].Name != renamed || r[0].Content != newText {
		t.Errorf("RTRUpdateScriptsV2 = %+v, want %s with the PATCH v1 content", r, renamed)
	}
	got, err := admin.RTRGetScripts(&real_time_response_admin.RTRGetScriptsParams{Context: ctx, Ids: []string{id}})
	if err != nil || len(got.Payload.Resources) != 1 {
		t.Fatalf("RTRGetScripts = %v, %v", got, err)
	}
	if s := got.Payload.Resources[0]; s.PermissionType != "public" || len(s.Platform) != 1 || s.Platform[0] != "mac" {
		t.Errorf("RTRGetScripts record = %+v, want public on mac", s)
	}
	if _, err := admin.RTRGetScriptsV2(&real_time_response_admin.RTRGetScriptsV2Params{Context: ctx, Ids: []string{id}}); err != nil {
		t.Errorf("RTRGetScriptsV2: %v", err)
	}
	if _, err := admin.RTRDeleteScripts(&real_time_response_admin.RTRDeleteScriptsParams{Context: ctx, Ids: id}); err != nil {
		t.Errorf("RTRDeleteScripts: %v", err)
	}

	checkGofalconFalconScripts(t, api, ctx)
}

func checkGofalconFalconScripts(t *testing.T, api *client.CrowdStrikeAPISpecification, ctx context.Context) {
	t.Helper()
	admin := api.RealTimeResponseAdmin
	filter, limit := "platform:'linux'", int64(10)
	list, err := admin.RTRListFalconScripts(&real_time_response_admin.RTRListFalconScriptsParams{
		Context: ctx, Filter: &filter, Limit: &limit,
	})
	if err != nil || len(list.Payload.Resources) != 1 {
		t.Fatalf("RTRListFalconScripts(%s) = %v, %v; want one id", filter, list, err)
	}
	got, err := admin.RTRGetFalconScripts(&real_time_response_admin.RTRGetFalconScriptsParams{
		Context: ctx, Ids: list.Payload.Resources,
	})
	if err != nil || len(got.Payload.Resources) != 1 || *got.Payload.Resources[0].Platform != "linux" {
		t.Errorf("RTRGetFalconScripts = %v, %v; want the linux script", got, err)
	}
}

// TestGofalconSessionFiles lists and deletes session files through
// gofalcon v0.20.0.
func TestGofalconSessionFiles(t *testing.T) {
	srv := startServer(t, "demo", Options{UploadDelay: time.Millisecond})
	api, ctx := newGofalcon(t, srv)
	c := newClient(t, srv)
	batchID, init := initBatch(t, c, "mac-dev-01")
	sessionID := init.Resources[aidOf(t, srv, "mac-dev-01")].SessionID
	for _, path := range []string{"/etc/hosts", "/etc/passwd"} {
		c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil, map[string]any{"batch_id": batchID, "file_path": path}, nil)
	}
	time.Sleep(20 * time.Millisecond)
	rtr := api.RealTimeResponse

	v1, err := rtr.RTRListFiles(&real_time_response.RTRListFilesParams{Context: ctx, SessionID: sessionID})
	if err != nil || len(v1.Payload.Resources) != 2 {
		t.Fatalf("RTRListFiles = %v, %v; want two files", v1, err)
	}
	v2, err := rtr.RTRListFilesV2(&real_time_response.RTRListFilesV2Params{Context: ctx, SessionID: sessionID})
	if err != nil || len(v2.Payload.Resources) != 2 {
		t.Fatalf("RTRListFilesV2 = %v, %v; want two files", v2, err)
	}
	if f := v2.Payload.Resources[0]; !*f.Complete || *f.Progress != 1 || *f.ID != strconv.FormatInt(*v1.Payload.Resources[0].ID, 10) {
		t.Errorf("RTRListFilesV2 first file = %+v, want complete, progress 1, the v1 id", f)
	}

	if _, err := rtr.RTRDeleteFile(&real_time_response.RTRDeleteFileParams{
		Context: ctx, SessionID: sessionID, Ids: strconv.FormatInt(*v1.Payload.Resources[0].ID, 10),
	}); err != nil {
		t.Errorf("RTRDeleteFile: %v", err)
	}
	if _, err := rtr.RTRDeleteFileV2(&real_time_response.RTRDeleteFileV2Params{
		Context: ctx, SessionID: sessionID, Ids: *v2.Payload.Resources[1].ID,
	}); err != nil {
		t.Errorf("RTRDeleteFileV2: %v", err)
	}
	left, err := rtr.RTRListFilesV2(&real_time_response.RTRListFilesV2Params{Context: ctx, SessionID: sessionID})
	if err != nil || len(left.Payload.Resources) != 0 {
		t.Errorf("RTRListFilesV2 after deleting both = %v, %v; want none", left, err)
	}
}
