package fleet

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

var genNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestGenerateOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    GenerateOptions
		wantErr string
	}{
		{"one host", GenerateOptions{Hosts: 1}, ""},
		{"zero hosts", GenerateOptions{}, "outside 1..100000"},
		{"too many", GenerateOptions{Hosts: MaxGeneratedHosts + 1}, "outside 1..100000"},
		{"bad cid", GenerateOptions{Hosts: 3, CID: "xyz"}, "not 32 hex digits"},
		{"negative weight", GenerateOptions{Hosts: 3, Linux: -1}, "must not be negative"},
		{"percent over 100", GenerateOptions{Hosts: 3, OfflinePercent: 101}, "over 100"},
		{"too many compromised", GenerateOptions{Hosts: 3, Compromised: 4}, "more than the 3 hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Generate(tt.opts)
			if tt.wantErr == "" {
				if err != nil || len(f.Hosts()) != tt.opts.Hosts {
					t.Fatalf("Generate(%+v) = %v; want %d hosts", tt.opts, err, tt.opts.Hosts)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Generate(%+v) error = %v; want it to contain %q", tt.opts, err, tt.wantErr)
			}
		})
	}
}

func TestGenerateIsRepeatable(t *testing.T) {
	opts := GenerateOptions{Hosts: 40, Seed: 7, Now: genNow}
	a, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(opts)
	other, _ := Generate(GenerateOptions{Hosts: 40, Seed: 8, Now: genNow})
	if !reflect.DeepEqual(a.Snapshot(), b.Snapshot()) {
		t.Error("two fleets from the same options differ")
	}
	if a.CID() == other.CID() || a.Hosts()[0].AID() == other.Hosts()[0].AID() {
		t.Error("fleets from seeds 7 and 8 share a CID or AID")
	}
}

// TestGenerateVariety checks that a large fleet has every platform, several
// OS versions, and a few compromised, offline, unreachable and contained
// hosts, in shares near the defaults.
func TestGenerateVariety(t *testing.T) {
	const n = 5000
	f, err := Generate(GenerateOptions{Hosts: n, Seed: 3, Now: genNow})
	if err != nil {
		t.Fatal(err)
	}
	platforms, versions := map[Platform]int{}, map[string]bool{}
	offline, unreachable, contained := 0, 0, 0
	names := map[string]bool{}
	for _, h := range f.Hosts() {
		info := h.Info()
		platforms[info.Platform]++
		versions[info.OSVersion] = true
		names[info.Hostname] = true
		if !info.Online {
			offline++
		}
		if !info.Reachable {
			unreachable++
		}
		if info.Containment == Contained {
			contained++
		}
		if len(info.Tags) < 2 {
			t.Fatalf("%s has tags %v; want a department and a site", info.Hostname, info.Tags)
		}
	}
	checks := []struct {
		name    string
		got     int
		low, hi int
	}{
		{"windows", platforms[Windows], n * 65 / 100, n * 75 / 100},
		{"linux", platforms[Linux], n * 15 / 100, n * 25 / 100},
		{"mac", platforms[Mac], n * 7 / 100, n * 13 / 100},
		{"offline", offline, n * 3 / 100, n * 7 / 100},
		{"unreachable", unreachable, 5, n * 2 / 100},
		{"contained", contained, 1, n * 1 / 100},
		{"os versions", len(versions), 10, 30},
		{"unique hostnames", len(names), n, n},
	}
	for _, c := range checks {
		if c.got < c.low || c.got > c.hi {
			t.Errorf("%s = %d; want %d..%d", c.name, c.got, c.low, c.hi)
		}
	}
	compromised := 0
	for _, h := range f.Hosts() {
		ps := h.Exec(nil, Admin, "ps").Stdout
		if ps == "" {
			t.Fatalf("%s: ps printed nothing", h.Hostname())
		}
		if strings.Contains(ps, "updater64") {
			compromised++
		}
	}
	if compromised != n/1000 {
		t.Errorf("compromised hosts = %d; want %d", compromised, n/1000)
	}
}

func TestGeneratedHostBuildsOnFirstUse(t *testing.T) {
	f, err := Generate(GenerateOptions{Hosts: 1, Seed: 1, Windows: 1, Now: genNow})
	if err != nil {
		t.Fatal(err)
	}
	h := f.Hosts()[0]
	if len(h.procs) != 0 {
		t.Fatalf("a fresh generated host has %d processes; want none before first use", len(h.procs))
	}
	res := h.Exec(nil, Admin, `ls C:\Windows\System32`)
	if res.Stderr != "" || !strings.Contains(res.Stdout, "cmd.exe") {
		t.Fatalf("ls System32 on a generated host = %q, %q; want a listing with cmd.exe", res.Stdout, res.Stderr)
	}
	// A change survives: the host is built once.
	if res := h.Exec(nil, Admin, `mkdir C:\Temp\probe`); res.Stderr != "" {
		t.Fatalf("mkdir: %q", res.Stderr)
	}
	if res := h.Exec(nil, Admin, `ls C:\Temp`); !strings.Contains(res.Stdout, "probe") {
		t.Fatalf("ls C:\\Temp after mkdir = %q; want probe", res.Stdout)
	}
}

// TestSnapshotLeavesHostUnbuilt checks that a snapshot of an unused
// generated host reads a throwaway build equal to the one its first command
// makes, and keeps nothing.
func TestSnapshotLeavesHostUnbuilt(t *testing.T) {
	f, err := Generate(GenerateOptions{Hosts: 3, Seed: 5, Now: genNow})
	if err != nil {
		t.Fatal(err)
	}
	before := f.Snapshot()
	for _, h := range f.Hosts() {
		if len(h.procs) != 0 {
			t.Fatalf("%s has %d processes after a snapshot; want none until first use", h.Hostname(), len(h.procs))
		}
		h.Exec(nil, Admin, "pwd")
	}
	if after := f.Snapshot(); !reflect.DeepEqual(before, after) {
		t.Error("snapshot before first use differs from the one after pwd")
	}
}

func TestNamedGenerated(t *testing.T) {
	tests := []struct {
		name    string
		hosts   int
		wantErr string
	}{
		{"generated:25", 25, ""},
		{"generated:25:9", 25, ""},
		{"generated:0", 0, "N from 1 to 100000"},
		{"generated:x", 0, "N from 1 to 100000"},
		{"generated:5:-1", 0, "is not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Named(tt.name)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Named(%q) error = %v; want %q", tt.name, err, tt.wantErr)
				}
				return
			}
			if err != nil || len(f.Hosts()) != tt.hosts {
				t.Fatalf("Named(%q) = %v; want %d hosts", tt.name, err, tt.hosts)
			}
		})
	}
}

// TestGeneratedFleetMemory bounds the heap a generated host holds before
// its first command, and after it, when it has built its base system.
func TestGeneratedFleetMemory(t *testing.T) {
	const n = 2000
	tests := []struct {
		name string
		use  func(f *Fleet)
		max  uint64
	}{
		{"at rest", func(*Fleet) {}, 1024},
		{"after a command", func(f *Fleet) {
			for _, h := range f.Hosts() {
				h.Exec(nil, Admin, "pwd")
			}
		}, 64 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			f, err := Generate(GenerateOptions{Hosts: n, Seed: 1, Now: genNow})
			if err != nil {
				t.Fatal(err)
			}
			tt.use(f)
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(f)
			perHost := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
			t.Logf("%d bytes per generated host %s", perHost, tt.name)
			if perHost > int64(tt.max) {
				t.Errorf("heap per generated host %s = %d bytes; want at most %d", tt.name, perHost, tt.max)
			}
		})
	}
}

func TestFleetFileGenerateSection(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		wantHosts int
		wantErr   string
	}{
		{"generate only", `{"generate": {"hosts": 12, "seed": 4}}`, 12, ""},
		{"generate and listed hosts", `{"cid": "0123456789abcdef0123456789abcdef",
			"generate": {"hosts": 5, "seed": 4, "windows": 1, "compromised": -1, "offline_percent": -1},
			"hosts": [{"hostname": "extra-01", "platform": "linux"}]}`, 6, ""},
		{"bad count", `{"generate": {"hosts": 0}}`, 0, "generate: hosts 0 is outside"},
		{"unknown field", `{"generate": {"hosts": 3, "sed": 4}}`, 0, `unknown field "sed"`},
		{"clashing hostname", `{"generate": {"hosts": 1, "seed": 1, "windows": 1, "now": "2026-03-02T09:00:00Z"},
			"hosts": [{"hostname": "` + generatedName(t, 1) + `", "platform": "linux"}]}`, 0, "is used by an earlier host"},
		{"nothing", `{}`, 0, "add a generate section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseFleet([]byte(tt.file), newRand(), time.Now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseFleet error = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(f.Hosts()); got != tt.wantHosts {
				t.Fatalf("hosts = %d; want %d", got, tt.wantHosts)
			}
			for _, h := range f.Hosts() {
				if h.Info().CID != f.CID() {
					t.Fatalf("%s reports CID %s; want the fleet's %s", h.Hostname(), h.Info().CID, f.CID())
				}
			}
		})
	}
}

// generatedName is the hostname of the only host of a one-host Windows
// fleet with the seed.
func generatedName(t *testing.T, seed uint64) string {
	t.Helper()
	f, err := Generate(GenerateOptions{Hosts: 1, Seed: seed, Windows: 1, Now: genNow})
	if err != nil {
		t.Fatal(err)
	}
	return f.Hosts()[0].Hostname()
}
