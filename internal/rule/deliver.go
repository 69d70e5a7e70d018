package rule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"

	"github.com/firstline/firstline/internal/rule/input"
	"github.com/firstline/firstline/internal/store"
)

// DeliverWorker works rule.deliver jobs: it loads the event, shapes the
// target's input, delivers, and on failure retries with exponential
// backoff and jitter within the target's RetryPolicy; deliveries that fail
// permanently, run out of attempts or outlive MaximumEventAgeInSeconds go
// to the dead-letter list.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	Engine *Engine
	DB     *store.Store
	Now    func() time.Time
}

func (w *DeliverWorker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// NextRetry doubles the delay per attempt from Engine.RetryBase (default
// 1 s), up to 5 minutes, with ±20% jitter.
func (w *DeliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return w.now().Add(backoff(w.Engine.RetryBase, job.Attempt))
}

func backoff(base time.Duration, attempt int) time.Duration {
	if base <= 0 {
		base = time.Second
	}
	d := base << min(max(attempt-1, 0), 20)
	d = min(d, 5*time.Minute)
	jitter := 0.8 + 0.4*rand.Float64() //nolint:gosec // jitter, not security
	return time.Duration(float64(d) * jitter)
}

// Work delivers one event to one target.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	a := job.Args
	e := w.Engine
	r, t := e.target(a.Rule, a.Target)
	if r == nil || t == nil {
		// The rule or target was deleted after the event matched.
		e.Logger.InfoContext(ctx, "delivery dropped: rule or target no longer exists", "rule", a.Rule, "target", a.Target, "event_id", a.EventID)
		e.Metrics.delivered(a.Rule, "dropped", 0)
		return nil
	}
	stored, err := e.Events.GetStored(ctx, a.EventID)
	if errors.Is(err, store.ErrNotFound) {
		return w.deadLetter(ctx, job, "event no longer stored (pruned by retention)", 0, "")
	}
	if err != nil {
		return err
	}
	_, maxAge := t.Retries()
	if age := w.now().Sub(stored.Ingested); age > time.Duration(maxAge)*time.Second && a.Replay == "" {
		return w.deadLetter(ctx, job, fmt.Sprintf("event is %s old, beyond MaximumEventAgeInSeconds %d", age.Round(time.Second), maxAge), 0, "")
	}
	body := stored.Body
	if a.Replay != "" {
		body = withReplayName(body, a.Replay)
	}
	payload, err := t.Config.Shape(body, input.Rule{Name: r.name, ARN: e.RuleARN(r.name)}, stored.Ingested)
	if err != nil {
		return w.deadLetter(ctx, job, "shape input: "+err.Error(), 0, "")
	}
	d, err := e.Targets.deliverer(*t)
	if err != nil {
		return w.deadLetter(ctx, job, err.Error(), 0, "")
	}
	start := w.now()
	err = d.Deliver(ctx, Delivery{Rule: r.name, Target: *t, EventID: a.EventID, Payload: payload})
	elapsed := w.now().Sub(start)
	if err == nil {
		e.Metrics.delivered(a.Rule, "success", elapsed)
		e.Metrics.latency(w.now().Sub(stored.Ingested))
		return nil
	}
	var de *DeliveryError
	if !errors.As(err, &de) {
		de = &DeliveryError{Err: err}
	}
	if de.Permanent {
		return w.deadLetter(ctx, job, err.Error(), de.Status, de.Response)
	}
	if job.Attempt >= job.MaxAttempts {
		return w.deadLetter(ctx, job, fmt.Sprintf("gave up after %d attempts: %v", job.Attempt, err), de.Status, de.Response)
	}
	if next := w.NextRetry(job); next.Sub(stored.Ingested) > time.Duration(maxAge)*time.Second && a.Replay == "" {
		return w.deadLetter(ctx, job, fmt.Sprintf("next retry would pass MaximumEventAgeInSeconds %d: %v", maxAge, err), de.Status, de.Response)
	}
	e.Metrics.delivered(a.Rule, "retry", elapsed)
	e.Logger.InfoContext(ctx, "delivery failed; will retry", "rule", a.Rule, "target", a.Target, "event_id", a.EventID, "attempt", job.Attempt, "err", err)
	return err
}

// withReplayName adds "replay-name" to an envelope, as EventBridge marks
// replayed events.
func withReplayName(body []byte, name string) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	q, _ := json.Marshal(name)
	m["replay-name"] = q
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// deadLetter records the failed delivery and ends the job.
func (w *DeliverWorker) deadLetter(ctx context.Context, job *river.Job[DeliverArgs], reason string, status int, response string) error {
	a := job.Args
	err := w.DB.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		tx.Insert("dead_letters", deadLetterCols, a.EventID, a.Rule, a.Target, a.Replay, job.Attempt, reason, status, response, w.now().UnixMicro())
		return nil
	})
	if err != nil {
		return fmt.Errorf("record dead letter: %w", err)
	}
	w.Engine.Metrics.delivered(a.Rule, "dead_letter", 0)
	w.Engine.Logger.WarnContext(ctx, "delivery dead-lettered", "rule", a.Rule, "target", a.Target, "event_id", a.EventID, "attempt", job.Attempt, "reason", reason)
	return river.JobCancel(errors.New(reason))
}
