package sim

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// rangeRecord is a record with a number and a time field, for parser
// tests that need no server.
type rangeRecord struct {
	duration []string
	lastSeen []string
}

func (r rangeRecord) values(field string) []string {
	switch field {
	case "duration":
		return r.duration
	case "last_seen":
		return r.lastSeen
	}
	return []string{"x"}
}

var rangeFields = []string{"duration", "last_seen", "hostname"}

func TestFQLRangeMatch(t *testing.T) {
	rec := rangeRecord{duration: []string{"30"}, lastSeen: []string{"2026-01-15T12:00:00Z"}}
	tests := []struct {
		filter string
		want   bool
	}{
		{filter: "duration:>=30", want: true},
		{filter: "duration:>30", want: false},
		{filter: "duration:<=30", want: true},
		{filter: "duration:<30", want: false},
		{filter: "duration:<'30.5'", want: true},
		{filter: "duration:>-1", want: true},
		{filter: "duration:>2.9e1", want: true},
		{filter: "last_seen:>'2026-01-01T00:00:00Z'", want: true},
		{filter: "last_seen:<'2026-01-01T00:00:00Z'", want: false},
		{filter: "last_seen:>='2026-01-15T12:00:00Z'", want: true},
		{filter: "last_seen:>'2026-01-15T12:00:00Z'", want: false},
		{filter: "last_seen:>'2026-01-15T13:00:00+02:00'", want: true},
		{filter: "last_seen:>'2026-01-15T11:59:59.5Z'", want: true},
		{filter: "last_seen:>='2026-01-01T00:00:00Z'+last_seen:<'2026-02-01T00:00:00Z'", want: true},
		{filter: "last_seen:>='2026-02-01T00:00:00Z'+last_seen:<'2026-03-01T00:00:00Z'", want: false},
		{filter: "duration:>100,last_seen:<'2027-01-01T00:00:00Z'", want: true},
		{filter: "duration:>=30+hostname:'x'", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			expr, err := parseFQLFields(tt.filter, rangeFields)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := expr.match(rec.values); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFQLRangeSkipsUnreadableValues(t *testing.T) {
	tests := []struct {
		name   string
		rec    rangeRecord
		filter string
	}{
		{name: "null number", rec: rangeRecord{}, filter: "duration:>=0"},
		{name: "number that is not one", rec: rangeRecord{duration: []string{"n/a"}}, filter: "duration:>=0"},
		{name: "time that is not one", rec: rangeRecord{lastSeen: []string{"yesterday"}},
			filter: "last_seen:<'2100-01-01T00:00:00Z'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expr, err := parseFQLFields(tt.filter, rangeFields)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if expr.match(tt.rec.values) {
				t.Errorf("%q matched a record whose value cannot be compared", tt.filter)
			}
		})
	}
}

func TestFQLRangeErrors(t *testing.T) {
	tests := []struct {
		filter string
		want   []string
	}{
		{filter: "hostname:>'a'", want: []string{"character 10", "does not take ranges"}},
		{filter: "last_seen:>2026", want: []string{"character 12", "time in single quotes"}},
		{filter: "last_seen:>'now-1d'", want: []string{"character 12", "not an RFC 3339 time", "now-1d"}},
		{filter: "last_seen:>'2026-01-01'", want: []string{"not an RFC 3339 time"}},
		{filter: "duration:>abc", want: []string{"character 11", "expected a number"}},
		{filter: "duration:>'abc'", want: []string{"\"abc\" is not a number"}},
		{filter: "duration:!>3", want: []string{"cannot be negated"}},
		{filter: "duration:>", want: []string{"expected a number"}},
		{filter: "duration:=>3", want: []string{"single quotes"}},
		{filter: "duration:>>3", want: []string{"expected a number"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			_, err := parseFQLFields(tt.filter, rangeFields)
			if err == nil {
				t.Fatalf("parse succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDeviceQueryTimeRanges(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	// Hostnames by last_seen, so that bounds can be taken from the fleet.
	hosts := srv.Fleet().Hosts()
	slices.SortFunc(hosts, func(a, b *fleet.Host) int { return a.Info().LastSeen.Compare(b.Info().LastSeen) })
	oldest := hosts[0].Info()
	bound := oldest.LastSeen.UTC().Truncate(time.Second).Format(time.RFC3339)
	var notOldest []string
	for _, h := range hosts {
		if h.Info().LastSeen.UTC().Truncate(time.Second).After(oldest.LastSeen.UTC().Truncate(time.Second)) {
			notOldest = append(notOldest, h.Info().Hostname)
		}
	}
	slices.Sort(notOldest)

	tests := []struct {
		name   string
		filter string
		check  func(names []string) bool
		want   string
	}{
		{name: "at or after the oldest", filter: "last_seen:>='" + bound + "'",
			check: func(n []string) bool { return len(n) == len(hosts) }, want: "every host"},
		{name: "after the oldest", filter: "last_seen:>'" + bound + "'",
			check: func(n []string) bool { return slices.Equal(n, notOldest) }, want: strings.Join(notOldest, ",")},
		{name: "before the oldest", filter: "last_seen:<'" + bound + "'",
			check: func(n []string) bool { return len(n) == 0 }, want: "no host"},
		{name: "first seen in the past", filter: "first_seen:<'" + time.Now().UTC().Add(time.Hour).Format(time.RFC3339) + "'",
			check: func(n []string) bool { return len(n) == len(hosts) }, want: "every host"},
		{name: "closed range with platform", filter: "last_seen:>='" + bound + "'+platform_name:'Linux'",
			check: func(n []string) bool { return slices.Equal(n, []string{"lnx-db-02", "lnx-web-01"}) },
			want:  "the Linux hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp wireQuery
			c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, url.Values{"filter": {tt.filter}}, nil, &resp)
			names := hostnamesOf(t, srv, resp.Resources)
			if !tt.check(names) {
				t.Errorf("filter %s matched %v, want %s", tt.filter, names, tt.want)
			}
		})
	}
}
