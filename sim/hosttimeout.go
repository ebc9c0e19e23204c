package sim

// Per-host error of a host that is still running its command when
// host_timeout_duration runs out, as users of the live API have reported
// for whole batches of slow scripts.
const (
	codeHostTimeout = 50401
	msgHostTimeout  = "Exceeded maximum timeout"
)

// markHostTimeout turns res, the entry of a host still running when its
// wait ran out, into the 50401 error when Options.HostTimeoutError is set.
// The task_id stays: the host goes on running the command, and the status
// call still reports it. Without the option the entry stays
// complete:false with its task_id, the other answer seen from the live
// API; which one Falcon gives when is unverified.
func (s *Server) markHostTimeout(res *sensorResult) {
	if s.opts.HostTimeoutError {
		res.Errors = []apiError{{Code: codeHostTimeout, Message: msgHostTimeout}}
	}
}
