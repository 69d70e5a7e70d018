//go:build unix

package function_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/execution"
	"github.com/firstline/firstline/internal/execution/function"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
	"github.com/firstline/firstline/internal/workflow"
	"github.com/firstline/firstline/internal/workflow/local"
)

const (
	seedDefinition = "../../../testdata/fixtures/states/seed-first-response.asl.json"
	seedTests      = "../../../examples/first-response/tests/"
)

// countScript is the seed's Alert_count as a command: it prints
// {"failed_count": COUNT, "event": <the payload>}.
const countScript = `payload=$(cat)
printf '{"failed_count": %s, "event": %s}\n' "$COUNT" "$payload"
`

// TestSeedRunbook runs the seed runbook, unmodified, with its Lambda
// tasks answered by real functions: "OutputPath": "$.Payload" picks the
// function's result out of the lambda:invoke result, and its Retry on
// Lambda.TooManyRequestsException retries a throttled function.
func TestSeedRunbook(t *testing.T) {
	t.Parallel()
	def, err := os.ReadFile(seedDefinition)
	require.NoError(t, err)
	m, err := workflow.Parse(def)
	require.NoError(t, err)
	// Only SNS, which firstline does not run here, is mocked.
	mc, err := local.ParseMockConfig([]byte(`{"StateMachines": {"first-response": {"TestCases": {"Real": {"SNS Publish": "Published"}}}},
		"MockedResponses": {"Published": {"0": {"Return": {"MessageId": "m-1"}}}}}`))
	require.NoError(t, err)
	alarm, err := os.ReadFile(seedTests + "alarm-event.json")
	require.NoError(t, err)
	alarm4xx, err := os.ReadFile(seedTests + "alarm-event-4xx.json")
	require.NoError(t, err)
	var alarm4xxEvent map[string]any
	require.NoError(t, json.Unmarshal(alarm4xx, &alarm4xxEvent))

	// Trigger_check answers over HTTP with the alarm's name.
	trigger := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Event struct {
				Detail struct {
					AlarmName string `json:"alarmName"`
				} `json:"detail"`
			} `json:"event"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		fmt.Fprintf(w, `{"checked": %q}`, in.Event.Detail.AlarmName)
	}))
	t.Cleanup(trigger.Close)
	// A throttled count: 429 twice, then 9 failures.
	var mu sync.Mutex
	calls := 0
	throttled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n <= 2 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprintf(w, `{"failed_count": 9, "event": %s}`, body)
	}))
	t.Cleanup(throttled.Close)

	head := []string{"Alert Count Check Invoke", "Alert Count Check Condition"}
	for _, tc := range []struct {
		name    string
		count   map[string]any // the Alert_count spec
		input   []byte
		states  []string
		output  string
		elapsed time.Duration
	}{
		{name: "too many failures", count: map[string]any{"Command": shell(t, countScript, map[string]string{"COUNT": "7"})}, input: alarm,
			states: append(slices.Clone(head), "SNS Publish"), output: `{"MessageId":"m-1"}`},
		{name: "other alarm", count: map[string]any{"Command": shell(t, countScript, map[string]string{"COUNT": "0"})}, input: alarm4xx,
			states: append(slices.Clone(head), "Alert Name Check Condition", "Test Invoke"),
			output: fmt.Sprintf(`{"checked":%q}`, alarm4xxEvent["detail"].(map[string]any)["alarmName"])},
		{name: "throttled then counted", count: map[string]any{"Http": map[string]any{"Endpoint": throttled.URL}}, input: alarm,
			states: append(slices.Clone(head), "SNS Publish"), output: `{"MessageId":"m-1"}`,
			elapsed: 6 * time.Second}, // retries after 2 s and 4 s
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.apply(t, "Alert_count", tc.count)
			f.apply(t, "Trigger_check", map[string]any{"Http": map[string]any{"Endpoint": trigger.URL}})
			res, err := local.Run(context.Background(), m, tc.input, local.Options{StateMachineName: "first-response", Mock: mc, TestCase: "Real", Registry: f.reg})
			require.NoError(t, err)
			require.Equal(t, workflow.StatusSucceeded, res.Status, "%s: %s", res.Error, res.Cause)
			require.Equal(t, tc.states, res.States)
			require.JSONEq(t, tc.output, string(res.Output))
			require.Equal(t, tc.elapsed, res.StopDate.Sub(res.StartDate))
		})
	}
}

// durable starts an executor on the job queue of a fresh SQLite database
// with the function integration, a Function Alert_count at endpoint and a
// state machine "count" with definition def.
func durable(t *testing.T, endpoint, def string) *execution.Executor {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: storetest.DSN(t, store.SQLite)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	kinds := resource.NewRegistry()
	require.NoError(t, kinds.Register(execution.Kind{}))
	require.NoError(t, kinds.Register(function.Kind{}))
	resources := resource.NewStore(db, kinds)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	reg := workflow.NewRegistry()
	require.NoError(t, function.New(resources, &http.Client{Transport: tr}).Register(reg))
	x := &execution.Executor{DB: db, Resources: resources, Registry: reg, Account: "123456789012", Region: "ap-northeast-1"}
	ws := river.NewWorkers()
	x.Workers(ws)
	require.NoError(t, db.ConfigureJobs(store.JobsConfig{Workers: ws, Queues: map[string]int{execution.Queue: 2}}))
	require.NoError(t, db.StartJobs(ctx))
	t.Cleanup(func() { _ = db.StopJobs(context.Background()) })

	spec, _ := json.Marshal(map[string]any{"Http": map[string]any{"Endpoint": endpoint}})
	_, _, err = resources.Apply(ctx, resource.Resource{Kind: function.KindName, Name: "Alert_count", Spec: spec}, false)
	require.NoError(t, err)
	spec, _ = json.Marshal(map[string]any{"DefinitionString": def})
	_, _, err = resources.Apply(ctx, resource.Resource{Kind: execution.KindName, Name: "count", Spec: spec}, false)
	require.NoError(t, err)
	return x
}

// runDurable starts an execution and waits for its end.
func runDurable(t *testing.T, x *execution.Executor, input string) *execution.Summary {
	t.Helper()
	ctx := context.Background()
	s, err := x.Start(ctx, "count", "alarm-42", []byte(input))
	require.NoError(t, err)
	deadline := time.Now().Add(20 * time.Second)
	for s.Status == workflow.StatusRunning && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		s, err = x.Describe(ctx, s.ExecutionArn)
		require.NoError(t, err)
	}
	if s.Status != workflow.StatusSucceeded {
		events, _, _ := x.History(ctx, s.ExecutionArn, false, 0, 100)
		for _, e := range events {
			t.Log(string(e))
		}
	}
	require.Equal(t, workflow.StatusSucceeded, s.Status, "%s: %s", s.Error, s.Cause)
	return s
}

// flakyCount is an Http function that answers 503 to its first call and
// counts afterwards; it records the idempotency headers of every call.
type flakyCount struct {
	*httptest.Server
	mu               sync.Mutex
	keys, executions []string
}

func newFlakyCount(t *testing.T) *flakyCount {
	t.Helper()
	f := &flakyCount{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
		f.executions = append(f.executions, r.Header.Get("X-Firstline-Execution"))
		n := len(f.keys)
		f.mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, `{"failed_count": 2, "event": %s}`, body)
	}))
	t.Cleanup(f.Close)
	return f
}

// checkKeys checks every call carried a key of the execution, a new one
// for each request.
func (f *flakyCount) checkKeys(t *testing.T, executionArn string, calls int) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.keys, calls)
	require.NotEqual(t, f.keys[0], f.keys[1], "another request, another key")
	for i, k := range f.keys {
		require.True(t, strings.HasPrefix(k, executionArn+"#"), k)
		require.Equal(t, executionArn, f.executions[i])
	}
}

// TestDurableExecution runs lambda:invoke tasks in a durable execution on
// the job queue: the function sees the execution's idempotency key, its
// Lambda.ServiceException is caught by name, and OutputPath $.Payload
// gives the function's result.
func TestDurableExecution(t *testing.T) {
	t.Parallel()
	fn := newFlakyCount(t)
	task := `"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload",
		"Parameters": {"Payload.$": "$", "FunctionName": "` + seedFunctionName + `"}`
	x := durable(t, fn.URL, `{"StartAt": "Count", "States": {
		"Count": {`+task+`, "Catch": [{"ErrorEquals": ["Lambda.ServiceException"], "ResultPath": "$.error", "Next": "Again"}], "End": true},
		"Again": {`+task+`, "End": true}}}`)
	s := runDurable(t, x, `{"host":"web-1"}`)
	var out map[string]any
	require.NoError(t, json.Unmarshal(s.Output, &out))
	require.Equal(t, "web-1", out["event"].(map[string]any)["host"])
	require.Equal(t, "Lambda.ServiceException", out["event"].(map[string]any)["error"].(map[string]any)["Error"])
	fn.checkKeys(t, s.ExecutionArn, 2)
}

// TestDurableRetry runs the seed's Retry on Lambda.ServiceException in a
// durable execution.
func TestDurableRetry(t *testing.T) {
	t.Parallel()
	fn := newFlakyCount(t)
	x := durable(t, fn.URL, `{"StartAt": "Count", "States": {"Count": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload",
		"Parameters": {"Payload.$": "$", "FunctionName": "`+seedFunctionName+`"},
		"Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 2}], "End": true}}}`)
	s := runDurable(t, x, `{"host":"web-1"}`)
	require.JSONEq(t, `{"failed_count": 2, "event": {"host": "web-1"}}`, string(s.Output))
	fn.checkKeys(t, s.ExecutionArn, 2)
}
