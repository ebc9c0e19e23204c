package sim

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rateLimitPerMinute is the default X-RateLimit-Limit (Options.RateLimit). The
// API does not publish its quotas; 6,000 keeps X-RateLimit-Remaining above
// 99 in ordinary tests, because gofalcon v0.20.0 sleeps 500 ms before every
// request once the remaining count has one or two digits.
const rateLimitPerMinute = 6000

// simPathPrefix starts the emulator's own inspection paths, which need no
// token, are not rate limited and are left out of the request log.
const simPathPrefix = "/_sim/"

// Paths of the API calls served. The three batch command tiers and the
// three status tiers share handlers.
const (
	pathToken           = "/oauth2/token"
	pathRevoke          = "/oauth2/revoke"
	pathDeviceQuery     = "/devices/queries/devices/v1"
	pathDeviceDetails   = "/devices/entities/devices/v2"
	pathDeviceActions   = "/devices/entities/devices-actions/v2"
	pathBatchInit       = "/real-time-response/combined/batch-init-session/v1"
	pathBatchRefresh    = "/real-time-response/combined/batch-refresh-session/v1"
	pathBatchCommand    = "/real-time-response/combined/batch-command/v1"
	pathBatchResponder  = "/real-time-response/combined/batch-active-responder-command/v1"
	pathBatchAdmin      = "/real-time-response/combined/batch-admin-command/v1"
	pathBatchGet        = "/real-time-response/combined/batch-get-command/v1"
	pathStatusCommand   = "/real-time-response/entities/command/v1"
	pathStatusResponder = "/real-time-response/entities/active-responder-command/v1"
	pathStatusAdmin     = "/real-time-response/entities/admin-command/v1"
	pathExtractedFile   = "/real-time-response/entities/extracted-file-contents/v1"
	pathSessions        = "/real-time-response/entities/sessions/v1"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+pathToken, s.handleToken)
	mux.HandleFunc("POST "+pathRevoke, s.handleRevoke)

	api := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, s.requireToken(h))
	}
	api("GET "+pathDeviceQuery, s.handleDeviceQuery)
	api("GET "+pathDeviceDetails, s.handleDeviceDetailsGet)
	api("POST "+pathDeviceDetails, s.handleDeviceDetailsPost)
	api("POST "+pathDeviceActions, s.handleDeviceActions)
	api("GET "+pathCombinedDevices, s.handleCombinedDevices)
	api("GET "+pathOnlineState, s.handleOnlineState)
	api("POST "+pathBatchInit, s.handleBatchInit)
	api("POST "+pathBatchRefresh, s.handleBatchRefresh)
	api("DELETE "+pathSessions, s.handleDeleteSession)
	api("POST "+pathSessions, s.handleInitSession)
	api("POST "+pathRefreshSession, s.handlePulseSession)
	api("GET "+pathSessionIDs, s.handleSessionIDs)
	api("POST "+pathSessionEntities, s.handleSessionEntities)
	api("GET "+pathSessionAudit, s.handleSessionAudit)
	api("POST "+pathQueuedSessions, s.handleQueuedSessions)
	api("DELETE "+pathQueuedCommand, s.handleCancelQueued)
	api("POST "+pathAggregateSessions, s.handleAggregateSessions)
	for _, route := range commandRoutes {
		api("POST "+route.batchPath, s.handleBatchCommand(route))
		api("GET "+route.statusPath, s.handleCommandStatus(route))
		api("POST "+route.statusPath, s.handleExecute(route))
	}
	api("POST "+pathBatchGet, s.handleBatchGet)
	api("GET "+pathBatchGet, s.handleBatchGetStatus)
	api("GET "+pathExtractedFile, s.handleExtractedFile)
	s.registerContent(api)
	api("/", s.handleNotFound)

	mux.Handle(simPathPrefix+"state", onlyGET(s.handleSimState))
	mux.Handle(simPathPrefix+"commands", onlyGET(s.handleSimCommands))
	mux.Handle(simPathPrefix+"requests", onlyGET(s.handleSimRequests))
	return s.settling(mux)
}

// middleware adds the trace id and rate-limit headers that every response
// carries, returns 429 when the per-minute window is used up, and records
// each request in the request log.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		c := &call{start: time.Now(), traceID: newUUID()}
		r = r.WithContext(context.WithValue(r.Context(), callKey{}, c))
		sw := &statusWriter{ResponseWriter: w}
		w.Header().Set("X-CS-TRACEID", c.traceID)

		inspection := strings.HasPrefix(r.URL.Path, simPathPrefix)
		// Deferred, so that a request whose handler aborts to drop the
		// connection is logged and recorded too.
		defer func() {
			status := sw.status
			if status == 0 && !c.dropped {
				status = http.StatusOK
			}
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path,
				"status", status, "trace_id", c.traceID)
			if !inspection {
				s.recordRequest(RequestRecord{Time: c.start, Method: r.Method, Path: r.URL.Path,
					Status: status, TraceID: c.traceID, Fault: c.fault, HandlerStatus: c.handlerStatus})
			}
			if c.closeConn != nil {
				c.closeConn()
			}
		}()
		if inspection || s.admit(sw, r, c.start) {
			next.ServeHTTP(sw, r)
		}
	})
}

// admit takes one request from the rate-limit window, sets the rate-limit
// headers, and returns 429 when the window is full.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, now time.Time) bool {
	remaining, retryAt, ok := s.limiter.take(now)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	if ok {
		return true
	}
	// Epoch seconds, as gofalcon and PSFalcon parse it. The API reference
	// states milliseconds, which those clients would read as a wait of
	// thousands of years.
	h.Set("X-RateLimit-RetryAfter", epochSecondsCeil(retryAt))
	// NOTE: the live API's 429 message text is not documented.
	s.writeError(w, r, http.StatusTooManyRequests, poweredByGateway, "API rate limit exceeded.")
	return false
}

// requireToken returns 401 unless the request carries a bearer token that
// the token endpoint issued and that has not expired or been revoked. It
// passes the token's CID on to the handler in the request's context.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		g, ok := s.tokenGrant(strings.TrimSpace(token), time.Now())
		if !strings.EqualFold(scheme, "bearer") || !ok {
			s.writeError(w, r, http.StatusUnauthorized, poweredByGateway, "access denied, invalid bearer token")
			return
		}
		next.ServeHTTP(w, r.WithContext(withScope(r.Context(), g.cid)))
	})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, http.StatusNotFound, poweredByGateway, "Not Found")
}

// statusWriter remembers the status code of a response for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// rateWindow counts requests in a sliding window, like the API's
// X-RateLimit-Remaining.
type rateWindow struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	hits   []time.Time // oldest first, all inside the window
}

func newRateWindow(limit int, window time.Duration) *rateWindow {
	return &rateWindow{limit: limit, window: window}
}

// take counts one request at now. It returns the requests left in the
// window and, when none was left, false and the time the oldest request
// leaves the window.
func (rw *rateWindow) take(now time.Time) (remaining int, retryAt time.Time, ok bool) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	cut := 0
	for cut < len(rw.hits) && now.Sub(rw.hits[cut]) >= rw.window {
		cut++
	}
	// Copy instead of re-slicing so the backing array does not grow
	// without bound on a long-running emulator.
	if cut > 0 {
		rw.hits = append(rw.hits[:0], rw.hits[cut:]...)
	}
	if len(rw.hits) >= rw.limit {
		return 0, rw.hits[0].Add(rw.window), false
	}
	rw.hits = append(rw.hits, now)
	return rw.limit - len(rw.hits), time.Time{}, true
}
