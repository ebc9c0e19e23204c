package rtr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// discoverCloud finds the tenant's home cloud for FALCON_CLOUD=autodiscover,
// the way the Falcon SDKs do: request a token from us-1 and read the
// region that the X-CS-Region response header names. It returns the home
// cloud's base URL and, when that is us-1, the token to reuse. A token
// obtained for another cloud is revoked there, as gofalcon does, and the
// client requests a new one from its home cloud.
func (c *Client) discoverCloud(ctx context.Context, cfg Config) (string, *oauth2.Token, error) {
	us1, err := cfg.cloudURL(CloudUS1)
	if err != nil {
		return "", nil, err
	}
	tok, region, err := c.discoveryToken(ctx, us1, cfg)
	if err != nil {
		return "", nil, fmt.Errorf("discover the Falcon cloud through %s: %w", us1, err)
	}

	home := CloudUS1
	if region != "" {
		home, err = ParseCloud(region)
		if err != nil || home == CloudAutodiscover {
			return "", nil, fmt.Errorf("discover the Falcon cloud: the token endpoint named region %q "+
				"in %s, which rtrplay does not know; set %s or %s", region, headerRegion, EnvCloud, EnvBaseURL)
		}
	}
	if home == CloudUS1 {
		c.log.Debug("discovered falcon cloud", "cloud", home)
		return us1, tok, nil
	}

	base, err := cfg.cloudURL(home)
	if err != nil {
		return "", nil, err
	}
	if err := c.revokeToken(ctx, base, tok.AccessToken, cfg.ClientID, cfg.ClientSecret); err != nil {
		// The discovery token expires on its own; failing to revoke it early
		// is no reason to stop.
		c.log.Info("could not revoke the region discovery token", "cloud", home, "error", err.Error())
	}
	c.log.Debug("discovered falcon cloud", "cloud", home, "base_url", base)
	return base, nil, nil
}

// discoveryToken requests a token from base and returns it with the
// X-CS-Region header value. It is written out by hand because
// x/oauth2 does not expose response headers.
func (c *Client) discoveryToken(ctx context.Context, base string, cfg Config) (*oauth2.Token, string, error) {
	r := &request{method: http.MethodPost, path: "/oauth2/token", repeatable: true}
	for waits := 0; ; waits++ {
		if err := c.gate.wait(ctx); err != nil {
			return nil, "", err
		}
		resp, err := c.postTokenForm(ctx, base, cfg)
		if err != nil {
			return nil, "", err
		}
		switch {
		case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated:
			defer drain(resp.Body)
			tok, err := decodeToken(resp.Body)
			return tok, strings.TrimSpace(resp.Header.Get(headerRegion)), err
		case resp.StatusCode == http.StatusTooManyRequests:
			apiErr := readAPIError(r, resp)
			if err := c.waitForRateLimit(r, resp.Header, waits, apiErr); err != nil {
				return nil, "", err
			}
		case resp.StatusCode == http.StatusBadRequest:
			// GovCloud credentials get 400 from us-1: those clouds are not
			// discoverable, by CrowdStrike's design.
			return nil, "", fmt.Errorf("HTTP 400 from us-1; GovCloud tenants cannot be discovered, "+
				"so set %s to us-gov-1 or us-gov-2, or set %s: %w",
				EnvCloud, EnvBaseURL, readAPIError(r, resp))
		default:
			return nil, "", credentialsError(readAPIError(r, resp), cfg.ClientID, cfg.MemberCID)
		}
	}
}

func (c *Client) postTokenForm(ctx context.Context, base string, cfg Config) (*http.Response, error) {
	form := url.Values{
		"client_id":     {cfg.ClientID},
		"client_secret": {cfg.ClientSecret},
		"grant_type":    {"client_credentials"},
	}
	if cfg.MemberCID != "" {
		form.Set("member_cid", cfg.MemberCID)
	}
	rctx, cancel := context.WithTimeout(ctx, tokenRequestTimeout)
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, base+"/oauth2/token",
		strings.NewReader(form.Encode()))
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	start := time.Now()
	resp, err := c.http.Do(req)
	c.logAttempt(ctx, &request{method: http.MethodPost, path: "/oauth2/token"}, resp, err, time.Since(start))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// decodeToken reads an access token response.
func decodeToken(body io.Reader) (*oauth2.Token, error) {
	var raw struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(body, errorBodyLimit)).Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode token response: %w", err)
	}
	if raw.AccessToken == "" {
		return nil, errors.New("token response has no access_token")
	}
	tok := &oauth2.Token{AccessToken: raw.AccessToken, TokenType: raw.TokenType, ExpiresIn: raw.ExpiresIn}
	if raw.ExpiresIn > 0 {
		tok.Expiry = time.Now().Add(time.Duration(raw.ExpiresIn) * time.Second)
	}
	return tok, nil
}

// cancelOnClose releases a request context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close closes the body and cancels the request context.
func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
