package loopback

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCheckHost(t *testing.T) {
	cases := []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1", true},
		{"127.8.9.10", true},
		{"::1", true},
		{"localhost", true},
		{"10.0.0.1", false},
		{"192.168.1.1", false},
		{"8.8.8.8", false},
		{"api.crowdstrike.com", false},
		{"", false},
	}
	for _, tc := range cases {
		t.Run(tc.host, func(t *testing.T) {
			err := CheckHost(tc.host)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckHost(%q) = %v, want ok=%v", tc.host, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrNotLoopback) {
				t.Errorf("error %v does not wrap ErrNotLoopback", err)
			}
		})
	}
}

func TestClientReachesOnlyLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c := Client(nil)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("GET loopback server: %v", err)
	}
	resp.Body.Close()

	// 192.0.2.1 is TEST-NET-1: the guard must reject it before any packet
	// is sent.
	_, err = DialContext(context.Background(), "tcp", net.JoinHostPort("192.0.2.1", "443"))
	if !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("dial 192.0.2.1 = %v, want ErrNotLoopback", err)
	}
}
