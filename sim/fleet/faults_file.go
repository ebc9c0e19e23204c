package fleet

import (
	"fmt"
	"time"
)

// faultsFile is the "faults" object of a host in a fleet file. Durations
// are Go duration strings such as "30s" or "1m30s".
type faultsFile struct {
	// OfflineAfterCommands is a pointer so that 0 (lose the first
	// command) differs from absent (never).
	OfflineAfterCommands *int   `json:"offline_after_commands"`
	OfflineAfter         string `json:"offline_after"`
	BackAfter            string `json:"back_after"`
	Delay                string `json:"delay"`
	StallUploads         bool   `json:"stall_uploads"`
	ChunkSize            int    `json:"chunk_size"`
	NonUTF8              bool   `json:"non_utf8"`
	ExtraOutputBytes     int    `json:"extra_output_bytes"`
}

func (hf *hostFile) addFaults(b *builder) error {
	if hf.Faults == nil {
		return nil
	}
	f, err := hf.Faults.hostFaults()
	if err != nil {
		return fmt.Errorf("faults.%w", err)
	}
	b.h.faults = &faultState{cfg: f}
	return nil
}

func (ff *faultsFile) hostFaults() (HostFaults, error) {
	f := HostFaults{StallUploads: ff.StallUploads, ChunkSize: ff.ChunkSize, NonUTF8: ff.NonUTF8,
		ExtraOutputBytes: ff.ExtraOutputBytes}
	if n := ff.OfflineAfterCommands; n != nil {
		f.OfflineAfterCommands, f.OfflineAtFirst = *n, *n == 0
	}
	for _, d := range []struct {
		name string
		text string
		to   *time.Duration
	}{{"offline_after", ff.OfflineAfter, &f.OfflineAfter}, {"back_after", ff.BackAfter, &f.BackAfter},
		{"delay", ff.Delay, &f.Delay}} {
		if d.text == "" {
			continue
		}
		v, err := time.ParseDuration(d.text)
		if err != nil {
			return HostFaults{}, fmt.Errorf("%s: %q is not a duration; write it like 30s or 1m30s", d.name, d.text)
		}
		*d.to = v
	}
	if err := f.validate(); err != nil {
		return HostFaults{}, err
	}
	return f, nil
}
