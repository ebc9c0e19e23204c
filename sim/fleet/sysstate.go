package fleet

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"
)

// systemState is the part of a host that only the system commands read:
// volumes and mounts, drive mappings, event logs, updates and dumps still
// being written. It is built from the host's identity on first use, so
// every host of a fleet gets its own but stable figures and hosts that no
// system command touches cost nothing.
type systemState struct {
	volumes   []volume                // Windows local volumes
	mounts    []mountEntry            // Linux and macOS
	mappings  map[string]driveMapping // Windows network drives by "Z:"
	eventLogs []*eventLog             // Windows
	updates   []*winUpdate            // Windows
	pending   []pendingDump           // xmemdump output not yet on disk
	// hives are the registry keys made by reg load, by lower-case path.
	hives map[string]bool
}

// volume is one local Windows volume in mount's table.
type volume struct {
	letter, fileSystem, label string
	sizeGB, freeGB            float64
}

// mountEntry is one line of mount's output on Linux and macOS.
type mountEntry struct {
	source, target, fsType, options string
	// added marks mounts made with RTR's mount, which umount may remove.
	added bool
}

// driveMapping is a network drive made with map. The password is not
// kept: nothing reads it back.
type driveMapping struct {
	remote, user string
}

// pendingDump is an xmemdump file that appears once its write finishes.
type pendingDump struct {
	comps []string
	ready time.Time
	node  *fsNode
}

// system returns the host's system state, building it on first use. The
// caller holds h.mu.
func (h *Host) system() *systemState {
	if h.sys == nil {
		h.sys = newSystemState(h)
	}
	return h.sys
}

// hostRand is a random source seeded by the host's AID, so built state is
// the same every time a fleet is loaded.
func (h *Host) hostRand(purpose string) *rand.Rand {
	f := fnv.New64a()
	f.Write([]byte(h.info.AID + "/" + purpose))
	seed := f.Sum64()
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func newSystemState(h *Host) *systemState {
	s := &systemState{mappings: map[string]driveMapping{}, hives: map[string]bool{}}
	rng := h.hostRand("system")
	switch h.platform {
	case Windows:
		for _, d := range h.fs.sortedChildren(h.fs.root) {
			label := "Data"
			if strings.EqualFold(d.name, "C:") {
				label = "OS"
			}
			size := float64(int64(64) << rng.IntN(3))
			if label == "OS" {
				size = []float64{126.4, 237.9, 475.8}[rng.IntN(3)]
			}
			free := float64(int(size*(0.15+0.6*rng.Float64())*10)) / 10
			s.volumes = append(s.volumes, volume{letter: d.name, fileSystem: "NTFS", label: label, sizeGB: size, freeGB: free})
		}
		s.eventLogs = buildEventLogs(h, rng)
		s.updates = buildUpdates(h, rng)
	case Linux:
		s.mounts = []mountEntry{
			{source: "/dev/sda1", target: "/", fsType: "ext4", options: "rw,relatime"},
			{source: "proc", target: "/proc", fsType: "proc", options: "rw,nosuid,nodev,noexec,relatime"},
			{source: "sysfs", target: "/sys", fsType: "sysfs", options: "rw,nosuid,nodev,noexec,relatime"},
			{source: "tmpfs", target: "/run", fsType: "tmpfs", options: fmt.Sprintf("rw,nosuid,nodev,size=%dk,mode=755", 200000+rng.IntN(600000))},
			{source: "/dev/sda15", target: "/boot/efi", fsType: "vfat", options: "rw,relatime,fmask=0077,dmask=0077"},
		}
	case Mac:
		s.mounts = []mountEntry{
			{source: "/dev/disk3s1s1", target: "/", fsType: "apfs", options: "sealed, local, read-only, journaled"},
			{source: "devfs", target: "/dev", fsType: "devfs", options: "local, nobrowse"},
			{source: "/dev/disk3s6", target: "/System/Volumes/VM", fsType: "apfs", options: "local, noexec, journaled, noatime, nobrowse"},
			{source: "/dev/disk3s5", target: "/System/Volumes/Data", fsType: "apfs", options: "local, journaled, nobrowse, protect"},
			{source: "map auto_home", target: "/System/Volumes/Data/home", fsType: "autofs", options: "automounted, nobrowse"},
		}
	}
	return s
}

// settlePending writes the xmemdump files whose time has come. The caller
// holds h.mu.
func (h *Host) settlePending() {
	if h.sys == nil || len(h.sys.pending) == 0 {
		return
	}
	now := h.now()
	kept := h.sys.pending[:0]
	for _, p := range h.sys.pending {
		if now.Before(p.ready) {
			kept = append(kept, p)
			continue
		}
		// A destination removed meanwhile loses the dump, as a deleted
		// folder would on a real host.
		if _, _, err := h.fs.parent(p.comps); err == nil {
			h.fs.place(p.comps, p.node)
		}
	}
	h.sys.pending = kept
}

// truncateCell shortens text to width with "...", as PowerShell's table
// formatting does for cells wider than their column.
func truncateCell(s string, width int) string {
	if len(s) <= width {
		return s
	}
	return s[:width-3] + "..."
}

// withThousands renders n with comma separators: 20,480.
func withThousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
