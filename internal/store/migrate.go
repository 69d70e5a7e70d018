package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migrate applies firstline's schema migrations and then River's.
func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFS, "migrations/"+string(s.dialect))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	db := s.wdb
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
		db = s.sqldb
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	known := int64(0)
	for _, src := range p.ListSources() {
		known = max(known, src.Version)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil && !errors.Is(err, goose.ErrVersionNotFound) {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if current > known {
		return fmt.Errorf("%w: database is at schema version %d, this binary knows up to %d; run a newer firstline (or point --database at another database)", ErrSchemaTooNew, current, known)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		s.logger.InfoContext(ctx, "migration applied", "version", r.Source.Version, "path", r.Source.Path, "duration", r.Duration)
	}
	if s.dialect == Postgres {
		m, err := rivermigrate.New(riverpgxv5.New(s.pool), nil)
		if err != nil {
			return fmt.Errorf("migrate job queue: %w", err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("migrate job queue: %w", err)
		}
		return nil
	}
	m, err := rivermigrate.New(riversqlite.New(s.wdb), nil)
	if err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// SchemaVersion reports the version of firstline's schema in the database
// and the newest version this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (current, known int64, err error) {
	err = s.QueryRow(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&current)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	entries, _ := fs.ReadDir(migrationFS, "migrations/"+string(s.dialect))
	return current, int64(len(entries)), nil
}
