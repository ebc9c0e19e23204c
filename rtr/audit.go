package rtr

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

const pathSessionAudit = "/real-time-response-audit/combined/sessions/v1"

// auditSortFields are the fields that the RTR audit sorts on.
var auditSortFields = []string{"created_at", "updated_at", "deleted_at"}

// AuditQuery selects one page of the RTR audit.
type AuditQuery struct {
	ListQuery
	// WithCommandInfo adds each session's CloudRequestIDs and Logs
	// (with_command_info). It is always sent, false included.
	WithCommandInfo bool
}

// AuditSessions returns one page of the RTR audit: the records of every
// user's sessions in the tenant that match q.Filter, sorted on
// created_at, updated_at or deleted_at. It needs the API scope
// real-time-response-audit:read. q.Limit may be at most
// Limits.SessionQueryPage (the audit takes 1 to 1000). AllPages reads
// every page, with a closure that sets WithCommandInfo.
func (c *Client) AuditSessions(ctx context.Context, q AuditQuery) ([]Session, Page, error) {
	query, err := q.values(c.limits.SessionQueryPage, auditSortFields)
	if err != nil {
		return nil, Page{}, fmt.Errorf("audit sessions: %w", err)
	}
	query.Set("with_command_info", strconv.FormatBool(q.WithCommandInfo))
	r := &request{
		method: http.MethodGet, path: pathSessionAudit, query: query,
		ok: []int{http.StatusOK}, repeatable: true,
	}
	var out struct {
		envelope
		Resources []wireSession `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, Page{}, fmt.Errorf("audit sessions with filter %q: %w", q.Filter, err)
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	sessions := make([]Session, 0, len(out.Resources))
	for _, w := range out.Resources {
		sessions = append(sessions, w.session())
	}
	return sessions, out.Meta.Pagination.page(), nil
}
