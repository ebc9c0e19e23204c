package sim

import (
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// Host faults come from the fleet: a host's Result and GetResult carry
// them, and the server honours them here. A slow host's extra run time
// arrives in Result.Duration, which the command calls already compare
// with the host timeout.

// uploadReadyAt is when a get's upload appears in the get status: after
// the server's upload delay plus the host's own delay, or never (a time
// past any client's wait) when the host stalls uploads.
func uploadReadyAt(start time.Time, uploadDelay time.Duration, got fleet.GetResult) time.Time {
	if got.Stalled {
		return start.Add(fleet.LostCommandDuration)
	}
	return start.Add(uploadDelay + got.Delay)
}

// chunkSizeOf is the stdout chunk size of a task's status: the host's own
// when it set one, else the server's.
func (s *Server) chunkSizeOf(t *task) int {
	if t.chunkSize > 0 {
		return t.chunkSize
	}
	return s.opts.ChunkSize
}
