package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// orphanLockClass namespaces the advisory locks that mark live job clients.
const orphanLockClass = 0x466c // "Fl"

// newClientID returns a job client ID never used before.
func newClientID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "firstline_" + time.Now().UTC().Format("20060102T150405") + "_" + hex.EncodeToString(b)
}

// requeueOrphansSQLite makes jobs left running by a dead process available
// again. Only one process uses an SQLite database (the data-dir lock), so
// before this process starts working jobs, every running job is an orphan.
func (s *Store) requeueOrphansSQLite(ctx context.Context) (int64, error) {
	res, err := s.wdb.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running' AND attempt < max_attempts`)
	if err != nil {
		return 0, fmt.Errorf("requeue orphaned jobs: %w", err)
	}
	return res.RowsAffected()
}

// holdLiveness takes, on a connection of its own held for the life of the
// job client, the advisory lock that says client id is alive. PostgreSQL
// releases it when the process dies and its connection closes.
func (s *Store) holdLiveness(ctx context.Context, id string) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("job liveness connection: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, orphanLockClass, id); err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("job liveness lock: %w", err)
	}
	return conn, nil
}

// requeueOrphansPostgres makes the running jobs of dead clients available
// again: a client is dead when its liveness lock can be taken.
func (s *Store) requeueOrphansPostgres(ctx context.Context, conn *pgx.Conn, self string) (int64, error) {
	rows, err := conn.Query(ctx, `SELECT DISTINCT attempted_by[array_length(attempted_by, 1)] FROM river_job WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("requeue orphaned jobs: %w", err)
	}
	owners, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("requeue orphaned jobs: %w", err)
	}
	var total int64
	for _, owner := range owners {
		if owner == self {
			continue
		}
		var free bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, orphanLockClass, owner).Scan(&free); err != nil {
			return total, fmt.Errorf("requeue orphaned jobs: %w", err)
		}
		if !free {
			continue // alive
		}
		tag, err := conn.Exec(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = $1 AND attempt < max_attempts`, owner)
		_, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, orphanLockClass, owner)
		if err != nil {
			return total, fmt.Errorf("requeue orphaned jobs: %w", err)
		}
		total += tag.RowsAffected()
	}
	return total, nil
}

func logRequeued(l *slog.Logger, n int64) {
	if n > 0 && l != nil {
		l.Warn("requeued jobs left running by a process that died", "jobs", n)
	}
}
