package rtr

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
)

// userAgentTransport sets the User-Agent on every request, the token and
// revoke calls included, and passes it to the wrapped transport.
type userAgentTransport struct {
	base      *http.Transport
	userAgent string
}

// RoundTrip implements http.RoundTripper.
func (t *userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.userAgent)
	return t.base.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// wrapped transport.
func (t *userAgentTransport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// newTransport builds the HTTP transport: TLS verification is always on,
// CAFile adds to the system pool, and LoopbackOnly routes every dial
// through the loopback guard without a proxy.
func newTransport(cfg Config) (*userAgentTransport, error) {
	roots, err := rootCAs(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}

	var transport *http.Transport
	if cfg.LoopbackOnly {
		transport = loopback.Transport(tlsConfig)
	} else {
		dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		transport = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dialer.DialContext,
			TLSClientConfig:     tlsConfig,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        100,
			MaxIdleConnsPerHost: 100,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
		}
	}
	// Batch commands on thousands of hosts can take minutes to respond, and the
	// per-request deadline bounds the wait, so no header timeout is set here.
	return &userAgentTransport{base: transport}, nil
}

// rootCAs returns the system pool plus the certificates in caFile. With no
// caFile it returns nil, which makes crypto/tls use the system pool.
func rootCAs(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read CA file (%s): %w", EnvCAFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s (%s) contains no PEM certificate", caFile, EnvCAFile)
	}
	return pool, nil
}
