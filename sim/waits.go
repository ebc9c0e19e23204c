package sim

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Limits of the RTR wait parameters. The API reference gives a default of
// 30 s and a maximum of 5 minutes for the overall wait.
const (
	defaultWait = 30 * time.Second
	maxWait     = 5 * time.Minute
)

// waits are the two waits of a batch call: how long the call blocks
// (timeout or timeout_duration) and how long each host has to finish
// (host_timeout_duration), which is never longer than the first.
type waits struct {
	request time.Duration
	host    time.Duration
}

// parseWaits reads timeout, timeout_duration and host_timeout_duration
// from the query. timeout_duration wins over timeout when both are given.
// Values that the reference rules out get a 400 here. Whether the live API
// also rejects them is not documented, and rejecting them catches client
// mistakes.
func parseWaits(q url.Values) (waits, error) {
	w := waits{request: defaultWait}
	if v := q.Get("timeout"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > int(maxWait/time.Second) {
			return waits{}, fmt.Errorf("invalid timeout %q: use whole seconds from 1 to %d", v, int(maxWait/time.Second))
		}
		w.request = time.Duration(n) * time.Second
	}
	if v := q.Get("timeout_duration"); v != "" {
		d, err := parsePositiveDuration("timeout_duration", v)
		if err != nil {
			return waits{}, err
		}
		w.request = d
	}
	if w.request > maxWait {
		return waits{}, fmt.Errorf("request wait %s is longer than the maximum of %s", w.request, maxWait)
	}
	w.host = w.request
	if v := q.Get("host_timeout_duration"); v != "" {
		d, err := parsePositiveDuration("host_timeout_duration", v)
		if err != nil {
			return waits{}, err
		}
		if d > w.request {
			return waits{}, fmt.Errorf("host_timeout_duration %s is longer than the request wait %s; make it shorter", d, w.request)
		}
		w.host = d
	}
	return w, nil
}

func parsePositiveDuration(name, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("invalid %s %q: use a Go duration such as 30s or 2m", name, v)
	}
	if d <= 0 || d > maxWait {
		return 0, fmt.Errorf("invalid %s %q: must be above 0 and at most %s", name, v, maxWait)
	}
	return d, nil
}
