package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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

type sqlTx struct {
	sqlQuerier
	tx *sql.Tx
	s  *Store
	rows
}

func (t *sqlTx) flush(ctx context.Context) error {
	for _, st := range t.statements() {
		if _, err := t.Exec(ctx, st.query, st.args...); err != nil {
			return err
		}
	}
	return nil
}

func (t *sqlTx) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if t.s.jobs == nil || t.s.jobs.lite == nil {
		return errJobsNotConfigured
	}
	_, err := t.s.jobs.lite.InsertTx(ctx, t.tx, args, opts)
	return err
}

// pgTx begins its transaction on first use of the connection (Exec, Query,
// QueryRow, InsertJob); rows queued with Insert alone never need one.
func (t *sqlTx) InsertJobs(ctx context.Context, jobs []river.InsertManyParams) error {
	if t.s.jobs == nil || t.s.jobs.lite == nil {
		return errJobsNotConfigured
	}
	_, err := t.s.jobs.lite.InsertManyTx(ctx, t.tx, jobs)
	return err
}

type pgTx struct {
	s  *Store
	tx pgx.Tx // nil until begun
	rows
}

func (t *pgTx) begin(ctx context.Context) (pgx.Tx, error) {
	if t.tx == nil {
		tx, err := t.s.pool.Begin(ctx)
		if err != nil {
			return nil, fmt.Errorf("begin transaction: %w", mapErr(err))
		}
		t.tx = tx
	}
	return t.tx, nil
}

func (t *pgTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tx, err := t.begin(ctx)
	if err != nil {
		return 0, err
	}
	return pgQuerier{tx}.Exec(ctx, query, args...)
}

func (t *pgTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	tx, err := t.begin(ctx)
	if err != nil {
		return nil, err
	}
	return pgQuerier{tx}.Query(ctx, query, args...)
}

func (t *pgTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	tx, err := t.begin(ctx)
	if err != nil {
		return errRow{err}
	}
	return pgQuerier{tx}.QueryRow(ctx, query, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (t *pgTx) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if t.s.jobs == nil || t.s.jobs.pg == nil {
		return errJobsNotConfigured
	}
	tx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	_, err = t.s.jobs.pg.InsertTx(ctx, tx, args, opts)
	return err
}

func (t *pgTx) InsertJobs(ctx context.Context, jobs []river.InsertManyParams) error {
	if t.s.jobs == nil || t.s.jobs.pg == nil {
		return errJobsNotConfigured
	}
	tx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	_, err = t.s.jobs.pg.InsertManyTx(ctx, tx, jobs)
	return err
}

func (t *pgTx) rollback(ctx context.Context) {
	if t.tx != nil {
		_ = t.tx.Rollback(context.WithoutCancel(ctx))
	}
}

// commit writes the queued rows and commits. Without a begun transaction
// the rows go in one pipeline, which PostgreSQL runs as one implicit
// transaction.
func (t *pgTx) commit(ctx context.Context) error {
	sts := t.statements()
	b := &pgx.Batch{}
	for _, st := range sts {
		b.Queue(st.query, st.args...)
	}
	if t.tx == nil {
		if len(sts) == 0 {
			return nil
		}
		return commitErr(t.s.pool.SendBatch(ctx, b).Close())
	}
	if len(sts) > 0 {
		if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
			return mapErr(err)
		}
	}
	return commitErr(t.tx.Commit(ctx))
}

// commitErr classifies an error of the statement that commits: with a
// server answer the transaction did not commit; without one (the
// connection broke) nobody knows.
func commitErr(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return fmt.Errorf("commit: %w: %w", ErrOutcomeUnknown, err)
}
