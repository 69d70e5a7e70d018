package execution

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/workflow"
)

// Queue is the River queue execution jobs run on.
const Queue = "executions"

// AdvanceArgs continues an execution that has runnable work.
type AdvanceArgs struct {
	Execution string `json:"execution"`
}

// Kind is "execution.advance".
func (AdvanceArgs) Kind() string { return "execution.advance" }

// TaskArgs runs one task request of an execution through its integration.
type TaskArgs struct {
	Execution string `json:"execution"`
	Request   string `json:"request"`
}

// Kind is "execution.task".
func (TaskArgs) Kind() string { return "execution.task" }

// TimerArgs fires one timer request (a Wait, a retry interval, the
// execution's TimeoutSeconds) or, with Timeout set, fails a task that has
// not answered within its TimeoutSeconds.
type TimerArgs struct {
	Execution string `json:"execution"`
	Request   string `json:"request"`
	Timeout   bool   `json:"timeout,omitempty"`
}

// Kind is "execution.timer".
func (TimerArgs) Kind() string { return "execution.timer" }

// Executor runs executions durably: each step loads the execution's
// checkpoint in a transaction, advances the interpreter, and commits the
// new checkpoint, its history events and the jobs that continue it
// together. Waiting executions are rows and scheduled jobs, never
// goroutines.
type Executor struct {
	DB        *store.Store
	Resources *resource.Store
	Registry  *workflow.Registry
	Logger    *slog.Logger
	// Account and Region make ARNs: arn:aws:states:REGION:ACCOUNT:...
	Account, Region string
	// Publish, if set, commits events about executions (status changes)
	// in the step's transaction (see Publisher).
	Publish func(ctx context.Context, tx store.Tx, e *Summary, account, region string) error
	Now     func() time.Time

	mu       sync.Mutex
	machines map[string]*workflow.Machine // by definition hash; bounded
}

func (x *Executor) now() time.Time {
	if x.Now != nil {
		return x.Now().UTC()
	}
	return time.Now().UTC()
}

// Summary is an execution as DescribeExecution shows it (Step Functions API
// Reference › DescribeExecution), with AWS's field names.
type Summary struct {
	ExecutionArn    string          `json:"executionArn"`
	StateMachineArn string          `json:"stateMachineArn"`
	StateMachine    string          `json:"stateMachineName"`
	Name            string          `json:"name"`
	Status          string          `json:"status"`
	StartDate       time.Time       `json:"startDate"`
	StopDate        *time.Time      `json:"stopDate,omitempty"`
	Input           json.RawMessage `json:"input,omitempty"`
	Output          json.RawMessage `json:"output,omitempty"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
}

// StateMachineARN is the ARN of the state machine named name.
func (x *Executor) StateMachineARN(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", x.Region, x.Account, name)
}

func (x *Executor) executionARN(machine, name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", x.Region, x.Account, machine, name)
}

var executionNameRE = regexp.MustCompile(`^[0-9A-Za-z_-]{1,80}$`)

// ErrInvalidInput wraps the errors of a StartExecution request that can
// never succeed: an invalid execution name, input that is not JSON or is
// larger than 256 KiB.
var ErrInvalidInput = errors.New("invalid input")

// ErrExecutionExists is returned by Start when an execution of the same
// name has a different input (StartExecution's ExecutionAlreadyExists).
var ErrExecutionExists = errors.New("ExecutionAlreadyExists")

// Start begins an execution of the state machine named machine
// (StartExecution). The name makes it idempotent: starting again with the
// same name and input returns the existing execution; with another input
// it fails with ErrExecutionExists. An empty name gets a random one. The
// execution runs the definition the machine has now, whatever is applied
// later.
func (x *Executor) Start(ctx context.Context, machine, name string, input []byte) (*Summary, error) {
	return x.start(ctx, machine, name, input, "")
}

// start is Start for an execution whose end answers the task parent
// (execution ARN "#" request id) when parent is set.
func (x *Executor) start(ctx context.Context, machine, name string, input []byte, parent string) (*Summary, error) {
	if len(input) == 0 {
		input = []byte("{}")
	}
	res, err := x.Resources.Get(ctx, KindName, machine)
	if err != nil {
		return nil, err
	}
	var spec Spec
	if err := json.Unmarshal(res.Spec, &spec); err != nil {
		return nil, err
	}
	m, err := x.machine(spec.Definition)
	if err != nil {
		return nil, err
	}
	if name != "" && !executionNameRE.MatchString(name) {
		return nil, fmt.Errorf("%w: invalid execution name %q: 1 to 80 letters, digits, - and _", ErrInvalidInput, name)
	}
	now := x.now()
	e, err := m.Start(input, workflow.StartOptions{Name: name, StateMachineName: machine, StateMachineARN: x.StateMachineARN(machine)}, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	e.ARN = x.executionARN(machine, e.Name)
	var out *Summary
	err = x.DB.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		var oldInput string
		err := tx.QueryRow(ctx, `SELECT input FROM executions WHERE arn = $1`, e.ARN).Scan(&oldInput)
		switch {
		case err == nil:
			if !sameJSON([]byte(oldInput), input) {
				return fmt.Errorf("%w: %s was started with another input", ErrExecutionExists, e.ARN)
			}
			out, err = x.describe(ctx, tx, e.ARN)
			return err
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		// The input as the caller wrote it (compacted), as AWS keeps it.
		var inputJSON bytes.Buffer
		if err := json.Compact(&inputJSON, input); err != nil {
			return err
		}
		var parentCol any
		if parent != "" {
			parentCol = parent
		}
		if _, err := tx.Exec(ctx, `INSERT INTO executions (arn, state_machine, name, definition, status, input, start_us, checkpoint, parent)
			VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', $8)`, e.ARN, machine, e.Name, string(spec.Definition), e.Status, inputJSON.String(), now.UnixMicro(), parentCol); err != nil {
			return err
		}
		if err := x.save(ctx, tx, m, e, e.Status, 0, true); err != nil {
			return err
		}
		out, err = x.describe(ctx, tx, e.ARN)
		return err
	})
	return out, err
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// machine compiles a definition, caching by content.
func (x *Executor) machine(def []byte) (*workflow.Machine, error) {
	sum := sha256.Sum256(def)
	key := hex.EncodeToString(sum[:])
	x.mu.Lock()
	m := x.machines[key]
	x.mu.Unlock()
	if m != nil {
		return m, nil
	}
	m, err := workflow.Parse(def)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	if x.machines == nil || len(x.machines) >= 1000 {
		x.machines = map[string]*workflow.Machine{}
	}
	x.machines[key] = m
	x.mu.Unlock()
	return m, nil
}

// load reads an execution's checkpoint in tx, locking its row on
// PostgreSQL (SQLite has one writer).
func (x *Executor) load(ctx context.Context, tx store.Querier, arn string, lock bool) (*workflow.Machine, *workflow.Execution, error) {
	q := `SELECT definition, checkpoint FROM executions WHERE arn = $1`
	if lock && x.DB.Dialect() == store.Postgres {
		q += ` FOR UPDATE`
	}
	var def, cp string
	if err := tx.QueryRow(ctx, q, arn).Scan(&def, &cp); err != nil {
		return nil, nil, err
	}
	m, err := x.machine([]byte(def))
	if err != nil {
		return nil, nil, err
	}
	e, err := workflow.UnmarshalExecution([]byte(cp))
	if err != nil {
		return nil, nil, err
	}
	return m, e, nil
}

// save advances e as far as it goes, then writes its checkpoint, the
// history events it recorded since the last save and the jobs for the
// requests made since request number before. prevStatus is the status
// before this step, to publish changes; isNew marks the step that starts
// the execution (it publishes RUNNING first, and makes the execution's
// TimeoutSeconds timer).
func (x *Executor) save(ctx context.Context, tx store.Tx, m *workflow.Machine, e *workflow.Execution, prevStatus string, before int64, isNew bool) error {
	now := x.now()
	if isNew && x.Publish != nil {
		if err := x.publish(ctx, tx, e.ARN); err != nil {
			return err
		}
	}
	m.Advance(e, now, nil)
	if !e.Done() && len(e.Runnable) > 0 {
		// Out of budget: continue in another job.
		if err := tx.InsertJob(ctx, AdvanceArgs{Execution: e.ARN}, &river.InsertOpts{Queue: Queue}); err != nil {
			return err
		}
	}
	// Every request made in this step — by Advance, or by the answer the
	// step delivered (a retry interval after a failed task) — gets its job.
	var fresh []*workflow.Request
	for _, r := range e.Pending {
		made := requestNumber(r.ID) > before
		if r.ID == "timeout" { // the execution's TimeoutSeconds, made by Start
			made = isNew
		}
		if made {
			fresh = append(fresh, r)
		}
	}
	sort.Slice(fresh, func(i, j int) bool { return requestNumber(fresh[i].ID) < requestNumber(fresh[j].ID) })
	for _, r := range fresh {
		if err := x.enqueue(ctx, tx, e.ARN, r); err != nil {
			return err
		}
	}
	// History: new events go to their own table.
	events := e.History
	e.History = nil
	for _, h := range events {
		body, err := json.Marshal(h)
		if err != nil {
			return err
		}
		tx.Insert("execution_events", []string{"execution", "id", "body"}, e.ARN, h.ID, string(body))
	}
	cp, err := workflow.MarshalExecution(e)
	if err != nil {
		return err
	}
	var output any
	var stop any
	if e.Done() {
		if _, err := tx.Exec(ctx, `DELETE FROM task_tokens WHERE execution = $1`, e.ARN); err != nil {
			return err
		}
		var parent *string
		if err := tx.QueryRow(ctx, `SELECT parent FROM executions WHERE arn = $1`, e.ARN).Scan(&parent); err != nil {
			return err
		}
		if parent != nil && *parent != "" {
			if err := tx.InsertJob(ctx, ChildDoneArgs{Parent: *parent, Child: e.ARN}, &river.InsertOpts{Queue: Queue}); err != nil {
				return err
			}
		}
		stop = e.StopTime.UnixMicro()
		if e.Status == workflow.StatusSucceeded {
			b, _ := json.Marshal(e.Output)
			output = string(b)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE executions SET status = $2, output = $3, error = $4, cause = $5, stop_us = $6, checkpoint = $7, events = $8 WHERE arn = $1`,
		e.ARN, e.Status, output, e.Error, e.Cause, stop, string(cp), e.LastEvent); err != nil {
		return err
	}
	if x.Publish != nil && e.Status != prevStatus {
		return x.publish(ctx, tx, e.ARN)
	}
	return nil
}

// publish sends the execution's status change event.
func (x *Executor) publish(ctx context.Context, tx store.Tx, arn string) error {
	s, err := x.describe(ctx, tx, arn)
	if err != nil {
		return err
	}
	return x.Publish(ctx, tx, s, x.Account, x.Region)
}

// requestNumber is the sequence number of a request id ("r12" → 12).
func requestNumber(id string) int64 {
	n, err := strconv.ParseInt(strings.TrimPrefix(id, "r"), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// enqueue makes the job that answers request r.
func (x *Executor) enqueue(ctx context.Context, tx store.Tx, arn string, r *workflow.Request) error {
	switch r.Kind {
	case workflow.KindTask:
		if err := tx.InsertJob(ctx, TaskArgs{Execution: arn, Request: r.ID}, &river.InsertOpts{Queue: Queue, MaxAttempts: 25}); err != nil {
			return err
		}
		if r.TaskToken != "" {
			if err := x.rememberToken(ctx, tx, arn, r); err != nil {
				return err
			}
		}
		if r.TimeoutSeconds > 0 {
			at := x.now().Add(time.Duration(r.TimeoutSeconds) * time.Second)
			return tx.InsertJob(ctx, TimerArgs{Execution: arn, Request: r.ID, Timeout: true}, &river.InsertOpts{Queue: Queue, ScheduledAt: at})
		}
		return nil
	case workflow.KindTimer:
		return tx.InsertJob(ctx, TimerArgs{Execution: arn, Request: r.ID}, &river.InsertOpts{Queue: Queue, ScheduledAt: r.Until})
	}
	return fmt.Errorf("unknown request kind %q", r.Kind)
}

// step applies fn to the execution in a transaction and saves it. fn
// returns false when there is nothing to do (the request was answered
// already).
func (x *Executor) step(ctx context.Context, arn string, fn func(m *workflow.Machine, e *workflow.Execution) bool) error {
	return x.DB.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		m, e, err := x.load(ctx, tx, arn, true)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if e.Done() {
			return nil
		}
		prev, before := e.Status, e.NextRequest
		if fn != nil && !fn(m, e) {
			return nil
		}
		return x.save(ctx, tx, m, e, prev, before, false)
	})
}

// Stop aborts a running execution (StopExecution).
func (x *Executor) Stop(ctx context.Context, arn, errName, cause string) (*Summary, error) {
	err := x.step(ctx, arn, func(m *workflow.Machine, e *workflow.Execution) bool {
		m.Stop(e, errName, cause, x.now())
		return true
	})
	if err != nil {
		return nil, err
	}
	return x.describe(ctx, x.DB, arn)
}

// AdvanceWorker works execution.advance jobs.
type AdvanceWorker struct {
	river.WorkerDefaults[AdvanceArgs]
	X *Executor
}

// Work continues the execution.
func (w *AdvanceWorker) Work(ctx context.Context, job *river.Job[AdvanceArgs]) error {
	return w.X.step(ctx, job.Args.Execution, nil)
}

// TimerWorker works execution.timer jobs.
type TimerWorker struct {
	river.WorkerDefaults[TimerArgs]
	X *Executor
}

// Work fires the timer, or times the task out.
func (w *TimerWorker) Work(ctx context.Context, job *river.Job[TimerArgs]) error {
	a := job.Args
	return w.X.step(ctx, a.Execution, func(m *workflow.Machine, e *workflow.Execution) bool {
		r, ok := e.Pending[a.Request]
		if !ok {
			return false
		}
		resp := workflow.Response{ID: r.ID}
		if a.Timeout {
			resp.Failed, resp.Error, resp.Cause = true, workflow.ErrTimeout, fmt.Sprintf("The task of state '%s' did not answer within %d seconds", r.State, r.TimeoutSeconds)
		}
		return m.Deliver(e, resp, w.X.now())
	})
}

// TaskWorker works execution.task jobs: it runs the request through its
// integration outside any transaction, then delivers the answer. A job
// retried after a crash finds the request still pending and runs it again
// with the same idempotency key (the request id within the execution);
// once the answer is committed the request is gone and a retried job does
// nothing, so a completed task never runs twice.
type TaskWorker struct {
	river.WorkerDefaults[TaskArgs]
	X *Executor
}

// Timeout lets a task run as long as the longest task timeout allows
// (900 s for functions) and some: the integration enforces the task's own
// TimeoutSeconds, and a timer job fails the task when it passes.
func (w *TaskWorker) Timeout(*river.Job[TaskArgs]) time.Duration { return 16 * time.Minute }

// Work runs the task.
func (w *TaskWorker) Work(ctx context.Context, job *river.Job[TaskArgs]) error {
	x := w.X
	a := job.Args
	_, e, err := x.load(ctx, x.DB, a.Execution, false)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	r, ok := e.Pending[a.Request]
	if !ok || e.Done() {
		return nil
	}
	r.IdempotencyKey = a.Execution + "#" + r.ID
	resp := workflow.Response{ID: r.ID}
	pattern, found := "", false
	if x.Registry != nil {
		var integ workflow.Integration
		integ, pattern, found = x.Registry.Lookup(r.Resource)
		if found {
			out, err := integ.Invoke(ctx, r, pattern)
			if errors.Is(err, workflow.ErrAnswerLater) {
				return nil
			}
			if ctx.Err() != nil {
				// Shutting down, or the job timed out: not the task's
				// failure. River runs the job again, with the same key.
				return ctx.Err()
			}
			var te *workflow.TaskError
			switch {
			case errors.As(err, &te):
				resp.Failed, resp.Error, resp.Cause = true, te.Name, te.Cause
			case err != nil:
				resp.Failed, resp.Error, resp.Cause = true, workflow.ErrTaskFailed, err.Error()
			default:
				resp.Output = out
			}
		}
	}
	if !found {
		resp.Failed, resp.Error, resp.Cause = true, workflow.ErrRuntime, fmt.Sprintf("No integration runs the resource %s of state '%s'", r.Resource, r.State)
	}
	if pattern == workflow.WaitForTaskToken && !resp.Failed {
		// The task completes when its token is answered.
		return nil
	}
	return x.step(ctx, a.Execution, func(m *workflow.Machine, e *workflow.Execution) bool {
		return m.Deliver(e, resp, x.now())
	})
}

// Workers adds the execution workers to ws.
func (x *Executor) Workers(ws *river.Workers) {
	river.AddWorker(ws, &AdvanceWorker{X: x})
	river.AddWorker(ws, &TaskWorker{X: x})
	river.AddWorker(ws, &TimerWorker{X: x})
	river.AddWorker(ws, &HeartbeatWorker{X: x})
	river.AddWorker(ws, &ChildWorker{X: x})
}
