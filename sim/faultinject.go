package sim

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// faultRetryAfter is how far ahead an injected 429 sets
// X-RateLimit-RetryAfter, before rounding up to a whole second.
const faultRetryAfter = time.Second

// faultInjector draws the faults of each request. Its methods are safe for
// concurrent use.
type faultInjector struct {
	rules []Fault

	mu  sync.Mutex
	rng *rand.Rand
}

// faultPlan is the outcome of the draws for one request.
type faultPlan struct {
	delay  time.Duration
	before *Fault // responds in place of the handler
	after  *Fault // replaces the handler's response
}

func newFaultInjector(f Faults) *faultInjector {
	seed := f.Seed
	if !f.Seeded {
		var b [8]byte
		_, _ = crand.Read(b[:]) // documented to never return an error since Go 1.24
		seed = binary.LittleEndian.Uint64(b[:])
	}
	return &faultInjector{
		rules: f.Rules,
		// The second PCG word is fixed, so the seed alone decides the draws.
		rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
	}
}

// plan draws the faults for a request to path. It consumes draws only for
// the groups that have a rule matching path, in a fixed order (latency
// ranges, then before, then after), so that a seeded run repeats.
func (fi *faultInjector) plan(path string) faultPlan {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	var p faultPlan
	var before, after []*Fault
	for i := range fi.rules {
		r := &fi.rules[i]
		if !strings.HasPrefix(path, r.PathPrefix) {
			continue
		}
		switch {
		case r.Kind == FaultLatency:
			p.delay += fi.drawDelay(r)
		case r.Kind == FaultNullState:
		case r.After:
			after = append(after, r)
		default:
			before = append(before, r)
		}
	}
	p.before = fi.pick(before)
	p.after = fi.pick(after)
	return p
}

func (fi *faultInjector) drawDelay(r *Fault) time.Duration {
	if r.MaxDelay == r.MinDelay {
		return r.MinDelay
	}
	return r.MinDelay + time.Duration(fi.rng.Int64N(int64(r.MaxDelay-r.MinDelay)+1))
}

// pick draws once and returns the rule whose share of [0, 1) the draw
// falls in, or nil.
func (fi *faultInjector) pick(rules []*Fault) *Fault {
	if len(rules) == 0 {
		return nil
	}
	u := fi.rng.Float64()
	for _, r := range rules {
		if u < r.Probability {
			return r
		}
		u -= r.Probability
	}
	return nil
}

// nullState draws whether one online-state entry reports state null.
func (fi *faultInjector) nullState() bool {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	for _, r := range fi.rules {
		if r.Kind == FaultNullState {
			return fi.rng.Float64() < r.Probability
		}
	}
	return false
}

// injectFaults applies the faults of Options.Faults around next.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	if len(s.opts.Faults.Rules) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, simPathPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		p := s.faults.plan(r.URL.Path)
		if p.delay > 0 && !s.wait(r.Context(), p.delay) {
			return // the client left or the server is closing, so no response is read
		}
		switch {
		case p.before != nil:
			s.strike(w, r, p.before)
		case p.after != nil:
			dw := &discardWriter{header: http.Header{}}
			next.ServeHTTP(dw, r)
			callFrom(r.Context()).handlerStatus = dw.statusOrOK()
			s.strike(w, r, p.after)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// wait sleeps for d and reports whether it slept the whole time, rather
// than stopping early because ctx ended or the server closed.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// strike responds to r with fault f in place of the API's response.
func (s *Server) strike(w http.ResponseWriter, r *http.Request, f *Fault) {
	c := callFrom(r.Context())
	c.fault = f.Label()
	s.log.Debug("injecting fault", "fault", c.fault, "method", r.Method, "path", r.URL.Path,
		"trace_id", c.traceID)
	if f.Kind == FaultDrop {
		c.dropped = true
		dropConnection(w, c)
		return
	}
	switch f.Status {
	case http.StatusTooManyRequests:
		h := w.Header()
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-RetryAfter", epochSecondsCeil(time.Now().Add(faultRetryAfter)))
		s.writeError(w, r, f.Status, poweredByGateway, "API rate limit exceeded.")
	case http.StatusInternalServerError:
		s.writeError(w, r, f.Status, poweredByPath(r.URL.Path), "Internal Server Error")
	default:
		// NOTE: what body the live API's 502, 503 and 504 carry is
		// unverified. A proxy in front of a service usually sends an HTML
		// page, which is the reading hardest on a client.
		writeHTMLError(w, f.Status, "The server could not complete the request. Try again later.")
	}
}

// dropConnection ends the request without a response. An HTTP/1.1
// connection is taken over, and the middleware closes it once the request
// is logged. HTTP/2 cannot be taken over, so the handler aborts and
// net/http resets the stream, which the client sees as a transport error,
// just as a closed connection.
func dropConnection(w http.ResponseWriter, c *call) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		c.closeConn = func() { _ = conn.Close() }
		return
	}
	panic(http.ErrAbortHandler)
}

// poweredByPath returns the meta.powered_by of the service that serves
// path.
func poweredByPath(path string) string {
	switch {
	case strings.HasPrefix(path, "/real-time-response"):
		return poweredByRTR
	case strings.HasPrefix(path, "/devices/"):
		return poweredByDevices
	default:
		return poweredByGateway
	}
}

// epochSecondsCeil formats t as Unix epoch seconds, rounded up so that a
// client that waits until then is admitted. gofalcon and PSFalcon read
// X-RateLimit-RetryAfter as epoch seconds, although the API reference
// describes milliseconds.
func epochSecondsCeil(t time.Time) string {
	secs := t.Unix()
	if t.Nanosecond() > 0 {
		secs++
	}
	return strconv.FormatInt(secs, 10)
}

// discardWriter takes a handler's response that an after-handler fault
// replaces. It keeps the status and drops the body, so a large download
// costs no memory.
type discardWriter struct {
	header http.Header
	status int
}

func (d *discardWriter) Header() http.Header { return d.header }

func (d *discardWriter) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}

func (d *discardWriter) Write(p []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	return len(p), nil
}

// Flush lets handlers that stream flush as usual.
func (d *discardWriter) Flush() {}

func (d *discardWriter) statusOrOK() int {
	if d.status == 0 {
		return http.StatusOK
	}
	return d.status
}
