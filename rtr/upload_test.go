package rtr

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestWritesAfterDroppedConnection checks which of the new writes are sent
// again after the connection drops with the request delivered: those that
// are safe to repeat, with the whole body again, and no others.
func TestWritesAfterDroppedConnection(t *testing.T) {
	objectID := strings.Repeat("e", 32) + "_" + strings.Repeat("f", 32)
	script := bytes.Repeat([]byte("Write-Output 1\n"), 4096)
	record := map[string]any{"resources": []any{map[string]any{"id": objectID, "name": "s"}}}
	single := map[string]any{"resources": []any{map[string]any{
		"session_id": "5e550000-0000-4000-8000-000000000001", "cloud_request_id": "7a5c0000-0000-4000-8000-000000000001"}}}
	tests := []struct {
		name      string
		route     string
		status    int
		body      map[string]any
		call      func(c *Client) error
		wantSends int
	}{
		{name: "script update is repeated", route: "PATCH " + pathScriptsV2, status: http.StatusAccepted, body: record,
			call: func(c *Client) error {
				_, err := c.UpdateScript(context.Background(), ScriptUpdate{ID: objectID,
					File: bytes.NewReader(script), Size: int64(len(script))})
				return err
			}, wantSends: 2},
		{name: "put-file create is not", route: "POST " + pathPutFilesV2, status: http.StatusOK, body: record,
			call: func(c *Client) error {
				_, err := c.CreatePutFile(context.Background(), PutFileRequest{Name: "t.exe", Description: "d",
					Content: bytes.NewReader(script), Size: int64(len(script))})
				return err
			}, wantSends: 1},
		{name: "single-host command is not", route: "POST /real-time-response/entities/admin-command/v1",
			status: http.StatusCreated, body: single,
			call: func(c *Client) error {
				_, err := c.Execute(context.Background(), Admin, ExecuteRequest{
					SessionID: "5e550000-0000-4000-8000-000000000001", BaseCommand: "rm", CommandString: `rm C:\x`})
				return err
			}, wantSends: 1},
		{name: "repeatable single-host command is", route: "POST /real-time-response/entities/command/v1",
			status: http.StatusCreated, body: single,
			call: func(c *Client) error {
				_, err := c.Execute(context.Background(), ReadOnly, ExecuteRequest{
					SessionID: "5e550000-0000-4000-8000-000000000001", BaseCommand: "ls", CommandString: "ls",
					Repeatable: true})
				return err
			}, wantSends: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			c := newTestClient(t, f.config())
			var calls atomic.Int32
			f.handle(tt.route, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					dropConnection(t, w)
					return
				}
				writeJSON(w, tt.status, okBody(tt.body))
			})
			err := tt.call(c)
			reqs := f.requestsTo(tt.route)
			if len(reqs) != tt.wantSends {
				t.Fatalf("requests = %d, want %d", len(reqs), tt.wantSends)
			}
			if tt.wantSends == 1 {
				if !errors.Is(err, ErrOutcomeUnknown) {
					t.Errorf("error = %v, want ErrOutcomeUnknown", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if !bytes.Equal(reqs[0].Body, reqs[1].Body) || len(reqs[1].Body) == 0 {
				t.Errorf("bodies differ (%d and %d bytes), want the whole body sent again",
					len(reqs[0].Body), len(reqs[1].Body))
			}
		})
	}
}

func TestAllPagesStops(t *testing.T) {
	tests := []struct {
		name      string
		pages     [][]int
		total     int
		wantCalls int
		want      int
	}{
		{name: "by total", pages: [][]int{{1, 2}, {3, 4}, {5}}, total: 5, wantCalls: 3, want: 5},
		{name: "by empty page without total", pages: [][]int{{1, 2}, {3}, {}}, total: 0, wantCalls: 3, want: 3},
		{name: "empty first page", pages: [][]int{{}}, total: 0, wantCalls: 1, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			var offsets []int
			got, err := AllPages(context.Background(), ListQuery{Limit: 2},
				func(_ context.Context, q ListQuery) ([]int, Page, error) {
					offsets = append(offsets, q.Offset)
					items := tt.pages[calls]
					calls++
					return items, Page{Offset: q.Offset, Limit: 2, Total: tt.total}, nil
				})
			if err != nil {
				t.Fatalf("AllPages: %v", err)
			}
			if calls != tt.wantCalls || len(got) != tt.want {
				t.Errorf("calls %d, records %d; want %d and %d (offsets %v)", calls, len(got), tt.wantCalls, tt.want, offsets)
			}
			for i, off := range offsets[1:] {
				if off != offsets[i]+len(tt.pages[i]) {
					t.Errorf("offsets = %v, want each page to start after the last", offsets)
				}
			}
		})
	}
}
