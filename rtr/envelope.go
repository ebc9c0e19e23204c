package rtr

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// envelope is the part of every Falcon JSON body that does not depend on
// the endpoint.
type envelope struct {
	Meta   meta         `json:"meta"`
	Errors []ErrorEntry `json:"errors"`
}

type meta struct {
	QueryTime  float64     `json:"query_time"`
	TraceID    string      `json:"trace_id"`
	PoweredBy  string      `json:"powered_by"`
	Pagination *pagination `json:"pagination"`
}

type pagination struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	Total  int `json:"total"`
}

// timeoutQuery returns the query parameters for the server-side waits of
// a batch call. Falcon reads them from the query string only: in a JSON
// body they are ignored without an error. timeout is sent as whole
// seconds (1 to 300); hostTimeout, the per-host budget, as a Go duration
// string below the timeout. Zero leaves a value to the server's default
// (30 s, and a bit less than the timeout for hosts).
func timeoutQuery(timeout, hostTimeout time.Duration) (url.Values, error) {
	q := url.Values{}
	if timeout != 0 {
		if timeout < time.Second || timeout > maxServerTimeout || timeout%time.Second != 0 {
			return nil, fmt.Errorf("invalid timeout %s: Falcon accepts whole seconds from 1s to %s",
				timeout, maxServerTimeout)
		}
		q.Set("timeout", strconv.FormatInt(int64(timeout/time.Second), 10))
	}
	if hostTimeout != 0 {
		limit := timeout
		if limit == 0 {
			limit = defaultServerTimeout
		}
		if hostTimeout < time.Second || hostTimeout >= limit {
			return nil, fmt.Errorf("invalid host timeout %s: it must be at least 1s and below "+
				"the request timeout %s", hostTimeout, limit)
		}
		q.Set("host_timeout_duration", formatDuration(hostTimeout))
	}
	return q, nil
}

// formatDuration writes d in Go duration syntax, as plain seconds ("90s")
// when d is a whole number of seconds.
func formatDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

// apiTime decodes Falcon's RFC 3339 timestamps, reading null and "" as the
// zero time.
type apiTime time.Time

// UnmarshalJSON implements json.Unmarshaler.
func (t *apiTime) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("invalid timestamp %s: %w", data, err)
	}
	if s == "" {
		return nil
	}
	parsed, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("invalid timestamp %q: %w", s, err)
	}
	*t = apiTime(parsed)
	return nil
}
