package fleet

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestDocumentedFleetFile loads the complete example of the "Fleet files"
// section of docs/emulator.md, so that the documented format stays the one
// the loader reads.
func TestDocumentedFleetFile(t *testing.T) {
	doc, err := os.ReadFile("../../docs/emulator.md")
	if err != nil {
		t.Fatalf("read the emulator doc: %v", err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Fleet files\n")
	if !ok {
		t.Fatal(`docs/emulator.md has no "## Fleet files" section`)
	}
	_, example, ok := strings.Cut(section, "```json\n")
	example, _, ok2 := strings.Cut(example, "```")
	if !ok || !ok2 {
		t.Fatal("the Fleet files section has no json example")
	}
	f, err := parseFleet([]byte(example), newRand(), time.Now)
	if err != nil {
		t.Fatalf("the documented example does not load: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"hosts", len(f.Hosts()), 501},
		{"cid", f.CID(), "0123456789abcdef0123456789abcdef"},
		{"faults", f.HostByName("WIN-LAB-01").Faults(), HostFaults{OfflineAfterCommands: 3,
			OfflineAfter: 2 * time.Minute, BackAfter: 30 * time.Second, Delay: 1500 * time.Millisecond,
			StallUploads: true, ChunkSize: 512, NonUTF8: true, ExtraOutputBytes: 1 << 20}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
	if groups := f.HostByName("WIN-LAB-01").Info().Groups; len(groups) != 1 || groups[0] != "0123456789abcdef0123456789abcdef" {
		t.Errorf("groups = %q; want the one group of the example", groups)
	}
}
