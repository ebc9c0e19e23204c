package sim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtrplay/rtrplay/internal/loopback"
	"github.com/rtrplay/rtrplay/sim/fleet"
)

// Defaults for the zero values of Options.
const (
	defaultListen       = "127.0.0.1:0"
	defaultTokenTTL     = 30 * time.Minute
	defaultSessionTTL   = 10 * time.Minute
	defaultUploadDelay  = 1500 * time.Millisecond
	defaultContainDelay = time.Second
	defaultChunkSize    = 64 << 10
)

// closeTimeout bounds how long Close waits for requests in flight.
const closeTimeout = 5 * time.Second

// Options configures a Server. Zero values take the defaults named on each
// field.
type Options struct {
	// Fleet is the simulated fleet that the emulator serves. Required.
	Fleet *fleet.Fleet
	// Listen is the host:port to bind, default 127.0.0.1:0 (any free port).
	// Only loopback addresses are accepted.
	Listen string
	// HTTP serves plain HTTP instead of HTTPS.
	HTTP bool
	// ClientID and ClientSecret are the API client's credentials; random
	// ones are generated when empty.
	ClientID, ClientSecret string
	// TokenTTL is the lifetime of access tokens, default 30m. The token
	// response's expires_in is one second less, in whole seconds.
	TokenTTL time.Duration
	// SessionTTL is how long an RTR session lives without a refresh,
	// default 10m. Commands do not extend it.
	SessionTTL time.Duration
	// UploadDelay is how long after a batch get its file appears in the
	// batch get status, default 1.5s.
	UploadDelay time.Duration
	// ContainDelay is how long a host stays containment_pending (or
	// lift_containment_pending) before the action takes effect, default 1s.
	ContainDelay time.Duration
	// ChunkSize is the number of stdout bytes in each sequence_id chunk of
	// the command status calls, default 64 KiB.
	ChunkSize int
	// StateDir receives the CA certificate file. Default: a new temporary
	// directory, removed by Close.
	StateDir string
	// Logger receives the emulator's logs. Default: discard them.
	Logger *slog.Logger
}

// Server is a Falcon API emulator. Its methods are safe for concurrent
// use.
type Server struct {
	opts         Options
	log          *slog.Logger
	fleet        *fleet.Fleet
	certs        *certificates
	caFile       string
	stateDir     string
	ownsStateDir bool
	limiter      *rateWindow
	handler      http.Handler
	done         chan struct{}
	inflight     atomic.Int64 // requests being served
	// containMu makes each containment change a read-then-set step that
	// no other action interleaves with.
	containMu sync.Mutex

	mu         sync.Mutex
	httpServer *http.Server
	url        string
	closed     bool
	tokens     map[string]time.Time // access token -> expiry
	sessions   map[string]*session  // by session id
	batches    map[string]*batch    // by batch id
	tasks      *taskStore
	batchGets  map[string]*batchGet // by batch_get_cmd_req_id
	uploads    map[uploadKey]*upload
	nextFileID int64
	timers     map[*time.Timer]bool // pending afterFunc timers
	commands   []CommandRecord
	requests   []RequestRecord
}

// New checks opts, makes the TLS certificates and writes the CA file. It
// does not bind: Start does.
func New(opts Options) (*Server, error) {
	if opts.Fleet == nil {
		return nil, errors.New("sim: Options.Fleet is nil; load a fleet with fleet.Named or fleet.Load")
	}
	if opts.Listen == "" {
		opts.Listen = defaultListen
	}
	if err := loopback.CheckHostPort(opts.Listen); err != nil {
		return nil, fmt.Errorf("sim: listen address %q rejected: %w", opts.Listen, err)
	}
	applyDefaults(&opts)
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		fleet:     opts.Fleet,
		limiter:   newRateWindow(rateLimitPerMinute, time.Minute),
		done:      make(chan struct{}),
		tokens:    map[string]time.Time{},
		sessions:  map[string]*session{},
		batches:   map[string]*batch{},
		tasks:     newTaskStore(maxTaskOutputBytes),
		batchGets: map[string]*batchGet{},
		uploads:   map[uploadKey]*upload{},
		timers:    map[*time.Timer]bool{},
	}
	if err := s.prepareTLS(); err != nil {
		return nil, err
	}
	s.handler = s.middleware(s.routes())
	return s, nil
}

func applyDefaults(opts *Options) {
	if opts.ClientID == "" {
		opts.ClientID = randomHex(16)
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = randomHex(20)
	}
	setDefault(&opts.TokenTTL, defaultTokenTTL)
	setDefault(&opts.SessionTTL, defaultSessionTTL)
	setDefault(&opts.UploadDelay, defaultUploadDelay)
	setDefault(&opts.ContainDelay, defaultContainDelay)
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = defaultChunkSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// prepareTLS makes the certificates and writes the CA file, unless the
// server speaks plain HTTP.
func (s *Server) prepareTLS() error {
	if s.opts.HTTP {
		return nil
	}
	certs, err := newCertificates()
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	s.certs = certs
	s.stateDir = s.opts.StateDir
	if s.stateDir == "" {
		dir, err := os.MkdirTemp("", "rtrplay-sim-")
		if err != nil {
			return fmt.Errorf("sim: create state directory: %w", err)
		}
		s.stateDir, s.ownsStateDir = dir, true
	}
	s.caFile, err = certs.writeCAFile(s.stateDir)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	return nil
}

// Start binds the listen address and serves in the background until Close.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpServer != nil || s.closed {
		return errors.New("sim: Start called twice or after Close")
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("sim: listen on %s: %w", s.opts.Listen, err)
	}

	scheme := "https"
	if s.opts.HTTP {
		scheme = "http"
	} else {
		ln = tls.NewListener(ln, &tls.Config{
			Certificates: []tls.Certificate{s.certs.server},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2", "http/1.1"},
		})
	}
	s.url = scheme + "://" + ln.Addr().String()

	s.httpServer = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	srv := s.httpServer
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("emulator stopped serving", "error", err)
		}
	}()
	s.log.Info("emulator started", "url", s.url, "hosts", len(s.fleet.Hosts()))
	return nil
}

// Close stops serving, cancels pending containment changes and removes the
// state directory if New created it. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	for t := range s.timers {
		t.Stop()
	}
	srv := s.httpServer
	s.mu.Unlock()

	var errs []error
	if srv != nil {
		s.shutdown(srv)
		if err := srv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sim: close connections: %w", err))
		}
	}
	if s.ownsStateDir {
		if err := os.RemoveAll(s.stateDir); err != nil {
			errs = append(errs, fmt.Errorf("sim: remove state directory: %w", err))
		}
	}
	s.log.Info("emulator stopped", "url", s.url)
	return errors.Join(errs...)
}

// shutdown stops accepting requests and waits up to closeTimeout for the
// requests in flight. It does not wait for idle HTTP/2 connections, because
// net/http keeps them open for a second after a graceful shutdown unless the
// client closes them. The caller closes them with srv.Close.
func (s *Server) shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	go func() {
		defer cancel()
		for s.inflight.Load() > 0 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}()
	// Shutdown returns early, with the context's error, once the requests
	// are done; only the deadline means that some were cut short.
	srv.Shutdown(ctx)
	if n := s.inflight.Load(); n > 0 {
		s.log.Warn("emulator closed with requests still in flight", "requests", n)
	}
}

// URL returns the base URL, such as https://127.0.0.1:PORT, or "" before
// Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// CAFile returns the path of the CA certificate (PEM), or "" with HTTP.
func (s *Server) CAFile() string { return s.caFile }

// CertPool returns a pool that trusts the emulator's CA, or nil with HTTP.
func (s *Server) CertPool() *x509.CertPool {
	if s.certs == nil {
		return nil
	}
	return s.certs.pool
}

// ClientID returns the API client id that the token endpoint accepts.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret returns the API client secret that the token endpoint
// accepts.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// Fleet returns the simulated fleet.
func (s *Server) Fleet() *fleet.Fleet { return s.fleet }

// afterFunc runs f after d unless the server closes first.
func (s *Server) afterFunc(d time.Duration, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.mu.Lock()
		delete(s.timers, t)
		closed := s.closed
		s.mu.Unlock()
		if !closed {
			f()
		}
	})
	s.timers[t] = true
}
