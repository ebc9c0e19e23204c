package rtr

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim"
)

func TestSimSessionFiles(t *testing.T) {
	srv, c := startSim(t, "demo", sim.Options{})
	ctx := context.Background()
	fin := simHostID(t, srv, "WIN-FIN-01")
	init, err := c.InitSession(ctx, InitSessionRequest{HostID: fin})
	if err != nil {
		t.Fatalf("InitSession: %v", err)
	}
	paths := []string{`C:\Windows\notepad.exe`, `C:\Windows\System32\drivers\etc\hosts`}
	taskIDs := map[string]bool{}
	for _, p := range paths {
		res, err := c.Execute(ctx, ActiveResponder, ExecuteRequest{SessionID: init.SessionID, BaseCommand: "get",
			CommandString: "get " + p})
		if err != nil || res.Err() != nil {
			t.Fatalf("get %s: %v, %v", p, err, res.Err())
		}
		pollCommandStatus(t, c, ActiveResponder, res.TaskID)
		taskIDs[res.TaskID] = true
	}

	var v1 []File
	deadline := time.Now().Add(5 * time.Second)
	for len(v1) < len(paths) {
		if time.Now().After(deadline) {
			t.Fatalf("v1 list = %+v after 5 s, want %d finished uploads", v1, len(paths))
		}
		time.Sleep(20 * time.Millisecond)
		if v1, err = c.SessionFilesV1(ctx, init.SessionID); err != nil {
			t.Fatalf("SessionFilesV1: %v", err)
		}
	}
	v2, err := c.SessionFiles(ctx, init.SessionID)
	if err != nil {
		t.Fatalf("SessionFiles: %v", err)
	}
	if len(v2) != len(v1) {
		t.Fatalf("v2 list = %+v, want the %d files of the v1 list", v2, len(v1))
	}
	for i, f := range v1 {
		// The v1 record's size is 0, as in captured responses; v2 has it.
		if !taskIDs[f.CloudRequestID] || f.SessionID != init.SessionID || !sha256Pattern.MatchString(f.SHA256) ||
			f.CreatedAt.IsZero() {
			t.Errorf("v1 file %+v, want a get's task id, the session, a sha256 and a time", f)
		}
		if v2[i].SHA256 != f.SHA256 || !v2[i].Complete || v2[i].Size == 0 {
			t.Errorf("v2 file %+v, want the complete upload with sha256 %s and its size", v2[i], f.SHA256)
		}
	}

	deletes := []struct {
		name   string
		delete func() error
	}{
		{"v1 by numeric id", func() error { return c.DeleteSessionFileV1(ctx, init.SessionID, v1[0].ID) }},
		{"v2 by string id", func() error { return c.DeleteSessionFile(ctx, init.SessionID, v2[1].ID) }},
	}
	for _, tt := range deletes {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.delete(); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if err := tt.delete(); apiStatus(err) != http.StatusNotFound {
				t.Errorf("second delete: error %v, want HTTP 404", err)
			}
		})
	}
	if left, err := c.SessionFiles(ctx, init.SessionID); err != nil || len(left) != 0 {
		t.Errorf("files after the deletes = %+v, %v; want none", left, err)
	}
}
