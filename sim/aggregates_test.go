package sim

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type wireBucket struct {
	Label         string       `json:"label"`
	Count         int64        `json:"count"`
	From          *float64     `json:"from"`
	To            *float64     `json:"to"`
	StringFrom    string       `json:"string_from"`
	StringTo      string       `json:"string_to"`
	KeyAsString   string       `json:"key_as_string"`
	Value         *float64     `json:"value"`
	ValueAsString string       `json:"value_as_string"`
	SubAggregates []wireResult `json:"sub_aggregates"`
}

type wireResult struct {
	Name             string       `json:"name"`
	Buckets          []wireBucket `json:"buckets"`
	SumOtherDocCount int64        `json:"sum_other_doc_count"`
}

type wireAggregates struct {
	Resources []wireResult `json:"resources"`
	Errors    []wireError  `json:"errors"`
}

// labelsAndCounts returns the buckets' labels (as text) and counts.
func labelsAndCounts(r wireResult) ([]string, []int64) {
	labels, counts := []string{}, []int64{}
	for _, b := range r.Buckets {
		labels = append(labels, b.Label)
		counts = append(counts, b.Count)
	}
	return labels, counts
}

// The fixture's sessions: WIN-FIN-01, lnx-web-01, mac-dev-01 (deleted)
// and WIN-HR-02 (batch) by the API client, WIN-DC-01 by another user.
func TestAggregateBuckets(t *testing.T) {
	f := newSessionFixture(t)
	c := f.c
	day := 24 * time.Hour

	tests := []struct {
		name       string
		query      map[string]any
		wantLabels []string
		wantCounts []int64
		wantOther  int64
		check      func(t *testing.T, r wireResult)
	}{
		{name: "terms", query: map[string]any{"type": "terms", "field": "platform_name"},
			wantLabels: []string{"Windows", "Linux", "Mac"}, wantCounts: []int64{3, 1, 1}},
		{name: "term spelling with size", query: map[string]any{"type": "term", "field": "platform_name", "size": 1},
			wantLabels: []string{"Windows"}, wantCounts: []int64{3}, wantOther: 2},
		{name: "terms by key", query: map[string]any{"type": "terms", "field": "platform_name", "sort": "_key|asc"},
			wantLabels: []string{"Linux", "Mac", "Windows"}, wantCounts: []int64{1, 1, 3}},
		{name: "terms with filter", query: map[string]any{"type": "terms", "field": "hostname",
			"filter": "platform_name:'Windows'+user_id:'@me'"},
			wantLabels: []string{"WIN-FIN-01", "WIN-HR-02"}, wantCounts: []int64{1, 1}},
		{name: "terms with min_doc_count", query: map[string]any{"type": "terms", "field": "platform_name", "min_doc_count": 2},
			wantLabels: []string{"Windows"}, wantCounts: []int64{3}},
		{name: "terms with missing", query: map[string]any{"type": "terms", "field": "origin", "missing": "none"},
			wantLabels: []string{"rtrplay-test", "none"}, wantCounts: []int64{3, 2}},
		{name: "terms with sub-aggregation",
			query: map[string]any{"type": "terms", "field": "platform_name", "size": 1, "sub_aggregates": []any{
				map[string]any{"name": "users", "type": "terms", "field": "user_id"},
			}},
			wantLabels: []string{"Windows"}, wantCounts: []int64{3}, wantOther: 2,
			check: func(t *testing.T, r wireResult) {
				subs := r.Buckets[0].SubAggregates
				if len(subs) != 1 || subs[0].Name != "users" {
					t.Fatalf("sub_aggregates = %+v, want one named users", subs)
				}
				labels, counts := labelsAndCounts(subs[0])
				if !slices.Equal(labels, []string{f.srv.ClientID(), "analyst@example.com"}) || !slices.Equal(counts, []int64{2, 1}) {
					t.Errorf("users of Windows sessions = %v %v, want the client's 2 and the analyst's 1", labels, counts)
				}
			}},
		{name: "date_histogram", query: map[string]any{"type": "date_histogram", "field": "created_at", "interval": "day"},
			wantCounts: []int64{5},
			check: func(t *testing.T, r wireResult) {
				want := time.Now().UTC().Truncate(day)
				if r.Buckets[0].KeyAsString != want.Format(time.RFC3339) || r.Buckets[0].Label != strconv.FormatInt(want.UnixMilli(), 10) {
					t.Errorf("bucket key %v (%s), want today %s", r.Buckets[0].Label, r.Buckets[0].KeyAsString, want)
				}
			}},
		{name: "date_histogram with extended bounds",
			query: map[string]any{"type": "date_histogram", "field": "created_at", "interval": "1d",
				"extended_bounds": map[string]any{"min": "now-2d", "max": "now"}},
			wantCounts: []int64{0, 0, 5}},
		{name: "date_histogram of deleted sessions", query: map[string]any{"type": "date_histogram",
			"field": "deleted_at", "interval": "12h", "time_zone": "+02:00"}, wantCounts: []int64{1}},
		{name: "date_range", query: map[string]any{"type": "date_range", "field": "created_at", "date_ranges": []any{
			map[string]any{"from": "now-1h", "to": "now+1h"},
			map[string]any{"from": "2000-01-01", "to": "2001-01-01"},
			map[string]any{"to": "now-1d/d"},
		}},
			wantCounts: []int64{5, 0, 0},
			check: func(t *testing.T, r wireResult) {
				if b := r.Buckets[1]; b.StringFrom != "2000-01-01T00:00:00Z" || b.From == nil || *b.From != 946684800000 {
					t.Errorf("second range from = %v (%s), want 2000-01-01", b.From, b.StringFrom)
				}
				if b := r.Buckets[2]; b.From != nil || b.To == nil || !strings.HasPrefix(b.Label, "*-") {
					t.Errorf("open range = %+v, want no from and a label starting *-", b)
				}
			}},
		{name: "range", query: map[string]any{"type": "range", "field": "duration", "ranges": []any{
			map[string]any{"From": 0, "To": 3600}, map[string]any{"from": 3600, "to": 7200},
		}},
			wantLabels: []string{"0-3600", "3600-7200"}, wantCounts: []int64{5, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			q := map[string]any{"name": "agg"}
			for k, v := range tt.query {
				q[k] = v
			}
			var resp wireAggregates
			c.expect(http.StatusOK, http.MethodPost, pathAggregateSessions, nil, []any{q}, &resp)
			if len(resp.Resources) != 1 || resp.Resources[0].Name != "agg" {
				t.Fatalf("resources = %+v, want one result named agg", resp.Resources)
			}
			r := resp.Resources[0]
			labels, counts := labelsAndCounts(r)
			if tt.wantLabels != nil && !slices.Equal(labels, tt.wantLabels) {
				t.Errorf("labels = %v, want %v", labels, tt.wantLabels)
			}
			if !slices.Equal(counts, tt.wantCounts) {
				t.Errorf("counts = %v, want %v", counts, tt.wantCounts)
			}
			if r.SumOtherDocCount != tt.wantOther {
				t.Errorf("sum_other_doc_count = %d, want %d", r.SumOtherDocCount, tt.wantOther)
			}
			if tt.check != nil && len(r.Buckets) > 0 {
				tt.check(t, r)
			}
		})
	}
}

func TestAggregateMetrics(t *testing.T) {
	f := newSessionFixture(t)
	c := f.c
	var created []time.Time
	for _, v := range f.srv.sessionViews(t.Context(), time.Now()) {
		created = append(created, v.createdAt)
	}
	first, last := created[0], created[0]
	for _, c := range created {
		if c.Before(first) {
			first = c
		}
		if c.After(last) {
			last = c
		}
	}

	var resp wireAggregates
	c.expect(http.StatusOK, http.MethodPost, pathAggregateSessions, nil, []any{
		map[string]any{"name": "hosts", "type": "cardinality", "field": "device_id"},
		map[string]any{"name": "platforms", "type": "cardinality", "field": "platform_name"},
		map[string]any{"name": "first", "type": "min", "field": "created_at"},
		map[string]any{"name": "last", "type": "max", "field": "created_at"},
		map[string]any{"name": "total", "type": "sum", "field": "duration"},
		map[string]any{"name": "mean", "type": "avg", "field": "duration"},
		map[string]any{"name": "none", "type": "avg", "field": "duration", "filter": "hostname:'nobody'"},
		map[string]any{"name": "none-sum", "type": "sum", "field": "duration", "filter": "hostname:'nobody'"},
	}, &resp)
	byName := map[string]wireBucket{}
	for _, r := range resp.Resources {
		if len(r.Buckets) != 1 {
			t.Fatalf("%s has %d buckets, want 1", r.Name, len(r.Buckets))
		}
		byName[r.Name] = r.Buckets[0]
	}
	value := func(name string) float64 {
		t.Helper()
		if byName[name].Value == nil {
			t.Fatalf("%s has no value", name)
		}
		return *byName[name].Value
	}
	if value("hosts") != 5 || value("platforms") != 3 || byName["hosts"].Count != 5 {
		t.Errorf("cardinalities = %v hosts, %v platforms over %d sessions; want 5, 3, 5",
			value("hosts"), value("platforms"), byName["hosts"].Count)
	}
	if int64(value("first")) != first.UnixMilli() || byName["first"].ValueAsString != formatTime(time.UnixMilli(first.UnixMilli())) {
		t.Errorf("min created_at = %v (%s), want %s", value("first"), byName["first"].ValueAsString, first)
	}
	if int64(value("last")) != last.UnixMilli() {
		t.Errorf("max created_at = %v, want %d", value("last"), last.UnixMilli())
	}
	if sum, mean := value("total"), value("mean"); sum <= 0 || math.Abs(mean*5-sum) > 1e-9 {
		t.Errorf("sum %v and avg %v of duration over 5 sessions do not agree", sum, mean)
	}
	if byName["none"].Value != nil || byName["none"].Count != 0 || value("none-sum") != 0 {
		t.Errorf("avg over no sessions = %+v, sum = %v; want no value and 0", byName["none"], value("none-sum"))
	}
}

func TestAggregateRejects(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	one := func(q map[string]any) []any { return []any{q} }
	tests := []struct {
		name string
		body any
	}{
		{name: "object body", body: map[string]any{"name": "x", "type": "terms", "field": "hostname"}},
		{name: "empty array", body: []any{}},
		{name: "no name", body: one(map[string]any{"type": "terms", "field": "hostname"})},
		{name: "unknown type", body: one(map[string]any{"name": "x", "type": "percentiles", "field": "duration"})},
		{name: "unknown field", body: one(map[string]any{"name": "x", "type": "terms", "field": "aid"})},
		{name: "range on a keyword", body: one(map[string]any{"name": "x", "type": "range", "field": "hostname",
			"ranges": []any{map[string]any{"From": 0, "To": 1}}})},
		{name: "histogram on a number", body: one(map[string]any{"name": "x", "type": "date_histogram",
			"field": "duration", "interval": "day"})},
		{name: "bad interval", body: one(map[string]any{"name": "x", "type": "date_histogram",
			"field": "created_at", "interval": "fortnight"})},
		{name: "bad time zone", body: one(map[string]any{"name": "x", "type": "date_histogram",
			"field": "created_at", "interval": "day", "time_zone": "Mars/Olympus"})},
		{name: "metric with sub-aggregation", body: one(map[string]any{"name": "x", "type": "max", "field": "duration",
			"sub_aggregates": []any{map[string]any{"name": "y", "type": "terms", "field": "hostname"}}})},
		{name: "bad sub-aggregation", body: one(map[string]any{"name": "x", "type": "terms", "field": "hostname",
			"sub_aggregates": []any{map[string]any{"name": "y", "type": "terms", "field": "nope"}}})},
		{name: "include is not modelled", body: one(map[string]any{"name": "x", "type": "terms",
			"field": "hostname", "include": "WIN.*"})},
		{name: "bad filter", body: one(map[string]any{"name": "x", "type": "terms", "field": "hostname", "filter": "hostname:x"})},
		{name: "date_range without ranges", body: one(map[string]any{"name": "x", "type": "date_range", "field": "created_at"})},
		{name: "bad date", body: one(map[string]any{"name": "x", "type": "date_range", "field": "created_at",
			"date_ranges": []any{map[string]any{"from": "yesterday"}}})},
		{name: "range without To", body: one(map[string]any{"name": "x", "type": "range", "field": "duration",
			"ranges": []any{map[string]any{"From": 0}}})},
		{name: "negative size", body: one(map[string]any{"name": "x", "type": "terms", "field": "hostname", "size": -1})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			expectHostError(t, c, http.StatusBadRequest, http.MethodPost, pathAggregateSessions, nil, tt.body, 400)
		})
	}
}

// gofalcon sends every member of the query, null when unset.
func TestAggregateAcceptsNullMembers(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	c := newClient(t, srv)
	initSingle(t, c, "WIN-FIN-01", false)
	q := map[string]any{"name": "hosts", "type": "terms", "field": "hostname"}
	for _, k := range []string{"date_ranges", "exclude", "filter", "from", "include", "interval", "missing",
		"q", "ranges", "size", "sort", "sub_aggregates", "time_zone"} {
		q[k] = nil
	}
	var resp wireAggregates
	c.expect(http.StatusOK, http.MethodPost, pathAggregateSessions, nil, []any{q}, &resp)
	labels, counts := labelsAndCounts(resp.Resources[0])
	if !slices.Equal(labels, []string{"WIN-FIN-01"}) || !slices.Equal(counts, []int64{1}) {
		t.Errorf("buckets = %v %v, want WIN-FIN-01 1", labels, counts)
	}
}
