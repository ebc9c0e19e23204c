package rtr

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// fetchEntities reads the records of ids in chunks of limit, decoding each
// record as W. newRequest builds the request of one chunk, with the ids in
// a JSON body or in the query as the endpoint takes them. Unknown ids come
// back as 404 entries in errors next to the records found, and as a 404
// when none is found, so they are simply absent from the result.
func fetchEntities[W any](ctx context.Context, c *Client, ids []string, limit int,
	newRequest func(chunk []string) *request) ([]W, error) {
	records := make([]W, 0, len(ids))
	for _, chunk := range chunks(ids, limit) {
		r := newRequest(chunk)
		r.ok = []int{http.StatusOK, http.StatusNotFound}
		r.repeatable = true
		var out struct {
			envelope
			Resources []W `json:"resources"`
		}
		resp, err := c.call(ctx, r, &out)
		if err == nil {
			err = notFoundOnly(r, resp, out.envelope)
		}
		if err != nil {
			return nil, fmt.Errorf("%d ids: %w", len(chunk), err)
		}
		records = append(records, out.Resources...)
	}
	return records, nil
}

// idsInBody returns a request builder that posts the ids as {"ids": [...]}.
func idsInBody(path string) func([]string) *request {
	return func(chunk []string) *request {
		return &request{method: http.MethodPost, path: path, body: struct {
			IDs []string `json:"ids"`
		}{chunk}}
	}
}

// idsInQuery returns a request builder that sends the ids as repeated ids
// query parameters.
func idsInQuery(path string) func([]string) *request {
	return func(chunk []string) *request {
		return &request{method: http.MethodGet, path: path, query: url.Values{"ids": chunk}}
	}
}
