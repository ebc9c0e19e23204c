package sim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// wireOnlineState is one online-state entry as a client reads it. State
// is raw so that a null can be distinguished from a missing field.
type wireOnlineState struct {
	ID       string          `json:"id"`
	CID      string          `json:"cid"`
	State    json.RawMessage `json:"state"`
	LastSeen string          `json:"last_seen"`
}

type wireOnlineStates struct {
	Meta      wireMeta          `json:"meta"`
	Resources []wireOnlineState `json:"resources"`
	Errors    []wireError       `json:"errors"`
}

// statesByHost requests the online state of the named hosts and returns
// each entry's raw state by hostname.
func statesByHost(t *testing.T, c *apiClient, hostnames ...string) map[string]string {
	t.Helper()
	q := url.Values{}
	byAID := map[string]string{}
	for _, name := range hostnames {
		aid := aidOf(t, c.srv, name)
		q.Add("ids", aid)
		byAID[aid] = name
	}
	var resp wireOnlineStates
	c.expect(http.StatusOK, http.MethodGet, pathOnlineState, q, nil, &resp)
	if len(resp.Errors) != 0 {
		t.Errorf("errors = %+v, want none", resp.Errors)
	}
	got := map[string]string{}
	for _, e := range resp.Resources {
		got[byAID[e.ID]] = string(e.State)
		if e.CID != c.srv.Fleet().CID() {
			t.Errorf("%s: cid %q, want the fleet's %q", byAID[e.ID], e.CID, c.srv.Fleet().CID())
		}
		if _, err := time.Parse(time.RFC3339, e.LastSeen); err != nil {
			t.Errorf("%s: last_seen %q is not an RFC 3339 time", byAID[e.ID], e.LastSeen)
		}
	}
	return got
}

func TestOnlineState(t *testing.T) {
	hosts := []string{"WIN-FIN-01", "WIN-HR-02", "WIN-DC-01"}
	tests := []struct {
		name string
		opts Options
		want map[string]string
	}{
		// In the degraded fleet WIN-HR-02 is offline and WIN-DC-01 online
		// but unreachable over RTR, which online state does not show.
		{name: "online and offline", opts: Options{},
			want: map[string]string{"WIN-FIN-01": `"online"`, "WIN-HR-02": `"offline"`, "WIN-DC-01": `"online"`}},
		{name: "null for a named host", opts: Options{NullStateHosts: []string{"WIN-DC-01"}},
			want: map[string]string{"WIN-FIN-01": `"online"`, "WIN-HR-02": `"offline"`, "WIN-DC-01": "null"}},
		{name: "null for every host by fault", opts: Options{Faults: Faults{Rules: []Fault{
			{Kind: FaultNullState, Probability: 1}}}},
			want: map[string]string{"WIN-FIN-01": "null", "WIN-HR-02": "null", "WIN-DC-01": "null"}},
		{name: "fault with probability zero", opts: Options{Faults: Faults{Rules: []Fault{
			{Kind: FaultNullState, Probability: 0}}}},
			want: map[string]string{"WIN-FIN-01": `"online"`, "WIN-HR-02": `"offline"`, "WIN-DC-01": `"online"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, "degraded", tt.opts)
			got := statesByHost(t, newClient(t, srv), hosts...)
			for _, name := range hosts {
				if got[name] != tt.want[name] {
					t.Errorf("%s: state %s, want %s", name, got[name], tt.want[name])
				}
			}
		})
	}
}

func TestOnlineStateNullFaultIsSeeded(t *testing.T) {
	spec := "null-state:0.5,seed:3"
	hosts := []string{"WIN-FIN-01", "WIN-HR-02", "WIN-DC-01", "lnx-web-01", "lnx-db-02", "mac-dev-01", "mac-ceo-02"}
	run := func() map[string]string {
		srv := startFaultServer(t, "demo", spec)
		return statesByHost(t, newClient(t, srv), hosts...)
	}
	first, second := run(), run()
	nulls := 0
	for _, name := range hosts {
		if first[name] != second[name] {
			t.Errorf("%s: state %s in one run and %s in the other, with the same seed", name, first[name], second[name])
		}
		if first[name] == "null" {
			nulls++
		}
	}
	if nulls == 0 || nulls == len(hosts) {
		t.Errorf("%d of %d states are null at probability 0.5 with seed 3; want some but not all", nulls, len(hosts))
	}
}

func TestOnlineStateErrors(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	unknown := strings.Repeat("ab", 16)

	var resp wireOnlineStates
	c.expect(http.StatusOK, http.MethodGet, pathOnlineState,
		url.Values{"ids": {aidOf(t, srv, "lnx-web-01"), unknown}}, nil, &resp)
	if len(resp.Resources) != 1 || len(resp.Errors) != 1 || resp.Errors[0].Code != http.StatusNotFound {
		t.Errorf("one known and one unknown id: %d entries and errors %+v, want 1 and one 404",
			len(resp.Resources), resp.Errors)
	}

	status, body, _ := c.do(http.MethodGet, pathOnlineState, nil, nil)
	if status != http.StatusBadRequest {
		t.Fatalf("no ids: status %d, want 400; body %s", status, body)
	}
	checkErrorEnvelope(t, body, http.StatusBadRequest, "")
}
