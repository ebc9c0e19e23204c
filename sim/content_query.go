package sim

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Paging of the put-file and script id queries. The live API's default
// and largest limit are not documented.
const (
	defaultContentLimit = 100
	maxContentLimit     = 5000
)

// libFields gives a library object's values to filters and sorts. Times
// are RFC 3339 text, which sorts in time order.
var libFields = map[string]func(*libObject) []string{
	"id":                     func(o *libObject) []string { return []string{o.id} },
	"name":                   func(o *libObject) []string { return []string{o.name} },
	"description":            func(o *libObject) []string { return []string{o.description} },
	"comments_for_audit_log": func(o *libObject) []string { return []string{o.comments} },
	"created_by":             func(o *libObject) []string { return []string{o.createdBy} },
	"created_timestamp":      func(o *libObject) []string { return []string{stamp(o.created)} },
	"modified_by":            func(o *libObject) []string { return []string{o.modifiedBy} },
	"modified_timestamp":     func(o *libObject) []string { return []string{stamp(o.modified)} },
	"file_type":              func(o *libObject) []string { return []string{o.entityV1().FileType} },
	"sha256":                 func(o *libObject) []string { return []string{o.sha256} },
	"size":                   func(o *libObject) []string { return []string{strconv.Itoa(len(o.content))} },
	"permission_type":        func(o *libObject) []string { return presentValue(string(o.permission)) },
	"platform":               func(o *libObject) []string { return o.entityV1().Platform },
}

func presentValue(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// libQuery is a parsed id query: filter, sort, offset and limit.
type libQuery struct {
	expr   fqlExpr
	sortBy string
	desc   bool
	offset int
	limit  int
}

// parseLibQuery reads the query parameters of an id query. sortable lists
// the fields the endpoint sorts by.
func parseLibQuery(q url.Values, sortable []string, maxLimit int) (libQuery, error) {
	lq := libQuery{sortBy: "created_timestamp"}
	if filter := q.Get("filter"); filter != "" {
		names := make([]string, 0, len(libFields))
		for name := range libFields {
			names = append(names, name)
		}
		expr, err := parseFQLFields(filter, names)
		if err != nil {
			return libQuery{}, err
		}
		lq.expr = expr
	}
	if spec := q.Get("sort"); spec != "" {
		field, dir := spec, "asc"
		if i := strings.LastIndexAny(spec, ".|"); i >= 0 {
			field, dir = spec[:i], spec[i+1:]
		}
		if !slices.Contains(sortable, field) || (dir != "asc" && dir != "desc") {
			return libQuery{}, fmt.Errorf("invalid sort %q: use one of %s, with |asc or |desc",
				spec, strings.Join(sortable, ", "))
		}
		lq.sortBy, lq.desc = field, dir == "desc"
	}
	var err error
	if lq.offset, err = intParam(q.Get("offset"), "offset", 0, 0, 1<<31-1); err != nil {
		return libQuery{}, err
	}
	if lq.limit, err = intParam(q.Get("limit"), "limit", defaultContentLimit, 1, maxLimit); err != nil {
		return libQuery{}, err
	}
	return lq, nil
}

// run filters, sorts and pages objects, returning the page's ids and the
// number of matches.
func (lq libQuery) run(objects []*libObject) ([]string, int) {
	var matched []*libObject
	for _, o := range objects {
		if lq.expr == nil || lq.expr.match(func(field string) []string { return libFields[field](o) }) {
			matched = append(matched, o)
		}
	}
	key := libFields[lq.sortBy]
	slices.SortStableFunc(matched, func(a, b *libObject) int {
		c := cmp.Compare(first(key(a)), first(key(b)))
		if lq.sortBy == "size" {
			c = cmp.Compare(len(a.content), len(b.content))
		}
		if lq.desc {
			return -c
		}
		return c
	})
	ids := []string{}
	for i := lq.offset; i < len(matched) && len(ids) < lq.limit; i++ {
		ids = append(ids, matched[i].id)
	}
	return ids, len(matched)
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
