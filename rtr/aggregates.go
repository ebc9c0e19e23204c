package rtr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

const pathAggregateSessions = "/real-time-response/aggregates/sessions/GET/v1"

// AggregateType is the type of an aggregation (msa.AggregateQueryRequest
// type).
type AggregateType string

// The aggregation types. Bucket types split the sessions into buckets and
// take sub-aggregations; metric types return one bucket with a Value.
const (
	// AggregateTerms makes a bucket per value of a field, largest first.
	// NOTE: the RTR reference spells this type "term", while Falcon's other
	// aggregate calls spell it "terms"; which one the live RTR call takes
	// is unverified. The emulator takes both.
	AggregateTerms AggregateType = "terms"
	// AggregateDateRange makes a bucket per range of a date field.
	AggregateDateRange AggregateType = "date_range"
	// AggregateDateHistogram makes a bucket per interval of a date field.
	AggregateDateHistogram AggregateType = "date_histogram"
	// AggregateRange makes a bucket per range of a number field.
	AggregateRange AggregateType = "range"
	// AggregateCardinality counts the distinct values of a field.
	AggregateCardinality AggregateType = "cardinality"
	// AggregateMin, AggregateMax, AggregateAvg and AggregateSum compute a
	// statistic of a number or date field.
	AggregateMin AggregateType = "min"
	AggregateMax AggregateType = "max"
	AggregateAvg AggregateType = "avg"
	AggregateSum AggregateType = "sum"
)

// isBucket reports whether t makes buckets, which may hold
// sub-aggregations.
func (t AggregateType) isBucket() bool {
	switch t {
	case AggregateTerms, AggregateDateRange, AggregateDateHistogram, AggregateRange:
		return true
	}
	return false
}

func (t AggregateType) known() bool {
	switch t {
	case AggregateCardinality, AggregateMin, AggregateMax, AggregateAvg, AggregateSum:
		return true
	}
	return t.isBucket()
}

// AggregateQuery is one aggregation over RTR sessions
// (msa.AggregateQueryRequest). The constructors TermsAggregation,
// DateRangeAggregation, DateHistogramAggregation, RangeAggregation and
// MetricAggregation fill the members each type needs; Where and With add
// a filter and sub-aggregations. Zero members are left out of the
// request.
type AggregateQuery struct {
	// Name labels the result; sibling aggregations need distinct names.
	Name string
	// Type is the aggregation type.
	Type AggregateType
	// Field is the session field, such as hostname, user_id or
	// created_at.
	Field string
	// Filter is an FQL expression that selects the sessions aggregated.
	Filter string
	// Size is the number of buckets of a terms aggregation; zero leaves
	// Falcon's default.
	Size int
	// Sort orders the buckets, such as "_count|desc".
	Sort string
	// Missing is the bucket label of sessions without the field, in a
	// terms aggregation; empty leaves those sessions out.
	Missing string
	// MinDocCount drops buckets with fewer sessions; nil leaves Falcon's
	// default.
	MinDocCount *int64
	// Interval is the bucket width of a date histogram: a calendar unit
	// (year, quarter, month, week, day, hour, minute) or a length such as
	// 12h.
	Interval string
	// TimeZone places dates and intervals, such as UTC or Europe/Berlin.
	TimeZone string
	// DateRanges are the ranges of a date_range aggregation.
	DateRanges []DateRangeSpec
	// Ranges are the ranges of a range aggregation.
	Ranges []RangeSpec
	// ExtendedBounds widens a date histogram to these dates, so that it
	// has empty buckets at either end.
	ExtendedBounds *ExtendedBounds
	// SubAggregates run over each bucket's sessions.
	SubAggregates []AggregateQuery
}

// DateRangeSpec is one range of a date_range aggregation
// (msa.DateRangeSpec). Dates are RFC 3339 times, dates such as
// 2026-01-31, or now with date math such as now-7d. An empty end leaves
// the range open on that side; one end must be set.
type DateRangeSpec struct {
	// From is the start of the range, included.
	From string `json:"from"`
	// To is the end of the range, excluded.
	To string `json:"to"`
}

// RangeSpec is one range of a range aggregation (msa.RangeSpec). The
// reference marks both ends required, so both are always sent.
type RangeSpec struct {
	// From is the start of the range, included.
	From float64 `json:"From"`
	// To is the end of the range, excluded.
	To float64 `json:"To"`
}

// ExtendedBounds are the first and last dates of a date histogram
// (msa.ExtendedBoundsSpec).
type ExtendedBounds struct {
	// Min and Max are dates in the forms DateRangeSpec takes.
	Min string `json:"min"`
	Max string `json:"max"`
}

// TermsAggregation counts sessions per value of field in up to size
// buckets (zero takes Falcon's default).
func TermsAggregation(name, field string, size int) AggregateQuery {
	return AggregateQuery{Name: name, Type: AggregateTerms, Field: field, Size: size}
}

// DateRangeAggregation counts sessions per range of the date field.
func DateRangeAggregation(name, field string, ranges ...DateRangeSpec) AggregateQuery {
	return AggregateQuery{Name: name, Type: AggregateDateRange, Field: field, DateRanges: ranges}
}

// DateHistogramAggregation counts sessions per interval of the date
// field.
func DateHistogramAggregation(name, field, interval string) AggregateQuery {
	return AggregateQuery{Name: name, Type: AggregateDateHistogram, Field: field, Interval: interval}
}

// RangeAggregation counts sessions per range of the number field.
func RangeAggregation(name, field string, ranges ...RangeSpec) AggregateQuery {
	return AggregateQuery{Name: name, Type: AggregateRange, Field: field, Ranges: ranges}
}

// MetricAggregation computes the metric t (AggregateCardinality,
// AggregateMin, AggregateMax, AggregateAvg or AggregateSum) of field.
func MetricAggregation(t AggregateType, name, field string) AggregateQuery {
	return AggregateQuery{Name: name, Type: t, Field: field}
}

// Where restricts q to the sessions that match the FQL filter.
func (q AggregateQuery) Where(filter string) AggregateQuery {
	q.Filter = filter
	return q
}

// With returns q with subs added to its sub-aggregations.
func (q AggregateQuery) With(subs ...AggregateQuery) AggregateQuery {
	q.SubAggregates = append(append([]AggregateQuery(nil), q.SubAggregates...), subs...)
	return q
}

// check checks q and its sub-aggregations, naming the aggregation at
// fault by its path of names.
func (q AggregateQuery) check(path string) error {
	if q.Name == "" {
		return fmt.Errorf("%s: the aggregation has no name", path)
	}
	path += "/" + q.Name
	if err := q.checkMembers(); err != nil {
		return fmt.Errorf("aggregation %s: %w", path, err)
	}
	if len(q.SubAggregates) > 0 && !q.Type.isBucket() {
		return fmt.Errorf("aggregation %s: a %s aggregation has no buckets and takes no sub-aggregations",
			path, q.Type)
	}
	return checkAggregates(path, q.SubAggregates)
}

func (q AggregateQuery) checkMembers() error {
	switch {
	case !q.Type.known():
		return fmt.Errorf("unknown type %q: use terms, date_range, date_histogram, range, "+
			"cardinality, min, max, avg or sum", q.Type)
	case strings.TrimSpace(q.Field) == "":
		return errors.New("missing field: name the session field to aggregate, such as hostname")
	case q.Size < 0:
		return fmt.Errorf("negative size %d", q.Size)
	case q.MinDocCount != nil && *q.MinDocCount < 0:
		return fmt.Errorf("negative min_doc_count %d", *q.MinDocCount)
	case q.Type == AggregateDateHistogram && q.Interval == "":
		return errors.New("a date_histogram needs an interval, such as day or 12h")
	case q.Type == AggregateDateRange && len(q.DateRanges) == 0:
		return errors.New("a date_range needs at least one date range")
	case q.Type == AggregateRange && len(q.Ranges) == 0:
		return errors.New("a range aggregation needs at least one range")
	}
	for i, r := range q.DateRanges {
		if r.From == "" && r.To == "" {
			return fmt.Errorf("date range %d has neither from nor to", i+1)
		}
	}
	for i, r := range q.Ranges {
		if r.From > r.To {
			return fmt.Errorf("range %d starts at %g, after its end %g", i+1, r.From, r.To)
		}
	}
	return nil
}

// checkAggregates checks a list of sibling aggregations.
func checkAggregates(path string, queries []AggregateQuery) error {
	names := make(map[string]bool, len(queries))
	for _, q := range queries {
		if err := q.check(path); err != nil {
			return err
		}
		if names[q.Name] {
			return fmt.Errorf("aggregation %s/%s: the name is used twice; give each sibling "+
				"its own name, because results are matched by name",
				path, q.Name)
		}
		names[q.Name] = true
	}
	return nil
}

// wireAggregate is the request form of an AggregateQuery.
type wireAggregate struct {
	Name           string          `json:"name"`
	Type           AggregateType   `json:"type"`
	Field          string          `json:"field"`
	Filter         string          `json:"filter,omitempty"`
	Size           int             `json:"size,omitempty"`
	Sort           string          `json:"sort,omitempty"`
	Missing        string          `json:"missing,omitempty"`
	MinDocCount    *int64          `json:"min_doc_count,omitempty"`
	Interval       string          `json:"interval,omitempty"`
	TimeZone       string          `json:"time_zone,omitempty"`
	DateRanges     []DateRangeSpec `json:"date_ranges,omitempty"`
	Ranges         []RangeSpec     `json:"ranges,omitempty"`
	ExtendedBounds *ExtendedBounds `json:"extended_bounds,omitempty"`
	SubAggregates  []wireAggregate `json:"sub_aggregates,omitempty"`
}

func (q AggregateQuery) wire() wireAggregate {
	w := wireAggregate{
		Name: q.Name, Type: q.Type, Field: q.Field, Filter: q.Filter, Size: q.Size,
		Sort: q.Sort, Missing: q.Missing, MinDocCount: q.MinDocCount, Interval: q.Interval,
		TimeZone: q.TimeZone, DateRanges: q.DateRanges, Ranges: q.Ranges,
		ExtendedBounds: q.ExtendedBounds,
	}
	for _, sub := range q.SubAggregates {
		w.SubAggregates = append(w.SubAggregates, sub.wire())
	}
	return w
}

// AggregateResult is the result of one aggregation
// (msa.AggregationResult).
type AggregateResult struct {
	// Name is the aggregation's name.
	Name string `json:"name"`
	// Buckets are the aggregation's buckets; a metric has one, with Value.
	Buckets []AggregateBucket `json:"buckets"`
	// SumOtherDocCount counts the sessions in terms buckets left out by
	// the size.
	SumOtherDocCount int64 `json:"sum_other_doc_count"`
	// DocCountErrorUpperBound is the largest error of a terms count.
	DocCountErrorUpperBound int64 `json:"doc_count_error_upper_bound"`
}

// Bucket returns the bucket with label, and whether there is one.
func (r AggregateResult) Bucket(label string) (AggregateBucket, bool) {
	for _, b := range r.Buckets {
		if b.Label == label {
			return b, true
		}
	}
	return AggregateBucket{}, false
}

// AggregateBucket is one bucket of an aggregation
// (msa.AggregationResultItem).
type AggregateBucket struct {
	// Label is the bucket's key as text: the field's value for terms, a
	// number's decimal form, and for dates whatever Falcon sends (the
	// emulator sends epoch milliseconds, with the date in KeyAsString).
	Label string `json:"label"`
	// Count is the number of sessions in the bucket.
	Count int64 `json:"count"`
	// From and To bound a range bucket, as numbers (epoch milliseconds
	// for dates); StringFrom and StringTo are the same bounds as text.
	From       *float64 `json:"from"`
	To         *float64 `json:"to"`
	StringFrom string   `json:"string_from"`
	StringTo   string   `json:"string_to"`
	// KeyAsString is the key of a date bucket as a date.
	KeyAsString string `json:"key_as_string"`
	// Value is a metric's result, and ValueAsString its text form.
	Value         *float64 `json:"value"`
	ValueAsString string   `json:"value_as_string"`
	// SubAggregates are the bucket's sub-aggregation results.
	SubAggregates []AggregateResult `json:"sub_aggregates"`
}

// UnmarshalJSON decodes a bucket whose label may be a string, a number or
// missing.
func (b *AggregateBucket) UnmarshalJSON(data []byte) error {
	type plain AggregateBucket
	var w struct {
		plain
		Label json.RawMessage `json:"label"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*b = AggregateBucket(w.plain)
	b.Label = labelText(w.Label)
	return nil
}

// labelText returns a JSON label as text: a string unquoted, null as "",
// and anything else as its JSON text.
func labelText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// AggregateSessions runs aggregations over the RTR sessions of the
// tenant, every user's, and returns their results in order. It checks
// every query before sending: names, types, fields, and the ranges or
// interval each type needs.
func (c *Client) AggregateSessions(ctx context.Context, queries ...AggregateQuery) ([]AggregateResult, error) {
	if len(queries) == 0 {
		return nil, errors.New("aggregate sessions: no aggregation given")
	}
	if err := checkAggregates("", queries); err != nil {
		return nil, fmt.Errorf("aggregate sessions: %w", err)
	}
	body := make([]wireAggregate, 0, len(queries))
	for _, q := range queries {
		body = append(body, q.wire())
	}
	r := &request{
		method: http.MethodPost, path: pathAggregateSessions, body: body,
		ok: []int{http.StatusOK}, repeatable: true,
	}
	var out struct {
		envelope
		Resources []AggregateResult `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, fmt.Errorf("aggregate sessions: %w", err)
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	return out.Resources, nil
}
