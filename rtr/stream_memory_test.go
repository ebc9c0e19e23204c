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
	const size = 256 << 20
	const limit = 64 << 20
	dir := t.TempDir()
	fleetFile := filepath.Join(dir, "fleet.json")
	spec := fmt.Sprintf(`{"hosts": [{"hostname": "WIN-BIG-01", "platform": "windows", "base": false,
		"files": [{"path": "C:\\Evidence\\disk.img", "size": %d}]}]}`, size)
	if err := os.WriteFile(fleetFile, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	fl, err := fleet.Load(fleetFile)
	if err != nil {
		t.Fatalf("load fleet: %v", err)
	}
	srv, err := sim.New(sim.Options{Fleet: fl, StateDir: t.TempDir(), UploadDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c := newTestClient(t, Config{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(),
		BaseURL: srv.URL(), CAFile: srv.CAFile(), LoopbackOnly: true})
	ctx := context.Background()
	aid := fl.Hosts()[0].Info().AID

	init, err := c.BatchInit(ctx, BatchInitRequest{HostIDs: []string{aid}, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	reqID, _, err := c.BatchGet(ctx, BatchGetRequest{BatchID: init.BatchID, FilePath: `C:\Evidence\disk.img`,
		Timeout: 30 * time.Second, HostTimeout: 28 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var file File
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		files, err := c.BatchGetStatus(ctx, reqID)
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := files[aid]; ok {
			file = f
			break
		}
	}
	if file.SHA256 == "" {
		t.Fatal("the upload never appeared in the batch get status")
	}

	runtime.GC()
	sampler := startHeapSampler()
	archive := filepath.Join(dir, "disk.img.7z")
	out, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.DownloadFile(ctx, file.SessionID, file.SHA256, "disk.img", out)
	if closeErr := out.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	hash := sha256.New()
	member, err := ExtractArchive(archive, ArchivePassword, hash, size+1)
	peak := sampler.finish()
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	t.Logf("archive %d bytes, content %d bytes, peak live heap %.1f MiB", n, member.Size, float64(peak)/(1<<20))
	if member.Size != size || hex.EncodeToString(hash.Sum(nil)) != file.SHA256 {
		t.Errorf("extracted %d bytes with sha256 %x, want %d bytes with Falcon's %s", member.Size, hash.Sum(nil), size, file.SHA256)
	}
	if peak > limit {
		t.Errorf("peak live heap %.1f MiB, want under %d MiB", float64(peak)/(1<<20), limit>>20)
	}

}
