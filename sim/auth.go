package sim

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"time"
)

// tokenResponse is domain.AccessTokenResponseV1.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// maxEchoedValue bounds how much of a rejected value an error message or
// log line repeats.
const maxEchoedValue = 64

// handleToken serves POST /oauth2/token. The credentials come as form
// fields (client_id, client_secret) or as HTTP Basic; x/oauth2, which
// gofalcon uses, may send either.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByGateway, "invalid form body: "+err.Error())
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id == "" && secret == "" {
		id, secret = basicCredentials(r)
	}
	if id == "" || secret == "" {
		s.writeError(w, r, http.StatusBadRequest, poweredByGateway,
			"client_id and client_secret are required, as form fields or HTTP Basic")
		return
	}
	if s.rejectForeignClient(w, r, id) {
		return
	}
	if !s.credentialsMatch(id, secret) {
		s.log.Info("token request rejected: wrong client id or secret")
		s.writeError(w, r, http.StatusForbidden, poweredByGateway, "access denied, authorization failed")
		return
	}
	memberCID := r.PostForm.Get("member_cid")
	cid, ok := s.grantCID(memberCID)
	if !ok {
		s.log.Info("token request rejected: member CID is not a child of this client's CID",
			"member_cid", clip(memberCID, maxEchoedValue))
		s.writeError(w, r, http.StatusForbidden, poweredByGateway,
			"Failed to generate access token for customer ID="+clip(memberCID, maxEchoedValue))
		return
	}

	token := randomHex(32)
	now := time.Now()
	s.mu.Lock()
	s.tokens[token] = grant{expiry: now.Add(s.opts.TokenTTL), cid: cid}
	s.mu.Unlock()

	expiresIn := int64((s.opts.TokenTTL - time.Second) / time.Second)
	w.Header().Set("X-CS-Region", s.opts.Region)
	s.writeJSON(w, http.StatusCreated, tokenResponse{
		AccessToken: token,
		TokenType:   "bearer",
		ExpiresIn:   max(expiresIn, 0),
	})
}

// handleRevoke serves POST /oauth2/revoke: the caller authenticates with
// HTTP Basic and names the token in the form field token.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByGateway, "invalid form body: "+err.Error())
		return
	}
	id, secret := basicCredentials(r)
	if !s.credentialsMatch(id, secret) {
		s.writeError(w, r, http.StatusForbidden, poweredByGateway, "access denied, authorization failed")
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		s.writeError(w, r, http.StatusBadRequest, poweredByGateway, "form field token is required")
		return
	}
	// Revoking an unknown token succeeds too, as RFC 7009 requires.
	s.mu.Lock()
	delete(s.tokens, token)
	s.mu.Unlock()
	s.writeJSON(w, http.StatusOK, errorsReply{Meta: meta(r, poweredByGateway), Errors: noErrors()})
}

// basicCredentials returns the HTTP Basic user and password, form-decoded
// as RFC 6749 section 2.3.1 requires, because x/oauth2 escapes them so.
func basicCredentials(r *http.Request) (id, secret string) {
	user, password, ok := r.BasicAuth()
	if !ok {
		return "", ""
	}
	return unescapeForm(user), unescapeForm(password)
}

func unescapeForm(v string) string {
	if u, err := url.QueryUnescape(v); err == nil {
		return u
	}
	return v
}

func (s *Server) credentialsMatch(id, secret string) bool {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1
	return idOK && secretOK
}

// tokenGrant returns what token allows, and false unless it was issued,
// not revoked, and not expired at now. Expired tokens are forgotten.
func (s *Server) tokenGrant(token string, now time.Time) (grant, bool) {
	if token == "" {
		return grant{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.tokens[token]
	if ok && !now.Before(g.expiry) {
		delete(s.tokens, token)
		return grant{}, false
	}
	return g, ok
}

// clip returns v cut to at most n bytes, marked with "..." when cut.
func clip(v string, n int) string {
	if len(v) <= n {
		return v
	}
	return v[:n] + "..."
}
