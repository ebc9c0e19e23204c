package fleet

// restartAck and shutdownAck are the one-line acknowledgements of restart
// and shutdown.
// NOTE: RTR's text for both was never seen; these lines are the
// emulator's own.
const (
	restartAck  = "Restarting host"
	shutdownAck = "Shutting down host"
)

// runRestart and runShutdown take the host down. Both need -Confirm: without
// it RTR refuses the command, and clients such as Falcon Toolkit never send
// it bare. Once acknowledged the sensor is offline, so later commands get
// 40407 "Sensor appears to be offline" until the fleet brings it back.
func runRestart(c *call) Result { return c.powerOff(restartAck) }

func runShutdown(c *call) Result { return c.powerOff(shutdownAck) }

func (c *call) powerOff(ack string) Result {
	if !c.inv.hasFlag("Confirm") {
		// NOTE: whether RTR rejects a bare restart with 40006 or prints a
		// stderr asking for -Confirm is unverified. The per-host error is
		// the reading hardest on a client.
		return apiError(codeCommandNotValid, "Command is not valid")
	}
	c.h.info.Online = false
	return stdout(ack)
}
