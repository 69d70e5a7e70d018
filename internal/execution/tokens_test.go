package execution_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/execution"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
	"github.com/firstline/firstline/internal/workflow"
)

const approvalMachine = `{
  "StartAt": "Ask",
  "States": {
    "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token", "host.$": "$.host"}},
            "HeartbeatSeconds": 1, "TimeoutSeconds": 3600,
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Rejected"}],
            "ResultPath": "$.approval", "End": true},
    "Rejected": {"Type": "Pass", "End": true}
  }
}`

// TestTaskTokens waits for a person's answer: approve, reject, and a task
// that stops heartbeating.
func TestTaskTokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		tokens := make(chan string, 10)
		ctx := context.Background()
		db, err := store.Open(ctx, store.Config{DSN: storetest.DSN(t, d)})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		kinds := resource.NewRegistry()
		require.NoError(t, kinds.Register(execution.Kind{}))
		resources := resource.NewStore(db, kinds)
		reg := workflow.NewRegistry()
		require.NoError(t, reg.Register("arn:aws:states:::lambda:invoke", workflow.IntegrationFunc(func(_ context.Context, r *workflow.Request, pattern string) (any, error) {
			require.Equal(t, workflow.WaitForTaskToken, pattern)
			p := r.Parameters.(map[string]any)["Payload"].(map[string]any)
			require.Equal(t, r.TaskToken, p["token"])
			tokens <- r.TaskToken
			return nil, nil
		})))
		x := &execution.Executor{DB: db, Resources: resources, Registry: reg, Account: "1", Region: "r"}
		ws := river.NewWorkers()
		x.Workers(ws)
		require.NoError(t, db.ConfigureJobs(store.JobsConfig{Workers: ws, Queues: map[string]int{execution.Queue: 4}}))
		require.NoError(t, db.StartJobs(ctx))
		t.Cleanup(func() { _ = db.StopJobs(context.Background()) })
		spec, _ := json.Marshal(map[string]any{"DefinitionString": approvalMachine})
		_, _, err = resources.Apply(ctx, resource.Resource{Kind: execution.KindName, Name: "approval", Spec: spec}, false)
		require.NoError(t, err)

		start := func(name string) (string, string) {
			s, err := x.Start(ctx, "approval", name, []byte(`{"host":"web-1"}`))
			require.NoError(t, err)
			select {
			case tok := <-tokens:
				return s.ExecutionArn, tok
			case <-time.After(15 * time.Second):
				t.Fatal("the task never ran")
			}
			return "", ""
		}

		// Approve: the output becomes the task's result. Heartbeats keep a
		// slow person within HeartbeatSeconds.
		arn, tok := start("approve")
		for range 3 {
			time.Sleep(400 * time.Millisecond)
			require.NoError(t, x.SendTaskHeartbeat(ctx, tok))
		}
		require.NoError(t, x.SendTaskSuccess(ctx, tok, []byte(`{"approvedBy":"sato"}`)))
		done := waitDone(t, x, arn)
		require.Equal(t, workflow.StatusSucceeded, done.Status, done.Cause)
		require.JSONEq(t, `{"host":"web-1","approval":{"approvedBy":"sato"}}`, string(done.Output))
		require.ErrorIs(t, x.SendTaskSuccess(ctx, tok, []byte(`{}`)), execution.ErrTaskDoesNotExist, "a token answers once")
		require.ErrorIs(t, x.SendTaskSuccess(ctx, "nope", []byte(`{}`)), execution.ErrTaskDoesNotExist)

		// Reject: Catch sees the error name.
		arn, tok = start("reject")
		require.ErrorIs(t, x.SendTaskSuccess(ctx, tok, []byte(`not json`)), execution.ErrInvalidOutput)
		require.NoError(t, x.SendTaskFailure(ctx, tok, "Rejected", "not during business hours"))
		done = waitDone(t, x, arn)
		require.Equal(t, workflow.StatusSucceeded, done.Status)
		require.JSONEq(t, `{"host":"web-1","rejection":{"Error":"Rejected","Cause":"not during business hours"}}`, string(done.Output))

		// Silence: HeartbeatSeconds 1 passes without a heartbeat.
		arn, _ = start("silent")
		done = waitDone(t, x, arn)
		require.Equal(t, workflow.StatusFailed, done.Status)
		require.Equal(t, workflow.ErrHeartbeatTimeout, done.Error)
	})
}
