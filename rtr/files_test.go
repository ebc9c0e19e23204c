package rtr

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

const testSHA = "f1d62648ef915d85cb4fc140359e925395d315c70f3566b63bb3e21151cb2ce3"

func TestBatchGetWireFormat(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		wantPath string
	}{
		{"plain path", `C:\Windows\notepad.exe`, `C:\Windows\notepad.exe`},
		{"path with spaces", `C:\Program Files\Vendor App\logs\app 1.log`, `"C:\Program Files\Vendor App\logs\app 1.log"`},
		{"unix path", "/etc/hosts", "/etc/hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeFalcon(t)
			f.handle("POST "+pathBatchGet, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusCreated, okBody(map[string]any{
					"batch_get_cmd_req_id": "req-1",
					"combined": map[string]any{"resources": map[string]any{
						hostA: map[string]any{"aid": hostA, "session_id": "s1", "task_id": "t1", "base_command": "get",
							"complete": true, "stdout": tt.path},
					}},
				}))
			})
			c := newTestClient(t, f.config())

			reqID, hosts, err := c.BatchGet(context.Background(), BatchGetRequest{
				BatchID: testBatchID, FilePath: tt.path, OptionalHosts: []string{hostA},
				Timeout: 60 * time.Second, HostTimeout: 50 * time.Second,
			})
			if err != nil {
				t.Fatalf("BatchGet: %v", err)
			}
			if reqID != "req-1" {
				t.Errorf("request id = %q, want req-1", reqID)
			}
			if hosts[hostA].TaskID != "t1" {
				t.Errorf("host A = %+v, want task id t1", hosts[hostA])
			}
			got := f.requestsTo("POST " + pathBatchGet)[0]
			body := decodeBody(t, got.Body)
			if body["file_path"] != tt.wantPath {
				t.Errorf("file_path = %q, want %q", body["file_path"], tt.wantPath)
			}
			if q := got.Query.Encode(); q != "host_timeout_duration=50s&timeout=60" {
				t.Errorf("query = %q", q)
			}
			if _, inBody := body["timeout"]; inBody {
				t.Error("timeout sent in the body")
			}
		})
	}
}

func TestBatchGetStatus(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("GET "+pathBatchGet, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": map[string]any{
			hostA: map[string]any{"id": 185596, "cloud_request_id": "t1", "session_id": "s1",
				"name": `\Device\HarddiskVolume2\Windows\notepad.exe`, "sha256": testSHA, "size": 0,
				"created_at": "2020-05-01T16:09:00Z", "updated_at": "2020-05-01T16:09:00.5Z", "deleted_at": nil},
		}}))
	})
	c := newTestClient(t, f.config())

	files, err := c.BatchGetStatus(context.Background(), "req-1")
	if err != nil {
		t.Fatalf("BatchGetStatus: %v", err)
	}
	want := File{
		ID: 185596, CloudRequestID: "t1", SessionID: "s1", Name: `\Device\HarddiskVolume2\Windows\notepad.exe`,
		SHA256: testSHA, CreatedAt: time.Date(2020, 5, 1, 16, 9, 0, 0, time.UTC),
		UpdatedAt: time.Date(2020, 5, 1, 16, 9, 0, 500_000_000, time.UTC),
	}
	got := files[hostA]
	if got.ID != want.ID || got.CloudRequestID != want.CloudRequestID || got.Name != want.Name ||
		got.SHA256 != want.SHA256 || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("file = %+v, want %+v", got, want)
	}
	if q := f.requestsTo("GET " + pathBatchGet)[0].Query.Get("batch_get_cmd_req_id"); q != "req-1" {
		t.Errorf("batch_get_cmd_req_id = %q", q)
	}
}

// patternReader produces size bytes of a repeating pattern without holding
// them in memory.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(b)), p.left)
	for i := range b[:n] {
		b[i] = byte(i * 7)
	}
	p.left -= n
	return int(n), nil
}

func TestDownloadFileStreams(t *testing.T) {
	const size = 64 << 20
	want := sha256.New()
	if _, err := io.Copy(want, &patternReader{left: size}); err != nil {
		t.Fatal(err)
	}

	f := newFakeFalcon(t)
	f.handle("GET "+pathFileContents, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-7z-compressed")
		w.Header().Set("Content-Length", fmt.Sprint(size))
		_, _ = io.Copy(w, &patternReader{left: size})
	})
	c := newTestClient(t, f.config())

	got := sha256.New()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n, err := c.DownloadFile(context.Background(), "s1", testSHA, "notepad.exe", got)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("DownloadFile: %v", err)
	}
	if n != size {
		t.Errorf("bytes = %d, want %d", n, size)
	}
	if hex.EncodeToString(got.Sum(nil)) != hex.EncodeToString(want.Sum(nil)) {
		t.Error("downloaded content differs from the served content")
	}
	// Constant memory: allocations stay far below the file's size.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
		t.Errorf("allocated %d bytes for a %d-byte download, want far less", alloc, size)
	}
	q := f.requestsTo("GET " + pathFileContents)[0].Query
	if q.Get("session_id") != "s1" || q.Get("sha256") != testSHA || q.Get("filename") != "notepad.exe" {
		t.Errorf("query = %v", q)
	}
}

func TestDownloadFileShortBody(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("GET "+pathFileContents, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		writeRawResponse(buf, 1000, strings.Repeat("7", 600))
	})
	c := newTestClient(t, f.config())

	var got strings.Builder
	n, err := c.DownloadFile(context.Background(), "s1", testSHA, "", &got)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error = %v, want io.ErrUnexpectedEOF", err)
	}
	if n != 600 {
		t.Errorf("bytes = %d, want 600", n)
	}
	if !strings.Contains(err.Error(), "600 of 1000 bytes") {
		t.Errorf("error %q does not give the byte counts", err)
	}
	if got := len(f.requestsTo("GET " + pathFileContents)); got != 1 {
		t.Errorf("requests = %d, want 1: a partly written destination cannot take a retry", got)
	}
}

func writeRawResponse(buf *bufio.ReadWriter, contentLength int, body string) {
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/x-7z-compressed\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", contentLength, body)
	_ = buf.Flush()
}

func TestDownloadFileErrorIsJSON(t *testing.T) {
	f := newFakeFalcon(t)
	f.handle("GET "+pathFileContents, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody(404, "file not found"))
	})
	c := newTestClient(t, f.config())

	var got strings.Builder
	_, err := c.DownloadFile(context.Background(), "s1", testSHA, "", &got)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !apiErr.HasMessage("file not found") {
		t.Fatalf("error = %v, want the 404 *APIError", err)
	}
	if got.Len() != 0 {
		t.Errorf("wrote %d bytes of an error body to the destination", got.Len())
	}
}
