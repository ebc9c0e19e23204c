package rtr

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim"
)

// sessionFixture is an emulator with three sessions: a batch session on
// WIN-FIN-01 and WIN-HR-02 that ran ls, and a single-host session on
// WIN-FIN-01 that ran pwd.
type sessionFixture struct {
	srv          *sim.Server
	c            *Client
	fin, hr      string
	batchFin     string // session ids
	batchHR      string
	single       string
	singleTaskID string
	all          []string
}

func newSessionFixture(t *testing.T) *sessionFixture {
	t.Helper()
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	fx := &sessionFixture{srv: srv, c: c, fin: simHostID(t, srv, "WIN-FIN-01"), hr: simHostID(t, srv, "WIN-HR-02")}
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{fx.fin, fx.hr}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	if _, err := c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{BatchID: init.BatchID,
		BaseCommand: "ls", CommandString: "ls"}); err != nil {
		t.Fatalf("BatchCommand: %v", err)
	}
	fx.batchFin, fx.batchHR = init.Hosts[fx.fin].SessionID, init.Hosts[fx.hr].SessionID
	// Creation times order the sessions; keep them apart.
	time.Sleep(5 * time.Millisecond)
	single, err := c.InitSession(ctx, InitSessionRequest{HostID: fx.fin, Origin: "fixture"})
	if err != nil {
		t.Fatalf("InitSession: %v", err)
	}
	fx.single = single.SessionID
	res, err := c.Execute(ctx, ReadOnly, ExecuteRequest{SessionID: fx.single, BaseCommand: "pwd", CommandString: "pwd"})
	if err != nil || res.Err() != nil {
		t.Fatalf("Execute pwd: %v, %v", err, res.Err())
	}
	fx.singleTaskID = res.TaskID
	fx.all = []string{fx.batchFin, fx.batchHR, fx.single}
	return fx
}

func TestSimQuerySessionIDs(t *testing.T) {
	fx := newSessionFixture(t)
	ctx := context.Background()
	tests := []struct {
		name      string
		q         ListQuery
		want      []string // in order when ordered is set
		ordered   bool
		wantTotal int
	}{
		{name: "every session", q: ListQuery{}, want: fx.all, wantTotal: 3},
		{name: "one host", q: ListQuery{Filter: "hostname:'WIN-FIN-01'"},
			want: []string{fx.batchFin, fx.single}, wantTotal: 2},
		{name: "own open sessions", q: ListQuery{Filter: "user_id:'@me'+deleted_at:null"}, want: fx.all, wantTotal: 3},
		{name: "oldest first page", q: ListQuery{Filter: "hostname:'WIN-FIN-01'", Sort: "created_at|asc", Limit: 1},
			want: []string{fx.batchFin}, ordered: true, wantTotal: 2},
		{name: "newest first page", q: ListQuery{Filter: "hostname:'WIN-FIN-01'", Sort: "created_at.desc", Limit: 1},
			want: []string{fx.single}, ordered: true, wantTotal: 2},
		{name: "offset past the end", q: ListQuery{Offset: 3}, want: nil, wantTotal: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, page, err := fx.c.QuerySessionIDs(ctx, tt.q)
			if err != nil {
				t.Fatalf("QuerySessionIDs: %v", err)
			}
			got := slices.Clone(ids)
			want := slices.Clone(tt.want)
			if !tt.ordered {
				slices.Sort(got)
				slices.Sort(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("ids = %v, want %v", got, want)
			}
			if page.Total != tt.wantTotal || page.Offset != tt.q.Offset {
				t.Errorf("page = %+v, want total %d at offset %d", page, tt.wantTotal, tt.q.Offset)
			}
		})
	}

	before := countRequests(fx.srv, http.MethodGet, pathSessionIDs)
	all, err := AllPages(ctx, ListQuery{Sort: "created_at|asc", Limit: 1}, fx.c.QuerySessionIDs)
	if err != nil {
		t.Fatalf("AllPages: %v", err)
	}
	if got := slices.Sorted(slices.Values(all)); !slices.Equal(got, slices.Sorted(slices.Values(fx.all))) {
		t.Errorf("all pages = %v, want %v", all, fx.all)
	}
	if all[2] != fx.single {
		t.Errorf("last of the oldest-first ids = %s, want the single-host session %s", all[2], fx.single)
	}
	if n := countRequests(fx.srv, http.MethodGet, pathSessionIDs) - before; n != 3 {
		t.Errorf("AllPages sent %d requests, want 3 pages of one id", n)
	}
}

func TestSimGetSessions(t *testing.T) {
	fx := newSessionFixture(t)
	ctx := context.Background()
	if err := fx.c.DeleteSession(ctx, fx.batchHR); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	unknown := "5e550000-0000-4000-8000-000000000009"
	fx.c.limits.SessionDetails = 2 // three ids in two requests
	before := countRequests(fx.srv, http.MethodPost, pathSessionEntities)
	sessions, err := fx.c.GetSessions(ctx, append(slices.Clone(fx.all), unknown))
	if err != nil {
		t.Fatalf("GetSessions: %v", err)
	}
	if n := countRequests(fx.srv, http.MethodPost, pathSessionEntities) - before; n != 2 {
		t.Errorf("requests = %d, want 2 chunks of at most 2 ids", n)
	}
	byID := map[string]Session{}
	for _, s := range sessions {
		byID[s.ID] = s
	}
	if len(byID) != 3 {
		t.Fatalf("sessions = %d (%v), want the 3 known ones", len(byID), sessions)
	}

	tests := []struct {
		name     string
		id       string
		aid      string
		hostname string
		origin   string
		open     bool
		commands []string
	}{
		{name: "batch session", id: fx.batchFin, aid: fx.fin, hostname: "WIN-FIN-01", open: true, commands: []string{"ls"}},
		{name: "deleted batch session", id: fx.batchHR, aid: fx.hr, hostname: "WIN-HR-02", open: false,
			commands: []string{"ls"}},
		{name: "single-host session", id: fx.single, aid: fx.fin, hostname: "WIN-FIN-01", origin: "fixture", open: true,
			commands: []string{"pwd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := byID[tt.id]
			if s.AID != tt.aid || s.Hostname != tt.hostname || s.Origin != tt.origin {
				t.Errorf("aid, hostname, origin = %s, %s, %q; want %s, %s, %q",
					s.AID, s.Hostname, s.Origin, tt.aid, tt.hostname, tt.origin)
			}
			if s.Open() != tt.open {
				t.Errorf("open = %v (deleted at %v), want %v", s.Open(), s.DeletedAt, tt.open)
			}
			if s.CID == "" || s.UserID == "" || s.PlatformName != "Windows" || s.CreatedAt.IsZero() || s.Duration <= 0 {
				t.Errorf("record = %+v, want cid, user, platform Windows, creation time and duration", s)
			}
			var commands []string
			for _, l := range s.Logs {
				commands = append(commands, l.CommandString)
				if l.SessionID != tt.id || l.CloudRequestID == "" || l.CreatedAt.IsZero() || l.CurrentDirectory == "" {
					t.Errorf("log entry = %+v, want session, task id, time and directory", l)
				}
			}
			if !slices.Equal(commands, tt.commands) {
				t.Errorf("logged commands = %v, want %v", commands, tt.commands)
			}
			if len(s.CloudRequestIDs) != len(tt.commands) {
				t.Errorf("cloud request ids = %v, want %d", s.CloudRequestIDs, len(tt.commands))
			}
		})
	}
	if got := byID[fx.single].CloudRequestIDs; !slices.Equal(got, []string{fx.singleTaskID}) {
		t.Errorf("single-host cloud request ids = %v, want [%s]", got, fx.singleTaskID)
	}
}

func TestSimAuditSessions(t *testing.T) {
	fx := newSessionFixture(t)
	ctx := context.Background()
	tests := []struct {
		name      string
		q         AuditQuery
		wantIDs   []string // in order
		wantLogs  bool
		wantTotal int
	}{
		{name: "without commands", q: AuditQuery{ListQuery: ListQuery{Sort: "created_at|asc", Limit: 2}},
			wantIDs: nil, wantTotal: 3},
		{name: "with commands", q: AuditQuery{ListQuery: ListQuery{Filter: "id:'" + fx.single + "'"}, WithCommandInfo: true},
			wantIDs: []string{fx.single}, wantLogs: true, wantTotal: 1},
		{name: "newest first", q: AuditQuery{ListQuery: ListQuery{Sort: "created_at|desc", Limit: 1}},
			wantIDs: []string{fx.single}, wantTotal: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sessions, page, err := fx.c.AuditSessions(ctx, tt.q)
			if err != nil {
				t.Fatalf("AuditSessions: %v", err)
			}
			if page.Total != tt.wantTotal {
				t.Errorf("total = %d, want %d", page.Total, tt.wantTotal)
			}
			limit := tt.q.Limit
			if limit == 0 {
				limit = DefaultLimits.SessionQueryPage
			}
			if len(sessions) != min(limit, tt.wantTotal) {
				t.Errorf("sessions = %d, want %d", len(sessions), min(limit, tt.wantTotal))
			}
			for i, id := range tt.wantIDs {
				if sessions[i].ID != id {
					t.Errorf("session %d = %s, want %s", i, sessions[i].ID, id)
				}
			}
			for _, s := range sessions {
				if hasLogs := len(s.Logs) > 0 && len(s.CloudRequestIDs) > 0; hasLogs != tt.wantLogs {
					t.Errorf("session %s has logs %v, want %v", s.ID, hasLogs, tt.wantLogs)
				}
			}
		})
	}
}
