package sim

import (
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// generatedFleetSize is the largest generated fleet: the size that the
// generated-fleet benchmarks load.
const generatedFleetSize = fleet.MaxGeneratedHosts

var generatedOpts = fleet.GenerateOptions{
	Hosts: generatedFleetSize, Seed: 1, Now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
}

// BenchmarkGenerated100000 measures a generated fleet of 100,000 hosts:
// generating it (load), and opening a batch session on 10,000 of them
// (init), which is as many as one batch init accepts.
func BenchmarkGenerated100000(b *testing.B) {
	b.Run("load", func(b *testing.B) {
		var f *fleet.Fleet
		for b.Loop() {
			var err error
			if f, err = fleet.Generate(generatedOpts); err != nil {
				b.Fatalf("generate: %v", err)
			}
		}
		b.ReportMetric(float64(retainedBytes(b))/(1<<20), "heap-MiB")
		runtime.KeepAlive(f)
	})
	b.Run("init-10000", func(b *testing.B) {
		f, err := fleet.Generate(generatedOpts)
		if err != nil {
			b.Fatalf("generate: %v", err)
		}
		ids := allAIDs(f)[:maxBatchHosts]
		_, c := benchServer(b, f)
		var size int
		for b.Loop() {
			size = len(c.postJSON(http.StatusCreated, pathBatchInit, nil, map[string]any{"host_ids": ids}))
		}
		reportHosts(b, len(ids), size)
	})
}

// retainedBytes is the live heap after a collection that keeps one
// generated fleet: what the fleet costs at rest, before any command.
func retainedBytes(b *testing.B) uint64 {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f, err := fleet.Generate(generatedOpts)
	if err != nil {
		b.Fatalf("generate: %v", err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(f)
	return after.HeapAlloc - before.HeapAlloc
}
