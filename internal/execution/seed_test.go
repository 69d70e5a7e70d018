package execution_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/execution"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
	"github.com/firstline/firstline/internal/workflow"
)

// TestSeedRunbookDurable runs the seed's first-response state machine,
// unmodified, on the server's executor through all four branches. AWS
// itself is out of reach, so Run Command and SNS are stand-in integrations
// (the Run Command and notification capabilities register the real ones);
// the Lambda functions answer as the seed's do.
func TestSeedRunbookDurable(t *testing.T) {
	seed, err := os.ReadFile("../../testdata/fixtures/states/seed-first-response.asl.json")
	require.NoError(t, err)
	alarm, err := os.ReadFile("../../testdata/fixtures/cloudwatch/canary-alarm-state-change.json")
	require.NoError(t, err)
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db, err := store.Open(ctx, store.Config{DSN: storetest.DSN(t, d)})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		kinds := resource.NewRegistry()
		reg := workflow.NewRegistry()
		require.NoError(t, kinds.Register(execution.Kind{Registry: reg}))
		resources := resource.NewStore(db, kinds)

		// Per execution (by input host marker): how many recent failures the
		// Alert_count function reports, and what systemctl prints.
		var mu sync.Mutex
		published := map[string][]string{}
		failedCount := func(ev map[string]any) int {
			if strings.Contains(ev["detail"].(map[string]any)["alarmName"].(string), "flapping") {
				return 6
			}
			return 0
		}
		status := func(key string) string {
			if strings.Contains(key, "inactive") {
				return "   Active: inactive (dead)"
			}
			return "   Active: active (running) since Tue 2023-04-11 03:20:15 UTC"
		}
		exec := func(r *workflow.Request) string { return strings.SplitN(r.IdempotencyKey, "#", 2)[0] }
		require.NoError(t, reg.Register("arn:aws:states:::lambda:invoke", workflow.IntegrationFunc(func(_ context.Context, r *workflow.Request, _ string) (any, error) {
			p := r.Parameters.(map[string]any)
			ev := p["Payload"].(map[string]any)
			if strings.Contains(p["FunctionName"].(string), "Trigger_check") {
				return map[string]any{"StatusCode": json.Number("200"), "Payload": map[string]any{"checked": true}}, nil
			}
			return map[string]any{"StatusCode": json.Number("200"), "Payload": map[string]any{"failed_count": json.Number(strconv.Itoa(failedCount(ev))), "event": ev}}, nil
		})))
		require.NoError(t, reg.Register("arn:aws:states:::aws-sdk:ssm:sendCommand", workflow.IntegrationFunc(func(_ context.Context, r *workflow.Request, _ string) (any, error) {
			return map[string]any{"Command": map[string]any{"CommandId": exec(r), "Status": "Pending"}}, nil
		})))
		require.NoError(t, reg.Register("arn:aws:states:::aws-sdk:ssm:getCommandInvocation", workflow.IntegrationFunc(func(_ context.Context, r *workflow.Request, _ string) (any, error) {
			id := r.Parameters.(map[string]any)["CommandId"].(string)
			return map[string]any{"CommandId": id, "Status": "Success", "StandardOutputContent": status(id)}, nil
		})))
		require.NoError(t, reg.Register("arn:aws:states:::sns:publish", workflow.IntegrationFunc(func(_ context.Context, r *workflow.Request, _ string) (any, error) {
			msg, _ := json.Marshal(r.Parameters.(map[string]any)["Message"])
			mu.Lock()
			published[exec(r)] = append(published[exec(r)], string(msg))
			mu.Unlock()
			return map[string]any{"MessageId": "m-1"}, nil
		})))
		x := &execution.Executor{DB: db, Resources: resources, Registry: reg, Account: "123456789012", Region: "ap-northeast-1"}
		require.NoError(t, (&execution.Builtins{X: x, Events: event.NewStore(db)}).Register(reg))
		ws := river.NewWorkers()
		x.Workers(ws)
		require.NoError(t, db.ConfigureJobs(store.JobsConfig{Workers: ws, Queues: map[string]int{execution.Queue: 8}}))
		require.NoError(t, db.StartJobs(ctx))
		t.Cleanup(func() { _ = db.StopJobs(context.Background()) })
		spec, _ := json.Marshal(map[string]any{"DefinitionString": string(seed)})
		_, _, err = resources.Apply(ctx, resource.Resource{Kind: execution.KindName, Name: "first-response", Spec: spec}, false)
		require.NoError(t, err, "the seed applies unmodified once its integrations exist")

		input := func(alarmName string) []byte {
			var ev map[string]any
			require.NoError(t, json.Unmarshal(alarm, &ev))
			ev["detail"].(map[string]any)["alarmName"] = alarmName
			out, _ := json.Marshal(ev)
			return out
		}
		type branch struct {
			name, alarm, status string
			publishes           int
		}
		branches := []branch{
			{"restart-ok", "Canary monitoring is failed", workflow.StatusSucceeded, 0},
			{"restart-inactive", "Canary monitoring is failed", workflow.StatusFailed, 1},
			{"flapping", "Canary monitoring is flapping", workflow.StatusSucceeded, 1},
			{"other-alarm", "Canary monitoring is 4xx failed", workflow.StatusSucceeded, 0},
		}
		arns := map[string]string{}
		for _, b := range branches {
			s, err := x.Start(ctx, "first-response", b.name, input(b.alarm))
			require.NoError(t, err)
			arns[b.name] = s.ExecutionArn
		}
		for _, b := range branches {
			done := waitDone(t, x, arns[b.name])
			require.Equal(t, b.status, done.Status, "%s: %s %s", b.name, done.Error, done.Cause)
			mu.Lock()
			require.Len(t, published[arns[b.name]], b.publishes, b.name)
			mu.Unlock()
		}
		mu.Lock()
		require.Contains(t, published[arns["flapping"]][0], "手動での調査・復旧をお願いします")
		require.Contains(t, published[arns["restart-inactive"]][0], "サーバにログインして調査")
		mu.Unlock()
	})
}
