package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// pathAggregateSessions is the session aggregates call.
const pathAggregateSessions = "/real-time-response/aggregates/sessions/GET/v1"

// The aggregates call takes a JSON array of queries over the sessions in
// the caller's CID, every user's, like the session id query. Each query
// names a type:
//
//	terms (or term)   a bucket per value of a field, largest first
//	date_histogram    a bucket per interval of a date field
//	date_range        a bucket per date range of a date field
//	range             a bucket per number range of a number field
//	cardinality       the number of distinct values of a field
//	min, max, avg, sum  a number or date field's statistic
//
// Bucket types take sub_aggregates, computed over each bucket's sessions.
// A query member that the emulator does not model (include, exclude, q,
// from, percents, filters_spec, max_doc_count) gets 400 rather than being
// ignored.
// NOTE: the reference documents only "term" and "date_range" for this call
// and Falcon's other aggregate calls spell it "terms"; which spelling RTR
// takes is unverified, so both are accepted. How the live API returns a
// metric (one bucket carrying value, label left out) is unverified too.

// aggType is an aggregation type.
type aggType string

const (
	aggTerms         aggType = "terms"
	aggDateHistogram aggType = "date_histogram"
	aggDateRange     aggType = "date_range"
	aggRange         aggType = "range"
	aggCardinality   aggType = "cardinality"
	aggMin           aggType = "min"
	aggMax           aggType = "max"
	aggAvg           aggType = "avg"
	aggSum           aggType = "sum"
)

var aggTypes = []aggType{aggTerms, aggDateHistogram, aggDateRange, aggRange,
	aggCardinality, aggMin, aggMax, aggAvg, aggSum}

// isMetric reports whether t yields one value rather than buckets.
func (t aggType) isMetric() bool {
	switch t {
	case aggCardinality, aggMin, aggMax, aggAvg, aggSum:
		return true
	}
	return false
}

// fieldKind is the type of a session field as aggregations see it.
type fieldKind int

const (
	keywordField fieldKind = iota
	numberField
	dateField
)

// sessionFieldKind returns the kind of a session field.
func sessionFieldKind(field string) fieldKind {
	switch field {
	case "created_at", "updated_at", "deleted_at":
		return dateField
	case "duration":
		return numberField
	}
	return keywordField
}

// aggQuery is msa.AggregateQueryRequest. gofalcon sends every member,
// null when unset, so unset and zero values mean "not given".
type aggQuery struct {
	Name           string          `json:"name"`
	Type           string          `json:"type"`
	Field          string          `json:"field"`
	Filter         string          `json:"filter"`
	Size           *int            `json:"size"`
	Sort           string          `json:"sort"`
	Missing        string          `json:"missing"`
	MinDocCount    *int64          `json:"min_doc_count"`
	Interval       string          `json:"interval"`
	TimeZone       string          `json:"time_zone"`
	DateRanges     []dateRangeSpec `json:"date_ranges"`
	Ranges         []rangeSpec     `json:"ranges"`
	ExtendedBounds *boundsSpec     `json:"extended_bounds"`
	SubAggregates  []aggQuery      `json:"sub_aggregates"`

	Include     string          `json:"include"`
	Exclude     string          `json:"exclude"`
	Q           string          `json:"q"`
	From        *int            `json:"from"`
	MaxDocCount int64           `json:"max_doc_count"`
	Percents    []float64       `json:"percents"`
	FiltersSpec json.RawMessage `json:"filters_spec"`
}

// dateRangeSpec is msa.DateRangeSpec.
type dateRangeSpec struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// rangeSpec is msa.RangeSpec, whose keys the reference capitalises.
type rangeSpec struct {
	From *float64 `json:"From"`
	To   *float64 `json:"To"`
}

// boundsSpec is msa.ExtendedBoundsSpec.
type boundsSpec struct {
	Min string `json:"min"`
	Max string `json:"max"`
}

// aggResult is msa.AggregationResult.
type aggResult struct {
	Name                    string      `json:"name"`
	Buckets                 []aggBucket `json:"buckets"`
	SumOtherDocCount        int64       `json:"sum_other_doc_count"`
	DocCountErrorUpperBound int64       `json:"doc_count_error_upper_bound"`
}

// aggBucket is msa.AggregationResultItem. The label is always text: the
// field's value, or for dates the epoch milliseconds, with the time in
// key_as_string.
// NOTE: the live label type for date and number keys is unverified.
type aggBucket struct {
	Label         string      `json:"label,omitempty"`
	Count         int64       `json:"count"`
	From          *float64    `json:"from,omitempty"`
	To            *float64    `json:"to,omitempty"`
	StringFrom    string      `json:"string_from,omitempty"`
	StringTo      string      `json:"string_to,omitempty"`
	KeyAsString   string      `json:"key_as_string,omitempty"`
	Value         *float64    `json:"value,omitempty"`
	ValueAsString string      `json:"value_as_string,omitempty"`
	SubAggregates []aggResult `json:"sub_aggregates,omitempty"`
}

// handleAggregateSessions serves POST aggregates/sessions/GET.
func (s *Server) handleAggregateSessions(w http.ResponseWriter, r *http.Request) {
	queries, err := s.decodeAggQueries(r)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	now := time.Now()
	for i := range queries {
		if err := checkAggQuery(&queries[i], fmt.Sprintf("query %d", i+1)); err != nil {
			s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
	}
	docs := s.sessionViews(r.Context(), now)
	results := make([]aggResult, 0, len(queries))
	for _, q := range queries {
		res, err := runAgg(q, docs, now)
		if err != nil {
			s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
		results = append(results, res)
	}
	s.writeJSON(w, http.StatusOK, listReply{Meta: meta(r, poweredByRTR), Resources: results, Errors: noErrors()})
}

// decodeAggQueries reads the body, which must be a JSON array of queries.
// Members the emulator does not know are logged, as decodeBody does.
func (s *Server) decodeAggQueries(r *http.Request) ([]aggQuery, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(raw) > maxBodyBytes {
		return nil, fmt.Errorf("request body is larger than %d bytes", maxBodyBytes)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil, fmt.Errorf("request body must be a JSON array of aggregate queries, " +
			`such as [{"name":"hosts","type":"terms","field":"hostname"}]`)
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("request body is not a JSON array of objects: %w", err)
	}
	var queries []aggQuery
	if err := json.Unmarshal(raw, &queries); err != nil {
		return nil, fmt.Errorf("invalid aggregate query: %w", err)
	}
	if len(queries) == 0 {
		return nil, fmt.Errorf("request body is an empty array; send at least one aggregate query")
	}
	for i, fields := range items {
		if unknown := unknownFields(fields, &aggQuery{}); len(unknown) > 0 {
			s.log.Debug("ignored unknown aggregate query members", "query", i+1, "fields", unknown)
		}
	}
	return queries, nil
}

// checkAggQuery checks q and its sub-aggregations before anything runs,
// and normalises the type. where names q in error messages.
func checkAggQuery(q *aggQuery, where string) error {
	if q.Name == "" {
		return fmt.Errorf("%s: name is required", where)
	}
	where = fmt.Sprintf("%s (%s)", where, q.Name)
	t := aggType(strings.ToLower(q.Type))
	if t == "term" {
		t = aggTerms
	}
	if !slices.Contains(aggTypes, t) {
		return fmt.Errorf("%s: type %q is not supported; use one of %s", where, q.Type, aggTypeList())
	}
	q.Type = string(t)
	if err := checkUnmodelled(q); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if _, ok := sessionFields[q.Field]; !ok {
		return fmt.Errorf("%s: field %q is not a session field; use one of %s",
			where, q.Field, strings.Join(sortedSessionFields(), ", "))
	}
	if err := checkFieldKind(t, q.Field); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if q.Size != nil && *q.Size < 0 {
		return fmt.Errorf("%s: size %d is negative", where, *q.Size)
	}
	if q.Filter != "" {
		if _, err := parseFQLFields(q.Filter, sessionFieldNames()); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	if t.isMetric() && len(q.SubAggregates) > 0 {
		return fmt.Errorf("%s: a %s aggregation yields one value and takes no sub_aggregates", where, t)
	}
	for i := range q.SubAggregates {
		if err := checkAggQuery(&q.SubAggregates[i], fmt.Sprintf("%s sub-aggregation %d", where, i+1)); err != nil {
			return err
		}
	}
	return nil
}

// checkUnmodelled rejects query members that the emulator does not model.
func checkUnmodelled(q *aggQuery) error {
	var set []string
	for name, present := range map[string]bool{
		"include": q.Include != "", "exclude": q.Exclude != "", "q": q.Q != "",
		"from": q.From != nil && *q.From != 0, "max_doc_count": q.MaxDocCount != 0,
		"percents":     len(q.Percents) > 0,
		"filters_spec": len(q.FiltersSpec) > 0 && string(q.FiltersSpec) != "null",
	} {
		if present {
			set = append(set, name)
		}
	}
	if len(set) == 0 {
		return nil
	}
	sort.Strings(set)
	return fmt.Errorf("%s not supported by the emulator; leave them out", strings.Join(set, ", "))
}

// checkFieldKind checks that the aggregation type fits the field's kind.
func checkFieldKind(t aggType, field string) error {
	kind := sessionFieldKind(field)
	switch {
	case (t == aggDateHistogram || t == aggDateRange) && kind != dateField:
		return fmt.Errorf("%s needs a date field (created_at, updated_at or deleted_at), not %s", t, field)
	case t == aggRange && kind != numberField:
		return fmt.Errorf("range needs a number field (duration), not %s; use date_range for dates", field)
	case (t == aggMin || t == aggMax || t == aggAvg || t == aggSum) && kind == keywordField:
		return fmt.Errorf("%s needs a number or date field, not %s", t, field)
	}
	return nil
}

func aggTypeList() string {
	names := make([]string, 0, len(aggTypes))
	for _, t := range aggTypes {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

func sortedSessionFields() []string {
	names := sessionFieldNames()
	sort.Strings(names)
	return names
}

// runAgg computes one checked query over docs.
func runAgg(q aggQuery, docs []sessionView, now time.Time) (aggResult, error) {
	docs, err := filterSessions(docs, q.Filter)
	if err != nil {
		return aggResult{}, err
	}
	res := aggResult{Name: q.Name, Buckets: []aggBucket{}}
	switch t := aggType(q.Type); t {
	case aggTerms:
		res.Buckets, res.SumOtherDocCount, err = termsBuckets(q, docs, now)
	case aggDateHistogram:
		res.Buckets, err = histogramBuckets(q, docs, now)
	case aggDateRange:
		res.Buckets, err = dateRangeBuckets(q, docs, now)
	case aggRange:
		res.Buckets, err = rangeBuckets(q, docs, now)
	default:
		res.Buckets = []aggBucket{metricBucket(t, q.Field, docs)}
	}
	if err != nil {
		return aggResult{}, fmt.Errorf("aggregation %s: %w", q.Name, err)
	}
	return res, nil
}

// withSubs fills in the sub-aggregations of a bucket over its docs.
func withSubs(b aggBucket, q aggQuery, docs []sessionView, now time.Time) (aggBucket, error) {
	for _, sub := range q.SubAggregates {
		res, err := runAgg(sub, docs, now)
		if err != nil {
			return b, err
		}
		b.SubAggregates = append(b.SubAggregates, res)
	}
	return b, nil
}
