package workflow

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Execution statuses (Step Functions API Reference › DescribeExecution).
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Request kinds: what an execution waits for.
const (
	KindTask  = "task"  // run Resource with Parameters, then Deliver its result
	KindTimer = "timer" // Deliver (with no result) at or after Until
)

// Request is something an execution waits for: a task to run or a timer to
// fire. The driver (the server's job worker, or the local runner) answers
// it with Deliver. Requests are part of the execution's serialized state,
// so a restarted driver finds them in Execution.Pending.
type Request struct {
	ID     string `json:"id"` // unique in the execution
	Kind   string `json:"kind"`
	Thread int    `json:"thread"`
	State  string `json:"state"`
	// Task requests.
	Resource   string `json:"resource,omitempty"`
	Parameters any    `json:"parameters,omitempty"`
	// TaskToken is set when Resource ends with ".waitForTaskToken".
	TaskToken string `json:"taskToken,omitempty"`
	// Attempt counts the invocations of this state entry (0 first, then
	// one per retry); Invocation counts every invocation of the state in
	// the execution (what Step Functions Local mock responses are keyed by).
	Attempt    int `json:"attempt"`
	Invocation int `json:"invocation"`
	// TimeoutSeconds and HeartbeatSeconds of the task, 0 when unset; the
	// driver fails the task with States.Timeout or States.HeartbeatTimeout.
	TimeoutSeconds   int64 `json:"timeoutSeconds,omitempty"`
	HeartbeatSeconds int64 `json:"heartbeatSeconds,omitempty"`
	// Timer requests: when to fire.
	Until time.Time `json:"until,omitzero"`
	// IdempotencyKey is set by a durable driver before it invokes an
	// integration: the same for every try of this request, different for
	// every other request. Integrations pass it on.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// Response answers a Request. A task succeeds with Output, or fails with
// Error and Cause (Failed true); a timer response carries nothing.
type Response struct {
	ID     string
	Output any
	Failed bool
	Error  string
	Cause  string
}

// Invoker lets a driver answer task requests synchronously while the
// interpreter advances (the local runner's mocks); it returns nil to leave
// the request pending.
type Invoker func(r *Request) *Response

// StartOptions name an execution.
type StartOptions struct {
	Name             string // execution name; a UUID-like random name when empty
	ARN              string // execution ARN; derived from the names when empty
	StateMachineName string
	StateMachineARN  string
	RoleARN          string
}

// Thread phases.
const (
	phaseEnter    = "enter"    // about to enter State with Input
	phaseTask     = "task"     // waiting for a task response
	phaseRetry    = "retry"    // waiting for a retry interval
	phaseWait     = "wait"     // waiting in a Wait state
	phaseChildren = "children" // waiting for Parallel branches or Map iterations
	phaseDone     = "done"
)

// Thread is one line of control: the execution's top level, a Parallel
// branch or a Map iteration.
type Thread struct {
	ID     int         `json:"id"`
	Parent int         `json:"parent"`          // -1 for the top level
	Scope  []ScopeStep `json:"scope,omitempty"` // path from the top-level definition to the thread's
	Index  int         `json:"index"`           // branch or iteration index in the parent
	State  string      `json:"state"`
	Phase  string      `json:"phase"`
	// Input is the current state's raw input.
	Input any `json:"input"`
	// Effective is the state's input after InputPath and Parameters, kept
	// while it waits (Wait output, Parallel/Map children).
	Effective any            `json:"effective,omitempty"`
	Vars      map[string]any `json:"vars,omitempty"`
	Retries   []int          `json:"retries,omitempty"`
	Attempt   int            `json:"attempt"`
	Retrying  bool           `json:"retrying,omitempty"`
	Entered   time.Time      `json:"entered"`
	Request   string         `json:"request,omitempty"`
	Token     string         `json:"token,omitempty"`
	PrevEvent int64          `json:"prevEvent"`
	// Parallel and Map bookkeeping.
	Kids     []int `json:"kids,omitempty"`
	Results  []any `json:"results,omitempty"`
	Items    []any `json:"items,omitempty"`
	NextItem int   `json:"nextItem,omitempty"`
	Running  int   `json:"running,omitempty"`
	Finished int   `json:"finished,omitempty"`
	Failures int   `json:"failures,omitempty"`
	MaxConc  int64 `json:"maxConc,omitempty"`
	Tolerate int64 `json:"tolerate,omitempty"` // -1 none tolerated
	// ItemValue is the Map item of an iteration thread.
	ItemValue any `json:"itemValue,omitempty"`
	// Outcome of a finished thread.
	Output any      `json:"output,omitempty"`
	Failed *Failure `json:"failed,omitempty"`

	def *Definition
}

// ScopeStep is one step from a definition into a nested one: the Parallel
// state's branch Branch, or (Branch -1) the Map state's item processor.
type ScopeStep struct {
	State  string `json:"state"`
	Branch int    `json:"branch"`
}

// Execution is the complete, serializable state of one run of a state
// machine: encode it with encoding/json at any point where Advance has
// returned, decode it later (even in another process) and go on with the
// same Machine. It holds no goroutines, timers or connections.
type Execution struct {
	Name             string              `json:"name"`
	ARN              string              `json:"executionArn"`
	StateMachineName string              `json:"stateMachineName"`
	StateMachineARN  string              `json:"stateMachineArn"`
	RoleARN          string              `json:"roleArn,omitempty"`
	StartTime        time.Time           `json:"startDate"`
	StopTime         time.Time           `json:"stopDate,omitzero"`
	Input            any                 `json:"input"`
	Status           string              `json:"status"`
	Output           any                 `json:"output,omitempty"`
	Error            string              `json:"error,omitempty"`
	Cause            string              `json:"cause,omitempty"`
	Threads          map[int]*Thread     `json:"threads"`
	Runnable         []int               `json:"runnable,omitempty"`
	Pending          map[string]*Request `json:"pending"`
	NextThread       int                 `json:"nextThread"`
	NextRequest      int64               `json:"nextRequest"`
	Invocations      map[string]int      `json:"invocations,omitempty"`
	History          []HistoryEvent      `json:"history"`
	LastEvent        int64               `json:"lastEvent"`
	// Transitions counts states entered, for metrics and benchmarks.
	Transitions int64 `json:"transitions"`

	// The unchanging parts of the context object, built on first use.
	ctxExecution, ctxStateMachine map[string]any
}

// Done reports whether the execution has stopped.
func (e *Execution) Done() bool { return e.Status != StatusRunning }

// Start begins an execution of m with input (JSON text; empty means {}),
// records ExecutionStarted and returns it ready for Advance.
func (m *Machine) Start(input []byte, o StartOptions, now time.Time) (*Execution, error) {
	var in any = map[string]any{}
	if len(strings.TrimSpace(string(input))) > 0 {
		v, err := decodeJSON(input)
		if err != nil {
			return nil, fmt.Errorf("execution input is not valid JSON: %w", err)
		}
		in = v
	}
	if len(input) > MaxPayloadBytes {
		return nil, fmt.Errorf("execution input is %d bytes, more than the limit of %d", len(input), MaxPayloadBytes)
	}
	if o.Name == "" {
		o.Name = randomName()
	}
	if o.StateMachineName == "" {
		o.StateMachineName = "StateMachine"
	}
	if o.StateMachineARN == "" {
		o.StateMachineARN = "arn:aws:states:local:000000000000:stateMachine:" + o.StateMachineName
	}
	if o.ARN == "" {
		o.ARN = "arn:aws:states:local:000000000000:execution:" + o.StateMachineName + ":" + o.Name
	}
	e := &Execution{
		Name: o.Name, ARN: o.ARN, StateMachineName: o.StateMachineName, StateMachineARN: o.StateMachineARN, RoleARN: o.RoleARN,
		StartTime: now, Input: in, Status: StatusRunning,
		Threads: map[int]*Thread{}, Pending: map[string]*Request{},
	}
	details := map[string]any{"input": payloadDetail(in), "inputDetails": notTruncated}
	if o.RoleARN != "" {
		details["roleArn"] = o.RoleARN
	}
	e.record(nil, "ExecutionStarted", now, details)
	root := &Thread{ID: 0, Parent: -1, State: m.Definition.StartAt, Phase: phaseEnter, Input: in, def: m.Definition, Tolerate: -1, PrevEvent: e.LastEvent}
	e.NextThread = 1
	e.Threads[0] = root
	e.Runnable = append(e.Runnable, 0)
	if m.Definition.TimeoutSeconds > 0 {
		e.Pending["timeout"] = &Request{ID: "timeout", Kind: KindTimer, Thread: -1, Until: now.Add(time.Duration(m.Definition.TimeoutSeconds) * time.Second)}
	}
	return e, nil
}

func randomName() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// record appends a history event; t's previous event becomes its parent.
func (e *Execution) record(t *Thread, typ string, now time.Time, details map[string]any) {
	e.LastEvent++
	prev := e.LastEvent - 1
	thread, parent := -1, -1
	if t != nil {
		prev = t.PrevEvent
		t.PrevEvent = e.LastEvent
		thread, parent = t.ID, t.Parent
	}
	e.History = append(e.History, HistoryEvent{Timestamp: now, Type: typ, ID: e.LastEvent, PreviousEventID: prev, Details: details, Thread: thread, ParentThread: parent})
}

// definitionOf resolves a thread's scope to its definition.
func (m *Machine) definitionOf(t *Thread) *Definition {
	if t.def != nil {
		return t.def
	}
	d := m.Definition
	for _, sc := range t.Scope {
		st := d.States[sc.State]
		if sc.Branch < 0 {
			d = st.Processor
		} else {
			d = st.Branches[sc.Branch]
		}
	}
	t.def = d
	return d
}

// AdvanceBudget is the most states one Advance call enters; an execution
// that still has runnable threads after it (a long loop of Pass and
// Choice states) is advanced further by the next call, so a driver never
// spins inside the interpreter unchecked.
const AdvanceBudget = 10000

// Advance runs the runnable threads until each waits for a request or
// ends, or AdvanceBudget states were entered, and returns the requests
// issued in this call; Pending holds every request not yet answered (a
// failed task's retry timer among them). A non-nil inv may answer task
// requests at once. Runnable is non-empty after the call when the budget
// ran out.
func (m *Machine) Advance(e *Execution, now time.Time, inv Invoker) []*Request {
	var issued []*Request
	limit := e.Transitions + AdvanceBudget
	for len(e.Runnable) > 0 && e.Status == StatusRunning && e.Transitions < limit {
		id := e.Runnable[0]
		e.Runnable = e.Runnable[1:]
		t := e.Threads[id]
		if t == nil || t.Phase == phaseDone {
			continue
		}
		issued = m.run(e, t, now, inv, issued, limit)
		if t.Phase == phaseEnter && e.Status == StatusRunning && e.Transitions >= limit {
			// Out of budget mid-run: the thread goes on next time.
			e.Runnable = append([]int{t.ID}, e.Runnable...)
		}
	}
	return issued
}

// Deliver hands the answer to a pending request to the execution; the
// thread it concerns becomes runnable. Answers to requests that are no
// longer pending (a branch already aborted, a timed-out task answering
// late) are ignored and reported as false.
func (m *Machine) Deliver(e *Execution, r Response, now time.Time) bool {
	req, ok := e.Pending[r.ID]
	if !ok || e.Status != StatusRunning {
		return false
	}
	delete(e.Pending, r.ID)
	if req.Thread < 0 { // the execution's TimeoutSeconds
		e.finish(StatusTimedOut, nil, &Failure{Error: ErrTimeout, Cause: "The execution timed out"}, now)
		return true
	}
	t := e.Threads[req.Thread]
	if t == nil || t.Request != r.ID {
		return false
	}
	t.Request = ""
	switch t.Phase {
	case phaseTask:
		st := m.definitionOf(t).States[t.State]
		if r.Failed {
			e.record(t, "TaskFailed", now, map[string]any{"resourceType": resourceType(st.Resource), "resource": resourceName(st.Resource), "error": r.Error, "cause": r.Cause})
			m.handleError(e, t, st, &Failure{Error: r.Error, Cause: r.Cause}, now)
		} else {
			e.record(t, "TaskSucceeded", now, map[string]any{"resourceType": resourceType(st.Resource), "resource": resourceName(st.Resource), "output": payloadDetail(r.Output)})
			m.taskResult(e, t, st, r.Output, now)
		}
	case phaseRetry:
		t.Phase = phaseEnter
		t.Attempt++
		t.Retrying = true
	case phaseWait:
		st := m.definitionOf(t).States[t.State]
		e.record(t, "WaitStateExited", now, map[string]any{"name": st.Name, "output": payloadDetail(t.Effective)})
		out := t.Effective
		t.Effective = nil
		m.transition(e, t, st, out, now)
	}
	e.Runnable = append(e.Runnable, t.ID)
	return true
}

// Stop aborts a running execution (StopExecution): ABORTED with the given
// error and cause; pending requests are dropped.
func (m *Machine) Stop(e *Execution, errName, cause string, now time.Time) {
	if e.Status != StatusRunning {
		return
	}
	e.finish(StatusAborted, nil, &Failure{Error: errName, Cause: cause}, now)
}

// Terminate ends a running execution with status (FAILED, TIMED_OUT or
// ABORTED) and failure f, for drivers that give up on it (a task with no
// integration, a history that grew too long).
func (m *Machine) Terminate(e *Execution, status string, f *Failure, now time.Time) {
	if e.Status != StatusRunning {
		return
	}
	e.finish(status, nil, f, now)
}

func (e *Execution) finish(status string, output any, f *Failure, now time.Time) {
	e.Status = status
	e.StopTime = now
	e.Pending = map[string]*Request{}
	e.Runnable = nil
	switch status {
	case StatusSucceeded:
		e.Output = output
		e.record(nil, "ExecutionSucceeded", now, map[string]any{"output": payloadDetail(output), "outputDetails": notTruncated})
	case StatusFailed:
		e.Error, e.Cause = f.Error, f.Cause
		e.record(nil, "ExecutionFailed", now, map[string]any{"error": f.Error, "cause": f.Cause})
	case StatusTimedOut:
		e.Error, e.Cause = f.Error, f.Cause
		e.record(nil, "ExecutionTimedOut", now, map[string]any{"error": f.Error, "cause": f.Cause})
	case StatusAborted:
		e.Error, e.Cause = f.Error, f.Cause
		e.record(nil, "ExecutionAborted", now, map[string]any{"error": f.Error, "cause": f.Cause})
	}
	for id, t := range e.Threads {
		if id != 0 {
			delete(e.Threads, id)
		} else {
			t.Phase = phaseDone
		}
	}
}

func (e *Execution) newRequest(t *Thread, kind string) *Request {
	e.NextRequest++
	r := &Request{ID: "r" + strconv.FormatInt(e.NextRequest, 10), Kind: kind, Thread: t.ID, State: t.State}
	e.Pending[r.ID] = r
	t.Request = r.ID
	return r
}

// run advances one thread until it blocks or ends.
func (m *Machine) run(e *Execution, t *Thread, now time.Time, inv Invoker, issued []*Request, limit int64) []*Request {
	for t.Phase == phaseEnter && e.Status == StatusRunning && e.Transitions < limit {
		st := m.definitionOf(t).States[t.State]
		if t.Retrying {
			t.Retrying = false
			issued = m.execute(e, t, st, now, inv, issued)
			continue
		}
		t.Attempt = 0
		t.Retries = nil
		issued = m.enter(e, t, st, now, inv, issued)
	}
	return issued
}

// enter runs state st with the thread's input. It leaves the thread in
// phaseEnter at the next state, blocked, or done.
func (m *Machine) enter(e *Execution, t *Thread, st *State, now time.Time, inv Invoker, issued []*Request) []*Request {
	e.Transitions++
	t.Entered = now
	e.record(t, stateEvent(st.Type, "Entered"), now, map[string]any{"name": st.Name, "input": payloadDetail(t.Input), "inputDetails": notTruncated})
	if jsonSize(t.Input) > MaxPayloadBytes {
		m.handleError(e, t, st, &Failure{Error: ErrDataLimitExceeded, Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", st.Name)}, now)
		return issued
	}
	return m.execute(e, t, st, now, inv, issued)
}

func (m *Machine) execute(e *Execution, t *Thread, st *State, now time.Time, inv Invoker, issued []*Request) []*Request {
	ev := m.evaluator(e, t, st, now)
	switch st.Type {
	case "Pass":
		m.pass(e, t, st, ev, now)
	case "Task":
		issued = m.task(e, t, st, ev, now, inv, issued)
	case "Choice":
		m.choice(e, t, st, ev, now)
	case "Wait":
		issued = m.wait(e, t, st, ev, now, issued)
	case "Succeed":
		out, err := ev.simpleOutput()
		if err != nil {
			m.handleError(e, t, st, asFailure(err), now)
			return issued
		}
		e.record(t, "SucceedStateExited", now, map[string]any{"name": st.Name, "output": payloadDetail(out), "outputDetails": notTruncated})
		m.threadDone(e, t, out, nil, now)
	case "Fail":
		f, err := ev.failure()
		if err != nil {
			f = asFailure(err)
		}
		m.threadDone(e, t, nil, f, now)
	case "Parallel":
		m.parallel(e, t, st, ev, now)
	case "Map":
		m.mapStart(e, t, st, ev, now)
	}
	return issued
}

// transition ends state st with output: it records the exit and moves to
// Next, or ends the thread.
func (m *Machine) transition(e *Execution, t *Thread, st *State, output any, now time.Time) {
	if jsonSize(output) > MaxPayloadBytes {
		name := st.Name
		if st.Type == "Task" {
			name = resourceType(st.Resource) // as AWS names it: 'lambda'
		}
		m.handleError(e, t, st, &Failure{Error: ErrDataLimitExceeded, Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", name)}, now)
		return
	}
	m.goTo(e, t, st, st.Next, st.End, output, now)
}

func (m *Machine) goTo(e *Execution, t *Thread, st *State, next string, end bool, output any, now time.Time) {
	if next != "" {
		t.State = next
		t.Input = output
		t.Phase = phaseEnter
		t.Effective = nil
		return
	}
	m.threadDone(e, t, output, nil, now)
}

// threadDone ends a thread with output or a failure and tells its parent.
func (m *Machine) threadDone(e *Execution, t *Thread, output any, f *Failure, now time.Time) {
	t.Phase = phaseDone
	t.Output, t.Failed = output, f
	if t.Parent < 0 {
		if f != nil {
			e.finish(StatusFailed, nil, f, now)
		} else {
			e.finish(StatusSucceeded, output, nil, now)
		}
		return
	}
	parent := e.Threads[t.Parent]
	if parent == nil || parent.Phase != phaseChildren {
		return
	}
	m.childDone(e, parent, t, now)
}

// handleError applies the state's Retry and Catch to failure f, or fails
// the thread.
func (m *Machine) handleError(e *Execution, t *Thread, st *State, f *Failure, now time.Time) {
	for i, r := range st.retry {
		if !matches(r.equals, f.Error) {
			continue
		}
		if t.Retries == nil {
			t.Retries = make([]int, len(st.retry))
		}
		if t.Retries[i] >= r.maxAttempts {
			break
		}
		t.Retries[i]++
		delay := r.interval * math.Pow(r.backoff, float64(t.Retries[i]-1))
		if r.maxDelay > 0 && delay > r.maxDelay {
			delay = r.maxDelay
		}
		if r.jitter == "FULL" {
			delay = mrand.Float64() * delay
		}
		t.Phase = phaseRetry
		req := e.newRequest(t, KindTimer)
		req.Until = now.Add(time.Duration(delay * float64(time.Second)))
		return
	}
	for _, c := range st.catch {
		if !matches(c.equals, f.Error) {
			continue
		}
		out, err := m.catchOutput(e, t, st, c, f, now)
		if err != nil {
			m.threadDone(e, t, nil, asFailure(err), now)
			return
		}
		e.record(t, stateEvent(st.Type, "Exited"), now, map[string]any{"name": st.Name, "output": payloadDetail(out), "outputDetails": notTruncated})
		m.goTo(e, t, st, c.next, false, out, now)
		return
	}
	m.threadDone(e, t, nil, f, now)
}

// tokenFor makes a task token.
func tokenFor() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// MarshalExecution encodes an execution for a checkpoint.
func MarshalExecution(e *Execution) ([]byte, error) { return encodeJSON(e) }

// UnmarshalExecution decodes a checkpoint written by MarshalExecution,
// keeping numbers exact (json.Number), so the execution goes on exactly as
// if it had never left memory.
func UnmarshalExecution(data []byte) (*Execution, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var e Execution
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("decode execution: %w", err)
	}
	if e.Threads == nil {
		e.Threads = map[int]*Thread{}
	}
	if e.Pending == nil {
		e.Pending = map[string]*Request{}
	}
	return &e, nil
}
