// Package loopback keeps network traffic on this machine. Tests, the
// emulator and the API client use it to reject any address outside the
// loopback range (127.0.0.0/8 and ::1), so that no test and no emulator can
// reach a real Falcon cloud by accident.
//
// The check runs at dial time, after name resolution, so it also covers
// redirects and host names that resolve to a remote address.
package loopback

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

// ErrNotLoopback is wrapped by every error that this package returns for an
// address outside the loopback range.
var ErrNotLoopback = fmt.Errorf("address is not loopback")

// CheckHostPort returns an error unless address, a "host:port" string whose
// host is an IP literal, is on the loopback range.
func CheckHostPort(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("check address %q: %w", address, err)
	}
	return CheckHost(host)
}

// CheckHost returns an error unless host is "localhost" or a loopback IP.
func CheckHost(host string) error {
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: %w; use 127.0.0.1 or ::1", host, ErrNotLoopback)
	}
	return nil
}

// Control is a net.Dialer Control function that aborts a connection to any
// address outside the loopback range. The address it sees is already
// resolved to an IP.
func Control(network, address string, _ syscall.RawConn) error {
	if err := CheckHostPort(address); err != nil {
		return fmt.Errorf("dial %s: %w", network, err)
	}
	return nil
}

// Dialer returns a dialer that connects only to loopback addresses.
func Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: Control}
}

// DialContext dials like net.Dialer.DialContext but only to loopback
// addresses. It fits http.Transport.DialContext.
func DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return Dialer().DialContext(ctx, network, address)
}

// Transport returns an HTTP transport that connects only to loopback
// addresses and uses tlsConfig (which may be nil) for HTTPS. It never uses a
// proxy, because a proxy would hide the real destination from the check.
func Transport(tlsConfig *tls.Config) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         DialContext,
		TLSClientConfig:     tlsConfig,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
}

// Client returns an HTTP client built on Transport(tlsConfig).
func Client(tlsConfig *tls.Config) *http.Client {
	return &http.Client{Transport: Transport(tlsConfig)}
}
