package sim

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
)

// Defaults of the options that tests and fault drills change.
const (
	defaultQueueTTL  = 7 * 24 * time.Hour
	defaultRateLimit = rateLimitPerMinute
	defaultRegion    = "local"
)

// regionPattern accepts region names such as us-1, eu-1 or local. It
// keeps header injection and spaces out of X-CS-Region.
var regionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)

// checkListen rejects a listen address that is not loopback unless
// allowNonLoopback is set, and one that is not host:port in any case.
func checkListen(listen string, allowNonLoopback bool) error {
	if !allowNonLoopback {
		if err := loopback.CheckHostPort(listen); err != nil {
			return fmt.Errorf("sim: listen address %q rejected: %w; the emulator listens on "+
				"loopback only unless Options.AllowNonLoopback is set", listen, err)
		}
		return nil
	}
	if _, _, err := net.SplitHostPort(listen); err != nil {
		return fmt.Errorf("sim: listen address %q: %w; use host:port", listen, err)
	}
	return nil
}

// applyTestOptions fills in the defaults of the options that tests and
// fault drills change, checks them, and scales every lifetime and delay
// by TimeScale. It runs after applyDefaults.
func applyTestOptions(opts *Options) error {
	setDefault(&opts.QueueTTL, defaultQueueTTL)
	if opts.RateLimit < 0 {
		return fmt.Errorf("sim: rate limit %d is negative; use a number of requests per minute, "+
			"or 0 for the default %d", opts.RateLimit, defaultRateLimit)
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = defaultRateLimit
	}
	if opts.Region == "" {
		opts.Region = defaultRegion
	}
	if !regionPattern.MatchString(opts.Region) {
		return fmt.Errorf("sim: region %q is invalid; use letters, digits and hyphens, "+
			"such as local or eu-1", opts.Region)
	}
	limits, err := opts.IDLimits.withDefaults()
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	opts.IDLimits = limits
	if err := opts.Faults.validate(); err != nil {
		return fmt.Errorf("sim: faults: %w", err)
	}
	if err := applyBatchHostLimit(opts); err != nil {
		return err
	}
	return applyTimeScale(opts)
}

// applyTimeScale multiplies every lifetime and delay by opts.TimeScale.
func applyTimeScale(opts *Options) error {
	scale := opts.TimeScale
	if scale == 0 {
		scale = 1
	}
	if scale < 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
		return fmt.Errorf("sim: time scale %v is invalid; use a positive number such as 0.01", opts.TimeScale)
	}
	opts.TimeScale = scale
	for _, d := range []*time.Duration{&opts.TokenTTL, &opts.SessionTTL, &opts.UploadDelay,
		&opts.ContainDelay, &opts.QueueTTL} {
		*d = scaleDuration(*d, scale)
	}
	return nil
}

// scaleDuration multiplies d by scale, rounding to the millisecond and
// keeping at least one millisecond so that a delay never becomes zero,
// which the options read as "use the default".
func scaleDuration(d time.Duration, scale float64) time.Duration {
	if scale == 1 {
		return d
	}
	scaled := time.Duration(math.Round(float64(d) * scale)).Round(time.Millisecond)
	return max(scaled, time.Millisecond)
}

// setupHosts checks the options that name hosts against the fleet.
func (s *Server) setupHosts() error {
	if err := s.setupTenancy(); err != nil {
		return err
	}
	s.nullStateHost = map[string]bool{}
	for _, name := range s.opts.NullStateHosts {
		h := s.fleet.HostByName(name)
		if h == nil {
			return fmt.Errorf("sim: null-state host %q is not in the fleet; name a host by its hostname", name)
		}
		s.nullStateHost[h.AID()] = true
	}
	return nil
}
