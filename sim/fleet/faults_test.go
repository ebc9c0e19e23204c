package fleet

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFaultsFile(t *testing.T) {
	tests := []struct {
		name    string
		faults  string
		want    HostFaults
		wantErr string
	}{
		{"every field", `{"offline_after_commands": 3, "offline_after": "2m", "back_after": "30s", "delay": "1.5s",
			"stall_uploads": true, "chunk_size": 512, "non_utf8": true, "extra_output_bytes": 1048576}`,
			HostFaults{OfflineAfterCommands: 3, OfflineAfter: 2 * time.Minute, BackAfter: 30 * time.Second,
				Delay: 1500 * time.Millisecond, StallUploads: true, ChunkSize: 512, NonUTF8: true, ExtraOutputBytes: 1 << 20}, ""},
		{"lose the first command", `{"offline_after_commands": 0}`, HostFaults{OfflineAtFirst: true}, ""},
		{"empty", `{}`, HostFaults{}, ""},
		{"bad duration", `{"delay": "soon"}`, HostFaults{}, `faults.delay: "soon" is not a duration`},
		{"negative delay", `{"delay": "-1s"}`, HostFaults{}, "faults.delay: -1s is negative"},
		{"negative count", `{"offline_after_commands": -2}`, HostFaults{}, "offline_after_commands: -2 is negative"},
		{"negative chunk", `{"chunk_size": -1}`, HostFaults{}, "chunk_size: -1 is negative"},
		{"huge output", `{"extra_output_bytes": 1073741824}`, HostFaults{}, "outside 0..67108864"},
		{"back without offline", `{"back_after": "1s"}`, HostFaults{}, "the host never goes offline"},
		{"unknown field", `{"dealy": "1s"}`, HostFaults{}, `unknown field "dealy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := `{"hosts": [{"hostname": "h1", "platform": "windows", "base": false, "faults": ` + tt.faults + `}]}`
			f, err := parseFleet([]byte(file), newRand(), time.Now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseFleet error = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Hosts()[0].Faults(); got != tt.want {
				t.Errorf("faults = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestFaultsShapeResults(t *testing.T) {
	tests := []struct {
		name   string
		faults HostFaults
		check  func(t *testing.T, res Result)
	}{
		{"delay", HostFaults{Delay: 2 * time.Second}, func(t *testing.T, res Result) {
			if res.Duration != 2*time.Second || res.Stdout != "C:\\" {
				t.Errorf("duration %s, stdout %q; want 2s and C:\\", res.Duration, res.Stdout)
			}
		}},
		{"chunk size", HostFaults{ChunkSize: 64}, func(t *testing.T, res Result) {
			if res.ChunkSize != 64 {
				t.Errorf("chunk size = %d; want 64", res.ChunkSize)
			}
		}},
		{"non-UTF-8", HostFaults{NonUTF8: true}, func(t *testing.T, res Result) {
			if utf8.ValidString(res.Stdout) || !strings.HasPrefix(res.Stdout, "C:\\\r\ncaf\xe9") {
				t.Errorf("stdout = %q; want C:\\ on its own line, then Latin-1 bytes that are not UTF-8", res.Stdout)
			}
		}},
		{"extra output", HostFaults{ExtraOutputBytes: 5000}, func(t *testing.T, res Result) {
			if len(res.Stdout) != 3+5000 || !strings.HasSuffix(res.Stdout, "\n") {
				t.Errorf("stdout is %d bytes; want 5003 ending in a newline", len(res.Stdout))
			}
		}},
		{"lost first command", HostFaults{OfflineAtFirst: true}, func(t *testing.T, res Result) {
			if res.Duration != LostCommandDuration || res.Stdout != "" || res.BaseCommand != "pwd" {
				t.Errorf("result = %+v; want a pwd that never finishes", res)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := bareWindowsHost(t)
			h.SetFaults(tt.faults)
			tt.check(t, h.Exec(nil, Admin, "pwd"))
		})
	}
}

func TestLatin1(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"café", "caf\xe9"},
		{"日本", "??"},
	}
	for _, tt := range tests {
		if got := latin1(tt.in); got != tt.want {
			t.Errorf("latin1(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestOfflineAfterCommands(t *testing.T) {
	h := bareWindowsHost(t)
	h.SetFaults(HostFaults{OfflineAfterCommands: 2})
	for i, wantLost := range []bool{false, false, true} {
		res := h.Exec(nil, Admin, "pwd")
		if lost := res.Duration == LostCommandDuration; lost != wantLost {
			t.Fatalf("command %d lost = %v; want %v", i+1, lost, wantLost)
		}
	}
	if h.Info().Online {
		t.Error("host online after its lost command; want offline")
	}
}

func TestOfflineAfterDelay(t *testing.T) {
	h := bareWindowsHost(t)
	// The offline window is long enough that a loaded machine's polling
	// cannot miss it.
	h.SetFaults(HostFaults{OfflineAfter: 50 * time.Millisecond, BackAfter: 1500 * time.Millisecond})
	h.Exec(nil, Admin, "pwd")
	waitOnline(t, h, false)
	waitOnline(t, h, true)
}

func waitOnline(t *testing.T, h *Host, want bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Info().Online != want {
		if time.Now().After(deadline) {
			t.Fatalf("host online = %v after 5s; want %v", !want, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func bareWindowsHost(t *testing.T) *Host {
	t.Helper()
	f, err := parseFleet([]byte(`{"hosts": [{"hostname": "h1", "platform": "windows", "base": false}]}`), newRand(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return f.Hosts()[0]
}
