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
	// Only loopback addresses are accepted unless AllowNonLoopback is set.
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

	// TimeScale multiplies TokenTTL, SessionTTL, UploadDelay, ContainDelay
	// and QueueTTL, after their defaults are applied, so that tests can
	// watch lifetimes end in seconds. Default 1; it must be positive.
	TimeScale float64
	// QueueTTL is how long a command queued for an offline host waits
	// before it expires, default 7 days.
	QueueTTL time.Duration
	// Faults are the failures injected into API responses; see
	// ParseFaults. The zero value injects none.
	Faults Faults
	// RateLimit is the number of requests per sliding minute that the
	// emulator admits and sends as X-RateLimit-Limit, default 6000.
	RateLimit int
	// Region is the X-CS-Region header of token responses, default
	// "local". A real region name makes autodiscovering clients switch to
	// that cloud's URL, so set one only for clients whose region table
	// points every region at loopback emulators.
	Region string
	// ChildCIDs places hosts under member CIDs of the fleet's CID: each
	// key is a child CID (32 hex digits) and each value the hostnames of
	// its hosts. A token requested with member_cid sees only that child's
	// hosts, and a token without it only the hosts that no child holds.
	ChildCIDs map[string][]string
	// NullStateHosts are the hostnames whose online state the emulator
	// reports as null.
	NullStateHosts []string
	// IDLimits caps the ids that one Hosts API request may name. Zero
	// fields take the defaults.
	IDLimits IDLimits
	// AllowNonLoopback lets Listen name an address that is not loopback.
	// Without it New rejects such an address.
	AllowNonLoopback bool
	// BatchHostLimit is the maximum number of host_ids in one batch init,
	// default 10,000. A request with more gets 400.
	BatchHostLimit int
	// ForeignClientIDs are API client ids of tenants in a cloud that this
	// emulator does not serve, such as GovCloud. Their token requests get
	// 400, as us-1 rejects GovCloud credentials during autodiscovery.
	ForeignClientIDs []string
	// HostTimeoutError makes a batch command answer a host that is still
	// running when host_timeout_duration runs out with per-host error
	// 50401 "Exceeded maximum timeout" instead of complete:false. The
	// host's task_id is kept in both cases.
	HostTimeoutError bool
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
	faults       *faultInjector
	tenancy      tenancy
	handler      http.Handler
	done         chan struct{}
	inflight     atomic.Int64 // requests being served

	// nullStateHost holds the AIDs whose online state reads null.
	nullStateHost map[string]bool

	// containMu makes each containment change a read-then-set step that
	// no other action interleaves with.
	containMu sync.Mutex

	mu         sync.Mutex
	httpServer *http.Server
	url        string
	closed     bool
	tokens     map[string]grant    // by access token
	sessions   map[string]*session // by session id
	batches    map[string]*batch   // by batch id
	tasks      *taskStore
	batchGets  map[string]*batchGet // by batch_get_cmd_req_id
	uploads    map[uploadKey]*upload
	nextFileID int64
	timers     map[*time.Timer]bool // pending afterFunc timers
	commands   []CommandRecord
	requests   []RequestRecord

	// queued holds the sessions with commands waiting for an offline host,
	// by session id; queuedCount counts those commands and is read without
	// the lock on every request.
	queued      map[string]*session
	queuedCount atomic.Int64
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
	if err := checkListen(opts.Listen, opts.AllowNonLoopback); err != nil {
		return nil, err
	}
	applyDefaults(&opts)
	if err := applyTestOptions(&opts); err != nil {
		return nil, err
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		fleet:     opts.Fleet,
		limiter:   newRateWindow(opts.RateLimit, time.Minute),
		faults:    newFaultInjector(opts.Faults),
		done:      make(chan struct{}),
		tokens:    map[string]grant{},
		sessions:  map[string]*session{},
		batches:   map[string]*batch{},
		tasks:     newTaskStore(maxTaskOutputBytes),
		batchGets: map[string]*batchGet{},
		uploads:   map[uploadKey]*upload{},
		timers:    map[*time.Timer]bool{},
	}
	if err := s.setupHosts(); err != nil {
		return nil, err
	}
	if err := s.prepareTLS(); err != nil {
		return nil, err
	}
	s.handler = s.middleware(s.injectFaults(s.routes()))
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
