package sim

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of the bucket aggregations follow Elasticsearch's, whose request
// members Falcon's aggregate calls take. Terms returns the 10 largest
// buckets with at least one session. A date histogram returns every
// interval between the first and last session, empty ones included.
// NOTE: Falcon's own defaults are unverified.
const (
	defaultTermsSize = 10
	maxAggBuckets    = 10000
)

// bucketGroup is the sessions of one bucket under its key.
type bucketGroup struct {
	key  string  // the field value, or its text form
	num  float64 // the key as a number (epoch ms for dates), for sorting
	docs []sessionView
}

// termsBuckets computes a terms aggregation. It returns the buckets and
// the number of sessions in the buckets left out by size.
func termsBuckets(q aggQuery, docs []sessionView, now time.Time) ([]aggBucket, int64, error) {
	kind := sessionFieldKind(q.Field)
	groups := map[string]*bucketGroup{}
	for _, d := range docs {
		values := dedupe(sessionFields[q.Field](&d))
		if len(values) == 0 && q.Missing != "" {
			values = []string{q.Missing}
		}
		for _, v := range values {
			g := groups[v]
			if g == nil {
				g = &bucketGroup{key: v, num: keyNumber(kind, v)}
				groups[v] = g
			}
			g.docs = append(g.docs, d)
		}
	}

	order, err := parseBucketSort(q.Sort, false)
	if err != nil {
		return nil, 0, err
	}
	list := sortedGroups(groups, order, kind != keywordField)
	minCount := int64(1)
	if q.MinDocCount != nil {
		minCount = *q.MinDocCount
	}
	size := defaultTermsSize
	if q.Size != nil && *q.Size > 0 {
		size = *q.Size
	}

	buckets := []aggBucket{}
	var other int64
	for _, g := range list {
		if int64(len(g.docs)) < minCount {
			continue
		}
		if len(buckets) == size {
			other += int64(len(g.docs))
			continue
		}
		b := aggBucket{Label: g.key, Count: int64(len(g.docs))}
		if kind == dateField {
			b.Label, b.KeyAsString = strconv.FormatInt(int64(g.num), 10), g.key
		}
		if b, err = withSubs(b, q, g.docs, now); err != nil {
			return nil, 0, err
		}
		buckets = append(buckets, b)
	}
	return buckets, other, nil
}

// keyNumber returns v as a number for sorting: the number itself, or
// epoch milliseconds for a date. Keywords return 0.
func keyNumber(kind fieldKind, v string) float64 {
	switch kind {
	case numberField:
		n, _ := strconv.ParseFloat(v, 64)
		return n
	case dateField:
		t, _ := time.Parse(time.RFC3339Nano, v)
		return float64(t.UnixMilli())
	}
	return 0
}

// bucketOrder is a parsed bucket sort.
type bucketOrder struct {
	byKey, desc bool
}

// parseBucketSort reads sort: _count or _key (also count, key, _term,
// term), then |asc, |desc, .asc or .desc. The default is the largest
// buckets first, or for a histogram (byKeyDefault) the earliest first.
// NOTE: the sort syntax Falcon takes for aggregates is unverified.
func parseBucketSort(spec string, byKeyDefault bool) (bucketOrder, error) {
	if spec == "" {
		return bucketOrder{byKey: byKeyDefault, desc: !byKeyDefault}, nil
	}
	what, dir, found := strings.Cut(spec, "|")
	if !found {
		what, dir, _ = strings.Cut(spec, ".")
	}
	var o bucketOrder
	switch strings.TrimPrefix(what, "_") {
	case "count":
	case "key", "term":
		o.byKey = true
	default:
		return o, fmt.Errorf("invalid sort %q: use _count or _key, with |asc or |desc", spec)
	}
	switch dir {
	case "asc":
	case "desc":
		o.desc = true
	case "":
		o.desc = !o.byKey
	default:
		return o, fmt.Errorf("invalid sort direction %q in %q: use asc or desc", dir, spec)
	}
	return o, nil
}

// sortedGroups orders groups by o. Ties in count go by key ascending.
func sortedGroups(groups map[string]*bucketGroup, o bucketOrder, numericKeys bool) []*bucketGroup {
	list := make([]*bucketGroup, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	byKey := func(a, b *bucketGroup) int {
		if numericKeys {
			return cmp.Compare(a.num, b.num)
		}
		return cmp.Compare(a.key, b.key)
	}
	slices.SortFunc(list, func(a, b *bucketGroup) int {
		var c int
		if o.byKey {
			c = byKey(a, b)
		} else {
			c = cmp.Compare(len(a.docs), len(b.docs))
		}
		if o.desc {
			c = -c
		}
		if c == 0 {
			c = byKey(a, b)
		}
		return c
	})
	return list
}

// histogramBuckets computes a date_histogram aggregation.
func histogramBuckets(q aggQuery, docs []sessionView, now time.Time) ([]aggBucket, error) {
	loc, err := parseTimeZone(q.TimeZone)
	if err != nil {
		return nil, err
	}
	iv, err := parseInterval(q.Interval)
	if err != nil {
		return nil, err
	}
	order, err := parseBucketSort(q.Sort, true)
	if err != nil {
		return nil, err
	}

	groups := map[string]*bucketGroup{}
	var first, last time.Time
	addKey := func(key time.Time) *bucketGroup {
		name := key.Format(time.RFC3339)
		g := groups[name]
		if g == nil {
			g = &bucketGroup{key: name, num: float64(key.UnixMilli())}
			groups[name] = g
			if first.IsZero() || key.Before(first) {
				first = key
			}
			if last.IsZero() || key.After(last) {
				last = key
			}
		}
		return g
	}
	for _, d := range docs {
		for _, t := range dateValues(q.Field, &d) {
			g := addKey(iv.floor(t.In(loc)))
			g.docs = append(g.docs, d)
		}
	}

	minCount := int64(0)
	if q.MinDocCount != nil {
		minCount = *q.MinDocCount
	}
	if minCount == 0 {
		if err := extendBounds(q.ExtendedBounds, now, loc, iv, addKey); err != nil {
			return nil, err
		}
		for key, n := first, 0; !first.IsZero() && !key.After(last); key, n = iv.next(key), n+1 {
			if n >= maxAggBuckets {
				return nil, fmt.Errorf("interval %q makes more than %d buckets; use a longer one", q.Interval, maxAggBuckets)
			}
			addKey(key)
		}
	}

	buckets := []aggBucket{}
	for _, g := range sortedGroups(groups, order, true) {
		if int64(len(g.docs)) < minCount {
			continue
		}
		b := aggBucket{Label: strconv.FormatInt(int64(g.num), 10), KeyAsString: g.key, Count: int64(len(g.docs))}
		if b, err = withSubs(b, q, g.docs, now); err != nil {
			return nil, err
		}
		buckets = append(buckets, b)
	}
	return buckets, nil
}

// extendBounds adds the buckets of extended_bounds' min and max.
func extendBounds(eb *boundsSpec, now time.Time, loc *time.Location, iv interval, add func(time.Time) *bucketGroup) error {
	if eb == nil {
		return nil
	}
	for _, v := range []string{eb.Min, eb.Max} {
		if v == "" {
			continue
		}
		t, err := parseAggDate(v, now, loc)
		if err != nil {
			return fmt.Errorf("extended_bounds: %w", err)
		}
		add(iv.floor(t.In(loc)))
	}
	return nil
}

// dateValues returns a date field's values of d.
func dateValues(field string, d *sessionView) []time.Time {
	var out []time.Time
	for _, v := range sessionFields[field](d) {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			out = append(out, t)
		}
	}
	return out
}

// numberValues returns a number or date field's values of d; dates are
// epoch milliseconds.
func numberValues(field string, d *sessionView) []float64 {
	kind := sessionFieldKind(field)
	var out []float64
	for _, v := range sessionFields[field](d) {
		if kind == dateField {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				out = append(out, float64(t.UnixMilli()))
			}
		} else if n, err := strconv.ParseFloat(v, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// dateRangeBuckets computes a date_range aggregation: one bucket per
// range, in the order given, each counting the sessions from its from
// (inclusive) to its to (exclusive).
func dateRangeBuckets(q aggQuery, docs []sessionView, now time.Time) ([]aggBucket, error) {
	if len(q.DateRanges) == 0 {
		return nil, fmt.Errorf("date_ranges is required: give at least one {\"from\",\"to\"} pair")
	}
	loc, err := parseTimeZone(q.TimeZone)
	if err != nil {
		return nil, err
	}
	buckets := []aggBucket{}
	for _, dr := range q.DateRanges {
		if dr.From == "" && dr.To == "" {
			return nil, fmt.Errorf("a date range needs from, to, or both")
		}
		b := aggBucket{}
		lo, hi := math.Inf(-1), math.Inf(1)
		labelFrom, labelTo := "*", "*"
		if dr.From != "" {
			t, err := parseAggDate(dr.From, now, loc)
			if err != nil {
				return nil, fmt.Errorf("date range from: %w", err)
			}
			lo = float64(t.UnixMilli())
			b.From, b.StringFrom, labelFrom = &lo, formatTime(t), formatTime(t)
		}
		if dr.To != "" {
			t, err := parseAggDate(dr.To, now, loc)
			if err != nil {
				return nil, fmt.Errorf("date range to: %w", err)
			}
			hi = float64(t.UnixMilli())
			b.To, b.StringTo, labelTo = &hi, formatTime(t), formatTime(t)
		}
		b.Label = labelFrom + "-" + labelTo
		var in []sessionView
		for _, d := range docs {
			if anyWithin(numberValues(q.Field, &d), lo, hi) {
				in = append(in, d)
			}
		}
		b.Count = int64(len(in))
		if b, err = withSubs(b, q, in, now); err != nil {
			return nil, err
		}
		buckets = append(buckets, b)
	}
	return buckets, nil
}

// rangeBuckets computes a range aggregation over a number field. The
// reference marks both From and To of each range required.
func rangeBuckets(q aggQuery, docs []sessionView, now time.Time) ([]aggBucket, error) {
	if len(q.Ranges) == 0 {
		return nil, fmt.Errorf("ranges is required: give at least one {\"From\",\"To\"} pair")
	}
	buckets := []aggBucket{}
	for _, rs := range q.Ranges {
		if rs.From == nil || rs.To == nil {
			return nil, fmt.Errorf("each range needs both From and To")
		}
		lo, hi := *rs.From, *rs.To
		var in []sessionView
		for _, d := range docs {
			if anyWithin(numberValues(q.Field, &d), lo, hi) {
				in = append(in, d)
			}
		}
		b := aggBucket{
			Label: strconv.FormatFloat(lo, 'f', -1, 64) + "-" + strconv.FormatFloat(hi, 'f', -1, 64),
			Count: int64(len(in)), From: &lo, To: &hi,
		}
		var err error
		if b, err = withSubs(b, q, in, now); err != nil {
			return nil, err
		}
		buckets = append(buckets, b)
	}
	return buckets, nil
}

// anyWithin reports whether a value lies in [lo, hi).
func anyWithin(values []float64, lo, hi float64) bool {
	for _, v := range values {
		if v >= lo && v < hi {
			return true
		}
	}
	return false
}

// metricBucket computes cardinality, min, max, avg or sum as one bucket
// whose count is the number of sessions that have the field. A statistic
// over no values has no value, except sum, which is 0.
func metricBucket(t aggType, field string, docs []sessionView) aggBucket {
	var b aggBucket
	distinct := map[string]bool{}
	var values []float64
	for _, d := range docs {
		raw := sessionFields[field](&d)
		if len(raw) > 0 {
			b.Count++
		}
		for _, v := range raw {
			distinct[v] = true
		}
		if t != aggCardinality {
			values = append(values, numberValues(field, &d)...)
		}
	}
	var v float64
	switch t {
	case aggCardinality:
		v = float64(len(distinct))
	case aggSum:
		for _, x := range values {
			v += x
		}
	default:
		if len(values) == 0 {
			return b
		}
		v = statistic(t, values)
	}
	b.Value = &v
	if sessionFieldKind(field) == dateField && (t == aggMin || t == aggMax) {
		b.ValueAsString = formatTime(time.UnixMilli(int64(v)))
	}
	return b
}

// statistic returns min, max or avg of a non-empty list.
func statistic(t aggType, values []float64) float64 {
	switch t {
	case aggMin:
		return slices.Min(values)
	case aggMax:
		return slices.Max(values)
	}
	var sum float64
	for _, x := range values {
		sum += x
	}
	return sum / float64(len(values))
}
