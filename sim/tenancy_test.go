package sim

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// childCID is the member CID of the tenancy tests, in the upper case that
// the Falcon console shows.
const childCID = "0123456789ABCDEF0123456789ABCDEF"

// childHosts are the demo hosts that the tenancy tests place under
// childCID.
var childHosts = []string{"WIN-FIN-01", "lnx-web-01"}

func startTenancyServer(t *testing.T) *Server {
	t.Helper()
	return startServer(t, "demo", Options{ChildCIDs: map[string][]string{childCID: childHosts}})
}

func TestMemberCIDTokenRequest(t *testing.T) {
	srv := startTenancyServer(t)
	tests := []struct {
		name        string
		memberCID   string
		wantStatus  int
		wantMessage string
	}{
		{name: "no member CID", memberCID: "", wantStatus: http.StatusCreated},
		{name: "child in upper case", memberCID: childCID, wantStatus: http.StatusCreated},
		{name: "child in lower case", memberCID: strings.ToLower(childCID), wantStatus: http.StatusCreated},
		{name: "console form with checksum", memberCID: childCID + "-A7", wantStatus: http.StatusForbidden,
			wantMessage: "Failed to generate access token for customer ID=" + childCID + "-A7"},
		{name: "unknown child", memberCID: strings.Repeat("f", 32), wantStatus: http.StatusForbidden,
			wantMessage: "Failed to generate access token for customer ID=" + strings.Repeat("f", 32)},
		{name: "parent's own CID", memberCID: srv.Fleet().CID(), wantStatus: http.StatusForbidden},
		{name: "not hex", memberCID: "child-one", wantStatus: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{}
			if tt.memberCID != "" {
				form.Set("member_cid", tt.memberCID)
			}
			status, body, _ := requestToken(t, srv, form)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if status != http.StatusCreated {
				checkErrorEnvelope(t, body, status, tt.wantMessage)
			}
		})
	}
}

func TestMemberCIDScopesHosts(t *testing.T) {
	srv := startTenancyServer(t)
	var parentHosts []string
	for _, h := range srv.Fleet().Hosts() {
		if !slices.Contains(childHosts, h.Hostname()) {
			parentHosts = append(parentHosts, h.Hostname())
		}
	}
	parent := clientWithToken(t, srv, nil)
	child := clientWithToken(t, srv, url.Values{"member_cid": {childCID}})
	parentCID, lowerChild := srv.Fleet().CID(), strings.ToLower(childCID)
	allIDs := url.Values{}
	for _, h := range srv.Fleet().Hosts() {
		allIDs.Add("ids", h.AID())
	}

	tests := []struct {
		name      string
		c         *apiClient
		wantHosts []string
		wantCID   string
	}{
		{name: "parent token", c: parent, wantHosts: parentHosts, wantCID: parentCID},
		{name: "child token", c: child, wantHosts: childHosts, wantCID: lowerChild},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var query wireQuery
			tt.c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, &query)
			if got := hostnamesOf(t, srv, query.Resources); !slices.Equal(got, tt.wantHosts) {
				t.Errorf("device query = %v, want %v", got, tt.wantHosts)
			}

			var details wireDevices
			tt.c.expect(http.StatusOK, http.MethodGet, pathDeviceDetails, allIDs, nil, &details)
			var names []string
			for _, d := range details.Resources {
				names = append(names, d.Hostname)
				if d.CID != tt.wantCID {
					t.Errorf("%s has cid %q, want %q", d.Hostname, d.CID, tt.wantCID)
				}
			}
			if !slices.Equal(names, tt.wantHosts) {
				t.Errorf("device details = %v, want %v", names, tt.wantHosts)
			}
			wantHidden := len(srv.Fleet().Hosts()) - len(tt.wantHosts)
			if len(details.Errors) != wantHidden {
				t.Errorf("device details errors = %d entries, want %d (one per host of the other CID)",
					len(details.Errors), wantHidden)
			}

			var combined wireCombined
			tt.c.expect(http.StatusOK, http.MethodGet, pathCombinedDevices, url.Values{"sort": {"hostname.asc"}},
				nil, &combined)
			if got := combined.hostnames(); !slices.Equal(got, tt.wantHosts) {
				t.Errorf("combined devices = %v, want %v", got, tt.wantHosts)
			}
		})
	}
}

func TestMemberCIDScopesContainment(t *testing.T) {
	srv := startTenancyServer(t)
	parent := clientWithToken(t, srv, nil)
	fin := aidOf(t, srv, "WIN-FIN-01") // under the child

	var resp struct {
		Resources []struct {
			ID string `json:"id"`
		} `json:"resources"`
		Errors []wireError `json:"errors"`
	}
	parent.expect(http.StatusAccepted, http.MethodPost, pathDeviceActions, url.Values{"action_name": {"contain"}},
		map[string]any{"ids": []string{fin}}, &resp)
	if len(resp.Resources) != 0 || len(resp.Errors) != 1 || resp.Errors[0].Code != http.StatusNotFound {
		t.Errorf("contain of a child's host with the parent's token: resources %v errors %v, "+
			"want none and one 404", resp.Resources, resp.Errors)
	}
	if got := hostNamed(t, srv.Fleet(), "WIN-FIN-01").Info().Containment; got != "normal" {
		t.Errorf("containment = %q, want normal", got)
	}
}

func TestChildCIDOptionErrors(t *testing.T) {
	tests := []struct {
		name     string
		children func(t *testing.T) map[string][]string
		want     string
	}{
		{name: "checksum suffix",
			children: func(*testing.T) map[string][]string { return map[string][]string{childCID + "-A7": nil} },
			want:     "drop any -XX checksum suffix"},
		{name: "unknown host",
			children: func(*testing.T) map[string][]string { return map[string][]string{childCID: {"WIN-NOPE"}} },
			want:     `names host "WIN-NOPE", which is not in the fleet`},
		{name: "host under two children",
			children: func(*testing.T) map[string][]string {
				return map[string][]string{childCID: {"WIN-FIN-01"}, strings.Repeat("a", 32): {"WIN-FIN-01"}}
			},
			want: "placed under two child CIDs"},
		{name: "same child twice",
			children: func(*testing.T) map[string][]string {
				return map[string][]string{childCID: nil, strings.ToLower(childCID): nil}
			},
			want: "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Options{Fleet: demoFleet(t), HTTP: true, ChildCIDs: tt.children(t)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("parent CID as child", func(t *testing.T) {
		f := demoFleet(t)
		_, err := New(Options{Fleet: f, HTTP: true, ChildCIDs: map[string][]string{strings.ToUpper(f.CID()): nil}})
		if err == nil || !strings.Contains(err.Error(), "is the fleet's own CID") {
			t.Errorf("New error %v, want one naming the fleet's own CID", err)
		}
	})
}

func TestMemberCIDScopesBatchInit(t *testing.T) {
	srv := startTenancyServer(t)
	fin := aidOf(t, srv, "WIN-FIN-01") // under the child
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantCodes  []int
	}{
		{name: "parent token", form: nil, wantStatus: http.StatusNotFound, wantCodes: []int{40401}},
		{name: "child token", form: url.Values{"member_cid": {childCID}}, wantStatus: http.StatusCreated,
			wantCodes: []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clientWithToken(t, srv, tt.form)
			var resp wireBatchInit
			c.expect(tt.wantStatus, http.MethodPost, pathBatchInit, nil,
				map[string]any{"host_ids": []string{fin}}, &resp)
			if got := errorCodes(resp.Resources[fin].Errors); !slices.Equal(got, tt.wantCodes) {
				t.Errorf("per-host error codes %v, want %v", got, tt.wantCodes)
			}
		})
	}
}

func TestBatchOfOtherCIDNotFound(t *testing.T) {
	srv := startTenancyServer(t)
	child := clientWithToken(t, srv, url.Values{"member_cid": {childCID}})
	parent := clientWithToken(t, srv, nil)
	batchID, _ := initBatch(t, child, "lnx-web-01")

	tests := []struct {
		name string
		path string
		body map[string]any
	}{
		{name: "command", path: pathBatchCommand,
			body: map[string]any{"base_command": "pwd", "command_string": "pwd", "batch_id": batchID}},
		{name: "refresh", path: pathBatchRefresh, body: map[string]any{"batch_id": batchID}},
		{name: "get", path: pathBatchGet, body: map[string]any{"batch_id": batchID, "file_path": "/etc/hosts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := parent.do(http.MethodPost, tt.path, nil, tt.body)
			if status != http.StatusBadRequest || !strings.Contains(string(body), "could not find batch session") {
				t.Errorf("parent token on the child's batch: status %d body %s, want 400 could not find batch session",
					status, body)
			}
		})
	}
	runBatch(t, child, pathBatchCommand, batchID, "pwd", nil) // the child's token still reaches it
}
