package sim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

type wireQuery struct {
	Meta      wireMeta    `json:"meta"`
	Resources []string    `json:"resources"`
	Errors    []wireError `json:"errors"`
}

type wireDevices struct {
	Resources []struct {
		DeviceID     string   `json:"device_id"`
		CID          string   `json:"cid"`
		Hostname     string   `json:"hostname"`
		PlatformName string   `json:"platform_name"`
		Status       string   `json:"status"`
		Tags         []string `json:"tags"`
	} `json:"resources"`
	Errors []wireError `json:"errors"`
}

// hostnamesOf maps AIDs to hostnames, in the same order.
func hostnamesOf(t *testing.T, srv *Server, aids []string) []string {
	t.Helper()
	names := []string{}
	for _, aid := range aids {
		h := srv.Fleet().Host(aid)
		if h == nil {
			t.Fatalf("query returned unknown AID %s", aid)
		}
		names = append(names, h.Info().Hostname)
	}
	return names
}

func TestDeviceQueryFilter(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	web := hostNamed(t, srv.Fleet(), "lnx-web-01").Info()
	windows := []string{"WIN-DC-01", "WIN-FIN-01", "WIN-HR-02"}
	others := []string{"lnx-db-02", "lnx-web-01", "mac-ceo-02", "mac-dev-01"}
	all := append(slices.Clone(windows), others...)

	tests := []struct {
		name   string
		filter string
		want   []string // hostnames in query order
	}{
		{name: "no filter", filter: "", want: all},
		{name: "exact hostname", filter: "hostname:'WIN-FIN-01'", want: []string{"WIN-FIN-01"}},
		{name: "hostname list", filter: "hostname:['mac-dev-01','lnx-web-01']", want: []string{"lnx-web-01", "mac-dev-01"}},
		{name: "wildcard prefix", filter: "hostname:*'WIN-*'", want: windows},
		{name: "wildcard suffix", filter: "hostname:*'*-02'", want: []string{"WIN-HR-02", "lnx-db-02", "mac-ceo-02"}},
		{name: "platform", filter: "platform_name:'Linux'", want: []string{"lnx-db-02", "lnx-web-01"}},
		{name: "negation", filter: "platform_name:!'Windows'", want: others},
		{name: "negated list", filter: "hostname:!['WIN-FIN-01','WIN-HR-02']",
			want: []string{"WIN-DC-01", "lnx-db-02", "lnx-web-01", "mac-ceo-02", "mac-dev-01"}},
		{name: "negated wildcard", filter: "hostname:!*'*-0?'", want: all},
		{name: "and", filter: "platform_name:'Windows'+tags:'FalconGroupingTags/finance'", want: []string{"WIN-FIN-01"}},
		{name: "or", filter: "hostname:'lnx-web-01',hostname:'mac-dev-01'", want: []string{"lnx-web-01", "mac-dev-01"}},
		{name: "grouping", filter: "(hostname:'lnx-web-01',hostname:'mac-dev-01')+platform_name:'Mac'", want: []string{"mac-dev-01"}},
		{name: "status", filter: "status:'normal'", want: all},
		{name: "device id", filter: "device_id:'" + web.AID + "'", want: []string{"lnx-web-01"}},
		{name: "local ip", filter: "local_ip:'" + web.LocalIP + "'", want: []string{"lnx-web-01"}},
		{name: "external ip wildcard", filter: "external_ip:*'*'", want: all},
		{name: "os version", filter: "os_version:'" + web.OSVersion + "'+hostname:'lnx-web-01'", want: []string{"lnx-web-01"}},
		{name: "case-sensitive value", filter: "hostname:'win-fin-01'", want: []string{}},
		{name: "spaces around operator", filter: "hostname:'lnx-web-01' , hostname:'mac-dev-01'", want: []string{"lnx-web-01", "mac-dev-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			var resp wireQuery
			c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, url.Values{"filter": {tt.filter}}, nil, &resp)
			if got := hostnamesOf(t, srv, resp.Resources); !slices.Equal(got, tt.want) {
				t.Errorf("filter %s matched %v, want %v", tt.filter, got, tt.want)
			}
			if resp.Meta.PoweredBy != "device-api" {
				t.Errorf("meta.powered_by = %q, want device-api", resp.Meta.PoweredBy)
			}
			if resp.Meta.Pagination == nil || resp.Meta.Pagination.Total != len(tt.want) {
				t.Errorf("meta.pagination = %+v, want total %d", resp.Meta.Pagination, len(tt.want))
			}
		})
	}
}

func TestDeviceQueryRejectsFilters(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	tests := []struct {
		name        string
		filter      string
		wantMessage string // substring of the error message
	}{
		{name: "unquoted value", filter: "hostname:WIN-FIN-01", wantMessage: "single quotes"},
		{name: "unknown field", filter: "bogus:'x'", wantMessage: `field "bogus" is not supported`},
		{name: "mixed and and or", filter: "hostname:'a'+hostname:'b',hostname:'c'", wantMessage: "parentheses"},
		{name: "space between terms", filter: "hostname:'a' hostname:'b'", wantMessage: "%2B"},
		{name: "unsupported operator", filter: "hostname:~'win'", wantMessage: "single quotes"},
		{name: "unterminated value", filter: "hostname:'WIN", wantMessage: "unterminated"},
		{name: "unclosed group", filter: "(hostname:'a'", wantMessage: "')'"},
		{name: "wildcard list", filter: "hostname:*['a*']", wantMessage: "wildcard"},
		{name: "leading negation", filter: "!hostname:'a'", wantMessage: "field name"},
		{name: "trailing operator", filter: "hostname:'a'+", wantMessage: "field name"},
		{name: "double quotes", filter: `hostname:"WIN-FIN-01"`, wantMessage: "single quotes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, body, _ := c.do(http.MethodGet, pathDeviceQuery, url.Values{"filter": {tt.filter}}, nil)
			if status != http.StatusBadRequest {
				t.Fatalf("filter %s: status %d, want 400; body %s", tt.filter, status, body)
			}
			var env wireQuery
			decodeJSON(t, body, &env)
			if len(env.Resources) != 0 {
				t.Errorf("rejected filter returned resources %v", env.Resources)
			}
			if len(env.Errors) != 1 || !strings.Contains(env.Errors[0].Message, tt.wantMessage) {
				t.Errorf("errors = %+v, want one whose message contains %q", env.Errors, tt.wantMessage)
			}
		})
	}
}

func TestDeviceQueryPaging(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	tests := []struct {
		name       string
		query      url.Values
		wantStatus int
		want       []string
	}{
		{name: "descending page", query: url.Values{"sort": {"hostname.desc"}, "limit": {"2"}, "offset": {"1"}},
			wantStatus: http.StatusOK, want: []string{"mac-ceo-02", "lnx-web-01"}},
		{name: "pipe sort", query: url.Values{"sort": {"hostname|asc"}, "limit": {"1"}},
			wantStatus: http.StatusOK, want: []string{"WIN-DC-01"}},
		{name: "offset past the end", query: url.Values{"offset": {"50"}},
			wantStatus: http.StatusOK, want: []string{}},
		{name: "limit zero", query: url.Values{"limit": {"0"}}, wantStatus: http.StatusBadRequest},
		{name: "limit over 5000", query: url.Values{"limit": {"5001"}}, wantStatus: http.StatusBadRequest},
		{name: "unknown sort field", query: url.Values{"sort": {"cpu.asc"}}, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			var resp wireQuery
			c.expect(tt.wantStatus, http.MethodGet, pathDeviceQuery, tt.query, nil, &resp)
			if tt.wantStatus != http.StatusOK {
				return
			}
			if got := hostnamesOf(t, srv, resp.Resources); !slices.Equal(got, tt.want) {
				t.Errorf("page = %v, want %v", got, tt.want)
			}
			if resp.Meta.Pagination == nil || resp.Meta.Pagination.Total != 7 {
				t.Errorf("meta.pagination = %+v, want total 7", resp.Meta.Pagination)
			}
		})
	}
}

func TestDeviceDetails(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	fin, web := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "lnx-web-01")
	unknown := "0123456789abcdef0123456789abcdef"

	var viaGet, viaPost wireDevices
	c.expect(http.StatusOK, http.MethodGet, pathDeviceDetails, url.Values{"ids": {fin, web, unknown}}, nil, &viaGet)
	c.expect(http.StatusOK, http.MethodPost, pathDeviceDetails, nil, map[string]any{"ids": []string{fin, web, unknown}}, &viaPost)
	for name, resp := range map[string]wireDevices{"GET": viaGet, "POST": viaPost} {
		var names []string
		for _, d := range resp.Resources {
			names = append(names, d.Hostname)
			if d.CID == "" || d.DeviceID == "" || d.Status != "normal" {
				t.Errorf("%s: record %+v lacks cid or device_id, or status is not normal", name, d)
			}
		}
		if !slices.Equal(names, []string{"WIN-FIN-01", "lnx-web-01"}) {
			t.Errorf("%s: hostnames = %v, want [WIN-FIN-01 lnx-web-01]", name, names)
		}
		if len(resp.Errors) != 1 || resp.Errors[0].Code != http.StatusNotFound {
			t.Errorf("%s: errors = %+v, want one 404 for the unknown id", name, resp.Errors)
		}
	}
	if !slices.Contains(viaGet.Resources[0].Tags, "FalconGroupingTags/finance") {
		t.Errorf("WIN-FIN-01 tags = %v, want FalconGroupingTags/finance", viaGet.Resources[0].Tags)
	}

	tooMany := url.Values{}
	for i := 0; i <= defaultIDLimits.DetailsGet; i++ {
		tooMany.Add("ids", fmt.Sprintf("%032x", i))
	}
	status, body, _ := c.do(http.MethodGet, pathDeviceDetails, tooMany, nil)
	if status != http.StatusBadRequest {
		t.Errorf("GET with %d ids: status %d, want 400; body %.200s", defaultIDLimits.DetailsGet+1, status, body)
	}
}

func TestContainment(t *testing.T) {
	const delay = 300 * time.Millisecond
	srv := startServer(t, "degraded", Options{ContainDelay: delay})
	c := newClient(t, srv)
	fin, hr := aidOf(t, srv, "WIN-FIN-01"), aidOf(t, srv, "WIN-HR-02") // WIN-HR-02 is offline
	statusOf := func(aid string) string {
		t.Helper()
		var resp wireDevices
		c.expect(http.StatusOK, http.MethodGet, pathDeviceDetails, url.Values{"ids": {aid}}, nil, &resp)
		return resp.Resources[0].Status
	}
	act := func(action string, ids ...string) {
		t.Helper()
		var resp struct {
			Resources []struct {
				ID   string  `json:"id"`
				Path *string `json:"path"`
			} `json:"resources"`
		}
		c.expect(http.StatusAccepted, http.MethodPost, pathDeviceActions,
			url.Values{"action_name": {action}}, map[string]any{"ids": ids}, &resp)
		if len(resp.Resources) != len(ids) || resp.Resources[0].ID != ids[0] || resp.Resources[0].Path == nil {
			t.Errorf("%s answer resources = %+v, want one {id, path} per host", action, resp.Resources)
		}
	}

	// waitFor polls until aid has status want, and fails after a few
	// ContainDelays so that a slow timer does not make the test flaky.
	waitFor := func(aid, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * delay)
		for {
			got := statusOf(aid)
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("status of %s = %q, want %q within %v", aid, got, want, 10*delay)
			}
			time.Sleep(delay / 10)
		}
	}

	act("contain", fin, hr)
	contained := time.Now()
	if got := statusOf(fin); got != "containment_pending" {
		t.Errorf("status right after contain = %q, want containment_pending", got)
	}
	waitFor(fin, "contained")
	if waited := time.Since(contained); waited < delay-50*time.Millisecond {
		t.Errorf("host contained after %v, before ContainDelay %v", waited, delay)
	}
	time.Sleep(delay)
	if got := statusOf(hr); got != "containment_pending" {
		t.Errorf("offline host status after ContainDelay = %q, want containment_pending", got)
	}
	hostNamed(t, srv.Fleet(), "WIN-HR-02").SetOnline(true)
	waitFor(hr, "contained")

	act("lift_containment", fin)
	if got := statusOf(fin); got != "lift_containment_pending" {
		t.Errorf("status right after lift = %q, want lift_containment_pending", got)
	}
	waitFor(fin, "normal")

	var actions []string
	for _, rec := range srv.Commands() {
		if rec.Endpoint == pathDeviceActions {
			actions = append(actions, rec.Hostname+" "+rec.BaseCommand)
		}
	}
	want := []string{"WIN-FIN-01 contain", "WIN-HR-02 contain", "WIN-FIN-01 lift_containment"}
	if !slices.Equal(actions, want) {
		t.Errorf("command log actions = %v, want %v", actions, want)
	}

	for _, action := range []string{"hide_host", "", "isolate"} {
		status, body, _ := c.do(http.MethodPost, pathDeviceActions,
			url.Values{"action_name": {action}}, map[string]any{"ids": []string{fin}})
		if status != http.StatusBadRequest {
			t.Errorf("action %q: status %d, want 400; body %s", action, status, body)
		}
	}
}
