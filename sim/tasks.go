package sim

import "time"

// maxTaskOutputBytes bounds the command output that the emulator keeps for
// the status calls. A batch of 10,000 hosts that each print 30 KB of ps
// output is 300 MB, so without a bound a long benchmark would hold every
// output it ever produced.
const maxTaskOutputBytes = 256 << 20

// taskStore keeps tasks by cloud_request_id. Once their output passes
// maxBytes it evicts the oldest finished tasks, whose status calls then
// return 404. Tasks still running are always kept.
type taskStore struct {
	byID     map[string]*task
	order    []string // ids, oldest first
	bytes    int
	maxBytes int
}

func newTaskStore(maxBytes int) *taskStore {
	return &taskStore{byID: map[string]*task{}, maxBytes: maxBytes}
}

func (ts *taskStore) get(id string) *task { return ts.byID[id] }

// add stores t and evicts old finished tasks while the output kept is over
// the bound.
func (ts *taskStore) add(t *task, now time.Time) {
	ts.byID[t.id] = t
	ts.order = append(ts.order, t.id)
	ts.bytes += t.size()

	var running []string
	for ts.bytes > ts.maxBytes && len(ts.order) > 0 {
		oldest := ts.byID[ts.order[0]]
		ts.order = ts.order[1:]
		if now.Before(oldest.doneAt) {
			running = append(running, oldest.id)
			continue
		}
		delete(ts.byID, oldest.id)
		ts.bytes -= oldest.size()
	}
	// Prepend only when needed: appending to a nil running slice would
	// copy the whole order on every add, which made a 10,000-host batch
	// command quadratic.
	if len(running) > 0 {
		ts.order = append(running, ts.order...)
	}
}

func (t *task) size() int { return len(t.stdout) + len(t.stderr) }

// replace puts t in place of the stored task with the same id, as when a
// queued command runs and its output arrives. A task that is gone (the
// command was canceled) is not brought back.
func (ts *taskStore) replace(t *task) {
	old := ts.byID[t.id]
	if old == nil {
		return
	}
	ts.byID[t.id] = t
	ts.bytes += t.size() - old.size()
}

// remove drops the task with the id, so that its status calls answer 404.
func (ts *taskStore) remove(id string) {
	t := ts.byID[id]
	if t == nil {
		return
	}
	delete(ts.byID, id)
	ts.bytes -= t.size()
	for i, other := range ts.order {
		if other == id {
			ts.order = append(ts.order[:i], ts.order[i+1:]...)
			break
		}
	}
}
