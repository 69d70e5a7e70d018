package store

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
)

// sqlConn is what *sql.DB and *sql.Tx share.
type sqlConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type sqlQuerier struct{ c sqlConn }

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.c.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.c.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return rows, nil
}

func (q sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return sqlRow{q.c.QueryRowContext(ctx, query, args...)}
}

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error { return mapErr(r.r.Scan(dest...)) }

// pgConn is what *pgxpool.Pool and pgx.Tx share.
type pgConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type pgQuerier struct{ c pgConn }

func (q pgQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.c.Exec(ctx, query, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

func (q pgQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.c.Query(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return pgRows{rows}, nil
}

func (q pgQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return pgRow{q.c.QueryRow(ctx, query, args...)}
}

type pgRows struct{ r pgx.Rows }

func (r pgRows) Next() bool             { return r.r.Next() }
func (r pgRows) Scan(dest ...any) error { return r.r.Scan(dest...) }
func (r pgRows) Err() error             { return mapErr(r.r.Err()) }
func (r pgRows) Close() error           { r.r.Close(); return nil }

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error { return mapErr(r.r.Scan(dest...)) }

type deferred struct {
	query string
	args  []any
}

type sqlTx struct {
	sqlQuerier
	tx     *sql.Tx
	s      *Store
	queued []deferred
}

func (t *sqlTx) Defer(query string, args ...any) {
	t.queued = append(t.queued, deferred{query, args})
}

func (t *sqlTx) flush(ctx context.Context) error {
	for _, d := range t.queued {
		if _, err := t.Exec(ctx, d.query, d.args...); err != nil {
			return err
		}
	}
	t.queued = nil
	return nil
}

func (t *sqlTx) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if t.s.jobs == nil || t.s.jobs.lite == nil {
		return errJobsNotConfigured
	}
	_, err := t.s.jobs.lite.InsertTx(ctx, t.tx, args, opts)
	return err
}

type pgTx struct {
	pgQuerier
	tx    pgx.Tx
	s     *Store
	batch *pgx.Batch
}

func (t *pgTx) Defer(query string, args ...any) {
	if t.batch == nil {
		t.batch = &pgx.Batch{}
	}
	t.batch.Queue(query, args...)
}

func (t *pgTx) flush(ctx context.Context) error {
	if t.batch == nil || t.batch.Len() == 0 {
		return nil
	}
	b := t.batch
	t.batch = nil
	return mapErr(t.tx.SendBatch(ctx, b).Close())
}

func (t *pgTx) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if t.s.jobs == nil || t.s.jobs.pg == nil {
		return errJobsNotConfigured
	}
	_, err := t.s.jobs.pg.InsertTx(ctx, t.tx, args, opts)
	return err
}
