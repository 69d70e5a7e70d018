package rule

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/firstline/firstline/internal/store"
)

var deadLetterCols = []string{"event_id", "rule", "target_id", "replay_name", "attempts", "reason", "status", "response", "created_us"}

// DeadLetter is a delivery that failed for good.
type DeadLetter struct {
	ID         int64      `json:"id"`
	EventID    string     `json:"eventId"`
	Rule       string     `json:"rule"`
	Target     string     `json:"target"`
	ReplayName string     `json:"replayName,omitempty"`
	Attempts   int        `json:"attempts"`
	Reason     string     `json:"reason"`
	Status     int        `json:"status,omitempty"`
	Response   string     `json:"response,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	RedrivenAt *time.Time `json:"redrivenAt,omitempty"`
}

const (
	qDeadLetters = `SELECT seq, event_id, rule, target_id, replay_name, attempts, reason, status, response, created_us, redriven_us FROM dead_letters`
	qMarkRedrive = `UPDATE dead_letters SET redriven_us = $1 WHERE seq = $2 AND redriven_us IS NULL`
)

// ListDeadLetters returns dead letters, newest first: only those not yet
// redriven unless all is set; only rule's if rule is set; at most limit
// (default 100, at most 1000).
func ListDeadLetters(ctx context.Context, q store.Querier, rule string, all bool, limit int) ([]DeadLetter, error) {
	var where []string
	var args []any
	if rule != "" {
		args = append(args, rule)
		where = append(where, "rule = $"+strconv.Itoa(len(args)))
	}
	if !all {
		where = append(where, "redriven_us IS NULL")
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	query := qDeadLetters
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	query += " ORDER BY seq DESC LIMIT $" + strconv.Itoa(len(args))
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	defer rows.Close()
	out := []DeadLetter{}
	for rows.Next() {
		var d DeadLetter
		var created int64
		var redriven *int64
		if err := rows.Scan(&d.ID, &d.EventID, &d.Rule, &d.Target, &d.ReplayName, &d.Attempts, &d.Reason, &d.Status, &d.Response, &created, &redriven); err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		d.CreatedAt = time.UnixMicro(created).UTC()
		if redriven != nil {
			t := time.UnixMicro(*redriven).UTC()
			d.RedrivenAt = &t
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Redrive enqueues the deliveries of the dead letters not yet redriven
// (only rule's if set) again, in one transaction that also marks them
// redriven, and returns how many. One call handles up to 1000 dead
// letters, the newest; call again for more. A dead letter whose rule or target no
// longer exists is marked and skipped.
func (e *Engine) Redrive(ctx context.Context, db *store.Store, rule string) (int, error) {
	n := 0
	err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		n = 0
		list, err := ListDeadLetters(ctx, tx, rule, false, 1000)
		if err != nil {
			return err
		}
		now := time.Now().UnixMicro()
		for _, d := range list {
			if _, err := tx.Exec(ctx, qMarkRedrive, now, d.ID); err != nil {
				return err
			}
			_, t := e.target(d.Rule, d.Target)
			if t == nil {
				continue
			}
			attempts, _ := t.Retries()
			args := DeliverArgs{EventID: d.EventID, Rule: d.Rule, Target: d.Target, Replay: d.ReplayName}
			if err := tx.InsertJob(ctx, args, &river.InsertOpts{MaxAttempts: attempts + 1, Queue: DeliveryQueue}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redrive: %w", err)
	}
	return n, nil
}
