package sim

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"testing"
	"time"
)

type wireSessionIDs struct {
	Meta      wireMeta    `json:"meta"`
	Resources []string    `json:"resources"`
	Errors    []wireError `json:"errors"`
}

type wireSession struct {
	ID              string    `json:"id"`
	CID             string    `json:"cid"`
	DeviceID        string    `json:"device_id"`
	Hostname        string    `json:"hostname"`
	UserID          string    `json:"user_id"`
	UserUUID        string    `json:"user_uuid"`
	Origin          string    `json:"origin"`
	PlatformName    string    `json:"platform_name"`
	Pwd             string    `json:"pwd"`
	Duration        float64   `json:"duration"`
	CommandsQueued  bool      `json:"commands_queued"`
	CloudRequestIDs *[]string `json:"cloud_request_ids"`
	Logs            *[]struct {
		ID               int64  `json:"id"`
		SessionID        string `json:"session_id"`
		BaseCommand      string `json:"base_command"`
		CommandString    string `json:"command_string"`
		CloudRequestID   string `json:"cloud_request_id"`
		CurrentDirectory string `json:"current_directory"`
	} `json:"logs"`
	CreatedAt string  `json:"created_at"`
	DeletedAt *string `json:"deleted_at"`
}

type wireSessions struct {
	Meta      wireMeta      `json:"meta"`
	Resources []wireSession `json:"resources"`
	Errors    []wireError   `json:"errors"`
}

// sessionFixture opens sessions for the listing tests: single-host ones on
// WIN-FIN-01, lnx-web-01 and mac-dev-01 (in that order, a little apart),
// a batch on WIN-HR-02, and a session of another user on WIN-DC-01. It
// deletes the mac session.
type sessionFixture struct {
	srv                       *Server
	c                         *apiClient
	fin, web, mac, hr, others string
}

func newSessionFixture(t *testing.T) sessionFixture {
	t.Helper()
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	f := sessionFixture{srv: srv, c: c}
	f.fin = initSingle(t, c, "WIN-FIN-01", false)
	time.Sleep(5 * time.Millisecond)
	f.web = initSingle(t, c, "lnx-web-01", false)
	time.Sleep(5 * time.Millisecond)
	f.mac = initSingle(t, c, "mac-dev-01", false)
	time.Sleep(5 * time.Millisecond)
	_, init := initBatch(t, c, "WIN-HR-02")
	f.hr = init.Resources[aidOf(t, srv, "WIN-HR-02")].SessionID
	f.others = addForeignSession(t, srv, "WIN-DC-01")
	c.expect(http.StatusNoContent, http.MethodDelete, pathSessions, url.Values{"session_id": {f.mac}}, nil, nil)
	return f
}

// addForeignSession stores a session that another user of the CID opened,
// which the emulator's one API client cannot do through the API.
func addForeignSession(t *testing.T, srv *Server, hostname string) string {
	t.Helper()
	h := hostNamed(t, srv.Fleet(), hostname)
	now := time.Now()
	sess := &session{id: newUUID(), aid: h.AID(), host: h, shell: h.NewShell(), refreshedAt: now,
		createdAt: now, updatedAt: now, owner: "analyst@example.com", single: true}
	srv.mu.Lock()
	srv.sessions[sess.id] = sess
	srv.mu.Unlock()
	return sess.id
}

func TestListSessionIDs(t *testing.T) {
	f := newSessionFixture(t)
	c := f.c
	all := []string{f.others, f.hr, f.mac, f.web, f.fin} // newest first

	tests := []struct {
		name       string
		query      url.Values
		want       []string // in order
		wantTotal  int
		wantOffset int
		wantLimit  int
	}{
		{name: "defaults", query: url.Values{}, want: all, wantTotal: 5, wantLimit: 100},
		{name: "open sessions", query: url.Values{"filter": {"deleted_at:NULL"}},
			want: []string{f.others, f.hr, f.web, f.fin}, wantTotal: 4, wantLimit: 100},
		{name: "deleted sessions", query: url.Values{"filter": {"deleted_at:!null"}},
			want: []string{f.mac}, wantTotal: 1, wantLimit: 100},
		{name: "mine", query: url.Values{"filter": {"user_id:'@me'"}},
			want: []string{f.hr, f.mac, f.web, f.fin}, wantTotal: 4, wantLimit: 100},
		{name: "not mine", query: url.Values{"filter": {"user_id:!'@me'"}},
			want: []string{f.others}, wantTotal: 1, wantLimit: 100},
		{name: "hostname wildcard and platform", query: url.Values{"filter": {"hostname:*'WIN-*'+platform_name:'Windows'"}},
			want: []string{f.others, f.hr, f.fin}, wantTotal: 3, wantLimit: 100},
		{name: "oldest first", query: url.Values{"sort": {"created_at|asc"}},
			want: []string{f.fin, f.web, f.mac, f.hr, f.others}, wantTotal: 5, wantLimit: 100},
		{name: "documented sort example", query: url.Values{"sort": {"date_created|asc"}},
			want: []string{f.fin, f.web, f.mac, f.hr, f.others}, wantTotal: 5, wantLimit: 100},
		{name: "page", query: url.Values{"sort": {"created_at.asc"}, "offset": {"1"}, "limit": {"2"}},
			want: []string{f.web, f.mac}, wantTotal: 5, wantOffset: 1, wantLimit: 2},
		{name: "past the end", query: url.Values{"offset": {"9"}}, want: []string{}, wantTotal: 5, wantOffset: 9, wantLimit: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			var resp wireSessionIDs
			c.expect(http.StatusOK, http.MethodGet, pathSessionIDs, tt.query, nil, &resp)
			if !slices.Equal(resp.Resources, tt.want) {
				t.Errorf("ids = %v, want %v", resp.Resources, tt.want)
			}
			p := resp.Meta.Pagination
			if p == nil || p.Total != tt.wantTotal || p.Offset != tt.wantOffset || p.Limit != tt.wantLimit {
				t.Errorf("pagination = %+v, want offset %d limit %d total %d", p, tt.wantOffset, tt.wantLimit, tt.wantTotal)
			}
		})
	}
}

func TestListSessionIDsRejects(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	for name, query := range map[string]url.Values{
		"unknown field":  {"filter": {"bogus:'x'"}},
		"bad syntax":     {"filter": {"hostname:WIN"}},
		"bad sort field": {"sort": {"aid|asc"}},
		"bad direction":  {"sort": {"created_at|up"}},
		"limit zero":     {"limit": {"0"}},
		"limit too big":  {"limit": {"1001"}},
		"offset text":    {"offset": {"abc"}},
		"negative":       {"offset": {"-1"}},
	} {
		t.Run(name, func(t *testing.T) {
			c.t = t
			expectHostError(t, c, http.StatusBadRequest, http.MethodGet, pathSessionIDs, query, nil, 400)
		})
	}
}

func TestSessionEntities(t *testing.T) {
	f := newSessionFixture(t)
	c := f.c
	ls, _ := execute(t, c, pathStatusCommand, f.fin, `ls C:\Windows`, false)
	runBatch(t, c, pathBatchCommand, batchOf(t, f.srv, f.hr), `cd C:\Windows`, nil)

	tests := []struct {
		name       string
		ids        []string
		wantStatus int
		wantIDs    []string
		wantErrors int
	}{
		{name: "own sessions", ids: []string{f.fin, f.hr}, wantStatus: http.StatusOK, wantIDs: []string{f.fin, f.hr}},
		{name: "another user's session is left out", ids: []string{f.fin, f.others}, wantStatus: http.StatusOK,
			wantIDs: []string{f.fin}},
		{name: "only another user's", ids: []string{f.others}, wantStatus: http.StatusOK, wantIDs: []string{}},
		{name: "unknown id", ids: []string{f.web, newUUID()}, wantStatus: http.StatusOK, wantIDs: []string{f.web}, wantErrors: 1},
		{name: "only unknown ids", ids: []string{newUUID()}, wantStatus: http.StatusNotFound, wantIDs: []string{}, wantErrors: 1},
		{name: "no ids", ids: []string{}, wantStatus: http.StatusBadRequest, wantIDs: []string{}, wantErrors: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			var resp wireSessions
			c.expect(tt.wantStatus, http.MethodPost, pathSessionEntities, nil, map[string]any{"ids": tt.ids}, &resp)
			var got []string
			for _, s := range resp.Resources {
				got = append(got, s.ID)
			}
			if !slices.Equal(nonNil(got), tt.wantIDs) || len(resp.Errors) != tt.wantErrors {
				t.Errorf("ids %v with %d errors, want %v with %d", got, len(resp.Errors), tt.wantIDs, tt.wantErrors)
			}
		})
	}

	c.t = t
	var resp wireSessions
	c.expect(http.StatusOK, http.MethodPost, pathSessionEntities, nil, map[string]any{"ids": []string{f.fin, f.hr}}, &resp)
	fin, hr := resp.Resources[0], resp.Resources[1]
	if fin.DeviceID != aidOf(t, f.srv, "WIN-FIN-01") || fin.Hostname != "WIN-FIN-01" || fin.UserID != f.srv.ClientID() ||
		fin.Origin != "rtrplay-test" || fin.PlatformName != "Windows" || fin.CID == "" || !isUUID(fin.UserUUID) {
		t.Errorf("session record = %+v, want WIN-FIN-01's, opened by the API client", fin)
	}
	if fin.DeletedAt != nil || fin.Duration <= 0 {
		t.Errorf("open session deleted_at = %v, duration = %v; want null and above 0", fin.DeletedAt, fin.Duration)
	}
	if fin.Logs == nil || len(*fin.Logs) != 1 || (*fin.Logs)[0].CloudRequestID != ls ||
		(*fin.Logs)[0].CommandString != `ls C:\Windows` || (*fin.Logs)[0].CurrentDirectory != `C:\` {
		t.Errorf("logs = %+v, want the ls at C:\\", fin.Logs)
	}
	if fin.CloudRequestIDs == nil || !slices.Equal(*fin.CloudRequestIDs, []string{ls}) {
		t.Errorf("cloud_request_ids = %v, want [%s]", fin.CloudRequestIDs, ls)
	}
	if hr.Pwd != `C:\Windows` || len(*hr.Logs) != 1 || (*hr.Logs)[0].CurrentDirectory != `C:\Windows` {
		t.Errorf("batch session pwd %q, logs %+v; want C:\\Windows after cd", hr.Pwd, hr.Logs)
	}
}

// batchOf returns the batch that holds a session.
func batchOf(t *testing.T, srv *Server, sessionID string) string {
	t.Helper()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for id, b := range srv.batches {
		for _, sess := range b.sessions {
			if sess.id == sessionID {
				return id
			}
		}
	}
	t.Fatalf("no batch holds session %s", sessionID)
	return ""
}

func TestExpiredSessionIsDeleted(t *testing.T) {
	srv := startServer(t, "demo", Options{SessionTTL: 30 * time.Millisecond})
	c := newClient(t, srv)
	id := initSingle(t, c, "WIN-FIN-01", false)
	time.Sleep(50 * time.Millisecond)
	var ids wireSessionIDs
	c.expect(http.StatusOK, http.MethodGet, pathSessionIDs, url.Values{"filter": {"deleted_at:null"}}, nil, &ids)
	if len(ids.Resources) != 0 {
		t.Errorf("open sessions = %v, want none after expiry", ids.Resources)
	}
	var resp wireSessions
	c.expect(http.StatusOK, http.MethodPost, pathSessionEntities, nil, map[string]any{"ids": []string{id}}, &resp)
	if len(resp.Resources) != 1 || resp.Resources[0].DeletedAt == nil {
		t.Fatalf("expired session = %+v, want one with deleted_at", resp.Resources)
	}
	deleted, _ := time.Parse(time.RFC3339Nano, *resp.Resources[0].DeletedAt)
	created, _ := time.Parse(time.RFC3339Nano, resp.Resources[0].CreatedAt)
	if got := deleted.Sub(created); got != 30*time.Millisecond {
		t.Errorf("deleted_at - created_at = %s, want the 30ms idle lifetime", got)
	}
	// Deleting an expired session is "could not find session".
	expectHostError(t, c, http.StatusBadRequest, http.MethodDelete, pathSessions, url.Values{"session_id": {id}}, nil, 400)
}

func TestSessionAudit(t *testing.T) {
	f := newSessionFixture(t)
	c := f.c
	execute(t, c, pathStatusCommand, f.web, "pwd", false)

	tests := []struct {
		name         string
		query        url.Values
		want         []string
		wantCommands bool
	}{
		{name: "every user's sessions", query: url.Values{}, want: []string{f.others, f.hr, f.mac, f.web, f.fin}},
		{name: "with command info", query: url.Values{"with_command_info": {"true"}, "filter": {"hostname:'lnx-web-01'"}},
			want: []string{f.web}, wantCommands: true},
		{name: "deleted first by deleted_at", query: url.Values{"sort": {"deleted_at|asc"}, "limit": {"1"}},
			want: []string{f.mac}},
		{name: "updated_at ascending", query: url.Values{"sort": {"updated_at.asc"}, "filter": {"user_id:'@me'"}},
			want: []string{f.fin, f.hr, f.mac, f.web}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, body, _ := c.do(http.MethodGet, pathSessionAudit, tt.query, nil)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", status, body)
			}
			var resp wireSessions
			decodeJSON(t, body, &resp)
			var got []string
			for _, s := range resp.Resources {
				got = append(got, s.ID)
				if s.Logs == nil || s.CloudRequestIDs == nil {
					t.Fatalf("session %s lacks logs or cloud_request_ids", s.ID)
				}
				if s.ID == f.web && (len(*s.Logs) == 1) != tt.wantCommands {
					t.Errorf("lnx-web-01 logs = %+v; want the pwd only with command info", *s.Logs)
				}
				if !tt.wantCommands && (len(*s.Logs) != 0 || len(*s.CloudRequestIDs) != 0) {
					t.Errorf("session %s has command info without with_command_info", s.ID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("audit ids = %v, want %v", got, tt.want)
			}
		})
	}

	for name, query := range map[string]url.Values{
		"limit zero":         {"limit": {"0"}},
		"limit over 1000":    {"limit": {"1001"}},
		"sort outside enum":  {"sort": {"hostname|asc"}},
		"bad command info":   {"with_command_info": {"yes please"}},
		"filter on nonfield": {"filter": {"aid:'x'"}},
	} {
		t.Run(name, func(t *testing.T) {
			c.t = t
			expectHostError(t, c, http.StatusBadRequest, http.MethodGet, pathSessionAudit, query, nil, 400)
		})
	}
}

func TestSessionListsFollowTheCaller(t *testing.T) {
	f := newSessionFixture(t)
	var ids wireSessionIDs
	f.c.expect(http.StatusOK, http.MethodGet, pathSessionIDs, nil, nil, &ids)
	got := append([]string(nil), ids.Resources...)
	sort.Strings(got)
	want := []string{f.fin, f.web, f.mac, f.hr, f.others}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("ids = %v, want every session of the CID %v", got, want)
	}
}
