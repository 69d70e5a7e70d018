package function

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/workflow"
)

// The Task resources the integration is registered for.
const (
	// InvokeResource is the optimized Lambda integration: Parameters
	// {FunctionName, Payload, ...}, result {ExecutedVersion, Payload,
	// SdkHttpMetadata, SdkResponseMetadata, StatusCode}.
	InvokeResource = "arn:aws:states:::lambda:invoke"
	// FunctionResource matches bare function ARNs: the effective input is
	// the payload and the function's result is the task's result.
	FunctionResource = "arn:aws:lambda:::function:*"
)

// Error names a failed invocation raises, as Step Functions reports Lambda
// errors (Developer Guide › Handle Lambda service exceptions; Lambda
// Developer Guide › Troubleshoot invocation issues). A function's own error
// is named by its errorType.
const (
	ErrServiceException  = "Lambda.ServiceException"          // HTTP 5xx, endpoint unreachable, store unavailable: transient
	ErrTooManyRequests   = "Lambda.TooManyRequestsException"  // HTTP 429
	ErrResourceNotFound  = "Lambda.ResourceNotFoundException" // no Function resource of that name
	ErrRequestTooLarge   = "Lambda.RequestTooLargeException"  // HTTP 413
	ErrUnknown           = "Lambda.Unknown"                   // failed without an errorType
	ErrTimedOut          = "Sandbox.Timedout"                 // the function's TimeoutSeconds passed
	ErrMarshal           = "Runtime.MarshalError"             // the result is not JSON
	ErrResponseTooLarge  = "Function.ResponseSizeTooLarge"    // the result exceeds MaxResponseBytes
	ErrInvalidEntrypoint = "Runtime.InvalidEntrypoint"        // the command cannot be started
)

// Size bounds.
const (
	// MaxResponseBytes bounds a function's result (Lambda's synchronous
	// response limit, in the number its error message gives).
	MaxResponseBytes = 6291556
	// MaxStderrBytes is how much of the end of a command's standard error
	// is kept to explain a failure.
	MaxStderrBytes = 64 << 10
	// maxCause bounds a task's cause (Step Functions' limit on cause).
	maxCause = 32768
	// maxCauseTail bounds the standard error or response excerpt quoted in
	// a Lambda.Unknown cause.
	maxCauseTail = 4096
	// maxErrorName bounds an errorType used as an error name.
	maxErrorName = 256
)

// Names of what firstline passes to each invocation.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerExecution      = "X-Firstline-Execution"
	headerRequestID      = "X-Firstline-Request-Id"
	headerFunction       = "X-Firstline-Function"
	// headerFunctionError marks a function error in an HTTP response, as
	// Lambda's Invoke API does (its value is Handled or Unhandled).
	headerFunctionError = "X-Amz-Function-Error"

	envIdempotencyKey = "FIRSTLINE_IDEMPOTENCY_KEY"
	envExecution      = "FIRSTLINE_EXECUTION_ARN"
	envRequestID      = "FIRSTLINE_REQUEST_ID"
	envFunctionName   = "FIRSTLINE_FUNCTION_NAME"
)

// executedVersion is the version every invocation reports: functions have
// no published versions here.
const executedVersion = "$LATEST"

// Integration runs Lambda tasks on Function resources. It is safe for
// concurrent use.
type Integration struct {
	resources *resource.Store
	client    *http.Client
	// Logger receives one debug record per invocation and a warning per
	// failure (function, error name, duration; never payloads, output,
	// headers or environment). Nil discards.
	Logger *slog.Logger
}

// New returns the integration, reading Function resources from resources
// and calling Http functions through client (nil: a client without
// timeout; each call is bounded by the function's TimeoutSeconds).
func New(resources *resource.Store, client *http.Client) *Integration {
	if client == nil {
		client = &http.Client{}
	}
	return &Integration{resources: resources, client: client}
}

// Register adds the integration for "arn:aws:states:::lambda:invoke" and
// for bare function ARNs ("arn:aws:lambda:::function:*").
func (i *Integration) Register(reg *workflow.Registry) error {
	for _, key := range []string{InvokeResource, FunctionResource} {
		if err := reg.Register(key, i); err != nil {
			return fmt.Errorf("register lambda integration %s: %w", key, err)
		}
	}
	return nil
}

// invocation is one call of a function.
type invocation struct {
	name      string
	spec      Spec
	payload   []byte
	requestID string
	key       string // idempotency key, "" when the driver set none
	execution string // the key's execution part
	timeout   time.Duration
	// stateTimeout is set when the Task's own TimeoutSeconds ends the
	// call before the function's.
	stateTimeout bool
	state        string
}

// errDeadline is the cause of an invocation's own deadline.
var errDeadline = errors.New("function deadline")

// Invoke runs the function a Task names. For lambda:invoke, r.Parameters
// holds FunctionName (a name, a function ARN with or without qualifier, or
// a partial ARN; region, account and qualifier are ignored) and Payload;
// the result is shaped like Step Functions' (Payload is the function's
// result). For a bare function ARN, r.Parameters is the payload and the
// result is the function's. Failures are *workflow.TaskError named as
// Step Functions names Lambda errors; a cancelled ctx returns ctx's cause.
func (i *Integration) Invoke(ctx context.Context, r *workflow.Request, pattern string) (any, error) {
	optimized := !isLambdaARN(r.Resource)
	var name string
	var payload any
	dryRun := false
	if optimized {
		if pattern == workflow.RunJob {
			return nil, runtimeError("lambda:invoke has no .sync pattern; use lambda:invoke or lambda:invoke.waitForTaskToken")
		}
		p, err := parseInvokeParameters(r.Parameters)
		if err != nil {
			return nil, err
		}
		name, payload, dryRun = p.name, p.payload, p.dryRun
	} else {
		if pattern != workflow.RequestResponse {
			return nil, runtimeError("a function ARN as Resource runs request-response only; use arn:aws:states:::lambda:invoke.waitForTaskToken for callbacks")
		}
		n, err := ParseFunctionName(r.Resource)
		if err != nil {
			return nil, runtimeError(err.Error())
		}
		name, payload = n, r.Parameters
	}
	requestID := uuid.NewString()
	res, err := i.resources.Get(ctx, KindName, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, &workflow.TaskError{Name: ErrResourceNotFound, Cause: fmt.Sprintf(
			"Function not found: %s: no resource of kind Function has this name (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: %s)", name, requestID)}
	case err != nil && ctx.Err() != nil:
		return nil, context.Cause(ctx)
	case err != nil:
		return nil, &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf("read Function %s: %v (Service: AWSLambda; Status Code: 500; Error Code: ServiceException; Request ID: %s)", name, err, requestID)}
	}
	var spec Spec
	if err := json.Unmarshal(res.Spec, &spec); err != nil {
		return nil, &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf("read Function %s: %v", name, err)}
	}
	if dryRun {
		return invokeResult(requestID, http.StatusNoContent, ""), nil
	}
	body, err := encodeJSON(payload)
	if err != nil {
		return nil, runtimeError(fmt.Sprintf("the payload of function %s is not JSON: %v", name, err))
	}
	inv := &invocation{name: name, spec: spec, payload: body, requestID: requestID, key: r.IdempotencyKey, state: r.State,
		timeout: time.Duration(spec.Timeout()) * time.Second}
	inv.execution, _, _ = strings.Cut(r.IdempotencyKey, "#")
	if st := time.Duration(r.TimeoutSeconds) * time.Second; st > 0 && st < inv.timeout {
		inv.timeout, inv.stateTimeout = st, true
	}

	start := time.Now()
	cctx, cancel := context.WithTimeoutCause(ctx, inv.timeout, errDeadline)
	defer cancel()
	var out []byte
	switch {
	case spec.Http != nil:
		out, err = i.invokeHTTP(cctx, inv)
	case spec.Command != nil:
		out, err = invokeCommand(cctx, inv)
	default:
		err = &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf("Function %s has neither Http nor Command", name)}
	}
	if errors.Is(err, errDeadline) {
		err = inv.timeoutError()
	}
	var result any
	if err == nil {
		result, err = decodeResult(out)
	}
	i.log(ctx, inv, time.Since(start), err)
	if err != nil {
		if ctx.Err() != nil {
			// Stopping is not failing: the caller decides what a cancelled
			// task means.
			return nil, fmt.Errorf("invoke function %s: %w", name, context.Cause(ctx))
		}
		return nil, err
	}
	if !optimized {
		return result, nil
	}
	return invokeResult(requestID, http.StatusOK, result), nil
}

// timeoutError is the failure of a call cut by its deadline.
func (inv *invocation) timeoutError() error {
	if inv.stateTimeout {
		return &workflow.TaskError{Name: workflow.ErrTimeout, Cause: fmt.Sprintf("The task of state '%s' did not answer within %d seconds", inv.state, int(inv.timeout.Seconds()))}
	}
	return functionError(ErrTimedOut, fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.requestID, inv.timeout.Seconds()))
}

func (i *Integration) log(ctx context.Context, inv *invocation, d time.Duration, err error) {
	if i.Logger == nil {
		return
	}
	attrs := []any{"function", inv.name, "function_request_id", inv.requestID, "execution_arn", inv.execution, "duration", d}
	var te *workflow.TaskError
	switch {
	case err == nil:
		i.Logger.DebugContext(ctx, "function invoked", attrs...)
	case ctx.Err() != nil:
		i.Logger.DebugContext(ctx, "function invocation stopped", attrs...)
	case errors.As(err, &te):
		i.Logger.WarnContext(ctx, "function failed", append(attrs, "error", te.Name)...)
	default:
		i.Logger.WarnContext(ctx, "function failed", append(attrs, "err", err)...)
	}
}

// invokeResult shapes a lambda:invoke result as Step Functions does (the
// Lambda Invoke response with the Payload parsed from JSON).
func invokeResult(requestID string, status int, payload any) map[string]any {
	code := json.Number(strconv.Itoa(status))
	headers := map[string]any{
		"Content-Type":           "application/json",
		"X-Amz-Executed-Version": executedVersion,
		"x-amzn-RequestId":       requestID,
	}
	all := map[string]any{}
	for k, v := range headers {
		all[k] = []any{v}
	}
	return map[string]any{
		"ExecutedVersion": executedVersion,
		"Payload":         payload,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": all,
			"HttpHeaders":    headers,
			"HttpStatusCode": code,
		},
		"SdkResponseMetadata": map[string]any{"RequestId": requestID},
		"StatusCode":          code,
	}
}

// invokeParameters are the lambda:invoke Parameters firstline uses.
type invokeParameters struct {
	name    string
	payload any
	dryRun  bool
}

// parseInvokeParameters reads lambda:invoke Parameters: FunctionName
// (required), Payload, InvocationType (RequestResponse or DryRun),
// Qualifier, LogType and ClientContext (accepted, ignored).
func parseInvokeParameters(params any) (invokeParameters, error) {
	var p invokeParameters
	m, ok := params.(map[string]any)
	if !ok {
		return p, runtimeError("the Parameters of lambda:invoke must be an object with FunctionName and Payload")
	}
	for k := range m {
		switch k {
		case "FunctionName", "Payload", "InvocationType", "Qualifier", "LogType", "ClientContext":
		default:
			return p, runtimeError(fmt.Sprintf("lambda:invoke has no parameter %q; it takes FunctionName, Payload, InvocationType, Qualifier, LogType and ClientContext", k))
		}
	}
	fn, _ := m["FunctionName"].(string)
	if fn == "" {
		return p, runtimeError("lambda:invoke needs FunctionName, a string: a Function resource's name or a function ARN")
	}
	name, err := ParseFunctionName(fn)
	if err != nil {
		return p, runtimeError(err.Error())
	}
	p.name = name
	if v, ok := m["Payload"]; ok {
		p.payload = v
	} else {
		p.payload = map[string]any{}
	}
	switch t := m["InvocationType"]; t {
	case nil, "RequestResponse":
	case "DryRun":
		p.dryRun = true
	case "Event":
		return p, runtimeError("InvocationType Event (asynchronous invocation) is not supported: firstline runs functions request-response; to run one without waiting, start it from its own state machine")
	default:
		return p, runtimeError(fmt.Sprintf("InvocationType %v is not RequestResponse, Event or DryRun", t))
	}
	return p, nil
}

// ParseFunctionName returns the function name in a FunctionName or a
// function ARN: "NAME", "NAME:QUALIFIER", "ACCOUNT:function:NAME",
// "arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]". Region,
// account and qualifier are ignored, and whatever stands in for them (a
// placeholder such as 〓ARN名〓 in place of region and account) is skipped:
// the name is the part after "function".
func ParseFunctionName(s string) (string, error) {
	parts := strings.Split(s, ":")
	var rest []string
	switch {
	case parts[0] == "arn":
		if len(parts) < 3 || parts[2] != "lambda" {
			return "", fmt.Errorf("%q is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", s)
		}
		i := indexFrom(parts, 3, "function")
		if i < 0 {
			return "", fmt.Errorf("%q is not a Lambda function ARN: it has no function:NAME part", s)
		}
		rest = parts[i+1:]
	case indexFrom(parts, 0, "function") >= 0:
		rest = parts[indexFrom(parts, 0, "function")+1:]
	default:
		rest = parts // NAME or NAME:QUALIFIER
	}
	if len(rest) == 0 || len(rest) > 2 || rest[0] == "" {
		return "", fmt.Errorf("%q does not name a function: want NAME, NAME:QUALIFIER or a function ARN", s)
	}
	if err := resource.ValidateName(rest[0]); err != nil {
		return "", fmt.Errorf("%q does not name a function: the name %s", s, strings.TrimPrefix(err.Error(), "name: "))
	}
	return rest[0], nil
}

func indexFrom(parts []string, from int, s string) int {
	for i := from; i < len(parts); i++ {
		if parts[i] == s {
			return i
		}
	}
	return -1
}

// isLambdaARN reports whether a Task resource is a bare function ARN.
func isLambdaARN(res string) bool {
	parts := strings.SplitN(res, ":", 4)
	return len(parts) == 4 && parts[0] == "arn" && parts[2] == "lambda"
}

// decodeResult parses a function's output: one JSON value (numbers kept
// as json.Number), or null for empty output.
func decodeResult(out []byte) (any, error) {
	if len(bytes.TrimSpace(out)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, tokErr := dec.Token(); tokErr == nil {
			err = errors.New("more than one JSON value")
		}
	}
	if err != nil {
		return nil, functionError(ErrMarshal, "Unable to marshal response: the function's output is not one JSON value: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	return v, nil
}

// reportedError reads a function-reported error, {"errorType": ...,
// "errorMessage": ...}, from output: the error is named by its errorType
// and its cause is the whole JSON object, as Step Functions reports a
// Lambda function error. ok is false when out is no such object.
func reportedError(out []byte, redact func(string) string) (*workflow.TaskError, bool) {
	var v struct {
		ErrorType string `json:"errorType"`
	}
	trimmed := bytes.TrimSpace(out)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &v) != nil || strings.TrimSpace(v.ErrorType) == "" {
		return nil, false
	}
	var compact bytes.Buffer
	if json.Compact(&compact, trimmed) != nil {
		return nil, false
	}
	return &workflow.TaskError{Name: truncate(strings.TrimSpace(v.ErrorType), maxErrorName), Cause: truncate(redact(compact.String()), maxCause)}, true
}

// functionError is an error Lambda itself reports for a function, with
// the cause in the JSON form of a Lambda error payload.
func functionError(name, message string) *workflow.TaskError {
	cause, _ := encodeJSON(map[string]string{"errorType": name, "errorMessage": message})
	return &workflow.TaskError{Name: name, Cause: string(cause)}
}

func runtimeError(cause string) *workflow.TaskError {
	return &workflow.TaskError{Name: workflow.ErrRuntime, Cause: cause}
}

// encodeJSON encodes v compactly without HTML escaping.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// tail returns at most the last n bytes of s, from a line start where
// one is near, valid UTF-8.
func tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < n/2 {
		s = s[i+1:]
	}
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[1:]
	}
	return "…" + s
}

// secretRedactor replaces the values of a function's headers and
// environment variables (those long enough to be secrets) in text that
// becomes a task's cause.
func secretRedactor(values map[string]string) func(string) string {
	var secrets []string
	for _, v := range values {
		if len(v) >= 8 {
			secrets = append(secrets, v)
		}
	}
	if len(secrets) == 0 {
		return func(s string) string { return s }
	}
	// Longest first, so a secret containing another is replaced whole.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	var pairs []string
	for _, v := range secrets {
		pairs = append(pairs, v, "<secret>")
	}
	return strings.NewReplacer(pairs...).Replace
}

// Interface guard.
var _ workflow.Integration = (*Integration)(nil)
