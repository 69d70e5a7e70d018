package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// fastPollInterval is how often SQLite's named queues look for new jobs:
// each hop of a first response (event → rule delivery → execution step →
// task) waits half of it on average.
const fastPollInterval = 15 * time.Millisecond

var errJobsNotConfigured = errors.New("insert job: job client not configured (call ConfigureJobs first)")

// JobsConfig configures the River client that works firstline's durable
// background jobs.
type JobsConfig struct {
	// Workers holds one worker per job kind; kinds are stable strings
	// named <package>.<verb> (for example event.prune).
	Workers *river.Workers
	// PeriodicJobs are scheduled by the elected leader among replicas.
	PeriodicJobs []*river.PeriodicJob
	// MaxWorkers bounds concurrently worked jobs of the default queue on
	// this replica (default 8).
	MaxWorkers int
	// Queues adds named queues with their own worker limits (for example
	// rule deliveries, which wait on the network, beside maintenance work).
	Queues map[string]int
	// Logger receives River's logs; nil discards them.
	Logger *slog.Logger
	// OnJobEvent, if set, is called for every completed, failed, cancelled
	// or snoozed job (for metrics); it must not block.
	OnJobEvent func(*river.Event)
}

type jobs struct {
	lite *river.Client[*sql.Tx]
	pg   *river.Client[pgx.Tx]

	onEvent     func(*river.Event)
	unsubscribe func()
	done        chan struct{}
	started     bool

	id       string
	logger   *slog.Logger
	liveness *pgx.Conn
	stopScan chan struct{}
	scanDone chan struct{}
}

// ConfigureJobs builds the job client. After it returns, Tx.InsertJob works;
// jobs are worked only after StartJobs.
func (s *Store) ConfigureJobs(cfg JobsConfig) error {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	maxWorkers := cfg.MaxWorkers
	if maxWorkers <= 0 {
		maxWorkers = 8
	}
	rc := &river.Config{
		Logger:       logger.With("component", "jobs"),
		Workers:      cfg.Workers,
		PeriodicJobs: cfg.PeriodicJobs,
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}},
		JobTimeout:   5 * time.Minute,
		// Fetch again soon after a fetch: deliveries are short and many.
		FetchCooldown: 5 * time.Millisecond,
	}
	for name, n := range cfg.Queues {
		q := river.QueueConfig{MaxWorkers: n}
		if s.dialect == SQLite {
			// The named queues (rule deliveries, execution steps) carry
			// first response: without LISTEN/NOTIFY, and with River's
			// insert triggers firing before our commits, only polling finds
			// their jobs, so they poll often. Maintenance on the default
			// queue polls at the client's slower interval.
			q.FetchPollInterval = fastPollInterval
		}
		rc.Queues[name] = q
	}
	if cfg.Workers == nil {
		rc.Queues = nil
	}
	j := &jobs{onEvent: cfg.OnJobEvent, done: make(chan struct{}), id: newClientID(), logger: logger}
	rc.ID = j.id
	var err error
	if s.dialect == Postgres {
		j.pg, err = river.NewClient(riverpgxv5.New(s.pool), rc)
	} else {
		// SQLite has no LISTEN/NOTIFY: River polls for new jobs.
		rc.FetchPollInterval = 100 * time.Millisecond
		j.lite, err = river.NewClient(riversqlite.New(s.wdb), rc)
	}
	if err != nil {
		return fmt.Errorf("configure jobs: %w", err)
	}
	s.jobs = j
	return nil
}

// StartJobs starts working jobs. It returns once the client runs.
func (s *Store) StartJobs(ctx context.Context) error {
	j := s.jobs
	if j == nil {
		return errJobsNotConfigured
	}
	kinds := []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled, river.EventKindJobSnoozed}
	var events <-chan *river.Event
	var err error
	if j.pg != nil {
		if j.liveness, err = s.holdLiveness(ctx, j.id); err != nil {
			return err
		}
		n, err := s.requeueOrphansPostgres(ctx, j.liveness, j.id)
		if err != nil {
			return err
		}
		logRequeued(j.logger, n)
		j.stopScan, j.scanDone = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(j.scanDone)
			t := time.NewTicker(2 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-j.stopScan:
					return
				case <-t.C:
					n, err := s.requeueOrphansPostgres(context.Background(), j.liveness, j.id)
					if err != nil {
						j.logger.Warn("requeue orphaned jobs", "err", err)
					}
					logRequeued(j.logger, n)
				}
			}
		}()
	} else {
		n, err := s.requeueOrphansSQLite(ctx)
		if err != nil {
			return err
		}
		logRequeued(j.logger, n)
	}
	if j.pg != nil {
		events, j.unsubscribe = j.pg.Subscribe(kinds...)
		err = j.pg.Start(ctx)
	} else {
		events, j.unsubscribe = j.lite.Subscribe(kinds...)
		err = j.lite.Start(ctx)
	}
	if err != nil {
		j.unsubscribe()
		return fmt.Errorf("start jobs: %w", err)
	}
	j.started = true
	go func() {
		defer close(j.done)
		for ev := range events {
			if j.onEvent != nil {
				j.onEvent(ev)
			}
		}
	}()
	return nil
}

// StopJobs waits for running jobs to finish (up to ctx's deadline, after
// which they are cancelled) and stops the client. Safe to call more than
// once or without StartJobs.
func (s *Store) StopJobs(ctx context.Context) error {
	if s.jobs == nil {
		return nil
	}
	return s.jobs.stop(ctx)
}

func (j *jobs) stop(ctx context.Context) error {
	if !j.started {
		return nil
	}
	j.started = false
	var err error
	if j.pg != nil {
		err = j.pg.Stop(ctx)
		if err != nil {
			err = j.pg.StopAndCancel(context.WithoutCancel(ctx))
		}
	} else {
		err = j.lite.Stop(ctx)
		if err != nil {
			err = j.lite.StopAndCancel(context.WithoutCancel(ctx))
		}
	}
	j.unsubscribe()
	<-j.done
	if j.stopScan != nil {
		close(j.stopScan)
		<-j.scanDone
		_ = j.liveness.Close(context.Background())
	}
	return err
}

// JobQueueDepth counts jobs waiting to run (available, scheduled or retryable).
func (s *Store) JobQueueDepth(ctx context.Context) (map[string]int64, error) {
	rows, err := s.Query(ctx, `SELECT state, COUNT(*) FROM river_job WHERE state IN ('available','scheduled','retryable','running') GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{"available": 0, "scheduled": 0, "retryable": 0, "running": 0}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}
