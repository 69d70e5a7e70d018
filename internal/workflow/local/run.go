package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/workflow"
)

// MaxTransitions stops a local run that enters more states than this: a
// runbook looping forever.
const MaxTransitions = 100_000

// Options configure a local run.
type Options struct {
	// StateMachineName keys the mock config; ExecutionName names the run
	// ($$.Execution.Name), random when empty.
	StateMachineName string
	ExecutionName    string
	// Mock and TestCase answer Task states; without them every Task fails
	// the run.
	Mock     *MockConfig
	TestCase string
	// RealTime makes Wait states, retry intervals and timeouts really
	// wait; by default they advance a virtual clock and the run finishes
	// at once.
	RealTime bool
	// Start is the virtual clock's start; time.Now() when zero.
	Start time.Time
	// Registry answers Task states the mock config does not cover; nil
	// means none.
	Registry *workflow.Registry
}

// Result is what `firstline states run` prints.
type Result struct {
	Status  string                  `json:"status"`
	Output  json.RawMessage         `json:"output,omitempty"`
	Error   string                  `json:"error,omitempty"`
	Cause   string                  `json:"cause,omitempty"`
	States  []string                `json:"states"`
	History []workflow.HistoryEvent `json:"history,omitempty"`
	// StartDate and StopDate are virtual times unless RealTime.
	StartDate time.Time           `json:"startDate"`
	StopDate  time.Time           `json:"stopDate"`
	Execution *workflow.Execution `json:"-"`
}

// Run executes m with input in this process: no server, no database, no
// network. Task states are answered by the mock config's test case; a
// Task with no mocked response fails the run with States.Runtime and a
// cause naming the state. ctx cancels a real-time run.
func Run(ctx context.Context, m *workflow.Machine, input []byte, o Options) (*Result, error) {
	var mocks map[string]string
	if o.Mock != nil {
		name := o.StateMachineName
		tc, err := o.Mock.TestCase(name, o.TestCase)
		if err != nil {
			return nil, err
		}
		mocks = tc
	} else if o.TestCase != "" {
		return nil, fmt.Errorf("--test-case needs --mock-config")
	}
	now := o.Start
	if now.IsZero() {
		now = time.Now().UTC().Truncate(time.Millisecond)
	}
	e, err := m.Start(input, workflow.StartOptions{Name: o.ExecutionName, StateMachineName: o.StateMachineName}, now)
	if err != nil {
		return nil, err
	}
	var missing *workflow.Failure
	invoke := func(r *workflow.Request) *workflow.Response {
		rname, ok := mocks[r.State]
		if !ok && o.Registry != nil {
			if i, pattern, found := o.Registry.Lookup(r.Resource); found {
				out, err := i.Invoke(ctx, r, pattern)
				var te *workflow.TaskError
				switch {
				case errors.As(err, &te):
					return &workflow.Response{Failed: true, Error: te.Name, Cause: te.Cause}
				case err != nil:
					return &workflow.Response{Failed: true, Error: workflow.ErrTaskFailed, Cause: err.Error()}
				}
				return &workflow.Response{Output: out}
			}
		}
		if !ok {
			where := "no --mock-config was given"
			if o.Mock != nil {
				where = fmt.Sprintf("test case %q of state machine %q has no entry for it", o.TestCase, o.StateMachineName)
			}
			missing = &workflow.Failure{Error: workflow.ErrRuntime, Cause: fmt.Sprintf("Task state %q (resource %s) has no mocked response: %s", r.State, r.Resource, where)}
			return nil
		}
		resp, ok := o.Mock.Response(rname, r.Invocation)
		if !ok {
			missing = &workflow.Failure{Error: workflow.ErrRuntime, Cause: fmt.Sprintf("Task state %q: mocked response %q has no answer for invocation %d", r.State, rname, r.Invocation)}
			return nil
		}
		if resp.Throw != nil {
			return &workflow.Response{Failed: true, Error: resp.Throw.Error, Cause: resp.Throw.Cause}
		}
		var out any
		dec := json.NewDecoder(strings.NewReader(string(resp.Return)))
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			return &workflow.Response{Failed: true, Error: workflow.ErrRuntime, Cause: "mocked Return is not JSON: " + err.Error()}
		}
		return &workflow.Response{Output: out}
	}
	for !e.Done() {
		m.Advance(e, now, invoke)
		if missing != nil {
			m.Terminate(e, workflow.StatusFailed, missing, now)
			break
		}
		if e.Done() {
			break
		}
		if e.Transitions > MaxTransitions {
			m.Terminate(e, workflow.StatusFailed, &workflow.Failure{Error: workflow.ErrRuntime, Cause: fmt.Sprintf("The run entered more than %d states; stopped (an endless loop?)", MaxTransitions)}, now)
			break
		}
		if len(e.Runnable) > 0 {
			continue
		}
		// Everything waits: fire the earliest timer.
		var next *workflow.Request
		for _, r := range e.Pending {
			if r.Kind != workflow.KindTimer {
				continue
			}
			if next == nil || r.Until.Before(next.Until) || (r.Until.Equal(next.Until) && lessID(r.ID, next.ID)) {
				next = r
			}
		}
		if next == nil {
			return nil, fmt.Errorf("execution is stuck: %d task requests are pending with nothing to answer them", len(e.Pending))
		}
		if next.Until.After(now) {
			if o.RealTime {
				select {
				case <-ctx.Done():
					m.Stop(e, "States.Aborted", "interrupted", time.Now().UTC())
					continue
				case <-time.After(time.Until(next.Until)):
				}
				now = time.Now().UTC()
				if now.Before(next.Until) {
					now = next.Until
				}
			} else {
				now = next.Until
			}
		}
		m.Deliver(e, workflow.Response{ID: next.ID}, now)
	}
	res := &Result{Status: e.Status, Error: e.Error, Cause: e.Cause, History: e.History, StartDate: e.StartTime, StopDate: e.StopTime, Execution: e, States: []string{}}
	if e.Status == workflow.StatusSucceeded {
		out, err := json.Marshal(e.Output)
		if err != nil {
			return nil, err
		}
		res.Output = out
	}
	res.States = statesInTreeOrder(e.History)
	return res, nil
}

// statesInTreeOrder lists the states entered: each line of control in the
// order it entered them, with the branches or iterations a Parallel or
// Map state started listed right after it, one after the other in the
// order they started — the same list whatever the virtual clock made
// them interleave.
func statesInTreeOrder(history []workflow.HistoryEvent) []string {
	type item struct {
		name string
		kids []int // threads started under this state, in order
	}
	lines := map[int][]*item{}
	seen := map[int]bool{}
	for _, h := range history {
		if !strings.HasSuffix(h.Type, "StateEntered") {
			continue
		}
		name, _ := h.Details["name"].(string)
		if !seen[h.Thread] {
			seen[h.Thread] = true
			if parent := lines[h.ParentThread]; h.ParentThread >= 0 && len(parent) > 0 {
				last := parent[len(parent)-1]
				last.kids = append(last.kids, h.Thread)
			}
		}
		lines[h.Thread] = append(lines[h.Thread], &item{name: name})
	}
	out := []string{}
	var walk func(thread int)
	walk = func(thread int) {
		for _, it := range lines[thread] {
			out = append(out, it.name)
			for _, k := range it.kids {
				walk(k)
			}
		}
	}
	walk(0)
	return out
}

// lessID orders request ids ("r12") by number.
func lessID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
