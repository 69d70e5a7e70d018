package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL database behind a Store.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

var (
	// ErrNotFound is returned (wrapped) when a query for one row finds none.
	ErrNotFound = errors.New("not found")
	// ErrConflict is returned (wrapped) when a write breaks a unique constraint.
	ErrConflict = errors.New("conflict")
	// ErrSchemaTooNew is returned by Open when the database was migrated by a
	// newer firstline than this binary.
	ErrSchemaTooNew = errors.New("database schema is newer than this firstline binary knows")
	// ErrOutcomeUnknown is returned (wrapped) by InTx when the COMMIT of a
	// PostgreSQL transaction failed in a way that does not tell whether it
	// took effect (the connection broke while committing). Callers must not
	// report the change as failed.
	ErrOutcomeUnknown = errors.New("commit outcome unknown")
)

// Querier runs SQL written with numbered placeholders ($1, $2, ...). Both a
// Store (outside any transaction) and a Tx satisfy it.
type Querier interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Query runs a query returning rows; the caller must Close them.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query expected to return at most one row; its Scan
	// returns an error wrapping ErrNotFound when there is none.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is the result of Querier.Query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Row is the result of Querier.QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a database transaction. InsertJob enqueues a River job that becomes
// visible to workers only if the transaction commits.
type Tx interface {
	Querier
	InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
	// InsertJobs enqueues many jobs in one call.
	InsertJobs(ctx context.Context, jobs []river.InsertManyParams) error
	// Insert queues one row for table. Just before commit, the rows queued
	// for each table and column list — by every write sharing the
	// transaction — are written with multi-row INSERT statements, tables in
	// the order they were first queued (on PostgreSQL all in one network
	// round trip). An error from one fails the commit. cols and table are
	// trusted identifiers, never input.
	Insert(table string, cols []string, values ...any)
}

// Config configures Open.
type Config struct {
	// DSN selects the database: "sqlite://<path>" (relative paths are
	// relative to the working directory) or "postgres://..." /
	// "postgresql://..." (any libpq URL pgx accepts).
	DSN string
	// Logger receives the store's logs; nil discards them.
	Logger *slog.Logger
	// MaxConns bounds the PostgreSQL pool (default 16) and the SQLite reader
	// pool (default 8). The SQLite writer is always one connection.
	MaxConns int
}

// Store is an open database. It is safe for concurrent use.
type Store struct {
	dialect Dialect
	logger  *slog.Logger

	// SQLite
	fileLock io.Closer
	wdb      *sql.DB // the single writer, shared with River
	rdb      *sql.DB // readers

	// PostgreSQL
	pool  *pgxpool.Pool
	sqldb *sql.DB // database/sql view of pool, for goose

	jobs *jobs
}

// Open connects to the database named by cfg.DSN, creating an SQLite file
// (and its directory) if needed, and migrates it to the schema this binary
// knows. It returns an error wrapping ErrSchemaTooNew if the database is newer.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{logger: logger.With("component", "store")}
	switch {
	case strings.HasPrefix(cfg.DSN, "sqlite://"):
		if err := s.openSQLite(strings.TrimPrefix(cfg.DSN, "sqlite://"), cfg.MaxConns); err != nil {
			return nil, err
		}
	case strings.HasPrefix(cfg.DSN, "postgres://"), strings.HasPrefix(cfg.DSN, "postgresql://"):
		if err := s.openPostgres(ctx, cfg.DSN, cfg.MaxConns); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("open database: unsupported DSN %q: want sqlite://<path> or postgres://...", redactDSN(cfg.DSN))
	}
	if err := s.migrate(ctx); err != nil {
		s.closePools()
		return nil, err
	}
	return s, nil
}

func (s *Store) openSQLite(path string, maxConns int) error {
	if path == "" {
		return errors.New("open database: sqlite:// DSN needs a file path")
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("open database: create directory: %w", err)
	}
	s.dialect = SQLite
	// The database holds token hashes and events: readable by the owner only.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		_ = f.Close()
	}
	// One process per SQLite database: it is the one writer, and jobs it
	// finds running at start are orphans of a crash (requeueOrphansSQLite).
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return err
	}
	s.fileLock = lock
	// synchronous(FULL): a commit is on disk before it is acknowledged, so a
	// 2xx survives power loss, not only a process crash; group commit
	// amortises the fsync.
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	base := "file:" + path + "?" + q.Encode()
	if s.wdb, err = sql.Open("sqlite", base+"&_txlock=immediate"); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxIdleTime(0)
	s.wdb.SetConnMaxLifetime(0)
	if s.rdb, err = sql.Open("sqlite", base+"&mode=ro"); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if maxConns <= 0 {
		maxConns = 8
	}
	s.rdb.SetMaxOpenConns(maxConns)
	s.rdb.SetMaxIdleConns(maxConns)
	if err := s.wdb.Ping(); err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	return nil
}

func (s *Store) openPostgres(ctx context.Context, dsn string, maxConns int) error {
	s.dialect = Postgres
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("open database: parse PostgreSQL DSN: %w", err)
	}
	if maxConns <= 0 {
		maxConns = 16
	}
	pcfg.MaxConns = int32(maxConns)
	if s.pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	pctx, cancel := context.WithTimeoutCause(ctx, 15*time.Second, errors.New("connect to PostgreSQL timed out"))
	defer cancel()
	if err := s.pool.Ping(pctx); err != nil {
		s.pool.Close()
		return fmt.Errorf("open database %s: %w", redactDSN(dsn), err)
	}
	s.sqldb = stdlib.OpenDBFromPool(s.pool)
	return nil
}

// Dialect reports which database the store is on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close stops the job client if it runs and closes every connection.
func (s *Store) Close() error {
	if s.jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.jobs.stop(ctx)
	}
	s.closePools()
	return nil
}

func (s *Store) closePools() {
	if s.fileLock != nil {
		defer func() { _ = s.fileLock.Close(); s.fileLock = nil }()
	}
	if s.wdb != nil {
		_ = s.wdb.Close()
	}
	if s.rdb != nil {
		_ = s.rdb.Close()
	}
	if s.sqldb != nil {
		_ = s.sqldb.Close()
	}
	if s.pool != nil {
		s.pool.Close()
	}
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if s.dialect == Postgres {
		return s.pool.Ping(ctx)
	}
	return s.rdb.PingContext(ctx)
}

// Exec runs a statement outside any explicit transaction (on SQLite, on the
// writer connection).
func (s *Store) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if s.dialect == Postgres {
		return pgQuerier{s.pool}.Exec(ctx, query, args...)
	}
	return sqlQuerier{s.wdb}.Exec(ctx, query, args...)
}

// Query runs a read query (on SQLite, on the reader pool).
func (s *Store) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if s.dialect == Postgres {
		return pgQuerier{s.pool}.Query(ctx, query, args...)
	}
	return sqlQuerier{s.rdb}.Query(ctx, query, args...)
}

// QueryRow runs a read query for one row (on SQLite, on the reader pool).
func (s *Store) QueryRow(ctx context.Context, query string, args ...any) Row {
	if s.dialect == Postgres {
		return pgQuerier{s.pool}.QueryRow(ctx, query, args...)
	}
	return sqlQuerier{s.rdb}.QueryRow(ctx, query, args...)
}

// InTx runs fn in a read-write transaction and commits it if fn returns nil;
// otherwise it rolls back and returns fn's error. fn must not keep tx.
//
// On PostgreSQL the transaction begins lazily: if fn only queues rows with
// Tx.Insert, they are sent as one pipeline that PostgreSQL runs as one
// implicit transaction (PostgreSQL › Frontend/Backend Protocol › Extended
// Query: the statements up to Sync), one network round trip instead of
// three (BEGIN, the rows, COMMIT).
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	if s.dialect == Postgres {
		return s.inPgTx(ctx, fn)
	}
	stx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", mapErr(err))
	}
	defer func() { _ = stx.Rollback() }()
	t := &sqlTx{sqlQuerier: sqlQuerier{stx}, tx: stx, s: s}
	if err := fn(ctx, t); err != nil {
		return err
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// mapErr translates driver errors into ErrNotFound and ErrConflict.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	// The sentinels replace the driver's text, which differs by dialect
	// and would reach API messages.
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return ErrConflict
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return ErrConflict
		}
	}
	return err
}

// redactDSN hides the password of a URL-shaped DSN so it can be logged.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "<unparseable DSN>"
	}
	return u.Redacted()
}

// RedactDSN returns dsn with any password replaced, for logs and messages.
func RedactDSN(dsn string) string { return redactDSN(dsn) }

func (s *Store) inPgTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	t := &pgTx{s: s}
	defer t.rollback(ctx)
	if err := fn(ctx, t); err != nil {
		return err
	}
	return t.commit(ctx)
}
