package sim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Dates and intervals of the date aggregations. Dates may be RFC 3339
// times, dates (2019-07-18, midnight in the query's time_zone), or now
// with Elasticsearch's date math: now-7d, now+1h, now-1M/M (rounded down
// to the unit after the slash). Units are y, M, w, d, h, m and s.
// NOTE: which date forms Falcon accepts beyond "2019-07-18" and "now",
// the two its reference names, is unverified.

// interval is a date_histogram interval: a calendar unit, or a fixed
// length counted from the Unix epoch.
type interval struct {
	unit  string // year, quarter, month, week, day, hour, minute, second
	fixed time.Duration
}

var calendarUnits = map[string]string{
	"year": "year", "1y": "year", "quarter": "quarter", "1q": "quarter",
	"month": "month", "1M": "month", "week": "week", "1w": "week",
	"day": "day", "1d": "day", "hour": "hour", "1h": "hour",
	"minute": "minute", "1m": "minute", "second": "second", "1s": "second",
}

var fixedInterval = regexp.MustCompile(`^([1-9][0-9]*)(ms|s|m|h|d)$`)

// parseInterval reads a date_histogram interval.
func parseInterval(v string) (interval, error) {
	if unit, ok := calendarUnits[v]; ok {
		return interval{unit: unit}, nil
	}
	m := fixedInterval.FindStringSubmatch(v)
	if m == nil {
		return interval{}, fmt.Errorf("invalid interval %q: use year, quarter, month, week, day, hour, "+
			"minute or second, or a length such as 30m, 12h or 7d", v)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{
		"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
	}[m[2]]
	return interval{fixed: time.Duration(n) * unit}, nil
}

// floor returns the start of the interval that holds t, in t's location.
func (iv interval) floor(t time.Time) time.Time {
	if iv.fixed > 0 {
		ms := iv.fixed.Milliseconds()
		return time.UnixMilli(floorDiv(t.UnixMilli(), ms) * ms).In(t.Location())
	}
	return truncateTo(t, iv.unit)
}

// next returns the start of the interval after the one starting at t.
func (iv interval) next(t time.Time) time.Time {
	if iv.fixed > 0 {
		return t.Add(iv.fixed)
	}
	switch iv.unit {
	case "year":
		return t.AddDate(1, 0, 0)
	case "quarter":
		return t.AddDate(0, 3, 0)
	case "month":
		return t.AddDate(0, 1, 0)
	case "week":
		return t.AddDate(0, 0, 7)
	case "day":
		return t.AddDate(0, 0, 1)
	case "hour":
		return t.Add(time.Hour)
	case "minute":
		return t.Add(time.Minute)
	}
	return t.Add(time.Second)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// truncateTo returns the start of t's calendar unit in t's location.
// Weeks start on Monday.
func truncateTo(t time.Time, unit string) time.Time {
	y, mo, d := t.Date()
	loc := t.Location()
	switch unit {
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	case "quarter":
		return time.Date(y, (mo-1)/3*3+1, 1, 0, 0, 0, 0, loc)
	case "month":
		return time.Date(y, mo, 1, 0, 0, 0, 0, loc)
	case "week":
		back := (int(t.Weekday()) + 6) % 7
		return time.Date(y, mo, d-back, 0, 0, 0, 0, loc)
	case "day":
		return time.Date(y, mo, d, 0, 0, 0, 0, loc)
	case "hour":
		return time.Date(y, mo, d, t.Hour(), 0, 0, 0, loc)
	case "minute":
		return time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, loc)
	}
	return time.Date(y, mo, d, t.Hour(), t.Minute(), t.Second(), 0, loc)
}

// parseTimeZone reads time_zone: empty or UTC, an IANA name such as
// Europe/Berlin, or an offset such as +02:00.
func parseTimeZone(v string) (*time.Location, error) {
	switch {
	case v == "" || v == "UTC" || v == "Z":
		return time.UTC, nil
	case v[0] == '+' || v[0] == '-':
		t, err := time.Parse("-07:00", v)
		if err != nil {
			return nil, fmt.Errorf("invalid time_zone %q: write an offset as +02:00", v)
		}
		_, offset := t.Zone()
		return time.FixedZone(v, offset), nil
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		return nil, fmt.Errorf("invalid time_zone %q: use an IANA name such as Europe/Berlin, or an offset such as +02:00", v)
	}
	return loc, nil
}

var dateMath = regexp.MustCompile(`^now((?:[+-][0-9]+[yMwdhms])*)(?:/([yMwdhms]))?$`)
var dateMathStep = regexp.MustCompile(`([+-])([0-9]+)([yMwdhms])`)

var dateMathUnits = map[string]string{
	"y": "year", "M": "month", "w": "week", "d": "day", "h": "hour", "m": "minute", "s": "second",
}

// parseAggDate reads a date of a date range or extended bound.
func parseAggDate(v string, now time.Time, loc *time.Location) (time.Time, error) {
	if m := dateMath.FindStringSubmatch(v); m != nil {
		t := now.In(loc)
		for _, step := range dateMathStep.FindAllStringSubmatch(m[1], -1) {
			n, err := strconv.Atoi(step[2])
			if err != nil {
				return time.Time{}, fmt.Errorf("invalid date %q: %w", v, err)
			}
			if step[1] == "-" {
				n = -n
			}
			t = addUnits(t, step[3], n)
		}
		if m[2] != "" {
			t = truncateTo(t, dateMathUnits[m[2]])
		}
		return t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q: use an RFC 3339 time, a date such as 2019-07-18, "+
		"or now with date math such as now-7d", strings.TrimSpace(v))
}

func addUnits(t time.Time, unit string, n int) time.Time {
	switch unit {
	case "y":
		return t.AddDate(n, 0, 0)
	case "M":
		return t.AddDate(0, n, 0)
	case "w":
		return t.AddDate(0, 0, 7*n)
	case "d":
		return t.AddDate(0, 0, n)
	case "h":
		return t.Add(time.Duration(n) * time.Hour)
	case "m":
		return t.Add(time.Duration(n) * time.Minute)
	}
	return t.Add(time.Duration(n) * time.Second)
}
