package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// pathCombinedDevices returns whole device records for an FQL filter, in
// pages chained by a cursor.
const pathCombinedDevices = "/devices/combined/devices/v1"

// Page sizes of the combined devices call, from the API reference.
const (
	defaultCombinedLimit = 100
	maxCombinedLimit     = 10000
)

// defaultCombinedSort is the order the API reference gives when sort is
// left out.
const defaultCombinedSort = "device_id.asc"

// combinedPaging is deviceapi.DevicePagingV2: offsets are cursors, not
// numbers.
type combinedPaging struct {
	Offset string `json:"offset"`
	Limit  int    `json:"limit"`
	Total  int    `json:"total"`
	Next   string `json:"next,omitempty"`
}

// combinedMeta is deviceapi.MetaInfo.
type combinedMeta struct {
	QueryTime  float64        `json:"query_time"`
	PoweredBy  string         `json:"powered_by"`
	TraceID    string         `json:"trace_id"`
	Pagination combinedPaging `json:"pagination"`
}

// combinedReply is deviceapi.DeviceCombinedResponseSwagger.
type combinedReply struct {
	Meta      combinedMeta `json:"meta"`
	Resources any          `json:"resources"`
	Errors    []apiError   `json:"errors"`
}

// handleCombinedDevices serves GET /devices/combined/devices/v1 with
// filter, sort (default device_id.asc), limit (1 to 10,000, default 100),
// offset (the previous page's meta.pagination.next) and fields (a comma
// list of record fields to return).
//
// The cursor is tied to the filter, sort and CID it was issued for: a page
// requested with another filter or sort gets 400. The reference asks for
// both on every call, and this is the reading hardest on a client.
// NOTE: whether and when the live API's cursors expire is unverified. The
// emulator's never do.
func (s *Server) handleCombinedDevices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sortSpec := q.Get("sort")
	if sortSpec == "" {
		sortSpec = defaultCombinedSort
	}
	hosts, err := s.queryHosts(r.Context(), q.Get("filter"), sortSpec)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices, err.Error())
		return
	}
	limit, err := intParam(q.Get("limit"), "limit", defaultCombinedLimit, 1, maxCombinedLimit)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices, err.Error())
		return
	}
	query := cursorQuery(q.Get("filter"), sortSpec, s.scopeCID(r.Context()))
	start, err := readCursor(q.Get("offset"), query)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices, err.Error())
		return
	}
	fields, err := parseDeviceFields(q.Get("fields"))
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices, err.Error())
		return
	}

	end := min(start+limit, len(hosts))
	start = min(start, end)
	records := make([]device, 0, end-start)
	for _, h := range hosts[start:end] {
		records = append(records, deviceOf(h))
	}
	m := meta(r, poweredByDevices)
	reply := combinedReply{
		Meta: combinedMeta{QueryTime: m.QueryTime, PoweredBy: m.PoweredBy, TraceID: m.TraceID,
			Pagination: combinedPaging{Offset: q.Get("offset"), Limit: limit, Total: len(hosts)}},
		Resources: records,
		Errors:    noErrors(),
	}
	if end < len(hosts) {
		reply.Meta.Pagination.Next = makeCursor(end, query)
	}
	if fields != nil {
		reply.Resources, err = selectFields(records, fields)
		if err != nil {
			s.log.Error("select device fields", "error", err)
			s.writeError(w, r, http.StatusInternalServerError, poweredByDevices, "internal error")
			return
		}
	}
	s.writeJSON(w, http.StatusOK, reply)
}

// cursorQuery returns the digest that ties a cursor to one query.
func cursorQuery(filter, sortSpec, cid string) string {
	sum := sha256.Sum256([]byte(filter + "\x00" + sortSpec + "\x00" + cid))
	return hex.EncodeToString(sum[:8])
}

// cursor is the content of an offset cursor, before encoding.
type cursor struct {
	Position int    `json:"p"`
	Query    string `json:"q"`
}

func makeCursor(position int, query string) string {
	data, _ := json.Marshal(cursor{Position: position, Query: query}) // cannot fail
	return base64.RawURLEncoding.EncodeToString(data)
}

// readCursor returns the position an offset cursor stands for, 0 for no
// cursor.
func readCursor(offset, query string) (int, error) {
	if offset == "" {
		return 0, nil
	}
	var c cursor
	data, err := base64.RawURLEncoding.DecodeString(offset)
	if err == nil {
		err = json.Unmarshal(data, &c)
	}
	if err != nil || c.Position < 0 {
		return 0, fmt.Errorf("invalid offset %q: omit offset for the first page and pass "+
			"meta.pagination.next of the previous page for the next one", clip(offset, maxEchoedValue))
	}
	if c.Query != query {
		return 0, fmt.Errorf("offset %q was issued for another filter or sort; send the same filter "+
			"and sort with every page", clip(offset, maxEchoedValue))
	}
	return c.Position, nil
}

// parseDeviceFields reads the fields parameter: nil for all fields.
func parseDeviceFields(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	var fields []string
	for name := range strings.SplitSeq(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" || strings.IndexFunc(name, func(c rune) bool { return !isFieldChar(byte(c)) || c > 127 }) >= 0 {
			return nil, fmt.Errorf("invalid fields %q: give field names such as hostname,device_id "+
				"separated by commas", clip(v, maxEchoedValue))
		}
		fields = append(fields, name)
	}
	return fields, nil
}

// alwaysSelected are the fields that every record keeps, whatever the
// fields parameter lists, because the reference marks them required in
// DeviceSwagger.
// NOTE: whether the live API adds them to a fields list that lacks them is
// unverified.
var alwaysSelected = []string{"device_id", "cid"}

// selectFields returns the records with only the named fields and
// alwaysSelected. A field the emulator's records lack is left out, as it
// would be for a record that has no value for it.
func selectFields(records []device, fields []string) ([]map[string]json.RawMessage, error) {
	fields = append(slices.Clone(alwaysSelected), fields...)
	out := make([]map[string]json.RawMessage, 0, len(records))
	for _, rec := range records {
		data, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("encode device %s: %w", rec.DeviceID, err)
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(data, &all); err != nil {
			return nil, fmt.Errorf("decode device %s: %w", rec.DeviceID, err)
		}
		picked := make(map[string]json.RawMessage, len(fields))
		for _, f := range fields {
			if v, ok := all[f]; ok {
				picked[f] = v
			}
		}
		out = append(out, picked)
	}
	return out, nil
}
