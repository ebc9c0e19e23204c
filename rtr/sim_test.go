package rtr

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// startSim starts the emulator with the named fleet and returns it with a
// client pointed at it through the loopback guard.
func startSim(t *testing.T, fleetName string, opts sim.Options) (*sim.Server, *Client) {
	t.Helper()
	fl, err := fleet.Named(fleetName)
	if err != nil {
		t.Fatalf("fleet.Named(%q): %v", fleetName, err)
	}
	opts.Fleet = fl
	opts.StateDir = t.TempDir()
	if opts.UploadDelay == 0 {
		opts.UploadDelay = 50 * time.Millisecond
	}
	if opts.ContainDelay == 0 {
		opts.ContainDelay = 50 * time.Millisecond
	}
	srv, err := sim.New(opts)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("sim Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	c := newTestClient(t, Config{
		ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(),
		BaseURL: srv.URL(), CAFile: srv.CAFile(), LoopbackOnly: true,
	})
	return srv, c
}

// simHostID returns the AID of the emulator host named hostname.
func simHostID(t *testing.T, srv *sim.Server, hostname string) string {
	t.Helper()
	for _, h := range srv.Fleet().Hosts() {
		if info := h.Info(); info.Hostname == hostname {
			return info.AID
		}
	}
	t.Fatalf("emulator fleet has no host %s", hostname)
	return ""
}

func TestSimResolveHosts(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()

	ids, err := c.QueryDevices(ctx, "platform_name:'Windows'")
	if err != nil {
		t.Fatalf("QueryDevices: %v", err)
	}
	if len(ids) != 3 {
		t.Fatalf("Windows hosts = %d, want 3", len(ids))
	}
	devices, err := c.GetDevices(ctx, ids)
	if err != nil {
		t.Fatalf("GetDevices: %v", err)
	}
	var names []string
	for _, d := range devices {
		names = append(names, d.Hostname)
		if d.PlatformName != "Windows" {
			t.Errorf("%s platform = %q, want Windows", d.Hostname, d.PlatformName)
		}
		if d.LastSeen.IsZero() {
			t.Errorf("%s last seen is zero", d.Hostname)
		}
	}
	slices.Sort(names)
	if want := []string{"WIN-DC-01", "WIN-FIN-01", "WIN-HR-02"}; !slices.Equal(names, want) {
		t.Errorf("hostnames = %v, want %v", names, want)
	}
	if id := simHostID(t, srv, "WIN-FIN-01"); !slices.Contains(ids, id) {
		t.Errorf("query result lacks WIN-FIN-01 (%s)", id)
	}
}

func TestSimBatchCommands(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	fin := simHostID(t, srv, "WIN-FIN-01")
	hr := simHostID(t, srv, "WIN-HR-02")

	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{fin, hr}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	for aid, host := range init.Hosts {
		if !host.Connected() {
			t.Fatalf("host %s not connected: %+v", aid, host)
		}
	}

	hosts, err := c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{
		BatchID: init.BatchID, BaseCommand: "ps", CommandString: "ps",
	})
	if err != nil {
		t.Fatalf("BatchCommand ps: %v", err)
	}
	if got := hosts[fin]; !got.Complete || !strings.Contains(got.Stdout, "updater64") {
		t.Errorf("ps on WIN-FIN-01 = %+v, want complete output listing updater64", got)
	}
	if got := hosts[hr]; strings.Contains(got.Stdout, "updater64") {
		t.Errorf("ps on WIN-HR-02 lists updater64, want a clean host")
	}

	// rm is an active-responder command: the read-only endpoint rejects it
	// per host with 40007 inside a 201.
	hosts, err = c.BatchCommand(ctx, ReadOnly, BatchCommandRequest{
		BatchID: init.BatchID, BaseCommand: "rm", CommandString: `rm C:\Windows\notepad.exe`,
		OptionalHosts: []string{hr},
	})
	if err != nil {
		t.Fatalf("BatchCommand rm: %v", err)
	}
	var hostErr *HostError
	if !errors.As(hosts[hr].Err(), &hostErr) || !hostErr.HasCode(40007) {
		t.Errorf("rm at read-only on WIN-HR-02 = %+v, want per-host 40007", hosts[hr])
	}
	if _, ok := hosts[fin]; ok {
		t.Errorf("WIN-FIN-01 has a result although optional hosts named only WIN-HR-02")
	}

	if _, err := c.BatchRefresh(ctx, init.BatchID, []string{hr}); err != nil {
		t.Fatalf("BatchRefresh: %v", err)
	}
	// The second delete finds the session gone, which counts as closed.
	sessionID := init.Hosts[fin].SessionID
	for i := range 2 {
		if err := c.DeleteSession(ctx, sessionID); err != nil {
			t.Errorf("DeleteSession %d of %s: %v", i+1, sessionID, err)
		}
	}
	var deletes []int
	for _, rec := range srv.Requests() {
		if rec.Method == "DELETE" && rec.Path == pathSessions {
			deletes = append(deletes, rec.Status)
		}
	}
	if want := []int{204, 400}; !slices.Equal(deletes, want) {
		t.Errorf("delete statuses = %v, want %v", deletes, want)
	}
}

func TestSimGetAndExtract(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	fin := simHostID(t, srv, "WIN-FIN-01")

	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{fin}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	reqID, hosts, err := c.BatchGet(ctx, BatchGetRequest{
		BatchID: init.BatchID, FilePath: `C:\ProgramData\Vendor App\updater64.exe`,
	})
	if err != nil {
		t.Fatalf("BatchGet: %v", err)
	}
	if err := hosts[fin].Err(); err != nil {
		t.Fatalf("BatchGet on WIN-FIN-01: %v", err)
	}

	var file File
	deadline := time.Now().Add(5 * time.Second)
	for {
		files, err := c.BatchGetStatus(ctx, reqID)
		if err != nil {
			t.Fatalf("BatchGetStatus: %v", err)
		}
		if f, ok := files[fin]; ok {
			file = f
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the file did not appear in the batch get status within 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if file.CloudRequestID != hosts[fin].TaskID {
		t.Errorf("file cloud request id %q, want the get's task id %q", file.CloudRequestID, hosts[fin].TaskID)
	}

	archivePath := filepath.Join(t.TempDir(), "updater64.exe.7z")
	out, err := os.Create(archivePath)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.DownloadFile(ctx, file.SessionID, file.SHA256, "updater64.exe", out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("DownloadFile: %v", err)
	}
	if n == 0 {
		t.Fatal("downloaded an empty archive")
	}

	var content bytes.Buffer
	member, err := ExtractArchive(archivePath, ArchivePassword, &content, 64<<20)
	if err != nil {
		t.Fatalf("ExtractArchive: %v", err)
	}
	if !bytes.HasPrefix(content.Bytes(), []byte("MZ")) {
		t.Errorf("extracted content starts %q, want MZ", content.Bytes()[:min(2, content.Len())])
	}
	if member.SHA256 != file.SHA256 {
		t.Errorf("extracted sha256 %s, want Falcon's %s", member.SHA256, file.SHA256)
	}
}

func TestSimDegradedInit(t *testing.T) {
	srv, c := startSim(t, "degraded", sim.Options{})
	ctx := context.Background()
	offline := simHostID(t, srv, "WIN-HR-02")
	unreachable := simHostID(t, srv, "WIN-DC-01")
	fin := simHostID(t, srv, "WIN-FIN-01")

	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{fin, offline, unreachable}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	if !init.Hosts[fin].Connected() {
		t.Errorf("WIN-FIN-01 = %+v, want connected", init.Hosts[fin])
	}
	wantCodes := map[string]int{offline: 40407, unreachable: 40401}
	for aid, code := range wantCodes {
		var hostErr *HostError
		if !errors.As(init.Hosts[aid].Err(), &hostErr) || !hostErr.HasCode(code) {
			t.Errorf("host %s = %+v, want per-host %d", aid, init.Hosts[aid], code)
		}
	}

	_, err = c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{offline, unreachable}})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Errorf("BatchInit with no reachable host error = %v, want HTTP 404", err)
	}
}

func TestSimContain(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	fin := simHostID(t, srv, "WIN-FIN-01")

	accepted, err := c.DeviceAction(ctx, Contain, []string{fin})
	if err != nil {
		t.Fatalf("DeviceAction contain: %v", err)
	}
	if !slices.Equal(accepted, []string{fin}) {
		t.Errorf("accepted = %v, want [%s]", accepted, fin)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		devices, err := c.GetDevices(ctx, []string{fin})
		if err != nil {
			t.Fatalf("GetDevices: %v", err)
		}
		if len(devices) == 1 && devices[0].Status == "contained" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("WIN-FIN-01 status = %+v, want contained within 5 s", devices)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSimShortTokensRenewed(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{TokenTTL: 3 * time.Second})
	ctx := context.Background()
	deadline := time.Now().Add(2500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if _, err := c.QueryDevices(ctx, ""); err != nil {
			t.Fatalf("QueryDevices: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var tokens, unauthorized int
	for _, rec := range srv.Requests() {
		switch {
		case rec.Path == "/oauth2/token":
			tokens++
		case rec.Status == 401:
			unauthorized++
		}
	}
	if tokens < 2 {
		t.Errorf("token requests = %d, want renewals before each 2 s expiry", tokens)
	}
	if unauthorized != 0 {
		t.Errorf("401 responses = %d, want none: tokens are renewed before they expire", unauthorized)
	}
}

func TestSimPollIncompleteCommand(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	fin := simHostID(t, srv, "WIN-FIN-01")

	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{fin}})
	if err != nil {
		t.Fatalf("BatchInit: %v", err)
	}
	hosts, err := c.BatchCommand(ctx, Admin, BatchCommandRequest{
		BatchID: init.BatchID, BaseCommand: "runscript",
		CommandString: "runscript -Raw=```Start-Sleep -Seconds 2; Write-Output done```",
		Timeout:       time.Second,
	})
	if err != nil {
		t.Fatalf("BatchCommand: %v", err)
	}
	first := hosts[fin]
	if first.Complete || first.TaskID == "" {
		t.Fatalf("first result = %+v, want incomplete with a task id", first)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		status, err := c.CommandStatus(ctx, Admin, first.TaskID, 0)
		if err != nil {
			t.Fatalf("CommandStatus: %v", err)
		}
		if status.Complete {
			if !strings.Contains(status.Stdout, "done") {
				t.Errorf("stdout = %q, want done", status.Stdout)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the command did not complete within 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
