package rtr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

const (
	// maxServerTimeout is the maximum wait the RTR API accepts (5 minutes).
	maxServerTimeout = 300 * time.Second
	// tokenRenewMargin is how long before expiry a token is renewed: long
	// enough that a request started with it, waiting the maximum server
	// timeout plus the deadline margin, finishes before the token expires.
	tokenRenewMargin = maxServerTimeout + deadlineMargin
	// tokenRequestTimeout bounds one token request.
	tokenRequestTimeout = 60 * time.Second
	// allowlistMessage is the token endpoint's message both for refused
	// credentials and for a source address outside the API client's IP
	// allowlist.
	allowlistMessage = "access denied, authorization failed"
)

// tokenSource caches the OAuth2 token that all calls of a Client share and
// renews it tokenRenewMargin before expiry, or halfway through the
// lifetime of a short-lived token. It replaces oauth2.ReuseTokenSource
// because that one cannot drop a token that Falcon rejected with 401.
type tokenSource struct {
	client    *Client
	conf      clientcredentials.Config
	clientID  string
	memberCID string
	secret    string

	fetching chan struct{} // holds one value while a token request runs

	mu      sync.Mutex
	tok     *oauth2.Token
	renewAt time.Time // zero when the token did not say when it expires
}

func newTokenSource(c *Client, cfg Config, seed *oauth2.Token) *tokenSource {
	params := url.Values{}
	if cfg.MemberCID != "" {
		// Sent on every token request, renewals included, so that a renewed
		// token acts for the same child CID.
		params.Set("member_cid", cfg.MemberCID)
	}
	s := &tokenSource{
		client: c,
		conf: clientcredentials.Config{
			ClientID:       cfg.ClientID,
			ClientSecret:   cfg.ClientSecret,
			TokenURL:       c.baseURL + "/oauth2/token",
			EndpointParams: params,
			AuthStyle:      oauth2.AuthStyleInParams,
		},
		clientID:  cfg.ClientID,
		memberCID: cfg.MemberCID,
		secret:    cfg.ClientSecret,
		fetching:  make(chan struct{}, 1),
	}
	if seed != nil {
		s.store(seed, time.Now())
	}
	return s
}

// token returns the cached token, or fetches a new one when there is none
// or it is due for renewal. Concurrent callers wait for one fetch.
func (s *tokenSource) token(ctx context.Context) (*oauth2.Token, error) {
	if tok := s.current(); tok != nil {
		return tok, nil
	}
	select {
	case s.fetching <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for an OAuth2 token: %w", context.Cause(ctx))
	}
	defer func() { <-s.fetching }()

	if tok := s.current(); tok != nil {
		return tok, nil // fetched by another caller while this one waited
	}
	started := time.Now()
	tok, err := s.fetch(ctx)
	if err != nil {
		return nil, err
	}
	s.store(tok, started)
	return tok, nil
}

func (s *tokenSource) current() *oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil || (!s.renewAt.IsZero() && !time.Now().Before(s.renewAt)) {
		return nil
	}
	return s.tok
}

// store caches tok, obtained by a request started at started.
func (s *tokenSource) store(tok *oauth2.Token, started time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok = tok
	s.renewAt = time.Time{}
	if !tok.Expiry.IsZero() {
		lifetime := tok.Expiry.Sub(started)
		s.renewAt = tok.Expiry.Add(-min(tokenRenewMargin, lifetime/2))
	}
}

// invalidate drops tok if it is still the cached token, so that the next
// call fetches a new one. A token already replaced stays replaced.
func (s *tokenSource) invalidate(tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.AccessToken == tok.AccessToken {
		s.tok = nil
	}
}

// fetch requests a token, retrying 429, 5xx and connection failures: a
// token request has no effect besides issuing a token, so it is safe to
// repeat.
func (s *tokenSource) fetch(ctx context.Context) (*oauth2.Token, error) {
	c := s.client
	r := &request{method: http.MethodPost, path: "/oauth2/token", repeatable: true}
	var failures, rateWaits int
	for {
		if err := c.gate.wait(ctx); err != nil {
			return nil, fmt.Errorf("request OAuth2 token: %w", err)
		}
		tok, err := s.fetchOnce(ctx)
		if err == nil {
			return tok, nil
		}

		var retrieveErr *oauth2.RetrieveError
		if !errors.As(err, &retrieveErr) || retrieveErr.Response == nil {
			failures++
			if ctx.Err() != nil || failures >= c.retry.maxAttempts || isPermanent(err) {
				return nil, c.transportError(r, false, err)
			}
			if err := c.pause(ctx, r, backoff(failures, c.retry.baseDelay, c.retry.maxDelay), err); err != nil {
				return nil, fmt.Errorf("request OAuth2 token: %w", err)
			}
			continue
		}

		resp := retrieveErr.Response
		apiErr := newAPIError(http.MethodPost, r.path, resp, retrieveErr.Body)
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			if err := c.waitForRateLimit(r, resp.Header, rateWaits, apiErr); err != nil {
				return nil, err
			}
			rateWaits++
		case resp.StatusCode >= 500:
			failures++
			if failures >= c.retry.maxAttempts {
				return nil, fmt.Errorf("request OAuth2 token: %w", apiErr)
			}
			if err := c.pause(ctx, r, backoff(failures, c.retry.baseDelay, c.retry.maxDelay), apiErr); err != nil {
				return nil, fmt.Errorf("request OAuth2 token: %w", err)
			}
		default:
			return nil, s.rejected(apiErr)
		}
	}
}

func (s *tokenSource) fetchOnce(ctx context.Context) (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(ctx, tokenRequestTimeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.client.http)
	start := time.Now()
	tok, err := s.conf.Token(ctx)
	s.logTokenRequest(ctx, err, time.Since(start))
	return tok, err
}

// logTokenRequest writes the debug record of one token request: its
// status when Falcon responded, else the connection error.
func (s *tokenSource) logTokenRequest(ctx context.Context, err error, took time.Duration) {
	r := &request{method: http.MethodPost, path: "/oauth2/token"}
	var retrieveErr *oauth2.RetrieveError
	switch {
	case err == nil:
		s.client.log.Debug("falcon api request", "method", r.method, "path", r.path,
			"status", "2xx", "duration", took)
	case errors.As(err, &retrieveErr) && retrieveErr.Response != nil:
		s.client.logAttempt(ctx, r, retrieveErr.Response, nil, took)
	default:
		s.client.logAttempt(ctx, r, nil, err, took)
	}
}

// rejected explains a refused token request.
func (s *tokenSource) rejected(apiErr *APIError) error {
	return credentialsError(apiErr, s.clientID, s.memberCID)
}

// credentialsError explains a token request refused with apiErr for the
// API client clientID acting for memberCID (which may be empty).
func credentialsError(apiErr *APIError, clientID, memberCID string) error {
	if apiErr.StatusCode != http.StatusUnauthorized && apiErr.StatusCode != http.StatusForbidden {
		return fmt.Errorf("request OAuth2 token: %w", apiErr)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "client id %s", clientID)
	if memberCID != "" {
		fmt.Fprintf(&b, " acting for member CID %s", memberCID)
	}
	fmt.Fprintf(&b, ": check %s and %s", EnvClientID, EnvClientSecret)
	if memberCID != "" {
		fmt.Fprintf(&b, ", and that the API client may act for %s (%s)", memberCID, EnvMemberCID)
	}
	if apiErr.HasMessage(allowlistMessage) {
		b.WriteString("; Falcon returns the same message when this machine's IP address " +
			"is not on the API client's IP allowlist")
	}
	return fmt.Errorf("%w: %s: %w", ErrCredentialsRejected, b.String(), apiErr)
}

// revoke revokes the cached token at base, authenticating with the client
// credentials as HTTP Basic auth.
func (s *tokenSource) revoke(ctx context.Context, base string) error {
	s.mu.Lock()
	tok := s.tok
	s.tok = nil
	s.mu.Unlock()
	if tok == nil {
		return nil
	}
	return s.client.revokeToken(ctx, base, tok.AccessToken, s.clientID, s.secret)
}

// revokeToken sends POST /oauth2/revoke for token to base.
func (c *Client) revokeToken(ctx context.Context, base, token, clientID, secret string) error {
	ctx, cancel := context.WithTimeout(ctx, tokenRequestTimeout)
	defer cancel()
	form := url.Values{"token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth2/revoke",
		strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke OAuth2 token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(clientID, secret)

	start := time.Now()
	resp, err := c.http.Do(req)
	r := &request{method: http.MethodPost, path: "/oauth2/revoke"}
	c.logAttempt(ctx, r, resp, err, time.Since(start))
	if err != nil {
		return fmt.Errorf("revoke OAuth2 token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke OAuth2 token: %w", readAPIError(r, resp))
	}
	drain(resp.Body)
	return nil
}
