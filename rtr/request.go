package rtr

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/rtrplay/rtrplay/internal/loopback"
)

const (
	// defaultServerTimeout is how long Falcon waits for hosts when a
	// request does not send the timeout query parameter.
	defaultServerTimeout = 30 * time.Second
	// deadlineMargin is added to the server-side timeout to get the HTTP
	// deadline, so that the client does not give up before Falcon responds.
	deadlineMargin = 30 * time.Second
	// errorBodyLimit bounds how much of an error response is read.
	errorBodyLimit = 1 << 20
)

// request describes one API call.
type request struct {
	method string
	path   string
	query  url.Values
	body   any // encoded as JSON; nil sends no body
	// ok lists the statuses whose response is decoded. Any other status
	// becomes an *APIError.
	ok []int
	// repeatable marks requests that may be sent again after a failure
	// whose outcome is unknown: reads, batch init and refresh, deletes.
	// Commands are not repeatable, because they may already have run.
	repeatable bool
	// serverTimeout is the timeout query value sent to Falcon; zero means
	// the server default. The HTTP deadline is this plus deadlineMargin.
	serverTimeout time.Duration
	// idleTimeout, when set, replaces the deadline once the response
	// headers arrive: the body may take any time, as long as no read
	// waits longer than this. Used for file downloads.
	idleTimeout time.Duration
	// upload, when set, is sent instead of a JSON body. It is produced
	// afresh for each attempt, so that a large file is never held in
	// memory and a retry sends it whole.
	upload *uploadBody
	// accept replaces the Accept header's application/json.
	accept string
}

// uploadBody is a request body that can be produced again for each
// attempt.
type uploadBody struct {
	contentType string
	// length is the exact body size in bytes, sent as Content-Length.
	length int64
	open   func() io.ReadCloser
}

func (r *request) deadline() time.Duration {
	wait := r.serverTimeout
	if wait == 0 {
		wait = defaultServerTimeout
	}
	if r.upload != nil {
		wait += uploadTime(r.upload.length)
	}
	return wait + deadlineMargin
}

// errRequestTimeout is the cause of an attempt that hit its HTTP deadline.
var errRequestTimeout = errors.New("request timed out")

// send sends r until it gets a response with a status in r.ok, retrying
// what is safe to retry: 401 once with a renewed token, 429 after the
// reset time, and for repeatable requests 5xx and connection failures with
// backoff. The caller must close the returned body.
func (c *Client) send(ctx context.Context, r *request) (*http.Response, error) {
	if c.closed.Load() {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, errClosed)
	}
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", r.method, r.path, err)
		}
	}

	var state retryState
	for {
		if err := c.gate.wait(ctx); err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
		}
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return nil, err
		}

		resp, sent, err := c.attempt(ctx, r, payload, tok)
		if err != nil {
			if err := c.afterFailure(ctx, r, &state, sent, err); err != nil {
				return nil, err
			}
			continue
		}
		if slices.Contains(r.ok, resp.StatusCode) {
			return resp, nil
		}
		if err := c.afterStatus(ctx, r, &state, resp, tok); err != nil {
			return nil, err
		}
	}
}

// retryState counts what happened to one request across its attempts.
type retryState struct {
	failures  int  // 5xx responses and connection failures
	rateWaits int  // 429 responses
	renewed   bool // whether a 401 already renewed the token
}

// afterFailure decides what follows an attempt that got no response: nil
// after a backoff when the request may be sent again, else the error.
func (c *Client) afterFailure(ctx context.Context, r *request, state *retryState, sent bool, err error) error {
	state.failures++
	if ctx.Err() != nil || (sent && !r.repeatable) || state.failures >= c.retry.maxAttempts || isPermanent(err) {
		return c.transportError(r, sent, err)
	}
	if err := c.pause(ctx, r, backoff(state.failures, c.retry.baseDelay, c.retry.maxDelay), err); err != nil {
		return c.transportError(r, false, err)
	}
	return nil
}

// afterStatus decides what follows a response with an unexpected status:
// nil when the request may be sent again, else the error. It consumes the
// response body.
func (c *Client) afterStatus(ctx context.Context, r *request, state *retryState, resp *http.Response, tok *oauth2.Token) error {
	status := resp.StatusCode
	switch {
	case status == http.StatusUnauthorized && !state.renewed:
		// The token was revoked or expired early. Falcon did not accept the
		// request, so sending it again is safe even for commands.
		drain(resp.Body)
		state.renewed = true
		c.tokens.invalidate(tok)
		c.log.Info("falcon api returned 401; renewing the token and retrying once",
			"method", r.method, "path", r.path, "trace_id", resp.Header.Get(headerTraceID))
		return nil

	case status == http.StatusTooManyRequests:
		// Falcon did not accept the request, so sending it again is safe.
		apiErr := readAPIError(r, resp)
		if err := c.waitForRateLimit(r, resp.Header, state.rateWaits, apiErr); err != nil {
			return err
		}
		state.rateWaits++
		return nil

	case status >= 500:
		apiErr := readAPIError(r, resp)
		state.failures++
		if !r.repeatable {
			return fmt.Errorf("%w: %w", ErrOutcomeUnknown, apiErr)
		}
		if state.failures >= c.retry.maxAttempts {
			return apiErr
		}
		if err := c.pause(ctx, r, backoff(state.failures, c.retry.baseDelay, c.retry.maxDelay), apiErr); err != nil {
			return c.transportError(r, false, err)
		}
		return nil

	default:
		return readAPIError(r, resp)
	}
}

// attempt sends r once. sent reports whether the request headers were
// written, after which Falcon may have received the request.
func (c *Client) attempt(ctx context.Context, r *request, payload []byte, tok *oauth2.Token) (*http.Response, bool, error) {
	deadline := r.deadline()
	actx, cancel := context.WithCancelCause(ctx)
	var timeout atomic.Value // the error that the timer cancels with
	timeout.Store(fmt.Errorf("%w: no response within %s", errRequestTimeout, deadline))
	timer := time.AfterFunc(deadline, func() { cancel(timeout.Load().(error)) })

	var sent atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteHeaders: func() { sent.Store(true) },
	})

	req, err := c.newHTTPRequest(actx, r, payload, tok)
	if err != nil {
		timer.Stop()
		cancel(nil)
		return nil, false, err
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	c.logAttempt(ctx, r, resp, err, time.Since(start))
	if err != nil {
		timer.Stop()
		if cause := context.Cause(actx); errors.Is(cause, errRequestTimeout) {
			err = cause
		}
		cancel(nil)
		return nil, sent.Load(), err
	}
	if r.idleTimeout > 0 {
		timeout.Store(fmt.Errorf("%w: no data received for %s", errRequestTimeout, r.idleTimeout))
		timer.Reset(r.idleTimeout)
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, ctx: actx, timer: timer, cancel: cancel, idle: r.idleTimeout}
	return resp, true, nil
}

func (c *Client) newHTTPRequest(ctx context.Context, r *request, payload []byte, tok *oauth2.Token) (*http.Request, error) {
	target := c.baseURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: build request: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.upload != nil {
		setUpload(req, r.upload)
	}
	tok.SetAuthHeader(req)
	return req, nil
}

func (c *Client) logAttempt(ctx context.Context, r *request, resp *http.Response, err error, took time.Duration) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.method),
		slog.String("path", r.path),
		slog.Duration("duration", took),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs,
			slog.Int("status", resp.StatusCode),
			slog.String("trace_id", resp.Header.Get(headerTraceID)),
			slog.String("ratelimit_remaining", resp.Header.Get(headerRateRemaining)))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "falcon api request", attrs...)
}

// isPermanent reports whether a connection failure would recur on every
// retry: a certificate that does not verify, or an address that the
// loopback guard rejects.
func isPermanent(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	return errors.As(err, &certErr) || errors.As(err, &unknownAuthority) ||
		errors.As(err, &hostnameErr) || errors.As(err, &invalidErr) ||
		errors.Is(err, loopback.ErrNotLoopback)
}

// transportError wraps an error that left no response. A request that was
// sent and may not be repeated gets ErrOutcomeUnknown.
func (c *Client) transportError(r *request, sent bool, err error) error {
	if sent && !r.repeatable {
		return fmt.Errorf("%s %s: %w: %w", r.method, r.path, ErrOutcomeUnknown, err)
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return fmt.Errorf("%s %s: %w; if a TLS-inspecting proxy is in the way, set %s to its CA certificate",
			r.method, r.path, err, EnvCAFile)
	}
	return fmt.Errorf("%s %s: %w", r.method, r.path, err)
}

// pause logs a retry and waits d.
func (c *Client) pause(ctx context.Context, r *request, d time.Duration, cause error) error {
	c.log.Info("retrying falcon api request", "method", r.method, "path", r.path,
		"delay", d, "error", cause.Error())
	return sleep(ctx, d)
}

// waitForRateLimit closes the shared rate gate after a 429 until the reset
// time in h, or returns an error when the wait is too long or has happened
// too often for this request.
func (c *Client) waitForRateLimit(r *request, h http.Header, waits int, apiErr *APIError) error {
	if waits >= c.retry.maxRateWaits {
		return fmt.Errorf("%w: %d rate-limit responses in a row; slow down or retry later: %w",
			ErrRateLimited, waits+1, apiErr)
	}
	d, fromHeader := rateLimitWait(h, time.Now(), waits, c.retry.defaultRateGap)
	if d > c.retry.maxRateWait {
		return fmt.Errorf("%w: the limit resets in %s, longer than the %s the client waits; "+
			"retry after %s: %w", ErrRateLimited, d.Round(time.Second), c.retry.maxRateWait,
			time.Now().Add(d).Format(time.RFC3339), apiErr)
	}
	c.log.Info("falcon api rate limit reached; waiting", "method", r.method, "path", r.path,
		"wait", d, "reset_from_header", fromHeader, "trace_id", apiErr.TraceID)
	c.gate.hold(time.Now().Add(d))
	return nil
}

// readAPIError reads the body of an unexpected response into an APIError.
func readAPIError(r *request, resp *http.Response) *APIError {
	defer drain(resp.Body)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	return newAPIError(r.method, r.path, resp, body)
}

// call sends r and decodes the JSON body of the response into out.
func (c *Client) call(ctx context.Context, r *request, out any) (*http.Response, error) {
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	defer drain(resp.Body)
	if err := decodeJSON(r, resp, out); err != nil {
		return resp, err
	}
	return resp, nil
}

// decodeJSON decodes a JSON response body into out. A failure to read the
// response to a command leaves its outcome unknown, because the command
// was accepted.
func decodeJSON(r *request, resp *http.Response, out any) error {
	if !isJSON(resp.Header.Get("Content-Type")) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, bodyPrefixSize))
		return newAPIError(r.method, r.path, resp, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		err = fmt.Errorf("%s %s: decode HTTP %d response (trace id %s): %w",
			r.method, r.path, resp.StatusCode, resp.Header.Get(headerTraceID), err)
		if !r.repeatable {
			return fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
		}
		return err
	}
	return nil
}

// timedBody is a response body under the attempt's deadline: closing it
// releases the deadline, and with idle set each read pushes the deadline
// idle further out.
type timedBody struct {
	io.ReadCloser
	ctx    context.Context
	timer  *time.Timer
	cancel context.CancelCauseFunc
	idle   time.Duration
}

// Read reads from the body and reports a deadline hit as its cause.
func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 && b.idle > 0 {
		b.timer.Reset(b.idle)
	}
	if err != nil && err != io.EOF {
		if cause := context.Cause(b.ctx); errors.Is(cause, errRequestTimeout) {
			err = cause
		}
	}
	return n, err
}

// Close closes the body and releases the deadline.
func (b *timedBody) Close() error {
	b.timer.Stop()
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}
