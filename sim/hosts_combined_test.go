package sim

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
)

// wireCombined is the combined devices response as a client reads it.
type wireCombined struct {
	Meta struct {
		TraceID    string `json:"trace_id"`
		Pagination *struct {
			Offset *string `json:"offset"`
			Limit  int     `json:"limit"`
			Total  *int    `json:"total"`
			Next   string  `json:"next"`
		} `json:"pagination"`
	} `json:"meta"`
	Resources []map[string]json.RawMessage `json:"resources"`
	Errors    []wireError                  `json:"errors"`
}

// field returns a string field of record i.
func (w wireCombined) field(i int, name string) string {
	var v string
	_ = json.Unmarshal(w.Resources[i][name], &v)
	return v
}

func (w wireCombined) hostnames() []string {
	names := []string{}
	for i := range w.Resources {
		names = append(names, w.field(i, "hostname"))
	}
	return names
}

func TestCombinedDevicesPaging(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	var want []string
	for _, h := range srv.Fleet().Hosts() {
		want = append(want, h.AID())
	}
	sort.Strings(want) // the default order is device_id.asc

	var got []string
	offset := ""
	for page := 1; ; page++ {
		q := url.Values{"limit": {"3"}}
		if offset != "" {
			q.Set("offset", offset)
		}
		var resp wireCombined
		c.expect(http.StatusOK, http.MethodGet, pathCombinedDevices, q, nil, &resp)
		p := resp.Meta.Pagination
		if p == nil || p.Offset == nil || p.Total == nil {
			t.Fatalf("page %d: pagination %+v lacks offset or total", page, p)
		}
		if *p.Offset != offset || *p.Total != len(want) || p.Limit != 3 {
			t.Errorf("page %d: pagination offset %q total %d limit %d, want %q, %d and 3",
				page, *p.Offset, *p.Total, p.Limit, offset, len(want))
		}
		for i := range resp.Resources {
			got = append(got, resp.field(i, "device_id"))
		}
		if p.Next == "" {
			if len(resp.Resources) != 1 {
				t.Errorf("last page has %d records, want 1", len(resp.Resources))
			}
			break
		}
		if len(resp.Resources) != 3 {
			t.Errorf("page %d has %d records, want 3", page, len(resp.Resources))
		}
		if page > len(want) {
			t.Fatalf("paging does not end: next %q after page %d", p.Next, page)
		}
		offset = p.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages hold %v, want every AID once in order %v", got, want)
	}
}

func TestCombinedDevicesFilterSortFields(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	tests := []struct {
		name      string
		query     url.Values
		wantHosts []string
		wantKeys  []string // nil: a whole record
	}{
		{name: "filter and sort", query: url.Values{"filter": {"platform_name:'Windows'"}, "sort": {"hostname.desc"}},
			wantHosts: []string{"WIN-HR-02", "WIN-FIN-01", "WIN-DC-01"}},
		{name: "fields", query: url.Values{"filter": {"hostname:'lnx-web-01'"}, "fields": {"hostname,device_id"}},
			wantHosts: []string{"lnx-web-01"}, wantKeys: []string{"cid", "device_id", "hostname"}},
		{name: "field the records lack", query: url.Values{"filter": {"hostname:'lnx-web-01'"},
			"fields": {"hostname,serial_number"}}, wantHosts: []string{"lnx-web-01"},
			wantKeys: []string{"cid", "device_id", "hostname"}},
		{name: "required fields only", query: url.Values{"filter": {"hostname:'lnx-web-01'"},
			"fields": {"device_id"}}, wantHosts: []string{""}, wantKeys: []string{"cid", "device_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp wireCombined
			c.expect(http.StatusOK, http.MethodGet, pathCombinedDevices, tt.query, nil, &resp)
			if got := resp.hostnames(); !slices.Equal(got, tt.wantHosts) {
				t.Errorf("hostnames %v, want %v", got, tt.wantHosts)
			}
			for i, rec := range resp.Resources {
				keys := slices.Sorted(maps.Keys(rec))
				if tt.wantKeys != nil && !slices.Equal(keys, tt.wantKeys) {
					t.Errorf("record %d has fields %v, want %v", i, keys, tt.wantKeys)
				}
				if tt.wantKeys == nil && (rec["cid"] == nil || rec["status"] == nil || rec["last_seen"] == nil) {
					t.Errorf("record %d lacks cid, status or last_seen: %v", i, keys)
				}
			}
		})
	}
}

func TestCombinedDevicesRejects(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	var first wireCombined
	c.expect(http.StatusOK, http.MethodGet, pathCombinedDevices, url.Values{"limit": {"2"}}, nil, &first)
	next := first.Meta.Pagination.Next

	tests := []struct {
		name  string
		query url.Values
		want  string
	}{
		{name: "limit zero", query: url.Values{"limit": {"0"}}, want: "from 1 to 10000"},
		{name: "limit above maximum", query: url.Values{"limit": {"10001"}}, want: "from 1 to 10000"},
		{name: "numeric offset", query: url.Values{"offset": {"2"}}, want: "pass meta.pagination.next"},
		{name: "cursor with another filter", query: url.Values{"offset": {next}, "limit": {"2"},
			"filter": {"platform_name:'Linux'"}}, want: "issued for another filter or sort"},
		{name: "cursor with another sort", query: url.Values{"offset": {next}, "limit": {"2"},
			"sort": {"hostname.asc"}}, want: "issued for another filter or sort"},
		{name: "filter outside the subset", query: url.Values{"filter": {"hostname:~'web'"}}, want: "invalid filter"},
		{name: "bad fields", query: url.Values{"fields": {"hostname,,device_id"}}, want: "invalid fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := c.do(http.MethodGet, pathCombinedDevices, tt.query, nil)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", status, body)
			}
			checkErrorEnvelope(t, body, http.StatusBadRequest, "")
			if !strings.Contains(string(body), tt.want) {
				t.Errorf("body %s does not contain %q", body, tt.want)
			}
		})
	}
}
