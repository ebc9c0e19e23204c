package rtr

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ListQuery selects one page of a query call: the session id query, the
// RTR audit and the put-file, script and Falcon script id queries.
type ListQuery struct {
	// Filter is an FQL expression such as "user_id:'@me'+deleted_at:null";
	// empty matches every record.
	Filter string
	// Sort names a field with an optional direction: "created_at",
	// "created_at|desc" or "created_at.desc". Empty leaves the order to
	// Falcon.
	Sort string
	// Offset is the number of matching records to skip.
	Offset int
	// Limit is the page size. Zero takes the endpoint's entry in Limits,
	// which is also the largest value accepted.
	Limit int
}

// Page is the pagination block (meta.pagination) of a query response.
type Page struct {
	// Offset is the number of records skipped, as Falcon echoes it.
	Offset int
	// Limit is the page size that Falcon applied.
	Limit int
	// Total is the number of records that match the filter, over all
	// pages.
	Total int
}

// PageFunc fetches one page of a query, such as Client.QuerySessionIDs.
type PageFunc[T any] func(ctx context.Context, q ListQuery) ([]T, Page, error)

// AllPages calls fetch for consecutive pages from q.Offset until a page
// comes back empty or the records reach the total that Falcon reports,
// and returns every record in order. Records created or deleted while it
// pages can shift the pages, so a record may be missed or returned twice.
// Sorting on creation time, oldest first, puts new records at the end.
// On an error it returns the records read so far with the error.
func AllPages[T any](ctx context.Context, q ListQuery, fetch PageFunc[T]) ([]T, error) {
	var all []T
	for {
		items, page, err := fetch(ctx, q)
		if err != nil {
			return all, err
		}
		all = append(all, items...)
		q.Offset += len(items)
		if len(items) == 0 || (page.Total > 0 && q.Offset >= page.Total) {
			return all, nil
		}
	}
}

// sortPattern is the form of a sort parameter: a field name, optionally
// followed by |asc, |desc, .asc or .desc.
var sortPattern = regexp.MustCompile(`^([A-Za-z0-9_.]+?)(?:[|.](asc|desc))?$`)

// values checks q against the endpoint's maximum page size maxLimit and,
// when sortFields is not nil, against the fields it sorts on, and returns
// the query parameters. Offset and limit are always sent, so that the
// page does not depend on server defaults.
func (q ListQuery) values(maxLimit int, sortFields []string) (url.Values, error) {
	limit := q.Limit
	if limit == 0 {
		limit = maxLimit
	}
	if limit < 1 || limit > maxLimit {
		return nil, fmt.Errorf("invalid limit %d: use 1 to %d, or 0 for %d", q.Limit, maxLimit, maxLimit)
	}
	if q.Offset < 0 {
		return nil, fmt.Errorf("invalid offset %d: it may not be negative", q.Offset)
	}
	v := url.Values{"offset": {strconv.Itoa(q.Offset)}, "limit": {strconv.Itoa(limit)}}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.Sort != "" {
		if err := checkSort(q.Sort, sortFields); err != nil {
			return nil, err
		}
		v.Set("sort", q.Sort)
	}
	return v, nil
}

// checkSort checks a sort parameter's form and, when fields is not nil,
// that it names one of fields.
func checkSort(sort string, fields []string) error {
	m := sortPattern.FindStringSubmatch(sort)
	if m == nil {
		return fmt.Errorf("invalid sort %q: write a field name, optionally followed by |asc or |desc", sort)
	}
	if fields != nil && !slices.Contains(fields, m[1]) {
		return fmt.Errorf("invalid sort %q: this call sorts on %s", sort, strings.Join(fields, ", "))
	}
	return nil
}

// page converts the response's pagination block, which is absent from
// some responses.
func (p *pagination) page() Page {
	if p == nil {
		return Page{}
	}
	return Page{Offset: p.Offset, Limit: p.Limit, Total: p.Total}
}
