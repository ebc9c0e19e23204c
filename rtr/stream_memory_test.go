//go:build !race

package rtr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// heapSampler records the peak of the live heap while a transfer runs,
// read through runtime/metrics every few milliseconds.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	done sync.WaitGroup
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		sample := []metrics.Sample{{Name: heapMetric}}
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > s.peak.Load() {
				s.peak.Store(v)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) finish() uint64 {
	close(s.stop)
	s.done.Wait()
	return s.peak.Load()
}

// TestDownloadMemoryStaysFlat retrieves a 256 MiB file from the emulator,
// which serves it in the same process, and checks that the live heap stays
// under 64 MiB through the download and the archive check. It is left out
// of race builds, whose instrumentation changes the heap.
func TestDownloadMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 256 MiB; skipped with -short")
	}
	const limit = 64 << 20
	peak := downloadThroughEmulator(t, 256<<20)
	t.Logf("peak live heap %.1f MiB", float64(peak)/(1<<20))
	if peak > limit {
		t.Errorf("peak live heap %.1f MiB, want under %d MiB", float64(peak)/(1<<20), limit>>20)
	}
}

// BenchmarkDownload2GiB retrieves a 2 GiB file through the emulator and
// reports the peak live heap and the process's peak resident set size
// (VmHWM, Linux only), which covers the whole benchmark process.
func BenchmarkDownload2GiB(b *testing.B) {
	const size = 2 << 30
	var peak uint64
	for i := 0; i < b.N; i++ {
		peak = max(peak, downloadThroughEmulator(b, size))
	}
	b.SetBytes(size)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	if rss, ok := peakRSS(); ok {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	}
}

// peakRSS reads VmHWM from /proc/self/status.
func peakRSS() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return kb << 10, true
			}
		}
	}
	return 0, false
}

// downloadThroughEmulator serves a generated file of size bytes from an
// in-process emulator, downloads it to disk, checks the archive's content
// against Falcon's sha256, and returns the peak live heap meanwhile.
func downloadThroughEmulator(tb testing.TB, size int64) uint64 {
	tb.Helper()
	dir := tb.TempDir()
	fleetFile := filepath.Join(dir, "fleet.json")
	spec := fmt.Sprintf(`{"hosts": [{"hostname": "WIN-BIG-01", "platform": "windows", "base": false,
		"files": [{"path": "C:\\Evidence\\disk.img", "size": %d}]}]}`, size)
	if err := os.WriteFile(fleetFile, []byte(spec), 0o644); err != nil {
		tb.Fatal(err)
	}
	fl, err := fleet.Load(fleetFile)
	if err != nil {
		tb.Fatalf("load fleet: %v", err)
	}
	srv, err := sim.New(sim.Options{Fleet: fl, StateDir: tb.TempDir(), UploadDelay: 10 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		tb.Fatal(err)
	}
	defer srv.Close()
	c, err := New(context.Background(), Config{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(),
		BaseURL: srv.URL(), CAFile: srv.CAFile(), LoopbackOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	aid := fl.Hosts()[0].Info().AID
	file := uploadedFile(tb, c, aid, `C:\Evidence\disk.img`)

	runtime.GC()
	sampler := startHeapSampler()
	archive := filepath.Join(dir, "disk.img.7z")
	out, err := os.Create(archive)
	if err != nil {
		tb.Fatal(err)
	}
	_, err = c.DownloadFile(ctx, file.SessionID, file.SHA256, "disk.img", out)
	if closeErr := out.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		tb.Fatalf("download: %v", err)
	}
	hash := sha256.New()
	member, err := ExtractArchive(archive, ArchivePassword, hash, size+1)
	peak := sampler.finish()
	if err != nil {
		tb.Fatalf("extract: %v", err)
	}
	if member.Size != size || hex.EncodeToString(hash.Sum(nil)) != file.SHA256 {
		tb.Errorf("extracted %d bytes with sha256 %x, want %d bytes with Falcon's %s", member.Size, hash.Sum(nil), size, file.SHA256)
	}
	return peak
}

// uploadedFile runs a batch get of path on one host and waits until the
// batch get status lists the upload.
func uploadedFile(tb testing.TB, c *Client, aid, path string) File {
	tb.Helper()
	ctx := context.Background()
	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{aid}, Timeout: 30 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	reqID, _, err := c.BatchGet(ctx, BatchGetRequest{BatchID: init.BatchID, FilePath: path,
		Timeout: 30 * time.Second, HostTimeout: 28 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		files, err := c.BatchGetStatus(ctx, reqID)
		if err != nil {
			tb.Fatal(err)
		}
		if f, ok := files[aid]; ok {
			return f
		}
	}
	tb.Fatal("the upload never appeared in the batch get status")
	return File{}
}
