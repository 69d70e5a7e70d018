package execution_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/execution"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
	"github.com/firstline/firstline/internal/workflow"
)

// calls records the invocations an integration received, by idempotency
// key.
type calls struct {
	mu   sync.Mutex
	keys map[string]int
}

func (c *calls) invoke(_ context.Context, r *workflow.Request, _ string) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys[r.IdempotencyKey]++
	p, _ := r.Parameters.(map[string]any)
	if p["fail"] == true {
		return nil, &workflow.TaskError{Name: "Lambda.Unknown", Cause: "the function failed"}
	}
	return map[string]any{"Payload": map[string]any{"echo": p["Payload"]}, "StatusCode": json.Number("200")}, nil
}

// startExecutor opens a migrated database, applies machines and runs the
// execution jobs.
func startExecutor(t *testing.T, d store.Dialect, c *calls, machines map[string]string) *execution.Executor {
	return startExecutorB(t, d, c, machines)
}

func startExecutorB(t testing.TB, d store.Dialect, c *calls, machines map[string]string) *execution.Executor {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: storetest.DSN(t, d)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	kinds := resource.NewRegistry()
	require.NoError(t, kinds.Register(execution.Kind{}))
	resources := resource.NewStore(db, kinds)
	reg := workflow.NewRegistry()
	require.NoError(t, reg.Register("arn:aws:states:::lambda:invoke", workflow.IntegrationFunc(c.invoke)))
	x := &execution.Executor{DB: db, Resources: resources, Registry: reg, Account: "123456789012", Region: "ap-northeast-1"}
	require.NoError(t, (&execution.Builtins{X: x, Events: event.NewStore(db), Defaults: event.Defaults{Account: "123456789012", Region: "ap-northeast-1"}}).Register(reg))
	ws := river.NewWorkers()
	x.Workers(ws)
	require.NoError(t, db.ConfigureJobs(store.JobsConfig{Workers: ws, Queues: map[string]int{execution.Queue: 4}}))
	require.NoError(t, db.StartJobs(ctx))
	t.Cleanup(func() { _ = db.StopJobs(context.Background()) })
	for name, def := range machines {
		spec, _ := json.Marshal(map[string]any{"DefinitionString": def})
		_, _, err := resources.Apply(ctx, resource.Resource{Kind: execution.KindName, Name: name, Spec: spec}, false)
		require.NoError(t, err)
	}
	return x
}

func waitDone(t *testing.T, x *execution.Executor, arn string) *execution.Summary {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s, err := x.Describe(context.Background(), arn)
		require.NoError(t, err)
		if s.Status != workflow.StatusRunning {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("execution %s still running", arn)
	return nil
}

const durableMachine = `{
  "StartAt": "Call",
  "States": {
    "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"Payload.$": "$.host"}, "ResultSelector": {"echo.$": "$.Payload.echo"}, "ResultPath": "$.call", "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Each"},
    "Each": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "Item", "States": {
      "Item": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"Payload.$": "$"}, "OutputPath": "$.Payload.echo", "End": true}}},
      "ResultPath": "$.items", "Next": "Check"},
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.call.echo", "StringEquals": "web-1", "Next": "Done"}], "Default": "Bad"},
    "Bad": {"Type": "Fail", "Error": "Wrong", "Cause": "wrong echo"},
    "Done": {"Type": "Succeed"}
  }
}`

// TestDurableExecution runs an execution with a task, a Wait and a Map on
// the job queue of both databases, and checks its output, history and
// that each task ran once.
func TestDurableExecution(t *testing.T) {
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		c := &calls{keys: map[string]int{}}
		x := startExecutor(t, d, c, map[string]string{"durable": durableMachine})
		ctx := context.Background()
		s, err := x.Start(ctx, "durable", "run-1", []byte(`{"host":"web-1","items":[1,2,3]}`))
		require.NoError(t, err)
		require.Equal(t, "arn:aws:states:ap-northeast-1:123456789012:execution:durable:run-1", s.ExecutionArn)

		// Starting again with the same name and input is the same execution;
		// another input is refused.
		again, err := x.Start(ctx, "durable", "run-1", []byte(`{"items":[1,2,3],"host":"web-1"}`))
		require.NoError(t, err)
		require.Equal(t, s.ExecutionArn, again.ExecutionArn)
		_, err = x.Start(ctx, "durable", "run-1", []byte(`{"host":"web-2"}`))
		require.True(t, errors.Is(err, execution.ErrExecutionExists), "%v", err)

		done := waitDone(t, x, s.ExecutionArn)
		require.Equal(t, workflow.StatusSucceeded, done.Status, "%s: %s", done.Error, done.Cause)
		require.JSONEq(t, `{"host":"web-1","call":{"echo":"web-1"},"items":[1,2,3]}`, string(done.Output))
		require.NotNil(t, done.StopDate)
		require.GreaterOrEqual(t, done.StopDate.Sub(done.StartDate), time.Second, "the Wait of 1 s")

		c.mu.Lock()
		require.Len(t, c.keys, 4, "one call per task request")
		for k, n := range c.keys {
			require.Equal(t, 1, n, "request %s ran %d times", k, n)
		}
		c.mu.Unlock()

		events, next, err := x.History(ctx, s.ExecutionArn, false, 0, 1000)
		require.NoError(t, err)
		require.Zero(t, next)
		var types []string
		for i, raw := range events {
			var h struct {
				ID   int64  `json:"id"`
				Type string `json:"type"`
			}
			require.NoError(t, json.Unmarshal(raw, &h))
			require.Equal(t, int64(i+1), h.ID)
			types = append(types, h.Type)
		}
		require.Equal(t, "ExecutionStarted", types[0])
		require.Equal(t, "ExecutionSucceeded", types[len(types)-1])
		require.Contains(t, types, "WaitStateExited")
		require.Contains(t, types, "MapIterationSucceeded")
		page, next, err := x.History(ctx, s.ExecutionArn, true, 0, 2)
		require.NoError(t, err)
		require.Len(t, page, 2)
		require.Equal(t, int64(len(types)-1), next)
		require.Contains(t, string(page[0]), "ExecutionSucceeded")

		list, _, err := x.List(ctx, execution.ListFilter{StateMachine: "durable", Status: workflow.StatusSucceeded, Since: time.Now().Add(-5 * time.Minute)})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, "run-1", list[0].Name)
	})
}

// TestStopAndTaskFailure stops a waiting execution, and sees a failing
// task fail another.
func TestStopAndTaskFailure(t *testing.T) {
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		c := &calls{keys: map[string]int{}}
		x := startExecutor(t, d, c, map[string]string{
			"waits": `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`,
			"fails": `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"fail":true},"End":true}}}`,
		})
		ctx := context.Background()
		w, err := x.Start(ctx, "waits", "", nil)
		require.NoError(t, err)
		stopped, err := x.Stop(ctx, w.ExecutionArn, "Operator", "no longer needed")
		require.NoError(t, err)
		require.Equal(t, workflow.StatusAborted, stopped.Status)
		require.Equal(t, "Operator", stopped.Error)

		f, err := x.Start(ctx, "fails", "", nil)
		require.NoError(t, err)
		done := waitDone(t, x, f.ExecutionArn)
		require.Equal(t, workflow.StatusFailed, done.Status)
		require.Equal(t, "Lambda.Unknown", done.Error)
		require.Equal(t, "the function failed", done.Cause)

		_, err = x.Start(ctx, "missing", "", nil)
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}
