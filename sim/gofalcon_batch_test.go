package sim

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/crowdstrike/gofalcon/falcon"
	"github.com/crowdstrike/gofalcon/falcon/client"
	"github.com/crowdstrike/gofalcon/falcon/client/real_time_response"
	"github.com/crowdstrike/gofalcon/falcon/client/real_time_response_admin"
	"github.com/crowdstrike/gofalcon/falcon/models"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// gofalconRTR runs RTR batch calls through gofalcon against one emulator.
type gofalconRTR struct {
	t   *testing.T
	srv *Server
	api *client.CrowdStrikeAPISpecification
	ctx context.Context
}

func newGofalconRTR(t *testing.T, srv *Server) *gofalconRTR {
	t.Helper()
	api, ctx := newGofalcon(t, srv)
	return &gofalconRTR{t: t, srv: srv, api: api, ctx: ctx}
}

// initBatch opens a batch session on the named hosts and returns the
// response; it fails the test unless the call returns 201.
func (g *gofalconRTR) initBatch(queueOffline bool, hostnames ...string) *models.DomainBatchInitSessionResponse {
	g.t.Helper()
	resp, err := g.api.RealTimeResponse.BatchInitSessions(&real_time_response.BatchInitSessionsParams{
		Context: g.ctx,
		Body:    &models.DomainBatchInitSessionRequest{HostIds: g.aids(hostnames...), QueueOffline: &queueOffline},
	})
	if err != nil {
		g.t.Fatalf("BatchInitSessions(%v): %v", hostnames, err)
	}
	if err := falcon.AssertNoError(resp.Payload.Errors); err != nil {
		g.t.Fatalf("BatchInitSessions(%v) errors: %v", hostnames, err)
	}
	return resp.Payload
}

func (g *gofalconRTR) aids(hostnames ...string) []string {
	g.t.Helper()
	ids := make([]string, 0, len(hostnames))
	for _, name := range hostnames {
		ids = append(ids, aidOf(g.t, g.srv, name))
	}
	return ids
}

// run sends a batch command at the tier's endpoint to the named hosts of
// the batch (all of them when none is named) and returns the per-host
// results keyed by hostname.
func (g *gofalconRTR) run(tier fleet.Tier, batchID, command string, hostnames ...string) map[string]models.DomainMultiStatusSensorResponse {
	g.t.Helper()
	base, _, _ := strings.Cut(command, " ")
	body := &models.DomainBatchExecuteCommandRequest{
		BaseCommand: &base, CommandString: &command, BatchID: &batchID, OptionalHosts: g.aids(hostnames...),
	}
	var combined *models.DomainMultiCommandExecuteResponse
	var errs []*models.MsaAPIError
	switch tier {
	case fleet.ReadOnly:
		resp, err := g.api.RealTimeResponse.BatchCmd(&real_time_response.BatchCmdParams{Context: g.ctx, Body: body})
		if err != nil {
			g.t.Fatalf("BatchCmd(%s): %v", command, err)
		}
		combined, errs = resp.Payload.Combined, resp.Payload.Errors
	case fleet.ActiveResponder:
		resp, err := g.api.RealTimeResponse.BatchActiveResponderCmd(&real_time_response.BatchActiveResponderCmdParams{
			Context: g.ctx, Body: body,
		})
		if err != nil {
			g.t.Fatalf("BatchActiveResponderCmd(%s): %v", command, err)
		}
		combined, errs = resp.Payload.Combined, resp.Payload.Errors
	case fleet.Admin:
		resp, err := g.api.RealTimeResponseAdmin.BatchAdminCmd(&real_time_response_admin.BatchAdminCmdParams{
			Context: g.ctx, Body: body,
		})
		if err != nil {
			g.t.Fatalf("BatchAdminCmd(%s): %v", command, err)
		}
		combined, errs = resp.Payload.Combined, resp.Payload.Errors
	}
	if err := falcon.AssertNoError(errs); err != nil {
		g.t.Fatalf("batch command %s errors: %v", command, err)
	}
	byName := map[string]models.DomainMultiStatusSensorResponse{}
	for aid, res := range combined.Resources {
		if *res.Aid != aid {
			g.t.Errorf("entry keyed %s has aid %s", aid, *res.Aid)
		}
		byName[g.srv.Fleet().Host(aid).Info().Hostname] = res
	}
	return byName
}

// perHostCodes returns the codes of a host's errors.
func perHostCodes(res models.DomainMultiStatusSensorResponse) []int32 {
	codes := []int32{}
	for _, e := range res.Errors {
		codes = append(codes, *e.Code)
	}
	return codes
}

func TestGofalconBatchInitPerHostErrors(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	g := newGofalconRTR(t, srv)

	init := g.initBatch(false, "WIN-FIN-01", "WIN-HR-02", "WIN-DC-01")
	tests := []struct {
		hostname    string
		wantSession bool
		wantCodes   []int32
	}{
		{hostname: "WIN-FIN-01", wantSession: true, wantCodes: []int32{}},
		{hostname: "WIN-HR-02", wantCodes: []int32{40407}}, // offline
		{hostname: "WIN-DC-01", wantCodes: []int32{40401}}, // online, unreachable
	}
	for _, tt := range tests {
		res, ok := init.Resources[aidOf(t, srv, tt.hostname)]
		if !ok {
			t.Errorf("batch init has no entry for %s", tt.hostname)
			continue
		}
		if got := *res.SessionID != ""; got != tt.wantSession {
			t.Errorf("%s: session_id %q, want one: %t", tt.hostname, *res.SessionID, tt.wantSession)
		}
		if got := perHostCodes(res); !slices.Equal(got, tt.wantCodes) {
			t.Errorf("%s: error codes %v, want %v", tt.hostname, got, tt.wantCodes)
		}
	}
	if got := *init.Resources[aidOf(t, srv, "WIN-FIN-01")].Stdout; got != `C:\` {
		t.Errorf("init stdout of WIN-FIN-01 = %q, want the session's start directory C:\\", got)
	}

	refreshed, err := g.api.RealTimeResponse.BatchRefreshSessions(&real_time_response.BatchRefreshSessionsParams{
		Context: g.ctx, Body: &models.DomainBatchRefreshSessionRequest{BatchID: init.BatchID},
	})
	if err != nil {
		t.Fatalf("BatchRefreshSessions: %v", err)
	}
	fin := aidOf(t, srv, "WIN-FIN-01")
	if len(refreshed.Payload.Resources) != 1 {
		t.Errorf("refresh lists %d hosts, want the one with a session", len(refreshed.Payload.Resources))
	}
	if got := refreshed.Payload.Resources[fin]; got.SessionID == nil || *got.SessionID != *init.Resources[fin].SessionID {
		t.Errorf("refresh entry for WIN-FIN-01 = %+v, want session %s", got, *init.Resources[fin].SessionID)
	}

	refreshed, err = g.api.RealTimeResponse.BatchRefreshSessions(&real_time_response.BatchRefreshSessionsParams{
		Context: g.ctx, Body: &models.DomainBatchRefreshSessionRequest{BatchID: init.BatchID, HostsToRemove: []string{fin}},
	})
	if err != nil {
		t.Fatalf("BatchRefreshSessions removing WIN-FIN-01: %v", err)
	}
	if len(refreshed.Payload.Resources) != 0 {
		t.Errorf("refresh after removing the only host lists %v", refreshed.Payload.Resources)
	}
}

func TestGofalconBatchInitNoHost(t *testing.T) {
	srv := startServer(t, "degraded", Options{})
	g := newGofalconRTR(t, srv)
	for _, queue := range []bool{false, true} {
		_, err := g.api.RealTimeResponse.BatchInitSessions(&real_time_response.BatchInitSessionsParams{
			Context: g.ctx,
			Body: &models.DomainBatchInitSessionRequest{
				HostIds: g.aids("WIN-HR-02", "WIN-DC-01"), QueueOffline: &queue,
			},
		})
		// gofalcon v0.20.0 documents no 404 for this call, so it returns
		// its generic API error with the status.
		if got := gofalconStatus(err); got != 404 {
			t.Errorf("BatchInitSessions with no reachable host (queue_offline %t): status %d (error %v), want 404",
				queue, got, err)
		}
	}
}

// TestGofalconBatchTiers runs a command at each tier's batch endpoint,
// checks the tier errors, and reads every task back through its tier's
// status call.
func TestGofalconBatchTiers(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	g := newGofalconRTR(t, srv)
	batchID := *g.initBatch(false, "WIN-FIN-01", "lnx-web-01").BatchID

	ps := g.run(fleet.ReadOnly, batchID, "ps", "WIN-FIN-01")
	if len(ps) != 1 {
		t.Errorf("ps with optional_hosts WIN-FIN-01 answered for %d hosts", len(ps))
	}
	mkdir := g.run(fleet.ActiveResponder, batchID, `mkdir C:\Temp\ir`, "WIN-FIN-01")
	raw := g.run(fleet.Admin, batchID, "runscript -Raw=```Write-Output hello```", "WIN-FIN-01")
	ls := g.run(fleet.ReadOnly, batchID, `ls C:\Temp`, "WIN-FIN-01")
	uname := g.run(fleet.ReadOnly, batchID, "pwd")

	checks := []struct {
		name       string
		res        models.DomainMultiStatusSensorResponse
		wantStdout string // substring
		wantBase   string
	}{
		{name: "ps shows the implant", res: ps["WIN-FIN-01"], wantStdout: "updater64", wantBase: "ps"},
		{name: "mkdir prints the directory", res: mkdir["WIN-FIN-01"], wantStdout: `C:\Temp\ir`, wantBase: "mkdir"},
		{name: "admin runscript", res: raw["WIN-FIN-01"], wantStdout: "hello\n", wantBase: "runscript"},
		{name: "ls sees the new directory", res: ls["WIN-FIN-01"], wantStdout: "ir ", wantBase: "ls"},
		{name: "pwd on Linux", res: uname["lnx-web-01"], wantStdout: "/", wantBase: "pwd"},
	}
	for _, c := range checks {
		if c.res.Complete == nil || !*c.res.Complete || len(c.res.Errors) != 0 {
			t.Errorf("%s: complete %v errors %v, want complete without errors", c.name, c.res.Complete, perHostCodes(c.res))
			continue
		}
		if !strings.Contains(*c.res.Stdout, c.wantStdout) || c.res.BaseCommand != c.wantBase {
			t.Errorf("%s: base_command %q stdout %q, want %q containing %q", c.name, c.res.BaseCommand,
				*c.res.Stdout, c.wantBase, c.wantStdout)
		}
	}

	tierErrors := []struct {
		name     string
		tier     fleet.Tier
		command  string
		wantCode int32
	}{
		{name: "kill at read-only", tier: fleet.ReadOnly, command: "kill 4", wantCode: 40007},
		{name: "put at active responder", tier: fleet.ActiveResponder, command: "put tool.exe", wantCode: 40007},
		{name: "raw script at active responder", tier: fleet.ActiveResponder,
			command: "runscript -Raw=```Write-Output hello```", wantCode: 40014},
		{name: "positional script arguments", tier: fleet.Admin, command: `runscript C:\x.exe /quiet`, wantCode: 40012},
	}
	for _, tt := range tierErrors {
		res := g.run(tt.tier, batchID, tt.command, "WIN-FIN-01")["WIN-FIN-01"]
		if got := perHostCodes(res); !slices.Equal(got, []int32{tt.wantCode}) {
			t.Errorf("%s: error codes %v, want [%d]", tt.name, got, tt.wantCode)
		}
	}

	tasks := []struct {
		tier fleet.Tier
		res  models.DomainMultiStatusSensorResponse
	}{
		{tier: fleet.ReadOnly, res: ps["WIN-FIN-01"]},
		{tier: fleet.ActiveResponder, res: mkdir["WIN-FIN-01"]},
		{tier: fleet.Admin, res: raw["WIN-FIN-01"]},
	}
	for _, task := range tasks {
		st, err := g.status(task.tier, task.res.TaskID)
		if err != nil {
			t.Errorf("status of %s task: %v", task.res.BaseCommand, err)
			continue
		}
		if len(st) != 1 || !*st[0].Complete || *st[0].Stdout != *task.res.Stdout || st[0].TaskID != task.res.TaskID {
			t.Errorf("status of %s task = %+v, want complete with the batch call's stdout", task.res.BaseCommand, st)
		}
		if *st[0].SessionID != *task.res.SessionID {
			t.Errorf("status session_id %s, want the batch session %s", *st[0].SessionID, *task.res.SessionID)
		}
	}
}

// status reads a task through the status call of its tier.
func (g *gofalconRTR) status(tier fleet.Tier, taskID string) ([]*models.DomainStatusResponse, error) {
	switch tier {
	case fleet.ReadOnly:
		resp, err := g.api.RealTimeResponse.RTRCheckCommandStatus(&real_time_response.RTRCheckCommandStatusParams{
			Context: g.ctx, CloudRequestID: taskID,
		})
		if err != nil {
			return nil, err
		}
		return resp.Payload.Resources, falcon.AssertNoError(resp.Payload.Errors)
	case fleet.ActiveResponder:
		resp, err := g.api.RealTimeResponse.RTRCheckActiveResponderCommandStatus(
			&real_time_response.RTRCheckActiveResponderCommandStatusParams{Context: g.ctx, CloudRequestID: taskID})
		if err != nil {
			return nil, err
		}
		return resp.Payload.Resources, falcon.AssertNoError(resp.Payload.Errors)
	default:
		resp, err := g.api.RealTimeResponseAdmin.RTRCheckAdminCommandStatus(
			&real_time_response_admin.RTRCheckAdminCommandStatusParams{Context: g.ctx, CloudRequestID: taskID})
		if err != nil {
			return nil, err
		}
		return resp.Payload.Resources, falcon.AssertNoError(resp.Payload.Errors)
	}
}

func TestGofalconStatusUnknownTask(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	g := newGofalconRTR(t, srv)
	batchID := *g.initBatch(false, "WIN-FIN-01").BatchID
	readOnlyTask := g.run(fleet.ReadOnly, batchID, "pwd")["WIN-FIN-01"].TaskID

	for _, tier := range []fleet.Tier{fleet.ReadOnly, fleet.ActiveResponder, fleet.Admin} {
		tests := []struct {
			name   string
			taskID string
			want   int
		}{
			{name: "malformed id", taskID: "not-a-uuid", want: 400},
			{name: "unknown id", taskID: newUUID(), want: 404},
		}
		if tier != fleet.ReadOnly {
			// A task is found only through the status call of its own tier.
			tests = append(tests, struct {
				name   string
				taskID string
				want   int
			}{name: "task of another tier", taskID: readOnlyTask, want: 404})
		}
		for _, tt := range tests {
			_, err := g.status(tier, tt.taskID)
			if got := gofalconStatus(err); got != tt.want {
				t.Errorf("tier %v, %s: status %d (error %v), want %d", tier, tt.name, got, err, tt.want)
			}
		}
	}
}

// TestGofalconDeleteSession deletes a batch session's host session, then
// checks that a second delete gets 400 and that a command sent on the
// deleted session gets the per-host "could not get session" error.
func TestGofalconDeleteSession(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	g := newGofalconRTR(t, srv)
	init := g.initBatch(false, "WIN-FIN-01")
	sessionID := *init.Resources[aidOf(t, srv, "WIN-FIN-01")].SessionID

	if _, err := g.api.RealTimeResponse.RTRDeleteSession(&real_time_response.RTRDeleteSessionParams{
		Context: g.ctx, SessionID: sessionID,
	}); err != nil {
		t.Fatalf("RTRDeleteSession: %v", err)
	}
	_, err := g.api.RealTimeResponse.RTRDeleteSession(&real_time_response.RTRDeleteSessionParams{
		Context: g.ctx, SessionID: sessionID,
	})
	var bad *real_time_response.RTRDeleteSessionBadRequest
	if !errors.As(err, &bad) {
		t.Errorf("second RTRDeleteSession: error %v, want 400", err)
	}

	res := g.run(fleet.ReadOnly, *init.BatchID, "pwd")["WIN-FIN-01"]
	if got := perHostCodes(res); !slices.Equal(got, []int32{50007}) {
		t.Errorf("command on a deleted session: error codes %v, want [50007]", got)
	}
}
