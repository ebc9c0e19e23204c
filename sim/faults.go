package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A fault spec is a comma list of parts, each KIND:VALUE with an optional
// @PATH suffix that limits the part to requests whose URL path starts with
// PATH:
//
//	429:0.2                   20% of requests get 429 with X-RateLimit-RetryAfter
//	500:0.1, 502, 503, 504    error responses before the handler runs
//	503-after:0.1             the handler runs (a command takes effect), then
//	                          the client gets 503 instead of its response
//	drop:0.05                 the connection closes without a response
//	drop-after:0.05           the handler runs, then the connection closes
//	latency:20ms              every request waits 20ms before it is handled
//	latency:20ms-200ms        a delay drawn uniformly from the range
//	null-state:0.3            each online-state entry reports state null
//	seed:42                   repeatable draws
//	503:1@/real-time-response/combined/batch-admin-command/v1
//
// Before-handler faults (429, 5xx, drop) respond in place of the API, so
// the request had no effect and a client may repeat it. After-handler
// faults (5xx-after, drop-after) lose the response of a request that took
// effect: the case a client must not repeat blindly, because RTR commands
// are not idempotent. Each request draws once among the before-handler
// faults that match it and once among the after-handler ones: a part's
// probability is its share of the draw, so 429:0.2,503:0.1 answers 20% of
// requests with 429 and 10% with 503. Within each group the probabilities
// of all parts must add up to 1 or less. With a seed, a sequence of
// requests sent one at a time meets the same faults on every run.
// Faults never touch the emulator's own /_sim paths.

// FaultKind is the effect of a fault on a request.
type FaultKind string

// The kinds of fault.
const (
	// FaultStatus responds with an HTTP error status.
	FaultStatus FaultKind = "status"
	// FaultDrop closes the connection (HTTP/1.1) or resets the stream
	// (HTTP/2) without a response.
	FaultDrop FaultKind = "drop"
	// FaultLatency delays the request before it is handled.
	FaultLatency FaultKind = "latency"
	// FaultNullState reports a host's online state as null.
	FaultNullState FaultKind = "null-state"
)

// faultStatuses are the statuses a FaultStatus may send.
var faultStatuses = []int{429, 500, 502, 503, 504}

// Fault is one part of a fault spec.
type Fault struct {
	Kind FaultKind
	// Status is the HTTP status of a FaultStatus: 429, 500, 502, 503 or
	// 504.
	Status int
	// After makes a FaultStatus or FaultDrop strike after the handler has
	// run, so the request takes effect and only its response is lost.
	After bool
	// Probability is the chance, from 0 to 1, that the fault strikes a
	// matching request, or for FaultNullState one online-state entry.
	Probability float64
	// MinDelay and MaxDelay bound the delay of a FaultLatency, drawn
	// uniformly between them. They are equal for a fixed delay.
	MinDelay, MaxDelay time.Duration
	// PathPrefix limits the fault to requests whose URL path starts with
	// it. Empty matches every API path.
	PathPrefix string
}

// Faults is a parsed fault spec. The zero value injects no faults.
type Faults struct {
	Rules []Fault
	// Seed seeds the draws when Seeded is set. Otherwise each server
	// seeds them at random.
	Seed   uint64
	Seeded bool
}

// ParseFaults reads a fault spec such as
// "429:0.2,503:0.1,drop:0.05,latency:20ms". An empty spec injects no
// faults. The error names the part that is wrong and how to write it.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	if strings.TrimSpace(spec) == "" {
		return f, nil
	}
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return Faults{}, fmt.Errorf("fault spec %q has an empty part; separate parts with single commas", spec)
		}
		if err := f.addPart(part); err != nil {
			return Faults{}, fmt.Errorf("fault %q: %w", part, err)
		}
	}
	if err := f.validate(); err != nil {
		return Faults{}, err
	}
	return f, nil
}

// addPart parses one KIND:VALUE[@PATH] part into f.
func (f *Faults) addPart(part string) error {
	kind, rest, ok := strings.Cut(part, ":")
	if !ok {
		return fmt.Errorf("missing ':'; write KIND:VALUE such as 503:0.1, latency:20ms or seed:42")
	}
	value, path, _ := strings.Cut(rest, "@")
	if kind == "seed" {
		if path != "" {
			return fmt.Errorf("a seed applies to every fault; remove @%s", path)
		}
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return fmt.Errorf("seed %q is not a whole number from 0 to %d", value, uint64(1<<64-1))
		}
		if f.Seeded {
			return fmt.Errorf("the seed is given twice; give it once")
		}
		f.Seed, f.Seeded = n, true
		return nil
	}
	rule, err := parseRule(kind, value)
	if err != nil {
		return err
	}
	rule.PathPrefix = path
	f.Rules = append(f.Rules, rule)
	return nil
}

// parseRule reads the KIND and VALUE of one part.
func parseRule(kind, value string) (Fault, error) {
	switch kind {
	case "latency":
		lo, hi, err := parseDelay(value)
		return Fault{Kind: FaultLatency, MinDelay: lo, MaxDelay: hi}, err
	case "null-state":
		p, err := parseProbability(value)
		return Fault{Kind: FaultNullState, Probability: p}, err
	}
	base, after := strings.CutSuffix(kind, "-after")
	rule := Fault{Kind: FaultStatus, After: after}
	if base == "drop" {
		rule.Kind = FaultDrop
	} else {
		status, err := strconv.Atoi(base)
		if err != nil || !slices.Contains(faultStatuses, status) {
			return Fault{}, fmt.Errorf("unknown kind %q; use 429, 500, 502, 503, 504, drop, "+
				"a status or drop with -after (503-after), latency, null-state or seed", kind)
		}
		rule.Status = status
	}
	p, err := parseProbability(value)
	rule.Probability = p
	return rule, err
}

func parseProbability(v string) (float64, error) {
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || p < 0 || p > 1 {
		return 0, fmt.Errorf("probability %q is invalid; use a number from 0 to 1, such as 0.05", v)
	}
	return p, nil
}

// parseDelay reads "20ms" or a range "20ms-200ms".
func parseDelay(v string) (lo, hi time.Duration, err error) {
	first, second, isRange := strings.Cut(v, "-")
	lo, err = time.ParseDuration(first)
	if err == nil && isRange {
		hi, err = time.ParseDuration(second)
	} else {
		hi = lo
	}
	if err != nil {
		return 0, 0, fmt.Errorf("delay %q is invalid; use a Go duration such as 20ms, or a range such as 20ms-200ms", v)
	}
	return lo, hi, nil
}

// validate checks rules that Faults built in code may break too.
func (f Faults) validate() error {
	var before, after float64
	nullStates := 0
	for _, r := range f.Rules {
		if err := r.validate(); err != nil {
			return fmt.Errorf("fault %q: %w", r.String(), err)
		}
		switch {
		case r.Kind == FaultNullState:
			nullStates++
		case r.Kind == FaultLatency:
		case r.After:
			after += r.Probability
		default:
			before += r.Probability
		}
	}
	// A little slack for sums such as 0.7+0.2+0.1 in floating point.
	const slack = 1e-9
	switch {
	case before > 1+slack:
		return fmt.Errorf("the probabilities of the faults before the handler (429, 5xx, drop) add up to %g; "+
			"each request gets at most one, so make them add up to 1 or less", before)
	case after > 1+slack:
		return fmt.Errorf("the probabilities of the -after faults add up to %g; "+
			"each request gets at most one, so make them add up to 1 or less", after)
	case nullStates > 1:
		return fmt.Errorf("null-state is given %d times; give it once", nullStates)
	}
	return nil
}

func (r Fault) validate() error {
	if r.PathPrefix != "" && !strings.HasPrefix(r.PathPrefix, "/") {
		return fmt.Errorf("path %q does not start with '/'; write a URL path such as /real-time-response/", r.PathPrefix)
	}
	switch r.Kind {
	case FaultStatus:
		if !slices.Contains(faultStatuses, r.Status) {
			return fmt.Errorf("status %d cannot be injected; use 429, 500, 502, 503 or 504", r.Status)
		}
		if r.Status == 429 && r.After {
			return fmt.Errorf("a 429 means the request was not handled, so it has no -after form; use 429")
		}
	case FaultDrop:
	case FaultLatency:
		if r.MinDelay < 0 || r.MaxDelay < r.MinDelay {
			return fmt.Errorf("delay range %v-%v is invalid; give a delay of 0 or more, smallest first",
				r.MinDelay, r.MaxDelay)
		}
		return nil
	case FaultNullState:
		if r.PathPrefix != "" || r.After {
			return fmt.Errorf("null-state applies to online-state responses only; remove the path and -after")
		}
	default:
		return fmt.Errorf("unknown kind %q; use one of the FaultKind constants", r.Kind)
	}
	if r.Probability < 0 || r.Probability > 1 {
		return fmt.Errorf("probability %g is not from 0 to 1", r.Probability)
	}
	return nil
}

// Label returns the fault's kind as a spec writes it, such as 503,
// 503-after, drop or latency.
func (r Fault) Label() string {
	var label string
	switch r.Kind {
	case FaultStatus:
		label = strconv.Itoa(r.Status)
	default:
		label = string(r.Kind)
	}
	if r.After {
		label += "-after"
	}
	return label
}

// String returns the fault as one part of a spec.
func (r Fault) String() string {
	var value string
	switch r.Kind {
	case FaultLatency:
		value = r.MinDelay.String()
		if r.MaxDelay != r.MinDelay {
			value += "-" + r.MaxDelay.String()
		}
	default:
		value = strconv.FormatFloat(r.Probability, 'g', -1, 64)
	}
	s := r.Label() + ":" + value
	if r.PathPrefix != "" {
		s += "@" + r.PathPrefix
	}
	return s
}

// String returns the spec that ParseFaults reads back into f.
func (f Faults) String() string {
	parts := make([]string, 0, len(f.Rules)+1)
	for _, r := range f.Rules {
		parts = append(parts, r.String())
	}
	if f.Seeded {
		parts = append(parts, "seed:"+strconv.FormatUint(f.Seed, 10))
	}
	return strings.Join(parts, ",")
}
