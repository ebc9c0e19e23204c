package sim

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Paths of the session listings.
const (
	pathSessionIDs      = "/real-time-response/queries/sessions/v1"
	pathSessionEntities = "/real-time-response/entities/sessions/GET/v1"
	pathSessionAudit    = "/real-time-response-audit/combined/sessions/v1"
)

// Page sizes of the session listings. The audit's limit of 1 to 1000 is
// documented.
// NOTE: the default limits of both listings and the maximum of the id
// query are unverified. The id query takes the audit's bounds.
const (
	defaultSessionLimit = 100
	maxSessionLimit     = 1000
)

// sessionSortKeys are the fields that the id query sorts on. The
// reference's example sorts on date_created, which names created_at.
var sessionSortKeys = map[string]func(a, b *sessionView) int{
	"created_at":   func(a, b *sessionView) int { return a.createdAt.Compare(b.createdAt) },
	"date_created": func(a, b *sessionView) int { return a.createdAt.Compare(b.createdAt) },
	"updated_at":   func(a, b *sessionView) int { return a.updatedAt.Compare(b.updatedAt) },
	"deleted_at":   compareDeletedAt,
	"hostname":     func(a, b *sessionView) int { return cmp.Compare(a.hostname, b.hostname) },
	"device_id":    func(a, b *sessionView) int { return cmp.Compare(a.aid, b.aid) },
	"user_id":      func(a, b *sessionView) int { return cmp.Compare(a.owner, b.owner) },
	"origin":       func(a, b *sessionView) int { return cmp.Compare(a.origin, b.origin) },
	"duration":     func(a, b *sessionView) int { return cmp.Compare(a.duration, b.duration) },
}

// auditSortKeys are the sort fields that the audit's reference lists.
var auditSortKeys = []string{"created_at", "updated_at", "deleted_at"}

// compareDeletedAt orders open sessions, which have no deleted_at, after
// every closed one.
func compareDeletedAt(a, b *sessionView) int {
	switch {
	case a.deletedAt.IsZero() && b.deletedAt.IsZero():
		return 0
	case a.deletedAt.IsZero():
		return 1
	case b.deletedAt.IsZero():
		return -1
	}
	return a.deletedAt.Compare(b.deletedAt)
}

// sessionQuery is the filter, order and page of a session listing.
type sessionQuery struct {
	filter string
	order  func(a, b *sessionView) int
	offset int
	limit  int
}

// parseSessionQuery reads filter, sort, offset and limit. allowed names
// the sort fields the call accepts.
// NOTE: the default order is unverified. The emulator lists newest first.
func parseSessionQuery(q url.Values, allowed []string) (sessionQuery, error) {
	sq := sessionQuery{filter: q.Get("filter"), limit: defaultSessionLimit}
	sortSpec := q.Get("sort")
	if sortSpec == "" {
		sortSpec = "created_at|desc"
	}
	order, err := parseSessionSort(sortSpec, allowed)
	if err != nil {
		return sq, err
	}
	sq.order = order
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return sq, fmt.Errorf("invalid offset %q: use a whole number from 0", v)
		}
		sq.offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSessionLimit {
			return sq, fmt.Errorf("invalid limit %q: use a whole number from 1 to %d", v, maxSessionLimit)
		}
		sq.limit = n
	}
	return sq, nil
}

// parseSessionSort reads field, field|asc, field|desc, or the same with a
// dot, and returns the order with the session id as tie-breaker.
func parseSessionSort(spec string, allowed []string) (func(a, b *sessionView) int, error) {
	field, dir, found := strings.Cut(spec, "|")
	if !found {
		field, dir, _ = strings.Cut(spec, ".")
	}
	key, ok := sessionSortKeys[field]
	if !ok || !slices.Contains(allowed, field) {
		return nil, fmt.Errorf("invalid sort %q: sort on one of %s, optionally with |asc or |desc",
			spec, strings.Join(allowed, ", "))
	}
	var desc bool
	switch dir {
	case "", "asc":
	case "desc":
		desc = true
	default:
		return nil, fmt.Errorf("invalid sort direction %q in %q: use asc or desc", dir, spec)
	}
	return func(a, b *sessionView) int {
		c := key(a, b)
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		return c
	}, nil
}

// run filters, sorts and pages views. It returns the page and the number
// of views that matched.
func (sq sessionQuery) run(views []sessionView) ([]sessionView, int, error) {
	matched, err := filterSessions(views, sq.filter)
	if err != nil {
		return nil, 0, err
	}
	slices.SortFunc(matched, func(a, b sessionView) int { return sq.order(&a, &b) })
	start := min(sq.offset, len(matched))
	end := min(start+sq.limit, len(matched))
	return matched[start:end], len(matched), nil
}

func sortKeyNames() []string {
	names := make([]string, 0, len(sessionSortKeys))
	for name := range sessionSortKeys {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// handleSessionIDs serves GET queries/sessions/v1: the ids of the sessions
// in the caller's CID, every user's, that match the filter. The
// reference's @me value for user_id narrows them to the caller's own.
func (s *Server) handleSessionIDs(w http.ResponseWriter, r *http.Request) {
	sq, err := parseSessionQuery(r.URL.Query(), sortKeyNames())
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	page, total, err := sq.run(s.sessionViews(r.Context(), time.Now()))
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	ids := make([]string, 0, len(page))
	for _, v := range page {
		ids = append(ids, v.id)
	}
	m := meta(r, poweredByRTR)
	m.Pagination = &paging{Offset: sq.offset, Limit: sq.limit, Total: total}
	s.writeJSON(w, http.StatusOK, listReply{Meta: m, Resources: ids, Errors: noErrors()})
}

// readIDs decodes an msa.IdsRequest body. When the body has no ids, it
// sends the error response itself and returns false.
// NOTE: the live response to an empty ids list is unverified. 400 is the
// reading hardest on a client.
func (s *Server) readIDs(w http.ResponseWriter, r *http.Request) ([]string, bool) {
	var req idsRequest
	if err := s.decodeBody(r, &req); err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return nil, false
	}
	ids := dedupe(req.IDs)
	if len(ids) == 0 {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "ids is required: send at least one session id")
		return nil, false
	}
	return ids, true
}

// handleSessionEntities serves POST entities/sessions/GET/v1: the records
// of the caller's own sessions among ids, with their command logs.
// Sessions of other users are left out without an error, as the reference
// describes. An id that names no session at all gets a 404 entry in
// errors, and the call returns 404 when it found nothing.
// NOTE: the live handling of unknown ids is unverified.
func (s *Server) handleSessionEntities(w http.ResponseWriter, r *http.Request) {
	ids, ok := s.readIDs(w, r)
	if !ok {
		return
	}
	byID := map[string]sessionView{}
	for _, v := range s.sessionViews(r.Context(), time.Now()) {
		byID[v.id] = v
	}
	records := []sessionJSON{}
	errs := noErrors()
	for _, id := range ids {
		v, found := byID[id]
		switch {
		case !found:
			errs = append(errs, apiError{Code: http.StatusNotFound, Message: "could not find session", ID: id})
		case v.mine:
			records = append(records, v.record(true))
		}
	}
	status := http.StatusOK
	if len(records) == 0 && len(errs) > 0 {
		status = http.StatusNotFound
	}
	s.writeJSON(w, status, listReply{Meta: meta(r, poweredByRTR), Resources: records, Errors: errs})
}

// handleSessionAudit serves GET the RTR audit's combined sessions call:
// the records of every user's sessions in the caller's CID. Without
// with_command_info=true the records leave out cloud_request_ids and logs,
// as the reference describes.
func (s *Server) handleSessionAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sq, err := parseSessionQuery(q, auditSortKeys)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	withCommands := false
	if v := q.Get("with_command_info"); v != "" {
		if withCommands, err = strconv.ParseBool(v); err != nil {
			s.writeError(w, r, http.StatusBadRequest, poweredByRTR,
				fmt.Sprintf("invalid with_command_info %q: use true or false", v))
			return
		}
	}
	page, total, err := sq.run(s.sessionViews(r.Context(), time.Now()))
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	records := make([]sessionJSON, 0, len(page))
	for i := range page {
		records = append(records, page[i].record(withCommands))
	}
	m := meta(r, poweredByRTR)
	m.Pagination = &paging{Offset: sq.offset, Limit: sq.limit, Total: total}
	s.writeJSON(w, http.StatusOK, listReply{Meta: m, Resources: records, Errors: noErrors()})
}
