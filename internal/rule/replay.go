package rule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/firstline/firstline/internal/store"
)

// Replay states, as EventBridge names them (API Reference › Replay).
const (
	ReplayStarting  = "STARTING"
	ReplayRunning   = "RUNNING"
	ReplayCompleted = "COMPLETED"
	ReplayFailed    = "FAILED"
)

// Replay re-runs stored events through the rules (EventBridge User Guide ›
// Archiving and replaying events): every event whose time is in
// [EventStartTime, EventEndTime) is matched again, against Rule only if
// set, and delivered with "replay-name" added to the envelope.
type Replay struct {
	Name           string    `json:"Name"`
	Rule           string    `json:"Rule,omitempty"`
	EventStartTime time.Time `json:"EventStartTime"`
	EventEndTime   time.Time `json:"EventEndTime"`
	State          string    `json:"State"`
	// EventsReplayed counts the events scanned so far; Deliveries the
	// deliveries enqueued.
	EventsReplayed int64     `json:"EventsReplayed"`
	Deliveries     int64     `json:"Deliveries"`
	CreatedAt      time.Time `json:"CreatedAt"`
	UpdatedAt      time.Time `json:"UpdatedAt"`
}

const (
	qInsertReplay = `INSERT INTO replays (name, rule, start_us, end_us, state, last_seq, replayed, deliveries, created_us, updated_us) VALUES ($1, $2, $3, $4, $5, 0, 0, 0, $6, $6)`
	qGetReplay    = `SELECT name, rule, start_us, end_us, state, last_seq, replayed, deliveries, created_us, updated_us FROM replays WHERE name = $1`
	qReplayStep   = `UPDATE replays SET state = $2, last_seq = $3, replayed = replayed + $4, deliveries = deliveries + $5, updated_us = $6 WHERE name = $1`
)

// ReplayArgs are the arguments of the rule.replay job.
type ReplayArgs struct {
	Name string `json:"name"`
}

// Kind is the stable job kind.
func (ReplayArgs) Kind() string { return "rule.replay" }

// FieldError-style validation for StartReplay.
func validateReplay(r *Replay) error {
	var errs []error
	if r.Name == "" {
		r.Name = "replay-" + time.Now().UTC().Format("20060102T150405.000")
	}
	if len(r.Name) > 64 {
		errs = append(errs, &FieldError{"Name", "is longer than 64 characters"})
	}
	if r.EventStartTime.IsZero() {
		errs = append(errs, &FieldError{"EventStartTime", "is required"})
	}
	if r.EventEndTime.IsZero() {
		r.EventEndTime = time.Now().UTC()
	}
	if !r.EventStartTime.IsZero() && !r.EventEndTime.After(r.EventStartTime) {
		errs = append(errs, &FieldError{"EventEndTime", "must be after EventStartTime"})
	}
	return errors.Join(errs...)
}

// StartReplay records a replay and enqueues the job that runs it. It
// returns an error wrapping store.ErrConflict if the name is taken.
func (e *Engine) StartReplay(ctx context.Context, db *store.Store, r Replay) (Replay, error) {
	if err := validateReplay(&r); err != nil {
		return r, err
	}
	if r.Rule != "" {
		if c, _ := e.target(r.Rule, ""); c == nil {
			return r, &FieldError{"Rule", fmt.Sprintf("no rule named %q", r.Rule)}
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	r.State, r.CreatedAt, r.UpdatedAt = ReplayStarting, now, now
	err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Exec(ctx, qInsertReplay, r.Name, r.Rule, r.EventStartTime.UnixMicro(), r.EventEndTime.UnixMicro(), r.State, now.UnixMicro()); err != nil {
			return err
		}
		return tx.InsertJob(ctx, ReplayArgs{Name: r.Name}, &river.InsertOpts{MaxAttempts: 25})
	})
	if err != nil {
		return r, fmt.Errorf("start replay %s: %w", r.Name, err)
	}
	return r, nil
}

// GetReplay returns a replay's progress, or an error wrapping
// store.ErrNotFound.
func GetReplay(ctx context.Context, q store.Querier, name string) (Replay, int64, error) {
	var r Replay
	var start, end, created, updated, lastSeq int64
	err := q.QueryRow(ctx, qGetReplay, name).Scan(&r.Name, &r.Rule, &start, &end, &r.State, &lastSeq, &r.EventsReplayed, &r.Deliveries, &created, &updated)
	if err != nil {
		return r, 0, fmt.Errorf("replay %s: %w", name, err)
	}
	r.EventStartTime, r.EventEndTime = time.UnixMicro(start).UTC(), time.UnixMicro(end).UTC()
	r.CreatedAt, r.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return r, lastSeq, nil
}

// ReplayWorker runs rule.replay jobs: it pages through the events in
// ingest order and enqueues their deliveries, recording progress in the
// same transaction as each page's jobs, so a crash resumes where it
// stopped and never enqueues a page twice.
type ReplayWorker struct {
	river.WorkerDefaults[ReplayArgs]
	Engine *Engine
	DB     *store.Store
	// PageSize is the events per transaction (default 500).
	PageSize int
}

// Work runs the replay to the end.
func (w *ReplayWorker) Work(ctx context.Context, job *river.Job[ReplayArgs]) error {
	page := w.PageSize
	if page <= 0 {
		page = 500
	}
	r, lastSeq, err := GetReplay(ctx, w.DB, job.Args.Name)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	for r.State != ReplayCompleted {
		rows, err := w.Engine.Events.Scan(ctx, r.EventStartTime, r.EventEndTime, lastSeq, page)
		if err != nil {
			return err
		}
		state := ReplayRunning
		if len(rows) < page {
			state = ReplayCompleted
		}
		ids := make([]string, len(rows))
		bodies := make([][]byte, len(rows))
		for i, row := range rows {
			ids[i], bodies[i] = row.ID, row.Body
			lastSeq = row.Seq
		}
		jobs, err := w.Engine.Plan(ids, bodies, r.Rule, r.Name)
		if err != nil {
			return err
		}
		err = w.DB.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			if len(jobs) > 0 {
				if err := tx.InsertJobs(ctx, insertMany(jobs)); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, qReplayStep, r.Name, state, lastSeq, len(rows), len(jobs), time.Now().UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("replay %s: %w", r.Name, err)
		}
		r.State = state
	}
	w.Engine.Logger.InfoContext(ctx, "replay completed", "replay", r.Name)
	return nil
}
