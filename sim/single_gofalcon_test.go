package sim

import (
	"context"
	"crypto/tls"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crowdstrike/gofalcon/falcon"
	"github.com/crowdstrike/gofalcon/falcon/client/real_time_response"
	"github.com/crowdstrike/gofalcon/falcon/client/real_time_response_audit"
	"github.com/crowdstrike/gofalcon/falcon/models"
	"golang.org/x/oauth2"

	"github.com/rtrplay/rtrplay/internal/loopback"
)

// gofalconSingleRTR returns gofalcon v0.20.0's RTR helper for srv, configured as
// newGofalcon configures the plain client.
func gofalconSingleRTR(t *testing.T, srv *Server) (*falcon.RTR, context.Context) {
	t.Helper()
	transport := loopback.Transport(&tls.Config{RootCAs: srv.CertPool()})
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: transport})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(cancel)
	rtr, err := falcon.NewRTR(&falcon.ApiConfig{
		ClientId:           srv.ClientID(),
		ClientSecret:       srv.ClientSecret(),
		Context:            ctx,
		HostOverride:       strings.TrimPrefix(srv.URL(), "https://"),
		TransportDecorator: func(rt http.RoundTripper) http.RoundTripper { return loopbackGuard{next: rt} },
	})
	if err != nil {
		t.Fatalf("falcon.NewRTR: %v", err)
	}
	return rtr, ctx
}

func TestGofalconSingleHostSession(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	rtr, ctx := gofalconSingleRTR(t, srv)
	sess, err := rtr.NewSession(ctx, aidOf(t, srv, "WIN-FIN-01"))
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}

	tests := []struct {
		name       string
		run        func() (*models.DomainStatusResponse, error)
		wantStdout string
	}{
		{name: "read-only", run: func() (*models.DomainStatusResponse, error) {
			return sess.ExecuteAndWait(ctx, "ls", `ls C:\Windows`)
		}, wantStdout: "notepad.exe"},
		{name: "active responder", run: func() (*models.DomainStatusResponse, error) {
			return sess.ActiveResponderExecuteAndWait(ctx, "mkdir", `mkdir C:\GofalconDir`)
		}},
		{name: "admin", run: func() (*models.DomainStatusResponse, error) {
			return sess.AdminExecuteAndWait(ctx, "runscript", "runscript -Raw=```Write-Output from-admin```")
		}, wantStdout: "from-admin"},
		{name: "working directory reset", run: func() (*models.DomainStatusResponse, error) {
			if _, err := sess.ExecuteAndWait(ctx, "cd", `cd C:\Windows`); err != nil {
				return nil, err
			}
			return sess.ExecuteAndWait(ctx, "pwd", "pwd")
		}, wantStdout: `C:\`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.run()
			if err != nil {
				t.Fatalf("execute: %v", err)
			}
			if got.Complete == nil || !*got.Complete || !strings.Contains(*got.Stdout, tt.wantStdout) {
				t.Errorf("status = complete %v, stdout %q; want complete with %q", got.Complete, *got.Stdout, tt.wantStdout)
			}
			if got.TaskID == "" || got.SessionID == nil || *got.SessionID == "" {
				t.Errorf("status lacks task_id or session_id: %+v", got)
			}
		})
	}

	active, err := rtr.ActiveSessions(ctx)
	if err != nil {
		t.Fatalf("ActiveSessions: %v", err)
	}
	if len(active) != 1 {
		t.Errorf("active sessions = %d, want 1", len(active))
	}
}

func TestGofalconSessionListings(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api, ctx := newGofalcon(t, srv)
	var ids []string
	for _, name := range []string{"WIN-FIN-01", "lnx-web-01"} {
		aid := aidOf(t, srv, name)
		resp, err := api.RealTimeResponse.RTRInitSession(&real_time_response.RTRInitSessionParams{
			Context: ctx, Body: &models.DomainInitRequest{DeviceID: &aid},
		})
		if err != nil {
			t.Fatalf("RTRInitSession: %v", err)
		}
		r := resp.Payload.Resources[0]
		if r.Pwd == "" || len(r.Scripts) == 0 || r.ExistingAidSessions == nil || *r.ExistingAidSessions != 1 {
			t.Errorf("init resource = %+v, want pwd, scripts and existing_aid_sessions 1", r)
		}
		ids = append(ids, *r.SessionID)
		time.Sleep(2 * time.Millisecond)
	}
	aid := aidOf(t, srv, "WIN-FIN-01")
	if _, err := api.RealTimeResponse.RTRPulseSession(&real_time_response.RTRPulseSessionParams{
		Context: ctx, Body: &models.DomainInitRequest{DeviceID: &aid},
	}); err != nil {
		t.Errorf("RTRPulseSession: %v", err)
	}

	filter, sort, offset, limit := "deleted_at:null", "created_at|asc", "1", int64(1)
	list, err := api.RealTimeResponse.RTRListAllSessions(&real_time_response.RTRListAllSessionsParams{
		Context: ctx, Filter: &filter, Sort: &sort, Offset: &offset, Limit: &limit,
	})
	if err != nil {
		t.Fatalf("RTRListAllSessions: %v", err)
	}
	if !slices.Equal(list.Payload.Resources, ids[1:]) || *list.Payload.Meta.Pagination.Total != 2 {
		t.Errorf("second page = %v (total %d), want %v of 2", list.Payload.Resources, *list.Payload.Meta.Pagination.Total, ids[1:])
	}

	records, err := api.RealTimeResponse.RTRListSessions(&real_time_response.RTRListSessionsParams{
		Context: ctx, Body: &models.MsaIdsRequest{Ids: ids},
	})
	if err != nil {
		t.Fatalf("RTRListSessions: %v", err)
	}
	if len(records.Payload.Resources) != 2 || *records.Payload.Resources[1].Hostname != "lnx-web-01" {
		t.Errorf("records = %+v, want both sessions", records.Payload.Resources)
	}

	withInfo := true
	audit, err := api.RealTimeResponseAudit.RTRAuditSessions(&real_time_response_audit.RTRAuditSessionsParams{
		Context: ctx, WithCommandInfo: &withInfo,
	})
	if err != nil {
		t.Fatalf("RTRAuditSessions: %v", err)
	}
	if len(audit.Payload.Resources) != 2 {
		t.Errorf("audit = %d sessions, want 2", len(audit.Payload.Resources))
	}

	name, kind, field := "platforms", "terms", "platform_name"
	agg, err := api.RealTimeResponse.RTRAggregateSessions(&real_time_response.RTRAggregateSessionsParams{
		Context: ctx, Body: []*models.MsaAggregateQueryRequest{{Name: &name, Type: &kind, Field: &field}},
	})
	if err != nil {
		t.Fatalf("RTRAggregateSessions: %v", err)
	}
	var labels []string
	for _, b := range agg.Payload.Resources[0].Buckets {
		labels = append(labels, b.Label.(string))
	}
	if !slices.Equal(labels, []string{"Linux", "Windows"}) {
		t.Errorf("platform buckets = %v, want Linux and Windows", labels)
	}

	if _, err := api.RealTimeResponse.RTRDeleteSession(&real_time_response.RTRDeleteSessionParams{
		Context: ctx, SessionID: ids[0],
	}); err != nil {
		t.Errorf("RTRDeleteSession: %v", err)
	}
}

func TestGofalconQueuedSession(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	api, ctx := newGofalcon(t, srv)
	aid, queue := aidOf(t, srv, "WIN-HR-02"), true
	init, err := api.RealTimeResponse.RTRInitSession(&real_time_response.RTRInitSessionParams{
		Context: ctx, Body: &models.DomainInitRequest{DeviceID: &aid, QueueOffline: &queue},
	})
	if err != nil {
		t.Fatalf("RTRInitSession: %v", err)
	}
	sessionID := *init.Payload.Resources[0].SessionID
	base, command := "pwd", "pwd"
	exec, err := api.RealTimeResponse.RTRExecuteCommand(&real_time_response.RTRExecuteCommandParams{
		Context: ctx, Body: &models.DomainCommandExecuteRequest{BaseCommand: &base, CommandString: &command, SessionID: &sessionID},
	})
	if err != nil {
		t.Fatalf("RTRExecuteCommand: %v", err)
	}
	res := exec.Payload.Resources[0]
	if !*res.QueuedCommandOffline {
		t.Fatalf("command was not queued: %+v", res)
	}

	queued, err := api.RealTimeResponse.RTRListQueuedSessions(&real_time_response.RTRListQueuedSessionsParams{
		Context: ctx, Body: &models.MsaIdsRequest{Ids: []string{sessionID}},
	})
	if err != nil {
		t.Fatalf("RTRListQueuedSessions: %v", err)
	}
	job := queued.Payload.Resources[0]
	if *job.Status != "PENDING" || len(job.Commands) != 1 || *job.Commands[0].CloudRequestID != *res.CloudRequestID {
		t.Errorf("queued job = %+v, want one PENDING command %s", job, *res.CloudRequestID)
	}
	if _, _, err := api.RealTimeResponse.RTRDeleteQueuedSession(&real_time_response.RTRDeleteQueuedSessionParams{
		Context: ctx, SessionID: sessionID, CloudRequestID: *res.CloudRequestID,
	}); err != nil {
		t.Errorf("RTRDeleteQueuedSession: %v", err)
	}
}
