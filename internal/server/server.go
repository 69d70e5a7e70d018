package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/firstline/firstline/internal/command/document"
	"github.com/firstline/firstline/internal/execution"
	"github.com/firstline/firstline/internal/execution/function"
	"github.com/firstline/firstline/internal/workflow"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"

	"github.com/firstline/firstline/internal/api"
	"github.com/firstline/firstline/internal/auth"
	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/alertmanager"
	"github.com/firstline/firstline/internal/ingest/eventbridge"
	"github.com/firstline/firstline/internal/ingest/generic"
	"github.com/firstline/firstline/internal/ingest/grafana"
	"github.com/firstline/firstline/internal/ingest/sns"
	"github.com/firstline/firstline/internal/reqid"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/rule"
	"github.com/firstline/firstline/internal/store"
)

// deliveryWorkers is how many rule deliveries run at once on a replica.
const deliveryWorkers = 64

// executionWorkers is how many execution steps and tasks run at once on a
// replica.
const executionWorkers = 32

// NewLogger builds the slog logger for a configuration, writing to w.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(reqid.Handler{Handler: h})
}

// Server is a running firstline.
type Server struct {
	cfg    Config
	logger *slog.Logger
	out    io.Writer

	lock      *os.File
	db        *store.Store
	committer *store.Committer
	rules     *rule.Engine
	http      *http.Server
	ln        net.Listener
	ready     atomic.Bool

	// URL is the base URL the API is reachable at, once started.
	URL string
	// AdminTokenFile is the path of the admin-token file ("" if none).
	AdminTokenFile string
}

// New validates cfg. out receives the start banner (URL, token file).
func New(cfg Config, logger *slog.Logger, out io.Writer) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return &Server{cfg: cfg, logger: logger, out: out}, nil
}

// Start opens the store, migrates, makes sure an admin token exists, starts
// the job runner and starts serving. It returns once the server accepts
// connections.
func (s *Server) Start(ctx context.Context) error {
	cfg := s.cfg
	var tlsConfig *tls.Config
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	s.lock = lock
	db, err := store.Open(ctx, store.Config{DSN: cfg.DatabaseDSN(), Logger: s.logger})
	if err != nil {
		s.unlock()
		return err
	}
	s.db = db
	s.logger.InfoContext(ctx, "database ready", "dialect", db.Dialect(), "database", store.RedactDSN(cfg.DatabaseDSN()))

	tokens := auth.NewTokens(db)
	tokenPath, created, err := tokens.EnsureAdmin(ctx, cfg.DataDir)
	if err != nil {
		return s.fail(err)
	}
	s.AdminTokenFile = tokenPath

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	storeMetrics := store.NewMetrics(reg, db)
	apiMetrics := api.NewMetrics(reg)

	s.committer = store.NewCommitter(db, store.CommitterConfig{OnBatch: storeMetrics.ObserveBatch("api")})
	events := event.NewStore(db)

	// Rule targets: Http, and one kind per ARN service.
	targets := rule.NewTargets(&rule.HTTPDeliverer{Client: &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: deliveryWorkers,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}}})
	if err := targets.RegisterArn("logs", rule.LogDeliverer{Logger: s.logger.With("component", "rule", "target", "logs")}); err != nil {
		return s.fail(err)
	}
	// Hook types: one receiver per alert source.
	hookTypes := ingest.NewTypes()
	for name, f := range map[string]ingest.Factory{
		"generic":      generic.New,
		"eventbridge":  eventbridge.New,
		"alertmanager": alertmanager.New,
		"grafana":      grafana.New,
		"sns":          sns.New,
	} {
		if err := hookTypes.Register(name, f); err != nil {
			return s.fail(err)
		}
	}
	// Task integrations of state machines register here as their
	// capabilities arrive; StateMachine definitions are checked against it.
	integrations := workflow.NewRegistry()
	// Resource kinds for apply.
	kinds := resource.NewRegistry()
	for _, k := range []resource.Kind{rule.Kind{Targets: targets}, ingest.Kind{Types: hookTypes}, execution.Kind{Registry: integrations}, function.Kind{}, document.Kind{}} {
		if err := kinds.Register(k); err != nil {
			return s.fail(err)
		}
	}
	resources := resource.NewStore(db, kinds)
	// Functions: lambda:invoke and bare function ARNs run Function resources.
	lambda := function.New(resources, nil)
	lambda.Logger = s.logger.With("component", "function")
	if err := lambda.Register(integrations); err != nil {
		return s.fail(err)
	}
	s.rules = &rule.Engine{
		Resources: resources, Events: events, Targets: targets,
		Logger: s.logger.With("component", "rule"), Metrics: rule.NewMetrics(reg),
		Account: cfg.Account, Region: cfg.Region, RetryBase: cfg.DeliveryRetryBase,
	}
	if err := s.rules.Start(ctx); err != nil {
		return s.fail(err)
	}

	// Jobs: one worker per kind, registered here.
	executions := &execution.Executor{
		DB: db, Resources: resources, Registry: integrations,
		Logger:  s.logger.With("component", "execution"),
		Account: cfg.Account, Region: cfg.Region,
	}
	executions.Publish = execution.Publisher(events, s.rules)
	if err := targets.RegisterArn("states", execution.Target{X: executions}); err != nil {
		return s.fail(err)
	}
	builtins := &execution.Builtins{
		X: executions, Events: events, Rules: s.rules,
		Defaults: event.Defaults{Account: cfg.Account, Region: cfg.Region},
		Client:   &http.Client{Timeout: 60 * time.Second},
	}
	if err := builtins.Register(integrations); err != nil {
		return s.fail(err)
	}
	workers := river.NewWorkers()
	executions.Workers(workers)
	if err := river.AddWorkerSafely(workers, &event.PruneWorker{Store: events, Retention: cfg.EventRetention, Logger: s.logger.With("component", "event")}); err != nil {
		return s.fail(err)
	}
	if err := river.AddWorkerSafely(workers, &rule.DeliverWorker{Engine: s.rules, DB: db}); err != nil {
		return s.fail(err)
	}
	if err := river.AddWorkerSafely(workers, &rule.ReplayWorker{Engine: s.rules, DB: db}); err != nil {
		return s.fail(err)
	}
	if err := db.ConfigureJobs(store.JobsConfig{
		Workers:      workers,
		PeriodicJobs: []*river.PeriodicJob{event.PeriodicPrune(time.Hour)},
		Queues:       map[string]int{rule.DeliveryQueue: deliveryWorkers, execution.Queue: executionWorkers},
		Logger:       s.logger,
		OnJobEvent:   storeMetrics.ObserveJob,
	}); err != nil {
		return s.fail(err)
	}
	// Not ctx: its cancellation (SIGTERM) would abort running jobs; Shutdown
	// stops them gracefully.
	if err := db.StartJobs(context.WithoutCancel(ctx)); err != nil {
		return s.fail(err)
	}

	a := api.New(api.Config{
		DB: db, Events: events, Tokens: tokens, Committer: s.committer,
		Resources: resources, Rules: s.rules, Executions: executions,
		Defaults: event.Defaults{Account: cfg.Account, Region: cfg.Region},
		Logger:   s.logger, Metrics: apiMetrics,
	})
	mux := http.NewServeMux()
	a.Register(mux)
	hooks := &ingest.Handler{
		Resources: resources, Types: hookTypes, Ingest: a.Ingest,
		Defaults: event.Defaults{Account: cfg.Account, Region: cfg.Region},
		Logger:   s.logger.With("component", "ingest"), Metrics: ingest.NewMetrics(reg),
	}
	a.OnResourceChange = hooks.Invalidate
	mux.Handle("POST /hooks/{name}", hooks)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
	})
	mux.HandleFunc("GET /readyz", s.readyz)

	s.ln, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return s.fail(fmt.Errorf("listen on %s: %w", cfg.Listen, err))
	}
	scheme := "http"
	s.http = &http.Server{
		Handler:           api.RequestID(mux),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	if tlsConfig != nil {
		s.http.TLSConfig = tlsConfig
		s.ln = tls.NewListener(s.ln, tlsConfig)
		scheme = "https"
	}
	s.URL = scheme + "://" + reachableAddr(s.ln.Addr().(*net.TCPAddr))
	go func() {
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("http server stopped", "err", err)
		}
	}()
	s.ready.Store(true)

	if !loopback(cfg.Listen) && cfg.TLSCertFile == "" {
		s.logger.Warn("SERVING WITHOUT TLS ON A NON-LOOPBACK ADDRESS: API tokens and events cross the network in clear text; set --tls-cert-file and --tls-key-file", "listen", cfg.Listen)
		fmt.Fprintf(s.out, "WARNING: %s is reachable from other machines without TLS; tokens travel in clear text. Set --tls-cert-file/--tls-key-file.\n", cfg.Listen)
	}
	fmt.Fprintf(s.out, "firstline is listening on %s\n", s.URL)
	switch {
	case created:
		fmt.Fprintf(s.out, "admin token created in %s (mode 0600): export FIRSTLINE_URL=%s FIRSTLINE_TOKEN=$(cat %s)\n", tokenPath, s.URL, tokenPath)
	case tokenPath != "":
		fmt.Fprintf(s.out, "admin token in %s: export FIRSTLINE_URL=%s FIRSTLINE_TOKEN=$(cat %s)\n", tokenPath, s.URL, tokenPath)
	default:
		fmt.Fprintf(s.out, "no admin-token file in %s: the database already has admin tokens; use one of them\n", cfg.DataDir)
	}
	s.logger.Info("firstline started", "url", s.URL, "data_dir", cfg.DataDir)
	return nil
}

func (s *Server) fail(err error) error {
	if s.rules != nil {
		s.rules.Stop()
	}
	if s.db != nil {
		_ = s.db.Close()
	}
	s.unlock()
	return err
}

func (s *Server) unlock() {
	if s.lock != nil {
		_ = s.lock.Close()
		s.lock = nil
	}
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":"not ready"}`+"\n")
		return
	}
	ctx, cancel := context.WithTimeoutCause(r.Context(), 2*time.Second, errors.New("readiness database ping timed out"))
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":"database unreachable"}`+"\n")
		return
	}
	_, _ = io.WriteString(w, `{"status":"ready"}`+"\n")
}

// Shutdown drains: it stops accepting connections, waits for in-flight
// requests, commits queued writes, lets running jobs finish (all within
// ctx), and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	var errs []error
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drain http: %w", err))
		}
	}
	if s.committer != nil {
		s.committer.Close()
	}
	if s.rules != nil {
		s.rules.Stop()
	}
	if s.db != nil {
		if err := s.db.StopJobs(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop jobs: %w", err))
		}
		errs = append(errs, s.db.Close())
	}
	s.unlock()
	return errors.Join(errs...)
}

// Run starts the server and blocks until ctx is cancelled (SIGTERM), then
// drains within ShutdownTimeout.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	s.logger.Info("shutting down: draining requests and jobs", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.Shutdown(sctx)
	if err == nil {
		s.logger.Info("stopped")
	}
	return err
}

// Store returns the open store (for tests).
func (s *Server) Store() *store.Store { return s.db }

// reachableAddr turns a listener address into one a local client can dial:
// an unspecified host (0.0.0.0, ::) becomes 127.0.0.1.
func reachableAddr(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(a.Port))
}
