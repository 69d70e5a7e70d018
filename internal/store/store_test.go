package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("database/sql.(*DB).connectionOpener"))
}

func TestMigrateFromEmpty(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		dsn := storetest.DSN(t, d)
		s, err := store.Open(ctx, store.Config{DSN: dsn})
		require.NoError(t, err)
		current, known, err := s.SchemaVersion(ctx)
		require.NoError(t, err)
		require.Equal(t, known, current)
		require.Positive(t, current)
		for _, table := range []string{"events", "event_resources", "api_tokens", "audit_log", "river_job"} {
			var n int64
			require.NoError(t, s.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n), table)
			require.Zero(t, n, table)
		}
		require.NoError(t, s.Close())

		// A second open migrates nothing and works.
		s, err = store.Open(ctx, store.Config{DSN: dsn})
		require.NoError(t, err)
		require.NoError(t, s.Close())
	})
}

func TestSchemaTooNewIsRefused(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		dsn := storetest.DSN(t, d)
		s, err := store.Open(ctx, store.Config{DSN: dsn})
		require.NoError(t, err)
		_, err = s.Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`)
		require.NoError(t, err)
		require.NoError(t, s.Close())

		_, err = store.Open(ctx, store.Config{DSN: dsn})
		require.ErrorIs(t, err, store.ErrSchemaTooNew)
		require.ErrorContains(t, err, "schema version 9999")
	})
}

func TestOpenRejectsUnknownDSN(t *testing.T) {
	t.Parallel()
	_, err := store.Open(context.Background(), store.Config{DSN: "mysql://root@localhost/x"})
	require.ErrorContains(t, err, "want sqlite://<path> or postgres://")
}

func TestErrorsMapToSentinels(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s := storetest.Open(t, d)
		var x string
		err := s.QueryRow(ctx, `SELECT id FROM api_tokens WHERE id = $1`, "nope").Scan(&x)
		require.ErrorIs(t, err, store.ErrNotFound)

		ins := `INSERT INTO api_tokens (id, name, role, hash, created_us, created_by) VALUES ($1, $2, 'viewer', $3, 1, 't')`
		_, err = s.Exec(ctx, ins, "a", "n1", "h1")
		require.NoError(t, err)
		_, err = s.Exec(ctx, ins, "b", "n2", "h1")
		require.ErrorIs(t, err, store.ErrConflict)
	})
}

type testArgs struct{ N int }

func (testArgs) Kind() string { return "storetest.noop" }

type testWorker struct {
	river.WorkerDefaults[testArgs]
	mu   sync.Mutex
	seen []int
	done chan struct{}
}

func (w *testWorker) Work(_ context.Context, j *river.Job[testArgs]) error {
	w.mu.Lock()
	w.seen = append(w.seen, j.Args.N)
	w.mu.Unlock()
	w.done <- struct{}{}
	return nil
}

func TestJobInsertedWithTransaction(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s := storetest.Open(t, d)
		w := &testWorker{done: make(chan struct{}, 4)}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		require.NoError(t, s.ConfigureJobs(store.JobsConfig{Workers: workers}))

		// Rolled back: no job.
		boom := errors.New("boom")
		err := s.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			require.NoError(t, tx.InsertJob(ctx, testArgs{N: 1}, nil))
			return boom
		})
		require.ErrorIs(t, err, boom)
		var n int64
		require.NoError(t, s.QueryRow(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&n))
		require.Zero(t, n)

		// Committed: the job exists and is worked.
		require.NoError(t, s.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.InsertJob(ctx, testArgs{N: 2}, nil)
		}))
		require.NoError(t, s.StartJobs(ctx))
		<-w.done
		require.NoError(t, s.StopJobs(ctx))
		require.Equal(t, []int{2}, w.seen)
	})
}

func TestCommitterGroupsAndIsolatesFailures(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s := storetest.Open(t, d)
		var batches []int
		var mu sync.Mutex
		c := store.NewCommitter(s, store.CommitterConfig{MaxBatch: 16, OnBatch: func(n int) { mu.Lock(); batches = append(batches, n); mu.Unlock() }})
		const writers = 64
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				hash := fmt.Sprintf("h%d", i)
				if i%10 == 7 {
					hash = "dup" // every writer but the first with this hash conflicts
				}
				errs[i] = c.Submit(ctx, func(ctx context.Context, tx store.Tx) error {
					tx.Insert("api_tokens", []string{"id", "name", "role", "hash", "created_us", "created_by"},
						fmt.Sprintf("id%d", i), fmt.Sprintf("n%d", i), "viewer", hash, 1, "t")
					return nil
				})
			})
		}
		wg.Wait()
		c.Close()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		require.Equal(t, writers-5, ok)
		require.Equal(t, 5, conflicts)
		var n int64
		require.NoError(t, s.QueryRow(ctx, `SELECT COUNT(*) FROM api_tokens`).Scan(&n))
		require.Equal(t, int64(ok), n)
		total := 0
		for _, b := range batches {
			total += b
			require.LessOrEqual(t, b, 16)
		}
		require.Equal(t, ok, total)
		require.ErrorIs(t, c.Submit(ctx, func(context.Context, store.Tx) error { return nil }), store.ErrCommitterClosed)
	})
}

// TestInsertOnlyTransactionIsAtomic: rows queued for two tables commit
// together or not at all, also on PostgreSQL's one-round-trip path where
// no BEGIN is sent.
func TestInsertOnlyTransactionIsAtomic(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s := storetest.Open(t, d)
		tokCols := []string{"id", "name", "role", "hash", "created_us", "created_by"}
		evCols := []string{"id", "source", "detail_type", "time_us", "ingested_us", "body"}
		require.NoError(t, s.InTx(ctx, func(_ context.Context, tx store.Tx) error {
			tx.Insert("events", evCols, "e1", "s", "d", 1, 1, "{}")
			return nil
		}))
		err := s.InTx(ctx, func(_ context.Context, tx store.Tx) error {
			tx.Insert("api_tokens", tokCols, "t1", "n1", "viewer", "h1", 1, "t")
			tx.Insert("events", evCols, "e1", "s", "d", 1, 1, "{}") // duplicate id
			return nil
		})
		require.ErrorIs(t, err, store.ErrConflict)
		var n int64
		require.NoError(t, s.QueryRow(ctx, `SELECT COUNT(*) FROM api_tokens`).Scan(&n))
		require.Zero(t, n, "the first table's row outlived the failed transaction")
	})
}
