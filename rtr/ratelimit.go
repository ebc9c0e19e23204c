package rtr

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Response headers that Falcon sends.
const (
	headerTraceID         = "X-Cs-Traceid"
	headerRegion          = "X-Cs-Region"
	headerRateRetryAfter  = "X-Ratelimit-Retryafter"
	headerRateRemaining   = "X-Ratelimit-Remaining"
	minRateLimitWait      = time.Second
	rateLimitWaitExponent = 5 // a header-less 429 waits at most defaultRateGap << 5
	epochMillisThreshold  = 1e11
)

// rateGate is the rate-limit wait that every request of a Client shares:
// after a 429, no request is sent before the reset time that Falcon gave.
type rateGate struct {
	mu    sync.Mutex
	until time.Time
}

// wait blocks until the gate opens or ctx ends. It fails at once when ctx
// has a deadline before the gate opens, because waiting could not help.
func (g *rateGate) wait(ctx context.Context) error {
	g.mu.Lock()
	until := g.until
	g.mu.Unlock()

	d := time.Until(until)
	if d <= 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && deadline.Before(until) {
		return fmt.Errorf("%w until %s, after the context deadline %s",
			ErrRateLimited, until.Format(time.RFC3339), deadline.Format(time.RFC3339))
	}
	return sleep(ctx, d)
}

// hold closes the gate until at least until.
func (g *rateGate) hold(until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if until.After(g.until) {
		g.until = until
	}
}

// rateLimitWait returns how long to wait after a 429 whose headers are h;
// waits counts the 429s already seen by this request. The second result
// reports whether the wait came from the X-RateLimit-RetryAfter header.
//
// The header gives the reset time as a Unix epoch. The API reference gives
// milliseconds, while SDK authors report seconds, so a value too large to
// be seconds in this era (over 1e11, the year 5138) is read as
// milliseconds. A reset in the past still waits minRateLimitWait, so that
// a skewed clock cannot cause a tight loop.
func rateLimitWait(h http.Header, now time.Time, waits int, gap time.Duration) (time.Duration, bool) {
	raw := strings.TrimSpace(h.Get(headerRateRetryAfter))
	epoch, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || epoch <= 0 {
		shift := min(waits, rateLimitWaitExponent)
		return gap << shift, false
	}
	reset := time.Unix(epoch, 0)
	if epoch > epochMillisThreshold {
		reset = time.UnixMilli(epoch)
	}
	return max(reset.Sub(now), minRateLimitWait), true
}

// backoff returns the delay before attempt number attempt+1 (attempt
// counts from 1): exponential from base, capped at ceiling, with jitter
// over the upper half so that concurrent retries spread out.
func backoff(attempt int, base, ceiling time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
