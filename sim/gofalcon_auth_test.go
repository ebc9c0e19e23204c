package sim

import (
	"crypto/tls"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/crowdstrike/gofalcon/falcon"
	"github.com/crowdstrike/gofalcon/falcon/client"
	"github.com/crowdstrike/gofalcon/falcon/client/oauth2"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"

	"github.com/rtrplay/rtrplay/internal/loopback"
)

// newPlainGofalcon returns a gofalcon client for srv without the OAuth2
// token source, the way gofalcon's own region discovery calls the token
// and revoke operations.
func newPlainGofalcon(t *testing.T, srv *Server) *client.CrowdStrikeAPISpecification {
	t.Helper()
	httpClient := &http.Client{Transport: loopbackGuard{next: loopback.Transport(&tls.Config{RootCAs: srv.CertPool()})}}
	host := strings.TrimPrefix(srv.URL(), "https://")
	return client.New(httptransport.NewWithClient(host, "/", []string{"https"}, httpClient), strfmt.Default)
}

func TestGofalconTokenAndRevoke(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api := newPlainGofalcon(t, srv)
	_, ctx := newGofalcon(t, srv)

	created, err := api.Oauth2.Oauth2AccessToken(&oauth2.Oauth2AccessTokenParams{
		Context: ctx, ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret(),
	})
	if err != nil {
		t.Fatalf("Oauth2AccessToken: %v", err)
	}
	tok := created.Payload
	if tok.AccessToken == "" || tok.TokenType != "bearer" || tok.ExpiresIn != 1799 {
		t.Errorf("token = {token %t, type %q, expires_in %d}, want a token, bearer, 1799",
			tok.AccessToken != "", tok.TokenType, tok.ExpiresIn)
	}
	// A real region name would send gofalcon's region discovery to a
	// real cloud, so the emulator must name none.
	if _, err := falcon.CloudValidate(created.XCSRegion); created.XCSRegion != "" && err == nil {
		t.Errorf("X-CS-Region = %q, a real cloud", created.XCSRegion)
	}

	c := newClient(t, srv)
	c.token = tok.AccessToken
	c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)

	revoked, err := api.Oauth2.Oauth2RevokeToken(&oauth2.Oauth2RevokeTokenParams{Context: ctx, Token: tok.AccessToken},
		oauth2.AuthenticateRevocation(srv.ClientID(), srv.ClientSecret()))
	if err != nil {
		t.Fatalf("Oauth2RevokeToken: %v", err)
	}
	if err := falcon.AssertNoError(revoked.Payload.Errors); err != nil {
		t.Errorf("Oauth2RevokeToken errors: %v", err)
	}
	if revoked.Payload.Meta == nil || revoked.Payload.Meta.TraceID == nil || *revoked.Payload.Meta.TraceID == "" {
		t.Errorf("Oauth2RevokeToken meta lacks a trace_id: %+v", revoked.Payload.Meta)
	}
	c.expect(http.StatusUnauthorized, http.MethodGet, pathDeviceQuery, nil, nil, nil)
}

func TestGofalconTokenWrongSecret(t *testing.T) {
	srv := startServer(t, "demo", Options{})
	api := newPlainGofalcon(t, srv)
	_, ctx := newGofalcon(t, srv)

	_, err := api.Oauth2.Oauth2AccessToken(&oauth2.Oauth2AccessTokenParams{
		Context: ctx, ClientID: srv.ClientID(), ClientSecret: "wrong",
	})
	var forbidden *oauth2.Oauth2AccessTokenForbidden
	if !errors.As(err, &forbidden) {
		t.Fatalf("Oauth2AccessToken with a wrong secret: error %v, want a 403", err)
	}
	// gofalcon's region discovery looks for exactly this message.
	errs := forbidden.Payload.Errors
	if len(errs) != 1 || *errs[0].Message != "access denied, authorization failed" {
		t.Errorf("403 errors = %+v, want one with message \"access denied, authorization failed\"", errs)
	}

	_, err = api.Oauth2.Oauth2RevokeToken(&oauth2.Oauth2RevokeTokenParams{Context: ctx, Token: "x"},
		oauth2.AuthenticateRevocation(srv.ClientID(), "wrong"))
	if got := gofalconStatus(err); got != http.StatusForbidden {
		t.Errorf("Oauth2RevokeToken with a wrong secret: status %d (error %v), want 403", got, err)
	}
}
