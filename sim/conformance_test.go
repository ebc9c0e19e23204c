package sim

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
)

// maxReportedProblems bounds the conformance messages one test prints, so
// that one shape bug repeated on every response does not bury the rest.
const maxReportedProblems = 20

// conformanceTally counts, over the whole test binary, the responses that
// were checked, the exceptions they used and the statuses that each
// operation sent.
var conformanceTally = struct {
	mu         sync.Mutex
	responses  int
	used       map[string]int
	operations map[string]map[int]int
	// sdkSuccess counts, by operation, the 2xx responses to gofalcon.
	sdkSuccess map[string]int
}{used: map[string]int{}, operations: map[string]map[int]int{}, sdkSuccess: map[string]int{}}

// trackServer records every response that srv sends and, when the test
// ends, checks each one against the API reference: its status must be
// documented for its operation, and its headers and body must match what
// the reference declares. Call it before srv.Start. startServer calls it
// for every emulator that the package's tests start.
func trackServer(t *testing.T, srv *Server) {
	t.Helper()
	recorder := &responseRecorder{}
	srv.handler = recorder.wrap(srv.handler)
	// Cleanups run last-in first-out, so a Close registered after this
	// one has finished every request before the check reads the records.
	t.Cleanup(func() { checkRecorded(t, recorder.list()) })
}

// checkRecorded reports, as errors of t, every way in which the records
// differ from the API reference.
func checkRecorded(t *testing.T, records []responseRecord) {
	t.Helper()
	ref, err := conformanceReference()
	if err != nil {
		t.Errorf("conformance: %v", err)
		return
	}
	if ref == nil {
		return // TestSpecConformance reports the missing reference
	}
	reported := 0
	for _, rec := range records {
		if rec.dropped {
			continue
		}
		res := ref.check(rec)
		tallyResponse(res, rec)
		for _, problem := range res.problems {
			reported++
			if reported > maxReportedProblems {
				continue
			}
			t.Errorf("conformance: %s returned %d: %s", rec.target(), rec.status, problem)
		}
	}
	if reported > maxReportedProblems {
		t.Errorf("conformance: %d more problems not shown", reported-maxReportedProblems)
	}
}

func tallyResponse(res checkResult, rec responseRecord) {
	conformanceTally.mu.Lock()
	defer conformanceTally.mu.Unlock()
	conformanceTally.responses++
	for _, key := range res.exceptions {
		conformanceTally.used[key]++
	}
	if res.operation == "" {
		return
	}
	if conformanceTally.operations[res.operation] == nil {
		conformanceTally.operations[res.operation] = map[int]int{}
	}
	conformanceTally.operations[res.operation][rec.status]++
	if rec.sdk == "gofalcon" && rec.status >= 200 && rec.status < 300 {
		conformanceTally.sdkSuccess[res.operation]++
	}
}

// TestMain runs the tests, then checks that every conformance exception
// was needed by at least one response and that gofalcon called every
// operation with success. It does so only when every test of the package
// ran, because a -run, -skip or -short selection leaves some exceptions
// and operations unused.
func TestMain(m *testing.M) {
	code := m.Run()
	if testing.Verbose() && wholePackageRan() {
		printOperationTally()
	}
	if code == 0 && wholePackageRan() {
		if unused := unusedExceptions(); len(unused) > 0 {
			printFailure("conformance exceptions that no response needed; "+
				"remove them or add a test that needs them:", unused)
			code = 1
		}
		if missing := operationsWithoutSDKCall(); len(missing) > 0 {
			printFailure("operations that no gofalcon test called successfully; "+
				"add a test in a gofalcon_*_test.go file:", missing)
			code = 1
		}
	}
	os.Exit(code)
}

func printFailure(summary string, items []string) {
	fmt.Fprintln(os.Stderr, "FAIL: "+summary)
	for _, item := range items {
		fmt.Fprintln(os.Stderr, "\t"+item)
	}
}

// operationsWithoutSDKCall returns the operations of the reference, and
// the extra operations the emulator serves, that got no 2xx response to a
// request from gofalcon.
func operationsWithoutSDKCall() []string {
	ref, err := conformanceReference()
	if ref == nil || err != nil {
		return nil
	}
	conformanceTally.mu.Lock()
	defer conformanceTally.mu.Unlock()
	var missing []string
	for _, op := range ref.operations {
		if conformanceTally.sdkSuccess[op.op.ID] == 0 {
			missing = append(missing, op.op.ID+" ("+op.method+" "+op.template+")")
		}
	}
	sort.Strings(missing)
	return missing
}

// wholePackageRan reports whether the run selected every test and the API
// reference was there to check against.
func wholePackageRan() bool {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	ref, err := conformanceReference()
	return !testing.Short() && ref != nil && err == nil
}

// unusedExceptions returns the keys of the exceptions that no response
// used. It returns nothing when no response was checked at all.
func unusedExceptions() []string {
	conformanceTally.mu.Lock()
	defer conformanceTally.mu.Unlock()
	if conformanceTally.responses == 0 {
		return nil
	}
	var unused []string
	for _, key := range exceptionKeys() {
		if conformanceTally.used[key] == 0 {
			unused = append(unused, key)
		}
	}
	sort.Strings(unused)
	return unused
}

// printOperationTally prints how many responses of each status every
// operation of the reference sent, and how many were 2xx responses to
// gofalcon, so that a verbose run shows what the tests leave unexercised.
func printOperationTally() {
	ref, err := conformanceReference()
	if ref == nil || err != nil {
		return
	}
	conformanceTally.mu.Lock()
	defer conformanceTally.mu.Unlock()
	fmt.Printf("conformance: %d responses checked\n", conformanceTally.responses)
	var ids []string
	for _, op := range ref.operations {
		ids = append(ids, op.op.ID)
	}
	sort.Strings(ids)
	for _, id := range ids {
		statuses := conformanceTally.operations[id]
		if len(statuses) == 0 {
			fmt.Printf("conformance: %-40s no response\n", id)
			continue
		}
		codes := make([]int, 0, len(statuses))
		for code := range statuses {
			codes = append(codes, code)
		}
		sort.Ints(codes)
		var parts []string
		for _, code := range codes {
			parts = append(parts, fmt.Sprintf("%dx%d", code, statuses[code]))
		}
		fmt.Printf("conformance: %-40s %s; gofalcon 2xx: %d\n", id, strings.Join(parts, " "),
			conformanceTally.sdkSuccess[id])
	}
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
