package rtr

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestSimAggregateSessions(t *testing.T) {
	fx := newSessionFixture(t)
	ctx := context.Background()
	results, err := fx.c.AggregateSessions(ctx,
		TermsAggregation("hosts", "hostname", 0).With(
			AggregateQuery{Name: "origins", Type: AggregateTerms, Field: "origin", Missing: "none"}),
		TermsAggregation("fixture hosts", "hostname", 0).Where("origin:'fixture'"),
		DateRangeAggregation("created", "created_at",
			DateRangeSpec{From: "now-1h", To: "now+1h"}, DateRangeSpec{To: "now-1h"}),
		DateHistogramAggregation("per day", "created_at", "day"),
		RangeAggregation("durations", "duration", RangeSpec{From: 0, To: 1e9}),
		MetricAggregation(AggregateCardinality, "distinct hosts", "device_id"),
	)
	if err != nil {
		t.Fatalf("AggregateSessions: %v", err)
	}
	byName := map[string]AggregateResult{}
	for _, r := range results {
		byName[r.Name] = r
	}
	if len(results) != 6 || len(byName) != 6 {
		t.Fatalf("results = %+v, want the 6 aggregations by name", results)
	}

	counts := func(r AggregateResult) map[string]int64 {
		m := map[string]int64{}
		for _, b := range r.Buckets {
			m[b.Label] = b.Count
		}
		return m
	}
	sum := func(r AggregateResult) int64 {
		var n int64
		for _, b := range r.Buckets {
			n += b.Count
		}
		return n
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"sessions per host", counts(byName["hosts"]), map[string]int64{"WIN-FIN-01": 2, "WIN-HR-02": 1}},
		{"filtered hosts", counts(byName["fixture hosts"]), map[string]int64{"WIN-FIN-01": 1}},
		{"sessions in the last hour", byName["created"].Buckets[0].Count, int64(3)},
		{"sessions before the last hour", byName["created"].Buckets[1].Count, int64(0)},
		{"sessions per day", sum(byName["per day"]), int64(3)},
		{"sessions with a duration", sum(byName["durations"]), int64(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotJSON, _ := json.Marshal(tt.got)
			wantJSON, _ := json.Marshal(tt.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("got %s, want %s", gotJSON, wantJSON)
			}
		})
	}

	fin, ok := byName["hosts"].Bucket("WIN-FIN-01")
	if !ok || len(fin.SubAggregates) != 1 {
		t.Fatalf("WIN-FIN-01 bucket = %+v, want one sub-aggregation", fin)
	}
	if got := counts(fin.SubAggregates[0]); got["fixture"] != 1 || got["none"] != 1 {
		t.Errorf("origins on WIN-FIN-01 = %v, want fixture 1 and none 1", got)
	}
	distinct := byName["distinct hosts"].Buckets
	if len(distinct) != 1 || distinct[0].Value == nil || *distinct[0].Value != 2 {
		t.Errorf("distinct hosts = %+v, want one bucket with value 2", distinct)
	}
}

func TestAggregateQueryChecked(t *testing.T) {
	f := newFakeFalcon(t)
	c := newTestClient(t, f.config())
	tests := []struct {
		name    string
		queries []AggregateQuery
		wantErr string
	}{
		{"no query", nil, "no aggregation"},
		{"no name", []AggregateQuery{{Type: AggregateTerms, Field: "hostname"}}, "has no name"},
		{"unknown type", []AggregateQuery{{Name: "a", Type: "percentiles", Field: "duration"}}, `unknown type "percentiles"`},
		{"no field", []AggregateQuery{TermsAggregation("a", "", 0)}, "missing field"},
		{"histogram without interval", []AggregateQuery{DateHistogramAggregation("a", "created_at", "")}, "needs an interval"},
		{"date range without ranges", []AggregateQuery{DateRangeAggregation("a", "created_at")}, "at least one date range"},
		{"open date range", []AggregateQuery{DateRangeAggregation("a", "created_at", DateRangeSpec{})}, "neither from nor to"},
		{"range backwards", []AggregateQuery{RangeAggregation("a", "duration", RangeSpec{From: 5, To: 1})},
			"after its end"},
		{"metric with sub-aggregation", []AggregateQuery{
			MetricAggregation(AggregateSum, "a", "duration").With(TermsAggregation("b", "hostname", 0))},
			"takes no sub-aggregations"},
		{"duplicate sub-aggregation names", []AggregateQuery{TermsAggregation("a", "hostname", 0).With(
			TermsAggregation("b", "user_id", 0), TermsAggregation("b", "origin", 0))}, "a/b: the name is used twice"},
		{"bad sub-aggregation", []AggregateQuery{TermsAggregation("a", "hostname", 0).With(
			TermsAggregation("b", "user_id", -1))}, "aggregation /a/b: negative size -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AggregateSessions(context.Background(), tt.queries...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	if n := len(f.requestsCopy()); n != 0 {
		t.Errorf("requests = %d, want none: invalid queries are rejected before sending", n)
	}
}

func TestAggregateWireFormat(t *testing.T) {
	f := newFakeFalcon(t)
	c := newTestClient(t, f.config())
	f.handle("POST "+pathAggregateSessions, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, okBody(map[string]any{"resources": []any{map[string]any{
			"name": "hosts", "buckets": []any{
				map[string]any{"label": "WIN-FIN-01", "count": 2},
				map[string]any{"label": 1767225600000, "count": 1, "key_as_string": "2026-01-01T00:00:00Z"},
				map[string]any{"count": 4},
			}}}}))
	})
	minDocs := int64(0)
	q := TermsAggregation("hosts", "hostname", 5).With(
		AggregateQuery{Name: "days", Type: AggregateDateHistogram, Field: "created_at", Interval: "day",
			MinDocCount: &minDocs, TimeZone: "UTC"})
	results, err := c.AggregateSessions(context.Background(), q)
	if err != nil {
		t.Fatalf("AggregateSessions: %v", err)
	}
	labels := []string{}
	for _, b := range results[0].Buckets {
		labels = append(labels, b.Label)
	}
	if strings.Join(labels, ",") != "WIN-FIN-01,1767225600000," {
		t.Errorf("labels = %q, want a string, a number as text and an empty label", labels)
	}

	var body []map[string]any
	if err := json.Unmarshal(f.requestsTo("POST " + pathAggregateSessions)[0].Body, &body); err != nil {
		t.Fatalf("request body is not a JSON array: %v", err)
	}
	want := `[{"field":"hostname","name":"hosts","size":5,"sub_aggregates":[{"field":"created_at",` +
		`"interval":"day","min_doc_count":0,"name":"days","time_zone":"UTC","type":"date_histogram"}],"type":"terms"}]`
	got, _ := json.Marshal(body)
	if string(got) != want {
		t.Errorf("body = %s\nwant %s", got, want)
	}
}
