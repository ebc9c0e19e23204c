package sim

import (
	"strconv"
	"strings"
	"time"
)

// FQL ranges compare a number or time field with a bound:
//
//	last_seen:>'2026-01-01T00:00:00Z'    after (also >=, <, <=)
//	duration:>=30                        number bound, quoted or not
//
// Two terms joined by + make a closed range. A range applies only to the
// fields in fqlRangeFields; on any other field, or with a bound of the
// wrong type, the filter gets 400. Time bounds are RFC 3339 times in
// quotes. Relative times such as 'now-1d' and date-only bounds are
// rejected, because the emulator cannot check how the live API reads them.

// fqlRangeKind is the type of a field that takes ranges.
type fqlRangeKind int

const (
	fqlNumber fqlRangeKind = iota + 1
	fqlTime
)

// fqlRangeFields lists the fields of every record type that take ranges.
// A record gives their values as decimal numbers or RFC 3339 times.
var fqlRangeFields = map[string]fqlRangeKind{
	"first_seen":   fqlTime,
	"last_seen":    fqlTime,
	"created_at":   fqlTime,
	"updated_at":   fqlTime,
	"deleted_at":   fqlTime,
	"date_created": fqlTime,
	"duration":     fqlNumber,
	"platform_id":  fqlNumber,
}

// fqlCompare is a range operator.
type fqlCompare string

const (
	fqlGreater      fqlCompare = ">"
	fqlGreaterEqual fqlCompare = ">="
	fqlLess         fqlCompare = "<"
	fqlLessEqual    fqlCompare = "<="
)

// fqlRange is one range term. It matches when any of the field's values
// is within the bound.
type fqlRange struct {
	field  string
	kind   fqlRangeKind
	op     fqlCompare
	number float64
	time   time.Time
}

func (t fqlRange) match(values fqlValues) bool {
	for _, v := range values(t.field) {
		c, ok := t.compare(v)
		if !ok {
			continue
		}
		switch t.op {
		case fqlGreater:
			ok = c > 0
		case fqlGreaterEqual:
			ok = c >= 0
		case fqlLess:
			ok = c < 0
		case fqlLessEqual:
			ok = c <= 0
		}
		if ok {
			return true
		}
	}
	return false
}

// compare compares a record's value with the bound: -1, 0 or +1. It
// returns false for a value that is not of the field's type.
func (t fqlRange) compare(v string) (int, bool) {
	if t.kind == fqlTime {
		have, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return 0, false
		}
		return have.Compare(t.time), true
	}
	have, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, false
	}
	switch {
	case have < t.number:
		return -1, true
	case have > t.number:
		return 1, true
	}
	return 0, true
}

// rangeTerm parses the operator and bound of a range on field, starting
// at the operator.
func (p *fqlParser) rangeTerm(field string, negate bool) (fqlExpr, error) {
	if negate {
		return nil, p.errorf("a range cannot be negated; use the opposite operator, such as < for !>=")
	}
	kind, ok := fqlRangeFields[field]
	if !ok {
		return nil, p.errorf("field %s does not take ranges; ranges apply to number and time fields "+
			"such as last_seen", field)
	}

	op := fqlCompare(p.src[p.pos : p.pos+1])
	p.pos++
	if p.peek() == '=' {
		op += "="
		p.pos++
	}

	boundAt := p.pos
	bound, err := p.rangeBound(kind)
	if err != nil {
		return nil, err
	}
	t := fqlRange{field: field, kind: kind, op: op}
	if kind == fqlTime {
		t.time, err = time.Parse(time.RFC3339Nano, bound)
		if err != nil {
			p.pos = boundAt
			return nil, p.errorf("%q is not an RFC 3339 time; write a time such as "+
				"'2026-01-01T00:00:00Z' (relative times such as 'now-1d' are not supported)", bound)
		}
		return t, nil
	}
	t.number, err = strconv.ParseFloat(bound, 64)
	if err != nil {
		p.pos = boundAt
		return nil, p.errorf("%q is not a number; write a number such as 30", bound)
	}
	return t, nil
}

// rangeBound reads a quoted bound, or for a number field an unquoted one.
func (p *fqlParser) rangeBound(kind fqlRangeKind) (string, error) {
	if p.peek() == '\'' {
		return p.quoted()
	}
	if kind == fqlTime {
		return "", p.errorf("expected a time in single quotes, such as '2026-01-01T00:00:00Z'")
	}
	start := p.pos
	for !p.eof() && strings.IndexByte("0123456789.-+eE", p.peek()) >= 0 {
		// A '+' right after a digit joins terms; only an exponent's sign
		// belongs to the number.
		if p.peek() == '+' && (p.pos == start || !strings.ContainsRune("eE", rune(p.src[p.pos-1]))) {
			break
		}
		p.pos++
	}
	if p.pos == start {
		return "", p.errorf("expected a number, such as 30, or a value in single quotes")
	}
	return p.src[start:p.pos], nil
}

// fqlTimeValue formats a record's time as the API does, in UTC to the
// second.
func fqlTimeValue(t time.Time) string { return t.UTC().Format(time.RFC3339) }
