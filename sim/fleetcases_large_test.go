package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bodgit/sevenzip"

	"github.com/rtrplay/rtrplay/sim/internal/sevenz"
)

// maxStreamHeapGrowth bounds how far the heap may grow above its level
// before the download while a large file streams. It is far below the
// file's size, so a server or client that held the file whole fails.
const maxStreamHeapGrowth = 32 << 20

// heapSampler records the peak of the live and unswept heap objects while
// it runs.
type heapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

const heapObjectsMetric = "/memory/classes/heap/objects:bytes"

// heapObjects reads the bytes of heap objects, live or not yet swept.
func heapObjects() uint64 {
	sample := []metrics.Sample{{Name: heapObjectsMetric}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// startHeapSampler samples the heap every few milliseconds until Stop.
func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			s.peak = max(s.peak, heapObjects())
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak.
func (s *heapSampler) Stop() uint64 {
	close(s.stop)
	s.done.Wait()
	return s.peak
}

// R21: a large file of generated content comes back from
// extracted-file-contents as a 7z archive with an exact Content-Length.
// While it streams, the heap stays far below the file's size. The archive
// decrypts to a file of the uploaded size and sha256.
func TestLargeFileStreamsWithBoundedMemory(t *testing.T) {
	srv := startCaseServer(t, Options{UploadDelay: time.Millisecond})
	c := newClient(t, srv)
	batchID, hosts := openBatch(t, c, false, caseEvidence)

	var post wireBatchCommand
	c.expect(http.StatusCreated, http.MethodPost, pathBatchGet, nil,
		map[string]any{"batch_id": batchID, "file_path": largeFilePath}, &post)
	checkDone(t, "get", post.Combined.Resources[caseEvidence], largeFilePath, "")
	time.Sleep(20 * time.Millisecond)
	var status wireGetStatus
	c.expect(http.StatusOK, http.MethodGet, pathBatchGet,
		url.Values{"batch_get_cmd_req_id": {post.BatchGetCmdReqID}}, nil, &status)
	file, listed := status.Resources[caseEvidence]
	if !listed {
		t.Fatalf("batch get status lacks the host: %+v", status.Resources)
	}

	name := baseName(largeFilePath)
	archivePath := filepath.Join(t.TempDir(), name+".7z")
	runtime.GC()
	before := heapObjects()
	sampler := startHeapSampler()
	header, written := downloadToFile(t, c, hosts[caseEvidence].SessionID, file.SHA256, name, archivePath)
	peak := sampler.Stop()
	growth := int64(peak) - int64(before)
	t.Logf("streamed a %d MiB file: heap peak %d MiB above the %d MiB before the download",
		largeFileSize>>20, growth>>20, before>>20)
	if growth > maxStreamHeapGrowth {
		t.Errorf("heap grew by %d MiB while streaming, want at most %d MiB", growth>>20, maxStreamHeapGrowth>>20)
	}

	wantLength := sevenz.Size(name, largeFileSize)
	if got := header.Get("Content-Length"); got != strconv.FormatInt(wantLength, 10) {
		t.Errorf("Content-Length = %q, want %d", got, wantLength)
	}
	if written != wantLength {
		t.Errorf("received %d bytes, want the Content-Length %d", written, wantLength)
	}
	if wantLength <= largeFileSize {
		t.Errorf("archive length %d is not above the file size %d", wantLength, largeFileSize)
	}
	if got := header.Get("Content-Type"); got != "application/x-7z-compressed" {
		t.Errorf("Content-Type = %q, want application/x-7z-compressed", got)
	}

	size, sum := extractedDigest(t, archivePath)
	if size != largeFileSize {
		t.Errorf("archived file has %d bytes, want %d", size, largeFileSize)
	}
	if sum != file.SHA256 {
		t.Errorf("archived file sha256 = %s, want the uploaded %s", sum, file.SHA256)
	}
}

// downloadToFile streams extracted-file-contents into path and returns the
// response headers and the bytes written.
func downloadToFile(t *testing.T, c *apiClient, sessionID, sum, filename, path string) (http.Header, int64) {
	t.Helper()
	query := url.Values{"session_id": {sessionID}, "sha256": {sum}, "filename": {filename}}
	req, err := http.NewRequest(http.MethodGet, c.srv.URL()+pathExtractedFile+"?"+query.Encode(), nil)
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("GET extracted file: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET extracted file: status %d, want 200", resp.StatusCode)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
	defer out.Close()
	written, err := io.Copy(out, resp.Body)
	if err != nil {
		t.Fatalf("stream extracted file into %s: %v", path, err)
	}
	return resp.Header, written
}

// extractedDigest decrypts the one file of the 7z archive at path as a
// stream and returns its length and sha256.
func extractedDigest(t *testing.T, path string) (int64, string) {
	t.Helper()
	r, err := sevenzip.OpenReaderWithPassword(path, archivePassword)
	if err != nil {
		t.Fatalf("open archive %s: %v", path, err)
	}
	defer r.Close()
	if len(r.File) != 1 {
		t.Fatalf("archive contains %d files, want 1", len(r.File))
	}
	rc, err := r.File[0].Open()
	if err != nil {
		t.Fatalf("open %s in the archive: %v", r.File[0].Name, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("decrypt %s: %v", r.File[0].Name, err)
	}
	return n, hex.EncodeToString(h.Sum(nil))
}
