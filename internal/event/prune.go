package event

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// DefaultRetention is how long events are kept when not configured.
const DefaultRetention = 30 * 24 * time.Hour

// PruneArgs are the arguments of the event.prune job.
type PruneArgs struct{}

// Kind is the stable job kind.
func (PruneArgs) Kind() string { return "event.prune" }

// PruneWorker deletes events older than Retention. It runs as the periodic
// River job event.prune (see PeriodicPrune).
type PruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	Store     *Store
	Retention time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
}

// Work deletes the expired events.
func (w *PruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	horizon := now().Add(-w.Retention)
	n, err := w.Store.Prune(ctx, horizon, 0)
	if w.Logger != nil && n > 0 {
		w.Logger.InfoContext(ctx, "events pruned", "count", n, "horizon", horizon)
	}
	return err
}

// PeriodicPrune schedules event.prune every interval, and once at start.
func PeriodicPrune(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return PruneArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
	}, &river.PeriodicJobOpts{RunOnStart: true, ID: "event.prune"})
}
