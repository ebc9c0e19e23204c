package sim

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseIDLimits(t *testing.T) {
	tests := []struct {
		spec    string
		want    IDLimits
		wantErr string
	}{
		{spec: "", want: IDLimits{}},
		{spec: "details-get=10,online-state=5", want: IDLimits{DetailsGet: 10, OnlineState: 5}},
		{spec: "details-post=50, actions=2, html-above=20", want: IDLimits{DetailsPost: 50, Actions: 2, HTMLAbove: 20}},
		{spec: "details=10", wantErr: "details-get, details-post, online-state, actions, html-above"},
		{spec: "actions", wantErr: "write name=N"},
		{spec: "actions=0", wantErr: `"0" is not a whole number of 1 or more`},
		{spec: "actions=many", wantErr: `"many" is not a whole number`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseIDLimits(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseIDLimits(%q) error %v, want one containing %q", tt.spec, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseIDLimits(%q): %v", tt.spec, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseIDLimits(%q) = %+v, want %+v", tt.spec, got, tt.want)
			}
		})
	}
}

func TestIDLimits(t *testing.T) {
	tests := []struct {
		name     string
		limits   IDLimits
		method   string
		path     string
		ids      int
		wantCode int
		wantHTML bool
		wantText string
	}{
		{name: "details GET at its limit", method: http.MethodGet, path: pathDeviceDetails, ids: 100,
			wantCode: http.StatusOK},
		{name: "details GET over its limit", method: http.MethodGet, path: pathDeviceDetails, ids: 101,
			wantCode: http.StatusBadRequest, wantText: "request must contain between 0 and 100 ids"},
		{name: "details GET at the HTML threshold", method: http.MethodGet, path: pathDeviceDetails, ids: 500,
			wantCode: http.StatusBadRequest, wantText: "between 0 and 100 ids"},
		{name: "details GET past the HTML threshold", method: http.MethodGet, path: pathDeviceDetails, ids: 501,
			wantCode: http.StatusBadRequest, wantHTML: true},
		{name: "online state over its limit", method: http.MethodGet, path: pathOnlineState, ids: 101,
			wantCode: http.StatusBadRequest, wantText: "between 0 and 100 ids"},
		{name: "online state past the HTML threshold", method: http.MethodGet, path: pathOnlineState, ids: 501,
			wantCode: http.StatusBadRequest, wantHTML: true},
		{name: "details POST at its limit", method: http.MethodPost, path: pathDeviceDetails, ids: 5000,
			wantCode: http.StatusOK},
		{name: "details POST over its limit", method: http.MethodPost, path: pathDeviceDetails, ids: 5001,
			wantCode: http.StatusBadRequest, wantText: "between 0 and 5000 ids"},
		{name: "actions over their limit", method: http.MethodPost, path: pathDeviceActions, ids: 101,
			wantCode: http.StatusBadRequest, wantText: "between 0 and 100 ids"},
		{name: "configured GET limit", limits: IDLimits{DetailsGet: 5, HTMLAbove: 8},
			method: http.MethodGet, path: pathDeviceDetails, ids: 6,
			wantCode: http.StatusBadRequest, wantText: "between 0 and 5 ids"},
		{name: "configured HTML threshold", limits: IDLimits{DetailsGet: 5, HTMLAbove: 8},
			method: http.MethodGet, path: pathDeviceDetails, ids: 9,
			wantCode: http.StatusBadRequest, wantHTML: true},
		{name: "POST never gets HTML", limits: IDLimits{DetailsPost: 10, HTMLAbove: 8},
			method: http.MethodPost, path: pathDeviceDetails, ids: 600,
			wantCode: http.StatusBadRequest, wantText: "between 0 and 10 ids"},
		{name: "configured actions limit", limits: IDLimits{Actions: 2},
			method: http.MethodPost, path: pathDeviceActions, ids: 3,
			wantCode: http.StatusBadRequest, wantText: "between 0 and 2 ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, "demo", Options{IDLimits: tt.limits})
			c := newClient(t, srv)
			ids := idsQuery(tt.ids)
			var status int
			var body []byte
			var header http.Header
			if tt.method == http.MethodGet {
				status, body, header = c.do(tt.method, tt.path, ids, nil)
			} else {
				query := map[string][]string{}
				if tt.path == pathDeviceActions {
					query["action_name"] = []string{"contain"}
				}
				status, body, header = c.do(tt.method, tt.path, query, map[string]any{"ids": ids["ids"]})
			}
			if status != tt.wantCode {
				t.Fatalf("status %d, want %d; body %.300s", status, tt.wantCode, body)
			}
			contentType := header.Get("Content-Type")
			if tt.wantHTML {
				if !strings.HasPrefix(contentType, "text/html") || !strings.Contains(string(body), "<html>") {
					t.Errorf("Content-Type %q, body %.100q: want an HTML page", contentType, body)
				}
				return
			}
			if !strings.HasPrefix(contentType, "application/json") {
				t.Errorf("Content-Type %q, want application/json", contentType)
			}
			if !strings.Contains(string(body), tt.wantText) {
				t.Errorf("body %.300s does not contain %q", body, tt.wantText)
			}
		})
	}
}
