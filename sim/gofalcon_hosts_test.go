package sim

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon/client/hosts"
	"github.com/crowdstrike/gofalcon/falcon/models"
	"github.com/go-openapi/runtime"
)

// gofalconStatus returns the HTTP status of an error that a gofalcon
// operation returned, or 0 when the error carries none. gofalcon returns a
// typed error for a status its spec documents and a *runtime.APIError for
// any other.
func gofalconStatus(err error) int {
	var typed interface{ Code() int }
	if errors.As(err, &typed) {
		return typed.Code()
	}
	var apiErr *runtime.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return 0
}

func TestGofalconQueryDevices(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api, ctx := newGofalcon(t, srv)
	str := func(s string) *string { return &s }
	num := func(n int64) *int64 { return &n }
	tests := []struct {
		name          string
		params        hosts.QueryDevicesByFilterParams
		wantHostnames []string
		wantTotal     int64
	}{
		{name: "platform", params: hosts.QueryDevicesByFilterParams{Filter: str("platform_name:'Windows'")},
			wantHostnames: []string{"WIN-DC-01", "WIN-FIN-01", "WIN-HR-02"}, wantTotal: 3},
		{name: "tag", params: hosts.QueryDevicesByFilterParams{Filter: str("tags:'FalconGroupingTags/finance'")},
			wantHostnames: []string{"WIN-FIN-01"}, wantTotal: 1},
		{name: "wildcard or", params: hosts.QueryDevicesByFilterParams{Filter: str("hostname:*'lnx-*',hostname:'mac-ceo-02'")},
			wantHostnames: []string{"lnx-db-02", "lnx-web-01", "mac-ceo-02"}, wantTotal: 3},
		{name: "negation and", params: hosts.QueryDevicesByFilterParams{
			Filter: str("platform_name:'Windows'+hostname:!'WIN-DC-01'")},
			wantHostnames: []string{"WIN-FIN-01", "WIN-HR-02"}, wantTotal: 2},
		{name: "sort and page", params: hosts.QueryDevicesByFilterParams{
			Sort: str("hostname.desc"), Offset: num(1), Limit: num(2)},
			wantHostnames: []string{"mac-ceo-02", "lnx-web-01"}, wantTotal: 7},
		{name: "no match", params: hosts.QueryDevicesByFilterParams{Filter: str("hostname:'nobody'")},
			wantHostnames: []string{}, wantTotal: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := tt.params
			params.Context = ctx
			resp, err := api.Hosts.QueryDevicesByFilter(&params)
			if err != nil {
				t.Fatalf("QueryDevicesByFilter: %v", err)
			}
			if got := hostnamesOf(t, srv, resp.Payload.Resources); !slices.Equal(got, tt.wantHostnames) {
				t.Errorf("hosts = %v, want %v", got, tt.wantHostnames)
			}
			page := resp.Payload.Meta.Pagination
			if page == nil || page.Total == nil || *page.Total != tt.wantTotal {
				t.Errorf("meta.pagination = %+v, want total %d", page, tt.wantTotal)
			}
			if resp.Payload.Meta.PoweredBy != poweredByDevices {
				t.Errorf("meta.powered_by = %q, want %q", resp.Payload.Meta.PoweredBy, poweredByDevices)
			}
		})
	}
}

func TestGofalconQueryDevicesRejectsFilter(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api, ctx := newGofalcon(t, srv)
	for _, filter := range []string{"hostname:'a'+hostname:'b',hostname:'c'", "no_such_field:'x'", "hostname"} {
		t.Run(filter, func(t *testing.T) {
			f := filter
			_, err := api.Hosts.QueryDevicesByFilter(&hosts.QueryDevicesByFilterParams{Context: ctx, Filter: &f})
			if got := gofalconStatus(err); got != 400 {
				t.Errorf("QueryDevicesByFilter(%q): status %d (error %v), want 400", filter, got, err)
			}
		})
	}
}

func TestGofalconDeviceDetails(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api, ctx := newGofalcon(t, srv)
	fin := hostNamed(t, srv.Fleet(), "WIN-FIN-01").Info()
	web := hostNamed(t, srv.Fleet(), "lnx-web-01").Info()
	ids := []string{fin.AID, web.AID}

	get, err := api.Hosts.GetDeviceDetailsV2(&hosts.GetDeviceDetailsV2Params{Context: ctx, Ids: ids})
	if err != nil {
		t.Fatalf("GetDeviceDetailsV2: %v", err)
	}
	post, err := api.Hosts.PostDeviceDetailsV2(&hosts.PostDeviceDetailsV2Params{
		Context: ctx, Body: &models.MsaIdsRequest{Ids: ids},
	})
	if err != nil {
		t.Fatalf("PostDeviceDetailsV2: %v", err)
	}
	for name, records := range map[string][]*models.DeviceapiDeviceSwagger{
		"GET": get.Payload.Resources, "POST": post.Payload.Resources,
	} {
		if len(records) != 2 {
			t.Fatalf("%s returned %d records, want 2", name, len(records))
		}
		for _, want := range []struct {
			aid, hostname, platform, osVersion, localIP string
			tags                                        []string
		}{
			{fin.AID, "WIN-FIN-01", "Windows", "Windows 10", fin.LocalIP, []string{"FalconGroupingTags/finance"}},
			{web.AID, "lnx-web-01", "Linux", "Ubuntu 22.04", web.LocalIP, []string{"FalconGroupingTags/servers"}},
		} {
			i := slices.IndexFunc(records, func(d *models.DeviceapiDeviceSwagger) bool { return *d.DeviceID == want.aid })
			if i < 0 {
				t.Errorf("%s: no record for %s", name, want.hostname)
				continue
			}
			d := records[i]
			if d.Hostname != want.hostname || d.PlatformName != want.platform || d.OsVersion != want.osVersion {
				t.Errorf("%s %s: hostname %q platform %q os %q, want %q %q %q", name, want.aid,
					d.Hostname, d.PlatformName, d.OsVersion, want.hostname, want.platform, want.osVersion)
			}
			if d.LocalIP != want.localIP || !slices.Equal(d.Tags, want.tags) {
				t.Errorf("%s %s: local_ip %q tags %v, want %q %v", name, want.hostname, d.LocalIP, d.Tags,
					want.localIP, want.tags)
			}
			if *d.Cid != srv.Fleet().CID() || d.Status != "normal" {
				t.Errorf("%s %s: cid %q status %q, want %q normal", name, want.hostname, *d.Cid, d.Status,
					srv.Fleet().CID())
			}
		}
	}
}

// TestGofalconContainment contains a host and lifts the containment, and
// follows the host's status through the pending states.
func TestGofalconContainment(t *testing.T) {
	srv := startServer(t, "demo", Options{ContainDelay: 100 * time.Millisecond})
	api, ctx := newGofalcon(t, srv)
	aid := aidOf(t, srv, "WIN-HR-02")

	status := func() string {
		t.Helper()
		resp, err := api.Hosts.GetDeviceDetailsV2(&hosts.GetDeviceDetailsV2Params{Context: ctx, Ids: []string{aid}})
		if err != nil {
			t.Fatalf("GetDeviceDetailsV2: %v", err)
		}
		return resp.Payload.Resources[0].Status
	}
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for got := status(); got != want; got = status() {
			if time.Now().After(deadline) {
				t.Fatalf("status stayed %q, want %q", got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	for _, step := range []struct{ action, pending, final string }{
		{action: "contain", pending: "containment_pending", final: "contained"},
		{action: "lift_containment", pending: "lift_containment_pending", final: "normal"},
	} {
		resp, err := api.Hosts.PerformActionV2(&hosts.PerformActionV2Params{
			Context: ctx, ActionName: step.action, Body: &models.MsaEntityActionRequestV2{Ids: []string{aid}},
		})
		if err != nil {
			t.Fatalf("PerformActionV2(%s): %v", step.action, err)
		}
		res := resp.Payload.Resources
		if len(res) != 1 || *res[0].ID != aid {
			t.Fatalf("PerformActionV2(%s) resources = %+v, want one entry for %s", step.action, res, aid)
		}
		if got := status(); got != step.pending {
			t.Errorf("status right after %s = %q, want %q", step.action, got, step.pending)
		}
		waitFor(step.final)
	}

	_, err := api.Hosts.PerformActionV2(&hosts.PerformActionV2Params{
		Context: ctx, ActionName: "isolate", Body: &models.MsaEntityActionRequestV2{Ids: []string{aid}},
	})
	var bad *hosts.PerformActionV2BadRequest
	if !errors.As(err, &bad) {
		t.Fatalf("PerformActionV2(isolate): error %v, want a 400", err)
	}
	if len(bad.Payload.Errors) != 1 || *bad.Payload.Errors[0].Code != 400 {
		t.Errorf("PerformActionV2(isolate) errors = %+v, want one with code 400", bad.Payload.Errors)
	}
}

// TestGofalconCombinedDevices pages through combined device records with
// the cursor that each page returns, and selects fields.
func TestGofalconCombinedDevices(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api, ctx := newGofalcon(t, srv)
	filter, sortSpec := "platform_name:'Windows',platform_name:'Linux'", "hostname.asc"
	limit := int64(2)

	var hostnames []string
	var offset *string
	for page := 0; ; page++ {
		resp, err := api.Hosts.CombinedDevicesByFilter(&hosts.CombinedDevicesByFilterParams{
			Context: ctx, Filter: &filter, Sort: &sortSpec, Limit: &limit, Offset: offset,
		})
		if err != nil {
			t.Fatalf("CombinedDevicesByFilter page %d: %v", page, err)
		}
		for _, d := range resp.Payload.Resources {
			hostnames = append(hostnames, d.Hostname)
			if want := srv.Fleet().Host(*d.DeviceID).Info().OSVersion; d.OsVersion != want {
				t.Errorf("%s: os_version %q, want %q", d.Hostname, d.OsVersion, want)
			}
		}
		pagination := resp.Payload.Meta.Pagination
		if pagination == nil || pagination.Total == nil || *pagination.Total != 5 {
			t.Fatalf("page %d pagination = %+v, want total 5", page, pagination)
		}
		if pagination.Next == "" {
			break
		}
		if page > 5 {
			t.Fatalf("more pages than 5 hosts in pages of 2 can fill")
		}
		next := pagination.Next
		offset = &next
	}
	want := []string{"WIN-DC-01", "WIN-FIN-01", "WIN-HR-02", "lnx-db-02", "lnx-web-01"}
	if !slices.Equal(hostnames, want) {
		t.Errorf("paged hostnames = %v, want %v", hostnames, want)
	}

	fields, one := "hostname,platform_name", "hostname:'mac-dev-01'"
	resp, err := api.Hosts.CombinedDevicesByFilter(&hosts.CombinedDevicesByFilterParams{
		Context: ctx, Filter: &one, Fields: &fields,
	})
	if err != nil {
		t.Fatalf("CombinedDevicesByFilter with fields: %v", err)
	}
	if len(resp.Payload.Resources) != 1 {
		t.Fatalf("fields query returned %d records, want 1", len(resp.Payload.Resources))
	}
	// The emulator keeps device_id and cid, which the reference marks
	// required, in every record.
	d := resp.Payload.Resources[0]
	if d.Hostname != "mac-dev-01" || d.PlatformName != "Mac" || d.OsVersion != "" {
		t.Errorf("record = {hostname %q platform %q os %q}, want only the selected hostname and platform_name",
			d.Hostname, d.PlatformName, d.OsVersion)
	}
	if d.DeviceID == nil || *d.DeviceID != aidOf(t, srv, "mac-dev-01") || d.Cid == nil || *d.Cid != srv.Fleet().CID() {
		t.Errorf("record lacks the required device_id and cid: %v %v", d.DeviceID, d.Cid)
	}
}

func TestGofalconOnlineState(t *testing.T) {
	srv := startServer(t, "degraded", Options{NullStateHosts: []string{"mac-dev-01"}})
	api, ctx := newGofalcon(t, srv)
	names := []string{"WIN-FIN-01", "WIN-HR-02", "WIN-DC-01", "mac-dev-01"}
	ids := make([]string, 0, len(names))
	for _, name := range names {
		ids = append(ids, aidOf(t, srv, name))
	}

	resp, err := api.Hosts.GetOnlineStateV1(&hosts.GetOnlineStateV1Params{Context: ctx, Ids: ids})
	if err != nil {
		t.Fatalf("GetOnlineStateV1: %v", err)
	}
	got := map[string]string{}
	for _, s := range resp.Payload.Resources {
		state := "<null>"
		if s.State != nil {
			state = *s.State
		}
		got[srv.Fleet().Host(*s.ID).Info().Hostname] = state
	}
	want := map[string]string{
		"WIN-FIN-01": "online",
		"WIN-HR-02":  "offline",
		"WIN-DC-01":  "online", // unreachable for RTR, but its sensor reports in
		"mac-dev-01": "<null>",
	}
	for name, state := range want {
		if got[name] != state {
			t.Errorf("%s: state %q, want %q", name, got[name], state)
		}
	}
}

// TestGofalconHostIDLimits sends more ids than the Hosts API GET calls
// accept: past the call's cap the response is a JSON 400, and past 500 ids
// an HTML page. gofalcon v0.20.0 reports both as errors.
func TestGofalconHostIDLimits(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api, ctx := newGofalcon(t, srv)
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%032x", i+1)
		}
		return out
	}
	details := func(ids []string) error {
		_, err := api.Hosts.GetDeviceDetailsV2(&hosts.GetDeviceDetailsV2Params{Context: ctx, Ids: ids})
		return err
	}
	online := func(ids []string) error {
		_, err := api.Hosts.GetOnlineStateV1(&hosts.GetOnlineStateV1Params{Context: ctx, Ids: ids})
		return err
	}
	tests := []struct {
		name string
		call func([]string) error
		ids  int
		// want is the status of the error, or -1 for an error without
		// one: gofalcon then failed to decode the HTML page as the
		// documented JSON body.
		want int
	}{
		{name: "details at the cap", call: details, ids: 100, want: 0},
		{name: "details over the cap", call: details, ids: 101, want: 400},
		// GetDeviceDetailsV2 documents no 400, so gofalcon does not read
		// the body and cannot tell the HTML page from JSON.
		{name: "details HTML page", call: details, ids: 501, want: 400},
		{name: "online state at the cap", call: online, ids: 100, want: 0},
		{name: "online state over the cap", call: online, ids: 101, want: 400},
		{name: "online state HTML page", call: online, ids: 501, want: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(ids(tt.ids))
			switch {
			case tt.want == 0 && err != nil:
				t.Errorf("%d ids: %v, want no error", tt.ids, err)
			case tt.want > 0 && gofalconStatus(err) != tt.want:
				t.Errorf("%d ids: error %v, want status %d", tt.ids, err, tt.want)
			case tt.want < 0 && (err == nil || gofalconStatus(err) != 0):
				t.Errorf("%d ids: error %v, want a decoding error", tt.ids, err)
			}
		})
	}
}
