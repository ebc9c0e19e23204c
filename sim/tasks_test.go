package sim

import (
	"testing"
	"time"
)

func TestTaskStoreEvictsOldestFinished(t *testing.T) {
	now := time.Now()
	ts := newTaskStore(10)
	add := func(id string, runningFor time.Duration) {
		ts.add(&task{id: id, stdout: "abcd", doneAt: now.Add(runningFor)}, now)
	}
	add("running", time.Minute) // 4 bytes, still running
	add("first", 0)             // 8 bytes
	add("second", 0)            // 12 bytes: evict the oldest finished task

	tests := []struct {
		id       string
		wantKept bool
	}{
		{id: "running", wantKept: true},
		{id: "first", wantKept: false},
		{id: "second", wantKept: true},
	}
	for _, tt := range tests {
		if got := ts.get(tt.id) != nil; got != tt.wantKept {
			t.Errorf("task %s kept = %v, want %v", tt.id, got, tt.wantKept)
		}
	}
	if ts.bytes != 8 {
		t.Errorf("stored output = %d bytes, want 8", ts.bytes)
	}
	if len(ts.order) != 2 || ts.order[0] != "running" {
		t.Errorf("order = %v, want [running second]", ts.order)
	}
}
