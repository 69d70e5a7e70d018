package event_test

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// pruneFixture is a database with events ingested before and after a
// retention horizon.
type pruneFixture struct {
	db            *store.Store
	es            *event.Store
	now, horizon  time.Time
	old, recent   []*event.Event
	recentResRows int64
}

// newPruneFixture appends, interleaved, 7 events ingested two days before
// now (2 resources each) and 4 ingested within the last day (1 resource
// each, one exactly at the horizon, which is kept). Event times are the
// other way round, to show that pruning goes by ingest time.
func newPruneFixture(t *testing.T, d store.Dialect) *pruneFixture {
	t.Helper()
	f := &pruneFixture{now: time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)}
	f.horizon = f.now.Add(-24 * time.Hour)
	f.db, f.es = openEvents(t, d)
	oldIngest, recentIngest := f.now.Add(-48*time.Hour), f.now.Add(-time.Hour)
	newOld := func(n int) []*event.Event {
		var evs []*event.Event
		for range n {
			evs = append(evs, newEvent("old", "t", f.now, "arn:old:"+strconv.Itoa(len(f.old)+len(evs)), "arn:shared"))
		}
		f.old = append(f.old, evs...)
		return evs
	}
	newRecent := func(n int) []*event.Event {
		var evs []*event.Event
		for range n {
			evs = append(evs, newEvent("recent", "t", f.now.Add(-30*24*time.Hour), "arn:shared"))
		}
		f.recent = append(f.recent, evs...)
		f.recentResRows += int64(n)
		return evs
	}
	appendEvents(t, f.db, f.es, recentIngest, newRecent(1)...)
	appendEvents(t, f.db, f.es, oldIngest, newOld(4)...)
	appendEvents(t, f.db, f.es, recentIngest, newRecent(2)...)
	appendEvents(t, f.db, f.es, oldIngest, newOld(3)...)
	appendEvents(t, f.db, f.es, f.horizon, newRecent(1)...)
	require.Equal(t, int64(11), countEvents(t, f.es))
	require.Equal(t, int64(7*2+4), countResources(t, f.db))
	return f
}

// requirePruned checks that exactly the old events and their resource rows
// are gone.
func (f *pruneFixture) requirePruned(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	require.Equal(t, int64(len(f.recent)), countEvents(t, f.es))
	require.Zero(t, countResources(t, f.db, ids(f.old)...))
	require.Equal(t, f.recentResRows, countResources(t, f.db))
	for _, ev := range f.old {
		_, err := f.es.Get(ctx, ev.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
	}
	for _, ev := range f.recent {
		got, err := f.es.Get(ctx, ev.ID)
		require.NoError(t, err)
		requireEqualEvents(t, ev, got)
	}
	got, _, err := f.es.List(ctx, event.Filter{Resource: "arn:shared"})
	require.NoError(t, err)
	require.Equal(t, newestFirst(f.recent...), ids(got))
}

func TestStorePrune(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		tests := []struct {
			name  string
			batch int
		}{
			{"default batch", 0},
			{"batch of 1", 1},
			{"batch of 3", 3},
			{"batch equal to the rows", 7},
			{"batch larger than the rows", 100},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				f := newPruneFixture(t, d)
				n, err := f.es.Prune(ctx, f.horizon, tc.batch)
				require.NoError(t, err)
				require.Equal(t, int64(len(f.old)), n)
				f.requirePruned(t)

				// Nothing left to prune.
				n, err = f.es.Prune(ctx, f.horizon, tc.batch)
				require.NoError(t, err)
				require.Zero(t, n)
				require.Equal(t, int64(len(f.recent)), countEvents(t, f.es))
			})
		}

		t.Run("nothing old", func(t *testing.T) {
			t.Parallel()
			f := newPruneFixture(t, d)
			n, err := f.es.Prune(context.Background(), f.now.Add(-72*time.Hour), 2)
			require.NoError(t, err)
			require.Zero(t, n)
			require.Equal(t, int64(11), countEvents(t, f.es))
		})

		t.Run("empty store", func(t *testing.T) {
			t.Parallel()
			_, es := openEvents(t, d)
			n, err := es.Prune(context.Background(), time.Now(), 0)
			require.NoError(t, err)
			require.Zero(t, n)
		})

		t.Run("cancelled context", func(t *testing.T) {
			t.Parallel()
			f := newPruneFixture(t, d)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := f.es.Prune(ctx, f.horizon, 1)
			require.ErrorIs(t, err, context.Canceled)
			require.Equal(t, int64(11), countEvents(t, f.es))
		})
	})
}

func TestPruneWorker(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := newPruneFixture(t, d)
		var logs bytes.Buffer
		w := &event.PruneWorker{
			Store:     f.es,
			Retention: 24 * time.Hour,
			Now:       func() time.Time { return f.now },
			Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
		}
		require.NoError(t, w.Work(ctx, &river.Job[event.PruneArgs]{}))
		f.requirePruned(t)
		require.Contains(t, logs.String(), "events pruned")
		require.Contains(t, logs.String(), "count=7")
		require.Contains(t, logs.String(), "horizon=2026-01-09T12:00:00")

		// A second run finds nothing and logs nothing.
		logs.Reset()
		require.NoError(t, w.Work(ctx, &river.Job[event.PruneArgs]{}))
		require.Empty(t, logs.String())
		require.Equal(t, int64(len(f.recent)), countEvents(t, f.es))

		// Later, the rest expires; without a logger the worker is quiet.
		w.Logger = nil
		w.Now = func() time.Time { return f.now.Add(48 * time.Hour) }
		require.NoError(t, w.Work(ctx, &river.Job[event.PruneArgs]{}))
		require.Zero(t, countEvents(t, f.es))
		require.Zero(t, countResources(t, f.db))
	})
}

func TestPruneJob(t *testing.T) {
	t.Parallel()
	require.Equal(t, "event.prune", event.PruneArgs{}.Kind())
	require.NotNil(t, event.PeriodicPrune(time.Hour))
}
