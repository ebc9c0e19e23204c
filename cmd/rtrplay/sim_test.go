package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
)

// lockedBuffer is a bytes buffer safe for the writer goroutine and the
// test reading it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startSimCommand runs "rtrplay sim ARGS" in-process and returns the
// variables it printed, the signal channel that stops it and its exit code
// channel.
func startSimCommand(t *testing.T, args ...string) (map[string]string, []string, chan os.Signal, chan int) {
	t.Helper()
	signals := make(chan os.Signal, 1)
	var stdout, stderr lockedBuffer
	c := &cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(string) string { return "" }, isTerminal: func() bool { return false }, signals: signals}
	exit := make(chan int, 1)
	go func() { exit <- c.run(append([]string{"sim", "-state-dir", t.TempDir()}, args...)) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-exit:
			t.Fatalf("sim exited with %d before listening: %s", code, stderr.String())
		default:
		}
		out := stdout.String()
		if strings.Count(out, "\n") >= 3 && strings.Contains(out, "FALCON_CLIENT_SECRET=") {
			time.Sleep(50 * time.Millisecond)
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			vars := map[string]string{}
			for _, l := range lines {
				k, v, ok := strings.Cut(l, "=")
				if !ok {
					t.Fatalf("stdout line %q is not KEY=VALUE", l)
				}
				vars[k] = v
			}
			return vars, lines, signals, exit
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("sim printed no variables within 10s; stdout %q stderr %q", stdout.String(), stderr.String())
	return nil, nil, nil, nil
}

func TestSimCommandPrintsEnvironment(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		scheme    string
		wantLines int
	}{
		{"https", nil, "https://127.0.0.1:", 4},
		{"plain http", []string{"-http"}, "http://127.0.0.1:", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vars, lines, signals, exit := startSimCommand(t, tc.args...)
			if len(lines) != tc.wantLines {
				t.Errorf("stdout has %d lines, want %d: %q", len(lines), tc.wantLines, lines)
			}
			if !strings.HasPrefix(vars["FALCON_BASE_URL"], tc.scheme) {
				t.Errorf("FALCON_BASE_URL = %q, want prefix %q", vars["FALCON_BASE_URL"], tc.scheme)
			}
			if vars["FALCON_CLIENT_ID"] == "" || vars["FALCON_CLIENT_SECRET"] == "" {
				t.Errorf("credentials missing: %v", vars)
			}
			client := loopback.Client(nil)
			if ca := vars["FALCON_CA_FILE"]; tc.scheme == "https://127.0.0.1:" {
				pem, err := os.ReadFile(ca)
				if err != nil {
					t.Fatalf("read CA file %q: %v", ca, err)
				}
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pem) {
					t.Fatalf("CA file %s holds no certificate", ca)
				}
				client = loopback.Client(&tls.Config{RootCAs: pool})
			}
			form := "client_id=" + vars["FALCON_CLIENT_ID"] + "&client_secret=wrong"
			resp, err := client.Post(vars["FALCON_BASE_URL"]+"/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader(form))
			if err != nil {
				t.Fatalf("token request: %v", err)
			}
			body, _ := io.ReadAll(bufio.NewReader(resp.Body))
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), `"errors"`) {
				t.Errorf("wrong secret: status %d body %s, want 403 with an errors envelope", resp.StatusCode, body)
			}
			signals <- os.Interrupt
			select {
			case code := <-exit:
				if code != exitOK {
					t.Errorf("sim exit = %d after SIGINT, want 0", code)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("sim did not stop within 10s of SIGINT")
			}
		})
	}
}

func TestSimCommandRejectsRemoteListen(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:8443", "example.com:443"} {
		t.Run(addr, func(t *testing.T) {
			var stdout, stderr lockedBuffer
			c := &cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
				getenv: func(string) string { return "" }, isTerminal: func() bool { return false }}
			code := c.run([]string{"sim", "-state-dir", t.TempDir(), "-listen", addr})
			if code != exitError {
				t.Errorf("exit = %d, want %d", code, exitError)
			}
			if stdout.String() != "" {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
			if !strings.Contains(stderr.String(), strings.Split(addr, ":")[0]) {
				t.Errorf("stderr does not name the address: %q", stderr.String())
			}
		})
	}
}
