package execution

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/firstline/firstline/internal/arn"
	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/rule"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/workflow"
)

// Builtins are the task integrations firstline runs itself (Step
// Functions Developer Guide › Integrating services):
//
//	arn:aws:states:::events:putEvents        puts events on firstline's bus (they go through the rules)
//	arn:aws:states:::states:startExecution   starts another state machine; .sync and .sync:2 wait for it
//	arn:aws:states:::http:invoke             calls an HTTP endpoint
type Builtins struct {
	X        *Executor
	Events   *event.Store
	Rules    *rule.Engine
	Defaults event.Defaults
	Client   *http.Client
}

// Register adds the builtins to reg.
func (b *Builtins) Register(reg *workflow.Registry) error {
	for key, f := range map[string]workflow.IntegrationFunc{
		"arn:aws:states:::events:putEvents":      b.putEvents,
		"arn:aws:states:::states:startExecution": b.startExecution,
		"arn:aws:states:::http:invoke":           b.httpInvoke,
	} {
		if err := reg.Register(key, f); err != nil {
			return err
		}
	}
	return nil
}

// appendEvents routes evs through the rules and appends them to the bus
// in tx.
func appendEvents(ctx context.Context, tx store.Tx, events *event.Store, rules *rule.Engine, evs []*event.Event) error {
	enc, err := event.Encode(evs, time.Now())
	if err != nil {
		return err
	}
	if rules != nil {
		route, err := rules.Route(enc)
		if err != nil {
			return err
		}
		if route != nil { // nil when no rule matches
			if err := route(ctx, tx); err != nil {
				return err
			}
		}
	}
	events.Append(tx, enc)
	return nil
}

// putEvents is PutEvents from a state machine: Parameters {"Entries":
// [{"Source","DetailType","Detail" (an object or a JSON string),
// "Resources","EventBusName"}]}. The result is PutEvents' response; an
// entry that fails fails the task with EventBridge.FailedEntry, as Step
// Functions does.
func (b *Builtins) putEvents(ctx context.Context, r *workflow.Request, _ string) (any, error) {
	p, _ := r.Parameters.(map[string]any)
	entries, ok := p["Entries"].([]any)
	if !ok {
		return nil, &workflow.TaskError{Name: "EventBridge.ValidationException", Cause: "Parameters need Entries, an array of events"}
	}
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok {
			if d, isObj := m["Detail"].(map[string]any); isObj {
				text, _ := json.Marshal(d)
				m["Detail"] = string(text)
			}
			delete(m, "TraceHeader")
		}
	}
	body, _ := json.Marshal(map[string]any{"Entries": entries})
	now := time.Now().UTC()
	batch, err := event.ParsePutEvents(body, b.Defaults, now)
	if err != nil {
		return nil, &workflow.TaskError{Name: "EventBridge.ValidationException", Cause: err.Error()}
	}
	valid := batch.Valid()
	if len(valid) != len(entries) {
		resp := batch.Response()
		text, _ := json.Marshal(resp)
		return nil, &workflow.TaskError{Name: "EventBridge.FailedEntry", Cause: string(text)}
	}
	if err := b.X.DB.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		return appendEvents(ctx, tx, b.Events, b.Rules, valid)
	}); err != nil {
		return nil, err
	}
	var out map[string]any
	text, _ := json.Marshal(batch.Response())
	_ = json.Unmarshal(text, &out)
	return out, nil
}

// startExecution starts the state machine named by StateMachineArn with
// Input (an object or a JSON string) and Name (default: derived from the
// request, so a retried task starts the same execution). Without a suffix
// the result is {"ExecutionArn","StartDate"} at once; with .sync:2 (or
// .sync) the task waits for the execution to end and returns
// DescribeExecution's fields, Output as JSON (.sync:2) or as a string
// (.sync); a failed execution fails the task with States.TaskFailed.
func (b *Builtins) startExecution(ctx context.Context, r *workflow.Request, pattern string) (any, error) {
	p, _ := r.Parameters.(map[string]any)
	smArn, _ := p["StateMachineArn"].(string)
	a, err := arn.Parse(smArn)
	name, ok := strings.CutPrefix(a.Resource, "stateMachine:")
	if err != nil || !ok {
		return nil, &workflow.TaskError{Name: "StepFunctions.InvalidArnException", Cause: fmt.Sprintf("StateMachineArn %q is not a state machine ARN", smArn)}
	}
	name, _, _ = strings.Cut(name, ":") // a version or alias qualifier
	var input []byte
	switch v := p["Input"].(type) {
	case nil:
		input = []byte("{}")
	case string:
		input = []byte(v)
	default:
		input, _ = json.Marshal(v)
	}
	execName, _ := p["Name"].(string)
	if execName == "" {
		sum := sha256.Sum256([]byte(r.IdempotencyKey))
		execName = hex.EncodeToString(sum[:16])
	}
	parent := ""
	if pattern == workflow.RunJob {
		parent = r.IdempotencyKey // execution ARN "#" request id
	}
	s, err := b.X.start(ctx, name, execName, input, parent)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, &workflow.TaskError{Name: "StepFunctions.StateMachineDoesNotExistException", Cause: fmt.Sprintf("State Machine Does Not Exist: '%s'", smArn)}
	case errors.Is(err, ErrExecutionExists):
		return nil, &workflow.TaskError{Name: "StepFunctions.ExecutionAlreadyExistsException", Cause: err.Error()}
	case errors.Is(err, ErrInvalidInput):
		return nil, &workflow.TaskError{Name: "StepFunctions.InvalidExecutionInputException", Cause: err.Error()}
	case err != nil:
		return nil, err
	}
	if pattern == workflow.RunJob {
		return nil, workflow.ErrAnswerLater // the child's end answers the task
	}
	return map[string]any{"ExecutionArn": s.ExecutionArn, "StartDate": json.Number(fmt.Sprint(s.StartDate.UnixMilli()))}, nil
}

// ChildDoneArgs answers a .sync startExecution task when the execution it
// started has ended.
type ChildDoneArgs struct {
	Parent string `json:"parent"` // execution ARN "#" request id
	Child  string `json:"child"`
}

// Kind is "execution.child".
func (ChildDoneArgs) Kind() string { return "execution.child" }

// ChildWorker works execution.child jobs.
type ChildWorker struct {
	river.WorkerDefaults[ChildDoneArgs]
	X *Executor
}

// Work delivers the child's outcome to the parent's task.
func (w *ChildWorker) Work(ctx context.Context, job *river.Job[ChildDoneArgs]) error {
	x := w.X
	parentARN, req, ok := strings.Cut(job.Args.Parent, "#")
	if !ok {
		return nil
	}
	child, err := x.describe(ctx, x.DB, job.Args.Child)
	if err != nil {
		return err
	}
	return x.step(ctx, parentARN, func(m *workflow.Machine, e *workflow.Execution) bool {
		r, ok := e.Pending[req]
		if !ok {
			return false
		}
		resp := workflow.Response{ID: r.ID}
		if child.Status != workflow.StatusSucceeded {
			text, _ := json.Marshal(child)
			resp.Failed, resp.Error, resp.Cause = true, workflow.ErrTaskFailed, string(text)
		} else {
			out := map[string]any{
				"ExecutionArn": child.ExecutionArn, "StateMachineArn": child.StateMachineArn, "Name": child.Name,
				"Status": child.Status, "StartDate": json.Number(fmt.Sprint(child.StartDate.UnixMilli())),
				"Input": string(child.Input), "Output": string(child.Output),
			}
			if child.StopDate != nil {
				out["StopDate"] = json.Number(fmt.Sprint(child.StopDate.UnixMilli()))
			}
			if strings.HasSuffix(r.Resource, ".sync:2") {
				var in, o any
				dec := json.NewDecoder(bytes.NewReader(child.Input))
				dec.UseNumber()
				_ = dec.Decode(&in)
				dec = json.NewDecoder(bytes.NewReader(child.Output))
				dec.UseNumber()
				_ = dec.Decode(&o)
				out["Input"], out["Output"] = in, o
			}
			resp.Output = out
		}
		return m.Deliver(e, resp, x.now())
	})
}

// httpInvoke calls ApiEndpoint with Method, Headers, QueryParameters and
// RequestBody (an object is sent as JSON) and returns {"StatusCode",
// "StatusText","Headers","ResponseBody"} (a JSON body parsed). A status
// outside 2xx fails the task with States.Http.StatusCode.NNN.
func (b *Builtins) httpInvoke(ctx context.Context, r *workflow.Request, _ string) (any, error) {
	p, _ := r.Parameters.(map[string]any)
	endpoint, _ := p["ApiEndpoint"].(string)
	method, _ := p["Method"].(string)
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &workflow.TaskError{Name: "States.Http.InvalidEndpoint", Cause: fmt.Sprintf("ApiEndpoint %q is not an http(s) URL", endpoint)}
	}
	if method == "" {
		return nil, &workflow.TaskError{Name: "States.Http.InvalidMethod", Cause: "Method is required"}
	}
	if q, ok := p["QueryParameters"].(map[string]any); ok {
		values := u.Query()
		for k, v := range q {
			values.Set(k, fmt.Sprint(v))
		}
		u.RawQuery = values.Encode()
	}
	var body io.Reader
	contentType := ""
	switch v := p["RequestBody"].(type) {
	case nil:
	case string:
		body = strings.NewReader(v)
		contentType = "text/plain; charset=utf-8"
	default:
		text, _ := json.Marshal(v)
		body = bytes.NewReader(text)
		contentType = "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, strings.ToUpper(method), u.String(), body)
	if err != nil {
		return nil, &workflow.TaskError{Name: "States.Http.InvalidMethod", Cause: err.Error()}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if h, ok := p["Headers"].(map[string]any); ok {
		for k, v := range h {
			req.Header.Set(k, fmt.Sprint(v))
		}
	}
	req.Header.Set("Idempotency-Key", r.IdempotencyKey)
	client := b.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &workflow.TaskError{Name: "States.Http.Socket", Cause: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, workflow.MaxPayloadBytes+1))
	if err != nil {
		return nil, &workflow.TaskError{Name: "States.Http.Socket", Cause: err.Error()}
	}
	var parsed any = string(raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil && !dec.More() {
		parsed = v
	}
	headers := map[string]any{}
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals := make([]any, len(resp.Header[k]))
		for i, x := range resp.Header[k] {
			vals[i] = x
		}
		headers[k] = vals
	}
	out := map[string]any{
		"StatusCode": json.Number(fmt.Sprint(resp.StatusCode)), "StatusText": http.StatusText(resp.StatusCode),
		"Headers": headers, "ResponseBody": parsed,
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		text, _ := json.Marshal(out)
		return nil, &workflow.TaskError{Name: fmt.Sprintf("States.Http.StatusCode.%d", resp.StatusCode), Cause: string(text)}
	}
	return out, nil
}
