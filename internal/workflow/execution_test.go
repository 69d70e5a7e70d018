package workflow_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firstline/firstline/internal/workflow"
)

// checkpointMachine exercises every kind of wait: a task, a retry, a Wait
// state, Parallel branches and Map iterations with tasks inside.
const checkpointMachine = `{
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Pass", "Parameters": {"hosts.$": "$.hosts", "n": 2}, "Assign": {"count.$": "$.n"}, "Next": "Restart"},
    "Restart": {
      "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:sendCommand",
      "Parameters": {"InstanceIds.$": "$.hosts", "DocumentName": "AWS-RunShellScript"},
      "ResultPath": "$.command",
      "Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 3, "MaxAttempts": 2}],
      "Next": "Pause"
    },
    "Pause": {"Type": "Wait", "Seconds": 30, "Next": "Both"},
    "Both": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Check", "States": {"Check": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"count.$": "$count"}, "End": true}}},
        {"StartAt": "EachHost", "States": {"EachHost": {
          "Type": "Map", "ItemsPath": "$.hosts", "MaxConcurrency": 1,
          "ItemSelector": {"host.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
          "ItemProcessor": {"StartAt": "Ping", "States": {"Ping": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
          "End": true}}}
      ],
      "ResultSelector": {"check.$": "$[0]", "pings.$": "$[1]"},
      "End": true
    }
  }
}`

// answer is the test's integration: it echoes what the task got, and
// throttles the first Restart.
func answer(r *workflow.Request) workflow.Response {
	if r.State == "Restart" && r.Attempt == 0 {
		return workflow.Response{ID: r.ID, Failed: true, Error: "Throttled", Cause: "slow down"}
	}
	return workflow.Response{ID: r.ID, Output: map[string]any{"state": r.State, "got": r.Parameters}}
}

// drive runs e to its end, answering every pending request in id order,
// firing timers by advancing now; checkpoint, when set, encodes and
// decodes the execution around every step.
func drive(t *testing.T, m *workflow.Machine, e *workflow.Execution, now time.Time, checkpoint bool) (*workflow.Execution, int) {
	t.Helper()
	roundTrip := func() {
		if !checkpoint {
			return
		}
		data, err := workflow.MarshalExecution(e)
		if err != nil {
			t.Fatal(err)
		}
		e, err = workflow.UnmarshalExecution(data)
		if err != nil {
			t.Fatal(err)
		}
	}
	steps := 0
	for !e.Done() {
		roundTrip()
		m.Advance(e, now, nil)
		roundTrip()
		if e.Done() {
			break
		}
		ids := make([]string, 0, len(e.Pending))
		for id := range e.Pending {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b string) int {
			if len(a) != len(b) {
				return len(a) - len(b)
			}
			return strings.Compare(a, b)
		})
		if len(ids) == 0 {
			t.Fatalf("stuck with nothing pending")
		}
		r := e.Pending[ids[0]]
		if r.Kind == workflow.KindTimer {
			if r.Until.After(now) {
				now = r.Until
			}
			m.Deliver(e, workflow.Response{ID: r.ID}, now)
		} else {
			m.Deliver(e, answer(r), now)
		}
		steps++
		if steps > 100 {
			t.Fatal("too many steps")
		}
	}
	return e, steps
}

// TestCheckpointEverywhere checks that an execution encoded and decoded at
// every point where it waits ends exactly as one that never left memory.
func TestCheckpointEverywhere(t *testing.T) {
	m, err := workflow.Parse([]byte(checkpointMachine))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := func(checkpoint bool) (*workflow.Execution, int) {
		e, err := m.Start([]byte(`{"hosts":["i-1","i-2","i-3"]}`), workflow.StartOptions{Name: "x"}, start)
		if err != nil {
			t.Fatal(err)
		}
		return drive(t, m, e, start, checkpoint)
	}
	plain, steps := run(false)
	if plain.Status != workflow.StatusSucceeded {
		t.Fatalf("status %s: %s %s", plain.Status, plain.Error, plain.Cause)
	}
	// 2 Restart attempts + retry timer + Wait + Check + 3 pings.
	if steps != 8 {
		t.Errorf("%d steps, want 8", steps)
	}
	out, _ := json.Marshal(plain.Output)
	want := `{"check":{"got":{"count":2},"state":"Check"},"pings":[{"got":{"host":"i-1","i":0},"state":"Ping"},{"got":{"host":"i-2","i":1},"state":"Ping"},{"got":{"host":"i-3","i":2},"state":"Ping"}]}`
	if string(out) != want {
		t.Errorf("output %s\nwant   %s", out, want)
	}
	if got := plain.StopTime.Sub(start); got != 33*time.Second {
		t.Errorf("ran %v of virtual time, want 33s (3 s retry + 30 s wait)", got)
	}
	resumed, _ := run(true)
	if resumed.Status != plain.Status || !reflect.DeepEqual(resumed.Output, plain.Output) {
		t.Fatalf("checkpointed run ended %s %v, want %s %v", resumed.Status, resumed.Output, plain.Status, plain.Output)
	}
	types := func(e *workflow.Execution) []string {
		var out []string
		for _, h := range e.History {
			out = append(out, fmt.Sprintf("%d<%d %s", h.ID, h.PreviousEventID, h.Type))
		}
		return out
	}
	if !slices.Equal(types(plain), types(resumed)) {
		t.Errorf("history differs:\n%q\n%q", types(plain), types(resumed))
	}
}

// TestHistoryEventTypes checks the event types a run records, by AWS's
// names.
func TestHistoryEventTypes(t *testing.T) {
	m, err := workflow.Parse([]byte(checkpointMachine))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e, err := m.Start([]byte(`{"hosts":["i-1"]}`), workflow.StartOptions{Name: "x"}, start)
	if err != nil {
		t.Fatal(err)
	}
	e, _ = drive(t, m, e, start, false)
	seen := map[string]bool{}
	for _, h := range e.History {
		seen[h.Type] = true
	}
	for _, typ := range []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "TaskSucceeded", "TaskStateExited",
		"WaitStateEntered", "WaitStateExited", "ParallelStateEntered", "ParallelStateStarted", "ParallelStateSucceeded", "ParallelStateExited",
		"MapStateEntered", "MapStateStarted", "MapIterationStarted", "MapIterationSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"} {
		if !seen[typ] {
			t.Errorf("no %s event", typ)
		}
	}
	b, err := json.Marshal(e.History[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"executionStartedEventDetails":{"input":"{\"hosts\":[\"i-1\"]}"`) {
		t.Errorf("ExecutionStarted encodes as %s", b)
	}
}
