package execution_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/execution"
	"github.com/firstline/firstline/internal/execution/function"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
	"github.com/firstline/firstline/internal/workflow"
)

// TestSeedRunbookDurable runs the seed's first-response state machine,
// unmodified, on the server's executor through all four branches, with its
// Lambda functions as Function resources. AWS itself is out of reach, so
// Run Command and SNS are stand-in integrations (the Run Command and
// notification capabilities register the real ones).
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
		// The seed's two Lambda functions are Function resources: HTTP
		// endpoints of this test that answer as the seed's functions do.
		fns := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev map[string]any
			require.NoError(t, json.NewDecoder(r.Body).Decode(&ev))
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Path == "/trigger-check" {
				_, _ = w.Write([]byte(`{"checked":true}`))
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"failed_count": failedCount(ev), "event": ev})
		}))
		t.Cleanup(fns.Close)
		require.NoError(t, kinds.Register(function.Kind{}))
		require.NoError(t, function.New(resources, nil).Register(reg))
		for name, path := range map[string]string{"Alert_count": "/alert-count", "Trigger_check": "/trigger-check"} {
			spec, _ := json.Marshal(map[string]any{"Http": map[string]any{"Endpoint": fns.URL + path}})
			_, _, err := resources.Apply(ctx, resource.Resource{Kind: function.KindName, Name: name, Spec: spec}, false)
			require.NoError(t, err)
		}
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
