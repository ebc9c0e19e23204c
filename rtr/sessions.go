package rtr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	pathBatchInit    = "/real-time-response/combined/batch-init-session/v1"
	pathBatchRefresh = "/real-time-response/combined/batch-refresh-session/v1"
	pathSessions     = "/real-time-response/entities/sessions/v1"
)

// BatchInitRequest opens RTR sessions on a set of hosts as one batch.
type BatchInitRequest struct {
	// HostIDs lists the AIDs to connect, at most Limits.BatchInitHosts.
	HostIDs []string
	// QueueOffline makes Falcon queue sessions for offline hosts, which
	// then run the batch's commands when they come back online.
	QueueOffline bool
	// ExistingBatchID adds the hosts to an existing batch instead of
	// creating one.
	ExistingBatchID string
	// Timeout is how long Falcon waits for hosts to connect (1 s to 5 min,
	// whole seconds; zero means Falcon's default of 30 s). HostTimeout is
	// each host's budget, below Timeout; zero leaves it to Falcon.
	Timeout     time.Duration
	HostTimeout time.Duration
}

// BatchInitResult is the response to a batch init: the batch id and every
// host's result. A host is usable only if its result is Connected.
type BatchInitResult struct {
	// BatchID is the batch's id (batch_id), which BatchCommand, BatchGet
	// and BatchRefresh take.
	BatchID string
	// Hosts maps each AID to the host's result, from resources.
	Hosts map[string]HostResult
}

// BatchInit opens a batch session. Falcon returns 201 even when some hosts
// failed (their results carry errors such as 40401), and 404 when no host
// could be initialised: then BatchInit returns both the per-host results
// from the body and an *APIError. The request is repeated after a
// connection failure, because a second init only opens another batch.
func (c *Client) BatchInit(ctx context.Context, req BatchInitRequest) (*BatchInitResult, error) {
	if len(req.HostIDs) == 0 {
		return nil, errors.New("batch init: no host ids")
	}
	if len(req.HostIDs) > c.limits.BatchInitHosts {
		return nil, fmt.Errorf("batch init: %d host ids, more than the %d one batch may hold; "+
			"split the hosts into several batches", len(req.HostIDs), c.limits.BatchInitHosts)
	}
	if err := checkHostIDs("host ids", req.HostIDs); err != nil {
		return nil, fmt.Errorf("batch init: %w", err)
	}
	query, err := timeoutQuery(req.Timeout, req.HostTimeout)
	if err != nil {
		return nil, fmt.Errorf("batch init: %w", err)
	}

	body := struct {
		HostIDs         []string `json:"host_ids"`
		QueueOffline    bool     `json:"queue_offline"`
		ExistingBatchID string   `json:"existing_batch_id,omitempty"`
	}{req.HostIDs, req.QueueOffline, req.ExistingBatchID}
	r := &request{
		method: http.MethodPost, path: pathBatchInit, query: query, body: body,
		ok:         []int{http.StatusCreated, http.StatusNotFound},
		repeatable: true, serverTimeout: req.Timeout,
	}
	var out struct {
		envelope
		BatchID   string  `json:"batch_id"`
		Resources hostMap `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, err
	}

	result := &BatchInitResult{BatchID: out.BatchID, Hosts: out.Resources.withKeys()}
	if resp.StatusCode == http.StatusNotFound {
		return result, envelopeError(r, resp, out.envelope)
	}
	if result.BatchID == "" {
		return result, fmt.Errorf("%s %s: HTTP %d without a batch_id (trace id %s)",
			r.method, r.path, resp.StatusCode, resp.Header.Get(headerTraceID))
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	return result, nil
}

// BatchRefresh keeps the batch's sessions alive (Falcon closes idle ones
// after 5 to 10 minutes) and drops hostsToRemove from the batch. It
// returns each remaining host's result.
func (c *Client) BatchRefresh(ctx context.Context, batchID string, hostsToRemove []string) (map[string]HostResult, error) {
	if batchID == "" {
		return nil, errors.New("batch refresh: empty batch id")
	}
	if err := checkHostIDs("hosts to remove", hostsToRemove); err != nil {
		return nil, fmt.Errorf("batch refresh: %w", err)
	}
	if hostsToRemove == nil {
		hostsToRemove = []string{} // the field is required: send [] rather than null
	}
	body := struct {
		BatchID       string   `json:"batch_id"`
		HostsToRemove []string `json:"hosts_to_remove"`
	}{batchID, hostsToRemove}
	r := &request{
		method: http.MethodPost, path: pathBatchRefresh, body: body,
		ok: []int{http.StatusCreated}, repeatable: true,
	}
	var out struct {
		envelope
		Resources hostMap `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, err
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	return out.Resources.withKeys(), nil
}

// DeleteSession closes one host's session. Falcon returns 400 "could not
// find session" for a session that has expired or was closed already,
// and that counts as success.
func (c *Client) DeleteSession(ctx context.Context, sessionID string) error {
	if sessionID == "" {
		return errors.New("delete session: empty session id")
	}
	r := &request{
		method: http.MethodDelete, path: pathSessions,
		query: url.Values{"session_id": {sessionID}},
		ok:    []int{http.StatusNoContent, http.StatusOK}, repeatable: true,
	}
	resp, err := c.send(ctx, r)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && sessionGone(apiErr) {
		c.log.Debug("session already closed", "session_id", sessionID, "trace_id", apiErr.TraceID)
		return nil
	}
	if err != nil {
		return err
	}
	drain(resp.Body)
	return nil
}

func sessionGone(apiErr *APIError) bool {
	for _, e := range apiErr.Errors {
		if strings.Contains(strings.ToLower(e.Message), "could not find session") {
			return true
		}
	}
	return false
}

// envelopeError turns a decoded error body into an *APIError.
func envelopeError(r *request, resp *http.Response, env envelope) *APIError {
	traceID := resp.Header.Get(headerTraceID)
	if traceID == "" {
		traceID = env.Meta.TraceID
	}
	return &APIError{
		Method: r.method, Path: r.path, StatusCode: resp.StatusCode,
		TraceID: traceID, Errors: env.Errors,
	}
}

// warnTopLevelErrors logs errors that came with a successful status, which
// the API reference does not explain; the per-host results still count.
func (c *Client) warnTopLevelErrors(r *request, resp *http.Response, env envelope) {
	if len(env.Errors) == 0 {
		return
	}
	c.log.Warn("falcon api returned errors with a successful status",
		"method", r.method, "path", r.path, "status", resp.StatusCode,
		"trace_id", resp.Header.Get(headerTraceID), "errors", fmt.Sprint(env.Errors))
}
