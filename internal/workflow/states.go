package workflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/workflow/jsonata"
)

// varScope resolves workflow variables through a thread and its parents
// (Developer Guide › Passing data between states with variables › Scope).
type varScope struct {
	e *Execution
	t *Thread
}

func (v *varScope) lookup(name string) (any, bool) {
	if v == nil {
		return nil, false
	}
	for t := v.t; t != nil; {
		if x, ok := t.Vars[name]; ok {
			return x, true
		}
		if t.Parent < 0 {
			break
		}
		t = v.e.Threads[t.Parent]
	}
	return nil, false
}

// all returns every visible variable, inner scopes winning.
func (v *varScope) all() map[string]any {
	var chain []*Thread
	for t := v.t; t != nil; {
		chain = append(chain, t)
		if t.Parent < 0 {
			break
		}
		t = v.e.Threads[t.Parent]
	}
	out := map[string]any{}
	for i := len(chain) - 1; i >= 0; i-- {
		for k, x := range chain[i].Vars {
			out[k] = x
		}
	}
	return out
}

// evaluator evaluates one state's fields for one thread.
type evaluator struct {
	m    *Machine
	e    *Execution
	t    *Thread
	st   *State
	now  time.Time
	ctx  map[string]any
	vars *varScope
	// mapItem is set while evaluating a Map state's ItemSelector.
	mapItem map[string]any
	// pending holds Assign's variables until the state's output is done.
	pending map[string]any
}

func (m *Machine) evaluator(e *Execution, t *Thread, st *State, now time.Time) *evaluator {
	return &evaluator{m: m, e: e, t: t, st: st, now: now, vars: &varScope{e, t}}
}

// context builds the context object (Developer Guide › Accessing
// execution data from the Context object).
func (ev *evaluator) context() any {
	if ev.ctx != nil {
		if ev.mapItem != nil {
			ev.ctx["Map"] = map[string]any{"Item": ev.mapItem}
		}
		return ev.ctx
	}
	e, t := ev.e, ev.t
	if e.ctxExecution == nil {
		// The execution's part never changes: build it once.
		e.ctxExecution = map[string]any{
			"Id": e.ARN, "Input": e.Input, "Name": e.Name, "RoleArn": e.RoleARN,
			"StartTime": e.StartTime.UTC().Format("2006-01-02T15:04:05.000Z"), "RedriveCount": number(0),
		}
		e.ctxStateMachine = map[string]any{"Id": e.StateMachineARN, "Name": e.StateMachineName}
	}
	ev.ctx = map[string]any{
		"Execution": e.ctxExecution,
		"State": map[string]any{
			"EnteredTime": t.Entered.UTC().Format("2006-01-02T15:04:05.000Z"), "Name": ev.st.Name,
		},
		"StateMachine": e.ctxStateMachine,
	}
	if ev.st.Type == "Task" {
		// Only Task states count retries (recorded AWS behaviour).
		ev.ctx["State"].(map[string]any)["RetryCount"] = number(int64(t.Attempt))
	}
	if t.Token != "" {
		ev.ctx["Task"] = map[string]any{"Token": t.Token}
	}
	if ev.mapItem != nil {
		ev.ctx["Map"] = map[string]any{"Item": ev.mapItem}
	}
	return ev.ctx
}

// lazyScope evaluates JSONPath fields against input, building the context
// object only when a path needs it.
func (ev *evaluator) scope(input any) *scope {
	return &scope{input: input, context: lazyContext{ev}, vars: ev.vars}
}

// lazyContext stands for the context object until a $$ path needs it.
type lazyContext struct{ ev *evaluator }

func (s *scope) contextValue() any {
	if lc, ok := s.context.(lazyContext); ok {
		s.context = lc.ev.context()
	}
	return s.context
}

// ---- JSONPath input and output processing (Developer Guide › Processing
// input and output in Step Functions). ----

func (ev *evaluator) jsonata() bool { return ev.st.QueryLanguage == JSONata }

// effectiveInput applies InputPath to the raw input.
func (ev *evaluator) effectiveInput() (any, error) {
	st := ev.st
	if st.inputNull {
		return map[string]any{}, nil
	}
	if st.inputPath == nil {
		return ev.t.Input, nil
	}
	v, ok := st.inputPath.eval(ev.scope(ev.t.Input))
	if !ok {
		return nil, fail(ErrRuntime, "An error occurred while executing the state '%s' (entered at the event id #%d). Invalid path '%s' : No results for path: %s", st.Name, ev.t.PrevEvent, st.inputPath.src, st.inputPath.normalized())
	}
	return v, nil
}

func (ev *evaluator) applyPayload(n pnode, input any) (any, error) {
	if n == nil {
		return input, nil
	}
	return n.eval(ev.scope(input))
}

// resultPath places result into the raw input.
func (ev *evaluator) resultPath(rp *refPath, null bool, raw, result any) (any, error) {
	if null {
		return raw, nil
	}
	if rp == nil {
		return result, nil
	}
	out, err := rp.set(raw, result)
	if err != nil {
		return nil, fail(ErrResultPathMatchFailure, "An error occurred while executing the state '%s' (entered at the event id #%d). %v", ev.st.Name, ev.t.PrevEvent, err)
	}
	return out, nil
}

// outputPath applies OutputPath.
func (ev *evaluator) outputPath(v any) (any, error) {
	st := ev.st
	if st.outputNull {
		return map[string]any{}, nil
	}
	if st.outputPath == nil {
		return v, nil
	}
	out, ok := st.outputPath.eval(ev.scope(v))
	if !ok {
		return nil, fail(ErrRuntime, "An error occurred while executing the state '%s' (entered at the event id #%d). Invalid path '%s' : No results for path: %s", st.Name, ev.t.PrevEvent, st.outputPath.src, st.outputPath.normalized())
	}
	return out, nil
}

// assignJSONPath evaluates a JSONPath Assign template against input; the
// variables are stored by the caller's commit, after the state's
// OutputPath (an assignment is not visible to its own state).
func (ev *evaluator) assignJSONPath(n pnode, input any) error {
	if n == nil {
		return nil
	}
	v, err := n.eval(ev.scope(input))
	if err != nil {
		return err
	}
	return ev.store(v)
}

// commit stores the variables Assign produced, all at once.
func (ev *evaluator) commit() {
	if len(ev.pending) == 0 {
		return
	}
	if ev.t.Vars == nil {
		ev.t.Vars = make(map[string]any, len(ev.pending))
	}
	for k, x := range ev.pending {
		ev.t.Vars[k] = x
	}
	ev.pending = nil
}

// store checks an Assign result and keeps it for commit.
func (ev *evaluator) store(v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return fail(ErrRuntime, "Assign must produce an object, got %s", typeName(v))
	}
	if len(obj) == 0 {
		return nil
	}
	for k, x := range obj {
		if jsonSize(x) > MaxPayloadBytes {
			return fail(ErrDataLimitExceeded, "The variable '%s' is larger than %d bytes", k, MaxPayloadBytes)
		}
	}
	ev.pending = obj
	return nil
}

// ---- JSONata (Developer Guide › Transforming data with JSONata). ----

// bindings are the JSONata variables: $states and the workflow variables.
func (ev *evaluator) bindings(input, result, errorOutput any, hasResult, hasError bool) map[string]any {
	vars := ev.vars.all()
	states := map[string]any{"input": input, "context": ev.context()}
	if hasResult {
		states["result"] = result
	}
	if hasError {
		states["errorOutput"] = errorOutput
	}
	vars["states"] = states
	return vars
}

// jsonataErr turns a JSONata failure into the state's error, naming the
// field as AWS does ("Output/result", "Arguments/FunctionName").
func jsonataErr(err error, field string) error {
	var je *jsonata.Error
	if errors.As(err, &je) {
		cause := je.Cause
		if je.Expression != "" && field != "" {
			quoted := "'" + je.Expression + "'"
			old := quoted
			if je.Location != "" {
				old += " specified for the field '" + je.Location + "'"
			}
			cause = strings.Replace(cause, old, quoted+" specified for the field '"+field+je.Location+"'", 1)
		}
		return &stateError{je.Name, cause}
	}
	return &stateError{ErrQueryEvaluationError, err.Error()}
}

func (ev *evaluator) evalTemplate(t *jsonata.Template, vars map[string]any, dflt any, field string) (any, error) {
	if t == nil {
		return dflt, nil
	}
	v, err := t.Eval(vars)
	if err != nil {
		return nil, jsonataErr(err, field)
	}
	return v, nil
}

// outputAndAssign evaluates a JSONata Output template (dflt when there is
// none) and an Assign template with the same bindings, keeping the
// variables for commit.
func (ev *evaluator) outputAndAssign(output, assign *jsonata.Template, vars map[string]any, dflt any) (any, error) {
	out, err := ev.evalTemplate(output, vars, dflt, "Output")
	if err != nil {
		return nil, err
	}
	if assign != nil {
		v, err := ev.evalTemplate(assign, vars, nil, "Assign")
		if err != nil {
			return nil, err
		}
		if err := ev.store(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (ev *evaluator) evalExpr(x *jsonata.Expr, vars map[string]any, field string) (any, error) {
	v, err := x.Eval(vars)
	if err != nil {
		return nil, jsonataErr(err, field)
	}
	return v, nil
}

// numericText turns a string holding a number ("1", as a variable may
// hold it) into the number; AWS reads *Path numbers from such strings
// (recorded behaviour). Anything else is returned as is.
func numericText(v any) any {
	if s, ok := v.(string); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.Number(strings.TrimSpace(s))
		}
	}
	return v
}

// valueText is a value as AWS's causes print it: strings bare, others as
// JSON.
func valueText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return compactJSON(v)
}

// ---- state types ----

func (m *Machine) pass(e *Execution, t *Thread, st *State, ev *evaluator, now time.Time) {
	out, err := func() (any, error) {
		if ev.jsonata() {
			vars := ev.bindings(t.Input, nil, nil, false, false)
			out, err := ev.outputAndAssign(st.outputJSONat, st.assignJSONata, vars, t.Input)
			if err != nil {
				return nil, err
			}
			return out, nil
		}
		eff, err := ev.effectiveInput()
		if err != nil {
			return nil, err
		}
		result := eff
		switch {
		case st.hasResult:
			// Result wins over Parameters (recorded AWS behaviour).
			result = st.result
		case st.parameters != nil:
			if result, err = ev.applyPayload(st.parameters, eff); err != nil {
				return nil, err
			}
		}
		if err := ev.assignJSONPath(st.assign, result); err != nil {
			return nil, err
		}
		out, err := ev.resultPath(st.resultPath, st.resultNull, t.Input, result)
		if err != nil {
			return nil, err
		}
		return ev.outputPath(out)
	}()
	if err != nil {
		m.handleError(e, t, st, asFailure(err), now)
		return
	}
	ev.commit()
	m.exit(e, t, st, out, now)
}

// exit records the state's exit and transitions.
func (m *Machine) exit(e *Execution, t *Thread, st *State, out any, now time.Time) {
	d := map[string]any{"name": st.Name, "output": payloadDetail(out), "outputDetails": notTruncated}
	e.record(t, stateEvent(st.Type, "Exited"), now, d)
	m.transition(e, t, st, out, now)
}

func resourceType(res string) string {
	// arn:aws:states:::lambda:invoke → lambda; arn:aws:lambda:...:function:F → lambda
	parts := strings.SplitN(res, ":", 7)
	if len(parts) < 6 {
		return ""
	}
	if parts[2] == "states" && len(parts) >= 6 {
		rest := strings.Join(parts[5:], ":")
		if a, ok := strings.CutPrefix(rest, "aws-sdk:"); ok {
			svc, _, _ := strings.Cut(a, ":")
			return "aws-sdk:" + svc
		}
		svc, _, _ := strings.Cut(rest, ":")
		return svc
	}
	return parts[2]
}

func resourceName(res string) string {
	parts := strings.SplitN(res, ":", 6)
	if len(parts) < 6 {
		return res
	}
	if parts[2] == "states" {
		rest := parts[5]
		if a, ok := strings.CutPrefix(rest, "aws-sdk:"); ok {
			_, op, _ := strings.Cut(a, ":")
			return op
		}
		_, op, _ := strings.Cut(rest, ":")
		return op
	}
	return res
}

// taskInput computes what a Task sends and its timeouts.
func (ev *evaluator) taskInput() (params any, timeout, heartbeat int64, err error) {
	st := ev.st
	if ev.jsonata() {
		vars := ev.bindings(ev.t.Input, nil, nil, false, false)
		params, err = ev.evalTemplate(st.arguments, vars, ev.t.Input, "Arguments")
		if err != nil {
			return nil, 0, 0, err
		}
		timeout, heartbeat = st.timeoutSeconds, st.heartbeatSeconds
		for _, x := range []struct {
			e     *jsonata.Expr
			dst   *int64
			field string
		}{{st.timeoutJSONata, &timeout, "TimeoutSeconds"}, {st.heartbeatJSONata, &heartbeat, "HeartbeatSeconds"}} {
			if x.e == nil {
				continue
			}
			v, err := ev.evalExpr(x.e, vars, x.field)
			if err != nil {
				return nil, 0, 0, err
			}
			n, ok := toInt(v)
			if !ok || n <= 0 {
				return nil, 0, 0, fail(ErrQueryEvaluationError, "The JSONata expression specified for the field '%s' of state '%s' must evaluate to a positive integer, got %s", x.field, st.Name, compactJSON(v))
			}
			*x.dst = n
		}
		return params, timeout, heartbeat, nil
	}
	eff, err := ev.effectiveInput()
	if err != nil {
		return nil, 0, 0, err
	}
	params, err = ev.applyPayload(st.parameters, eff)
	if err != nil {
		return nil, 0, 0, err
	}
	timeout, heartbeat = st.timeoutSeconds, st.heartbeatSeconds
	for _, x := range []struct {
		p   *path
		dst *int64
	}{{st.timeoutPath, &timeout}, {st.heartbeatPath, &heartbeat}} {
		if x.p == nil {
			continue
		}
		v, ok := x.p.eval(ev.scope(eff))
		if !ok {
			return nil, 0, 0, fail(ErrRuntime, "An error occurred while executing the state '%s' (entered at the event id #%d). Invalid path '%s' : No results for path: %s", st.Name, ev.t.PrevEvent, x.p.src, x.p.normalized())
		}
		n, isInt := toInt(numericText(v))
		if !isInt || n <= 0 {
			return nil, 0, 0, fail(ErrRuntime, "The path '%s' of state '%s' must select a positive integer, got %s", x.p.src, st.Name, valueText(v))
		}
		*x.dst = n
	}
	return params, timeout, heartbeat, nil
}

func (m *Machine) task(e *Execution, t *Thread, st *State, ev *evaluator, now time.Time, inv Invoker, issued []*Request) []*Request {
	if strings.HasSuffix(st.Resource, ".waitForTaskToken") && t.Token == "" {
		t.Token = tokenFor()
		ev.ctx = nil
	}
	params, timeout, heartbeat, err := ev.taskInput()
	if err != nil {
		m.handleError(e, t, st, asFailure(err), now)
		return issued
	}
	if jsonSize(params) > MaxPayloadBytes {
		m.handleError(e, t, st, &Failure{Error: ErrDataLimitExceeded, Cause: fmt.Sprintf("The parameters of state '%s' exceed %d bytes", st.Name, MaxPayloadBytes)}, now)
		return issued
	}
	if e.Invocations == nil {
		e.Invocations = map[string]int{}
	}
	key := st.loc
	inv0 := e.Invocations[key]
	e.Invocations[key] = inv0 + 1
	t.Phase = phaseTask
	req := e.newRequest(t, KindTask)
	req.Resource, req.Parameters, req.TaskToken = st.Resource, params, t.Token
	req.Attempt, req.Invocation = t.Attempt, inv0
	req.TimeoutSeconds, req.HeartbeatSeconds = timeout, heartbeat
	sched := map[string]any{"resourceType": resourceType(st.Resource), "resource": resourceName(st.Resource), "region": "local", "parameters": payloadDetail(params)}
	if timeout > 0 {
		sched["timeoutInSeconds"] = timeout
	}
	if heartbeat > 0 {
		sched["heartbeatInSeconds"] = heartbeat
	}
	e.record(t, "TaskScheduled", now, sched)
	e.record(t, "TaskStarted", now, map[string]any{"resourceType": resourceType(st.Resource), "resource": resourceName(st.Resource)})
	if inv != nil {
		if resp := inv(req); resp != nil {
			resp.ID = req.ID
			m.Deliver(e, *resp, now)
			// Deliver queued the thread as runnable; run it here instead so
			// that a branch runs to its end before the next branch starts.
			e.dequeue(t.ID)
			return issued
		}
	}
	return append(issued, req)
}

// dequeue removes the last runnable entry for thread id.
func (e *Execution) dequeue(id int) {
	for i := len(e.Runnable) - 1; i >= 0; i-- {
		if e.Runnable[i] == id {
			e.Runnable = append(e.Runnable[:i], e.Runnable[i+1:]...)
			return
		}
	}
}

// taskResult processes a task's result and moves on.
func (m *Machine) taskResult(e *Execution, t *Thread, st *State, result any, now time.Time) {
	ev := m.evaluator(e, t, st, now)
	out, err := ev.processResult(result)
	t.Token = ""
	if err != nil {
		m.handleError(e, t, st, asFailure(err), now)
		return
	}
	ev.commit()
	m.exit(e, t, st, out, now)
}

// processResult is the result half of a Task, Parallel or Map state:
// ResultSelector, Assign, ResultPath and OutputPath (or JSONata Assign and
// Output).
func (ev *evaluator) processResult(result any) (any, error) {
	st, t := ev.st, ev.t
	if ev.jsonata() {
		vars := ev.bindings(t.Input, result, nil, true, false)
		out, err := ev.outputAndAssign(st.outputJSONat, st.assignJSONata, vars, result)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	// Assign sees the raw result, as ResultSelector does (Developer
	// Guide › Passing data between states with variables › JSONPath).
	if err := ev.assignJSONPath(st.assign, result); err != nil {
		return nil, err
	}
	sel, err := ev.applyPayload(st.resultSel, result)
	if err != nil {
		return nil, err
	}
	out, err := ev.resultPath(st.resultPath, st.resultNull, t.Input, sel)
	if err != nil {
		return nil, err
	}
	return ev.outputPath(out)
}

// catchOutput is the input of a catcher's Next state.
func (m *Machine) catchOutput(e *Execution, t *Thread, st *State, c *catcher, f *Failure, now time.Time) (any, error) {
	ev := m.evaluator(e, t, st, now)
	errOut := map[string]any{"Error": f.Error, "Cause": f.Cause}
	if ev.jsonata() {
		vars := ev.bindings(t.Input, nil, errOut, false, true)
		out, err := ev.outputAndAssign(c.output, c.assignJSONata, vars, errOut)
		if err != nil {
			return nil, err
		}
		ev.commit()
		return out, nil
	}
	if err := ev.assignJSONPath(c.assign, errOut); err != nil {
		return nil, err
	}
	out, err := ev.resultPath(c.resultPath, c.resultNull, t.Input, errOut)
	if err != nil {
		return nil, err
	}
	ev.commit()
	return out, nil
}

func (ev *evaluator) simpleOutput() (any, error) {
	if ev.jsonata() {
		vars := ev.bindings(ev.t.Input, nil, nil, false, false)
		return ev.evalTemplate(ev.st.outputJSONat, vars, ev.t.Input, "Output")
	}
	eff, err := ev.effectiveInput()
	if err != nil {
		return nil, err
	}
	return ev.outputPath(eff)
}

// failure computes a Fail state's error and cause.
func (ev *evaluator) failure() (*Failure, error) {
	st := ev.st
	f := &Failure{Error: st.errorName, Cause: st.cause}
	if ev.jsonata() {
		vars := ev.bindings(ev.t.Input, nil, nil, false, false)
		for _, x := range []struct {
			e     *jsonata.Expr
			dst   *string
			field string
		}{{st.errorJSONata, &f.Error, "Error"}, {st.causeJSONata, &f.Cause, "Cause"}} {
			if x.e == nil {
				continue
			}
			v, err := ev.evalExpr(x.e, vars, x.field)
			if err != nil {
				return nil, err
			}
			s, ok := v.(string)
			if !ok {
				return nil, fail(ErrRuntime, "The Error and Cause of Fail state '%s' must be strings, got %s", st.Name, typeName(v))
			}
			*x.dst = s
		}
		return f, nil
	}
	for _, x := range []struct {
		n   pnode
		dst *string
	}{{st.errorPath, &f.Error}, {st.causePath, &f.Cause}} {
		if x.n == nil {
			continue
		}
		v, err := x.n.eval(ev.scope(ev.t.Input))
		if err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return nil, fail(ErrRuntime, "The ErrorPath and CausePath of Fail state '%s' must select strings, got %s", st.Name, typeName(v))
		}
		*x.dst = s
	}
	return f, nil
}

func (m *Machine) choice(e *Execution, t *Thread, st *State, ev *evaluator, now time.Time) {
	var vars map[string]any
	var eff any
	var err error
	if ev.jsonata() {
		vars = ev.bindings(t.Input, nil, nil, false, false)
	} else if eff, err = ev.effectiveInput(); err != nil {
		m.handleError(e, t, st, asFailure(err), now)
		return
	}
	next := ""
	var matched *choiceRule
	for _, r := range st.choices {
		ok, err := ev.rule(r, eff, vars)
		if err != nil {
			m.handleError(e, t, st, asFailure(err), now)
			return
		}
		if ok {
			next, matched = r.next, r
			break
		}
	}
	if next == "" {
		if st.Default == "" {
			m.threadDone(e, t, nil, &Failure{Error: ErrNoChoiceMatched, Cause: fmt.Sprintf("No Choice Rules matched and no Default specified in state '%s'", st.Name)}, now)
			return
		}
		next = st.Default
	}
	out, err := func() (any, error) {
		if ev.jsonata() {
			outT, assignT := st.outputJSONat, st.assignJSONata
			if matched != nil && matched.output != nil {
				outT = matched.output
			}
			if matched != nil && matched.assignJSONata != nil {
				assignT = matched.assignJSONata
			}
			out, err := ev.outputAndAssign(outT, assignT, vars, t.Input)
			if err != nil {
				return nil, err
			}
			return out, nil
		}
		assign := st.assign
		if matched != nil && matched.assign != nil {
			assign = matched.assign
		}
		if err := ev.assignJSONPath(assign, eff); err != nil {
			return nil, err
		}
		return ev.outputPath(eff)
	}()
	if err != nil {
		m.handleError(e, t, st, asFailure(err), now)
		return
	}
	ev.commit()
	e.record(t, "ChoiceStateExited", now, map[string]any{"name": st.Name, "output": payloadDetail(out), "outputDetails": notTruncated})
	m.goTo(e, t, st, next, false, out, now)
}

func (m *Machine) wait(e *Execution, t *Thread, st *State, ev *evaluator, now time.Time, issued []*Request) []*Request {
	until, out, err := func() (time.Time, any, error) {
		var vars map[string]any
		var eff any
		var err error
		if ev.jsonata() {
			vars = ev.bindings(t.Input, nil, nil, false, false)
		} else if eff, err = ev.effectiveInput(); err != nil {
			return time.Time{}, nil, err
		}
		var until time.Time
		var v any
		var ok bool
		switch {
		case st.seconds != nil:
			until = now.Add(time.Duration(*st.seconds) * time.Second)
		case st.timestamp != nil:
			until = *st.timestamp
		case st.secondsJSONata != nil:
			if v, err = ev.evalExpr(st.secondsJSONata, vars, "Seconds"); err != nil {
				return time.Time{}, nil, err
			}
			n, isInt := toInt(v)
			if !isInt || n < 0 {
				return time.Time{}, nil, fail(ErrQueryEvaluationError, "The JSONata expression specified for the field 'Seconds' of Wait state '%s' must evaluate to a non-negative integer, got %s", st.Name, compactJSON(v))
			}
			until = now.Add(time.Duration(n) * time.Second)
		case st.timestampJSONata != nil:
			if v, err = ev.evalExpr(st.timestampJSONata, vars, "Timestamp"); err != nil {
				return time.Time{}, nil, err
			}
			s, _ := v.(string)
			ts, perr := parseTimestamp(s)
			if perr != nil {
				return time.Time{}, nil, fail(ErrQueryEvaluationError, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", valueText(v))
			}
			until = ts
		case st.secondsPath != nil:
			v, ok = st.secondsPath.eval(ev.scope(eff))
			n, isInt := toInt(v)
			pre := fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", st.Name, t.PrevEvent)
			switch {
			case !ok:
				return time.Time{}, nil, fail(ErrRuntime, "%sThe SecondsPath parameter does not reference an input value: %s", pre, st.secondsPath.src)
			case !isInt:
				return time.Time{}, nil, fail(ErrRuntime, "%sThe SecondsPath parameter cannot be parsed as a long value: %s == %s", pre, st.secondsPath.src, valueText(v))
			case n < 0:
				return time.Time{}, nil, fail(ErrRuntime, "%sThe SecondsPath parameter references a negative value: %s == %s", pre, st.secondsPath.src, valueText(v))
			}
			until = now.Add(time.Duration(n) * time.Second)
		case st.timestampPath != nil:
			v, ok = st.timestampPath.eval(ev.scope(eff))
			s, _ := v.(string)
			ts, perr := parseTimestamp(s)
			if !ok {
				return time.Time{}, nil, fail(ErrRuntime, "An error occurred while executing the state '%s' (entered at the event id #%d). The TimestampPath parameter does not reference an input value: %s", st.Name, t.PrevEvent, st.timestampPath.src)
			}
			if perr != nil {
				return time.Time{}, nil, fail(ErrRuntime, "An error occurred while executing the state '%s' (entered at the event id #%d). The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", st.Name, t.PrevEvent, st.timestampPath.src, valueText(v))
			}
			until = ts
		}
		if ev.jsonata() {
			out, err := ev.outputAndAssign(st.outputJSONat, st.assignJSONata, vars, t.Input)
			if err != nil {
				return time.Time{}, nil, err
			}
			return until, out, nil
		}
		if err := ev.assignJSONPath(st.assign, eff); err != nil {
			return time.Time{}, nil, err
		}
		out, err := ev.outputPath(eff)
		return until, out, err
	}()
	if err != nil {
		m.handleError(e, t, st, asFailure(err), now)
		return issued
	}
	if until.Sub(now) >= maxWait {
		m.handleError(e, t, st, &Failure{Error: ErrRuntime, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). Wait state delay is too long.", st.Name, t.PrevEvent)}, now)
		return issued
	}
	ev.commit()
	t.Phase = phaseWait
	t.Effective = out
	req := e.newRequest(t, KindTimer)
	req.Until = until
	return append(issued, req)
}

// maxWait is the longest delay a Wait state accepts (recorded AWS
// behaviour: 24,856 days, about 2^31 seconds, fails).
const maxWait = 24856 * 24 * time.Hour

// rule evaluates a choice rule (States Language › Choice Rules).
func (ev *evaluator) rule(r *choiceRule, input any, vars map[string]any) (bool, error) {
	switch {
	case r.condition != nil:
		v, err := ev.evalExpr(r.condition, vars, "Condition")
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, fail(ErrQueryEvaluationError, "The Condition of a choice rule in state '%s' must evaluate to a boolean, got %s", ev.st.Name, typeName(v))
		}
		return b, nil
	case r.and != nil:
		for _, k := range r.and {
			ok, err := ev.rule(k, input, vars)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.or != nil:
		for _, k := range r.or {
			ok, err := ev.rule(k, input, vars)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.not != nil:
		ok, err := ev.rule(r.not, input, vars)
		return !ok, err
	}
	sc := ev.scope(input)
	v, present := r.variable.eval(sc)
	switch r.op {
	case "IsPresent":
		return present == r.operand.(bool), nil
	}
	if !present {
		return false, fail(ErrRuntime, "An error occurred while executing the state '%s' (entered at the event id #%d). Invalid path '%s': The choice state's condition path references an invalid value.", ev.st.Name, ev.t.PrevEvent, r.variable.src)
	}
	operand := r.operand
	op := r.op
	if r.operandPath != nil {
		x, ok := r.operandPath.eval(sc)
		if !ok {
			return false, fail(ErrRuntime, "An error occurred while executing the state '%s' (entered at the event id #%d). Invalid path '%s': The choice state's condition path references an invalid value.", ev.st.Name, ev.t.PrevEvent, r.operandPath.src)
		}
		operand = x
		op = strings.TrimSuffix(op, "Path")
	}
	return compare(op, v, operand), nil
}

// compare applies a comparison operator; values of the wrong type never
// match.
func compare(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		return (v == nil) == operand.(bool)
	case "IsNumeric":
		return isNumber(v) == operand.(bool)
	case "IsString":
		_, ok := v.(string)
		return ok == operand.(bool)
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == operand.(bool)
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, err := parseTimestamp(s)
			ok = err == nil
		}
		return ok == operand.(bool)
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && stringMatches(a, b)
	}
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(op, "String", strings.Compare(a, b))
	case strings.HasPrefix(op, "Numeric"):
		if !isNumber(v) || !isNumber(operand) {
			return false
		}
		return ordered(op, "Numeric", compareNumbers(v, operand))
	case strings.HasPrefix(op, "Timestamp"):
		s, ok := v.(string)
		if !ok {
			return false
		}
		a, err := parseTimestamp(s)
		if err != nil {
			return false
		}
		var b time.Time
		switch x := operand.(type) {
		case time.Time:
			b = x
		case string:
			if b, err = parseTimestamp(x); err != nil {
				return false
			}
		default:
			return false
		}
		return ordered(op, "Timestamp", a.Compare(b))
	}
	return false
}

func ordered(op, prefix string, c int) bool {
	switch strings.TrimPrefix(op, prefix) {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// stringMatches matches s against a StringMatches pattern: * matches any
// run of characters; \* and \\ are a literal * and \.
func stringMatches(s, pattern string) bool {
	type tok struct {
		lit  string
		star bool
	}
	var toks []tok
	var lit strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			i++
			lit.WriteByte(pattern[i])
		case c == '*':
			toks = append(toks, tok{lit: lit.String()}, tok{star: true})
			lit.Reset()
		default:
			lit.WriteByte(c)
		}
	}
	toks = append(toks, tok{lit: lit.String()})
	// Greedy-free matching of literal pieces separated by stars.
	var pieces []string
	for _, t := range toks {
		if !t.star {
			pieces = append(pieces, t.lit)
		}
	}
	if len(pieces) == 1 {
		return s == pieces[0]
	}
	if !strings.HasPrefix(s, pieces[0]) {
		return false
	}
	s = s[len(pieces[0]):]
	last := pieces[len(pieces)-1]
	for _, p := range pieces[1 : len(pieces)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// ---- Parallel and Map ----

func (m *Machine) parallel(e *Execution, t *Thread, st *State, ev *evaluator, now time.Time) {
	var input any
	var err error
	if ev.jsonata() {
		input, err = ev.evalTemplate(st.arguments, ev.bindings(t.Input, nil, nil, false, false), t.Input, "Arguments")
	} else if input, err = ev.effectiveInput(); err == nil {
		input, err = ev.applyPayload(st.parameters, input)
	}
	if err != nil {
		m.handleError(e, t, st, asFailure(err), now)
		return
	}
	e.record(t, "ParallelStateStarted", now, nil)
	t.Phase = phaseChildren
	t.Kids = nil
	t.Results = make([]any, len(st.Branches))
	t.Finished = 0
	kids := make([]int, 0, len(st.Branches))
	for i, b := range st.Branches {
		kid := e.spawn(t, ScopeStep{State: st.Name, Branch: i}, i, b, input)
		kids = append(kids, kid.ID)
	}
	t.Kids = kids
	e.Runnable = append(kids, e.Runnable...)
}

// spawn creates a child thread of t.
func (e *Execution) spawn(t *Thread, sc ScopeStep, index int, d *Definition, input any) *Thread {
	scope := make([]ScopeStep, len(t.Scope)+1)
	copy(scope, t.Scope)
	scope[len(t.Scope)] = sc
	kid := &Thread{ID: e.NextThread, Parent: t.ID, Scope: scope, Index: index, State: d.StartAt, Phase: phaseEnter, Input: input, def: d, Tolerate: -1, PrevEvent: t.PrevEvent}
	e.NextThread++
	e.Threads[kid.ID] = kid
	return kid
}

func (m *Machine) mapStart(e *Execution, t *Thread, st *State, ev *evaluator, now time.Time) {
	err := func() error {
		var items any
		var eff any
		var err error
		var vars map[string]any
		if ev.jsonata() {
			vars = ev.bindings(t.Input, nil, nil, false, false)
			items, err = ev.evalTemplate(st.itemsJSONata, vars, t.Input, "Items")
			if err != nil {
				return err
			}
		} else {
			if eff, err = ev.effectiveInput(); err != nil {
				return err
			}
			items = eff
			if st.itemsPath != nil {
				v, ok := st.itemsPath.eval(ev.scope(eff))
				if !ok {
					return fail(ErrRuntime, "An error occurred while executing the state '%s'. Invalid path '%s' : No results for path: %s", st.Name, st.itemsPath.src, st.itemsPath.normalized())
				}
				items = v
			}
		}
		arr, ok := items.([]any)
		if !ok && ev.jsonata() && st.itemsJSONata == nil {
			return fail(ErrQueryEvaluationError, "Map state input must be an array but was: %s", compactJSON(items))
		}
		if !ok && ev.jsonata() {
			expr := "?"
			if src, isStr := st.itemsSource.(string); isStr {
				expr = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(src), "{%"), "%}"))
			}
			return fail(ErrQueryEvaluationError, "The JSONata expression '%s' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '%s' for value: %s", expr, typeName(items), compactJSON(items))
		}
		if !ok {
			return fail(ErrRuntime, "An error occurred while executing the state '%s'. The ItemsPath field must reference a JSON array, but got %s", st.Name, typeName(items))
		}
		// Concurrency and tolerance.
		count, pct := st.toleratedCount, st.toleratedPercent
		t.MaxConc = st.maxConcurrency
		if st.maxConcurrencyPath != nil {
			v, ok := st.maxConcurrencyPath.eval(ev.scope(eff))
			n, isInt := toInt(numericText(v))
			if !ok || !isInt || n < 0 {
				return fail(ErrRuntime, "An error occurred while executing the state '%s'. The MaxConcurrencyPath field refers to value \"%s\" which is not a valid integer: %s", st.Name, valueText(v), st.maxConcurrencyPath.src)
			}
			t.MaxConc = n
		}
		if st.maxConcurrencyJSONata != nil {
			v, err := ev.evalExpr(st.maxConcurrencyJSONata, vars, "MaxConcurrency")
			if err != nil {
				return err
			}
			n, isInt := toInt(v)
			if !isInt || n < 0 {
				return fail(ErrQueryEvaluationError, "The JSONata expression specified for the field 'MaxConcurrency' of state '%s' must evaluate to a non-negative integer, got %s", st.Name, compactJSON(v))
			}
			t.MaxConc = n
		}
		for _, x := range []struct {
			e     *jsonata.Expr
			dst   **float64
			field string
			max   float64
		}{{st.toleratedCountJSONata, &count, "ToleratedFailureCount", math.MaxFloat64}, {st.toleratedPctJSONata, &pct, "ToleratedFailurePercentage", 100}} {
			if x.e == nil {
				continue
			}
			v, err := ev.evalExpr(x.e, vars, x.field)
			if err != nil {
				return err
			}
			f, ok := toFloat(v)
			if !ok || f < 0 || f > x.max {
				return fail(ErrQueryEvaluationError, "The JSONata expression specified for the field '%s' of state '%s' must evaluate to a number between 0 and %v, got %s", x.field, st.Name, x.max, compactJSON(v))
			}
			*x.dst = &f
		}
		t.Tolerate = -1
		if st.toleratedCountPath != nil {
			v, _ := st.toleratedCountPath.eval(ev.scope(eff))
			f, ok := toFloat(numericText(v))
			if !ok {
				return fail(ErrRuntime, "An error occurred while executing the state '%s'. The ToleratedFailureCountPath field refers to value \"%s\" which is not a valid integer: %s", st.Name, valueText(v), st.toleratedCountPath.src)
			}
			if f < 0 {
				return fail(ErrRuntime, "An error occurred while executing the state '%s'. ToleratedFailureCount cannot be negative.", st.Name)
			}
			count = &f
		}
		if st.toleratedPctPath != nil {
			v, _ := st.toleratedPctPath.eval(ev.scope(eff))
			f, ok := toFloat(numericText(v))
			if !ok {
				return fail(ErrRuntime, "An error occurred while executing the state '%s'. The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid float: %s", st.Name, valueText(v), st.toleratedPctPath.src)
			}
			if f < 0 || f > 100 {
				return fail(ErrRuntime, "An error occurred while executing the state '%s'. ToleratedFailurePercentage must be between 0 and 100.", st.Name)
			}
			pct = &f
		}
		if count != nil {
			t.Tolerate = int64(*count)
		}
		if pct != nil {
			n := int64(math.Floor(*pct / 100 * float64(len(arr))))
			if t.Tolerate < 0 || n < t.Tolerate {
				t.Tolerate = n
			}
		}
		// Item selection happens when each iteration starts, with
		// $$.Map.Item in the context.
		t.Items = arr
		t.Effective = eff
		return nil
	}()
	if err != nil {
		m.handleError(e, t, st, asFailure(err), now)
		return
	}
	e.record(t, "MapStateStarted", now, map[string]any{"length": len(t.Items)})
	t.Phase = phaseChildren
	t.Results = make([]any, len(t.Items))
	t.NextItem, t.Running, t.Finished, t.Failures = 0, 0, 0, 0
	t.Kids = nil
	if len(t.Items) == 0 {
		m.mapFinish(e, t, st, now)
		return
	}
	m.mapLaunch(e, t, st, now, true)
}

// mapLaunch starts iterations up to MaxConcurrency.
func (m *Machine) mapLaunch(e *Execution, t *Thread, st *State, now time.Time, first bool) {
	var started []int
	for t.NextItem < len(t.Items) && (t.MaxConc == 0 || int64(t.Running) < t.MaxConc) {
		i := t.NextItem
		t.NextItem++
		item := t.Items[i]
		ev := m.evaluator(e, t, st, now)
		ev.mapItem = map[string]any{"Index": number(int64(i)), "Value": item}
		input := item
		var err error
		if ev.jsonata() {
			vars := ev.bindings(t.Input, nil, nil, false, false)
			input, err = ev.evalTemplate(st.itemSelectorJSONata, vars, item, "ItemSelector")
		} else if st.itemSelector != nil {
			input, err = ev.applyPayload(st.itemSelector, t.Effective)
		}
		if err != nil {
			m.abortKids(e, t)
			t.Phase = phaseEnter
			m.handleError(e, t, st, asFailure(err), now)
			return
		}
		kid := e.spawn(t, ScopeStep{State: st.Name, Branch: -1}, i, st.Processor, input)
		kid.ItemValue = item
		t.Kids = append(t.Kids, kid.ID)
		t.Running++
		e.record(t, "MapIterationStarted", now, map[string]any{"name": st.Name, "index": i})
		kid.PrevEvent = t.PrevEvent
		started = append(started, kid.ID)
	}
	switch {
	case len(started) == 0:
	case first:
		// The first iterations run before anything else waiting.
		e.Runnable = append(started, e.Runnable...)
	default:
		// Later ones queue behind the iterations already started, so
		// that items start in order.
		e.Runnable = append(e.Runnable, started...)
	}
}

// childDone collects a finished branch or iteration.
func (m *Machine) childDone(e *Execution, t *Thread, kid *Thread, now time.Time) {
	st := m.definitionOf(t).States[t.State]
	delete(e.Threads, kid.ID)
	t.Finished++
	if st.Type == "Parallel" {
		if kid.Failed != nil {
			e.record(t, "ParallelStateFailed", now, map[string]any{"error": kid.Failed.Error, "cause": kid.Failed.Cause})
			m.abortKids(e, t)
			t.Phase = phaseEnter
			m.handleError(e, t, st, kid.Failed, now)
			m.requeue(e, t)
			return
		}
		t.Results[kid.Index] = kid.Output
		if t.Finished < len(st.Branches) {
			return
		}
		e.record(t, "ParallelStateSucceeded", now, nil)
		m.childrenResult(e, t, st, t.Results, now)
		return
	}
	// Map.
	t.Running--
	if kid.Failed != nil {
		e.record(t, "MapIterationFailed", now, map[string]any{"name": st.Name, "index": kid.Index})
		t.Failures++
		if t.Tolerate < 0 || int64(t.Failures) > t.Tolerate {
			f := kid.Failed
			if t.Tolerate >= 0 {
				f = &Failure{Error: ErrExceedToleratedFailure, Cause: "The specified tolerated failure threshold was exceeded"}
			}
			e.record(t, "MapStateFailed", now, map[string]any{"error": f.Error, "cause": f.Cause})
			m.abortKids(e, t)
			t.Phase = phaseEnter
			m.handleError(e, t, st, f, now)
			m.requeue(e, t)
			return
		}
		t.Results[kid.Index] = map[string]any{"Error": kid.Failed.Error, "Cause": kid.Failed.Cause}
	} else {
		e.record(t, "MapIterationSucceeded", now, map[string]any{"name": st.Name, "index": kid.Index})
		t.Results[kid.Index] = kid.Output
	}
	if t.Finished < len(t.Items) {
		m.mapLaunch(e, t, st, now, false)
		return
	}
	m.mapFinish(e, t, st, now)
}

func (m *Machine) mapFinish(e *Execution, t *Thread, st *State, now time.Time) {
	e.record(t, "MapStateSucceeded", now, nil)
	results := t.Results
	t.Items, t.Effective = nil, nil
	m.childrenResult(e, t, st, results, now)
}

// childrenResult processes a Parallel's or Map's result array.
func (m *Machine) childrenResult(e *Execution, t *Thread, st *State, results []any, now time.Time) {
	t.Phase = phaseEnter
	t.Kids, t.Results = nil, nil
	ev := m.evaluator(e, t, st, now)
	out, err := ev.processResult(results)
	if err != nil {
		m.handleError(e, t, st, asFailure(err), now)
	} else {
		ev.commit()
		m.exit(e, t, st, out, now)
	}
	m.requeue(e, t)
}

// requeue makes t runnable again if it has somewhere to go.
func (m *Machine) requeue(e *Execution, t *Thread) {
	if t.Phase == phaseEnter {
		e.Runnable = append([]int{t.ID}, e.Runnable...)
	}
}

// abortKids stops every descendant of t and drops their requests.
func (m *Machine) abortKids(e *Execution, t *Thread) {
	for _, id := range t.Kids {
		kid := e.Threads[id]
		if kid == nil {
			continue
		}
		m.abortKids(e, kid)
		if kid.Request != "" {
			delete(e.Pending, kid.Request)
		}
		delete(e.Threads, id)
	}
	t.Kids = nil
}
