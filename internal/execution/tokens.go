package execution

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/workflow"
)

// Task token errors, as the Step Functions API names them
// (SendTaskSuccess › Errors).
var (
	// ErrTaskDoesNotExist: the token names no waiting task (answered
	// already, timed out, or its execution ended).
	ErrTaskDoesNotExist = errors.New("TaskDoesNotExist")
	// ErrInvalidOutput: the output is not JSON or is larger than 256 KiB.
	ErrInvalidOutput = errors.New("InvalidOutput")
)

// HeartbeatArgs checks that a waiting task heartbeated within its
// HeartbeatSeconds.
type HeartbeatArgs struct {
	Execution string `json:"execution"`
	Request   string `json:"request"`
	Token     string `json:"token"`
}

// Kind is "execution.heartbeat".
func (HeartbeatArgs) Kind() string { return "execution.heartbeat" }

// rememberToken records a .waitForTaskToken task's token in tx and
// schedules its first heartbeat check.
func (x *Executor) rememberToken(ctx context.Context, tx store.Tx, arn string, r *workflow.Request) error {
	tx.Insert("task_tokens", []string{"token", "execution", "request", "heartbeat_us"}, r.TaskToken, arn, r.ID, x.now().UnixMicro())
	if r.HeartbeatSeconds > 0 {
		at := x.now().Add(time.Duration(r.HeartbeatSeconds) * time.Second)
		return tx.InsertJob(ctx, HeartbeatArgs{Execution: arn, Request: r.ID, Token: r.TaskToken}, &river.InsertOpts{Queue: Queue, ScheduledAt: at})
	}
	return nil
}

// answerToken delivers resp to the task waiting on token.
func (x *Executor) answerToken(ctx context.Context, token string, resp workflow.Response) error {
	var arn, req string
	err := x.DB.QueryRow(ctx, `SELECT execution, request FROM task_tokens WHERE token = $1`, token).Scan(&arn, &req)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: no task is waiting for this token", ErrTaskDoesNotExist)
	}
	if err != nil {
		return err
	}
	answered := false
	err = x.step(ctx, arn, func(m *workflow.Machine, e *workflow.Execution) bool {
		if _, ok := e.Pending[req]; !ok {
			return false
		}
		resp.ID = req
		answered = m.Deliver(e, resp, x.now())
		return answered
	})
	if err != nil {
		return err
	}
	if _, err := x.DB.Exec(ctx, `DELETE FROM task_tokens WHERE token = $1`, token); err != nil {
		return err
	}
	if !answered {
		return fmt.Errorf("%w: the task is no longer waiting (answered, timed out or its execution ended)", ErrTaskDoesNotExist)
	}
	return nil
}

// SendTaskSuccess completes the task waiting on token with output (JSON
// text), as the SendTaskSuccess API does.
func (x *Executor) SendTaskSuccess(ctx context.Context, token string, output []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(output))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: output is not JSON: %v", ErrInvalidOutput, err)
	}
	if len(output) > workflow.MaxPayloadBytes {
		return fmt.Errorf("%w: output is %d bytes, more than %d", ErrInvalidOutput, len(output), workflow.MaxPayloadBytes)
	}
	return x.answerToken(ctx, token, workflow.Response{Output: v})
}

// SendTaskFailure fails the task waiting on token with an error name and
// cause (SendTaskFailure); Retry and Catch see them.
func (x *Executor) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return x.answerToken(ctx, token, workflow.Response{Failed: true, Error: errName, Cause: cause})
}

// SendTaskHeartbeat records that the task waiting on token is alive
// (SendTaskHeartbeat), restarting its HeartbeatSeconds.
func (x *Executor) SendTaskHeartbeat(ctx context.Context, token string) error {
	n, err := x.DB.Exec(ctx, `UPDATE task_tokens SET heartbeat_us = $2 WHERE token = $1`, token, x.now().UnixMicro())
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: no task is waiting for this token", ErrTaskDoesNotExist)
	}
	return nil
}

// HeartbeatWorker works execution.heartbeat jobs: a task whose last
// heartbeat is older than its HeartbeatSeconds fails with
// States.HeartbeatTimeout; otherwise the check is scheduled again.
type HeartbeatWorker struct {
	river.WorkerDefaults[HeartbeatArgs]
	X *Executor
}

// Work checks one heartbeat.
func (w *HeartbeatWorker) Work(ctx context.Context, job *river.Job[HeartbeatArgs]) error {
	x, a := w.X, job.Args
	var last int64
	err := x.DB.QueryRow(ctx, `SELECT heartbeat_us FROM task_tokens WHERE token = $1`, a.Token).Scan(&last)
	if errors.Is(err, store.ErrNotFound) {
		return nil // answered
	}
	if err != nil {
		return err
	}
	_, e, err := x.load(ctx, x.DB, a.Execution, false)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	r, ok := e.Pending[a.Request]
	if !ok || e.Done() || r.HeartbeatSeconds <= 0 {
		return nil
	}
	due := time.UnixMicro(last).Add(time.Duration(r.HeartbeatSeconds) * time.Second)
	if x.now().Before(due) {
		// A heartbeat came in: check again when the next one is due.
		return x.DB.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.InsertJob(ctx, a, &river.InsertOpts{Queue: Queue, ScheduledAt: due})
		})
	}
	return x.step(ctx, a.Execution, func(m *workflow.Machine, e *workflow.Execution) bool {
		r, ok := e.Pending[a.Request]
		if !ok {
			return false
		}
		return m.Deliver(e, workflow.Response{ID: r.ID, Failed: true, Error: workflow.ErrHeartbeatTimeout,
			Cause: fmt.Sprintf("No heartbeat for the task of state '%s' in %d seconds", r.State, r.HeartbeatSeconds)}, x.now())
	})
}
