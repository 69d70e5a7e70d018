package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/arn"
	"github.com/firstline/firstline/internal/execution"
	"github.com/firstline/firstline/internal/workflow"
)

// The execution routes follow the Step Functions API (API Reference ›
// StartExecution, DescribeExecution, StopExecution, ListExecutions,
// GetExecutionHistory) with AWS's JSON member names; times are RFC 3339,
// as everywhere else in this API.

// StartExecutionRequest is the body of POST /api/v1/executions
// (StartExecution). StateMachineArn or StateMachineName names the state
// machine; Name (1 to 80 letters, digits, - and _; random if empty) makes
// the call idempotent; Input is the execution input as a string of JSON,
// as StartExecution takes it, or, for convenience, the JSON value itself
// (default {}).
type StartExecutionRequest struct {
	StateMachineArn  string          `json:"stateMachineArn,omitempty"`
	StateMachineName string          `json:"stateMachineName,omitempty"`
	Name             string          `json:"name,omitempty"`
	Input            json.RawMessage `json:"input,omitempty"`
}

// StartExecutionResponse is StartExecution's answer.
type StartExecutionResponse struct {
	ExecutionArn string    `json:"executionArn"`
	StartDate    time.Time `json:"startDate"`
}

// PayloadDetails says whether a payload is included (always, here: a
// payload is never larger than 256 KB).
type PayloadDetails struct {
	Included bool `json:"included"`
}

// ExecutionDescription is the body of GET /api/v1/executions/{arn}
// (DescribeExecution): input and output are strings of JSON, as AWS
// returns them; output, error and cause only once the execution ended so.
type ExecutionDescription struct {
	ExecutionArn    string          `json:"executionArn"`
	StateMachineArn string          `json:"stateMachineArn"`
	Name            string          `json:"name"`
	Status          string          `json:"status"`
	StartDate       time.Time       `json:"startDate"`
	StopDate        *time.Time      `json:"stopDate,omitempty"`
	Input           string          `json:"input"`
	InputDetails    PayloadDetails  `json:"inputDetails"`
	Output          *string         `json:"output,omitempty"`
	OutputDetails   *PayloadDetails `json:"outputDetails,omitempty"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
}

// ExecutionListItem is one execution in a list (ListExecutions'
// ExecutionListItem).
type ExecutionListItem struct {
	ExecutionArn    string     `json:"executionArn"`
	StateMachineArn string     `json:"stateMachineArn"`
	Name            string     `json:"name"`
	Status          string     `json:"status"`
	StartDate       time.Time  `json:"startDate"`
	StopDate        *time.Time `json:"stopDate,omitempty"`
}

// ExecutionList is the body of GET /api/v1/executions: newest first, and
// the token of the next page ("" on the last).
type ExecutionList struct {
	Executions []ExecutionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

// StopExecutionRequest is the body of POST /api/v1/executions/{arn}/stop
// (StopExecution): the error name (at most 256 characters) and cause (at
// most 32,768) the execution is aborted with, both optional.
type StopExecutionRequest struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// StopExecutionResponse is StopExecution's answer: when the execution
// stopped (earlier, if it had ended already).
type StopExecutionResponse struct {
	StopDate time.Time `json:"stopDate"`
}

// ExecutionHistory is the body of GET /api/v1/executions/{arn}/history
// (GetExecutionHistory): history events in AWS's shape, oldest first (or
// newest first with reverseOrder), and the token of the next page.
type ExecutionHistory struct {
	Events    []json.RawMessage `json:"events"`
	NextToken string            `json:"nextToken,omitempty"`
}

// executionStatuses are the values of statusFilter.
var executionStatuses = []string{workflow.StatusRunning, workflow.StatusSucceeded, workflow.StatusFailed, workflow.StatusTimedOut, workflow.StatusAborted}

// executionNameRE is the rule execution.Executor.Start applies to names,
// checked here first so a bad name is a 400 naming the field.
var executionNameRE = regexp.MustCompile(`^[0-9A-Za-z_-]{1,80}$`)

// executor returns the executor, or a 503 when the server runs none.
func (a *API) executor() (*execution.Executor, error) {
	if a.Executions == nil {
		return nil, errStatus(http.StatusServiceUnavailable, CodeServiceUnavailable, "this server does not run executions")
	}
	return a.Executions, nil
}

func (a *API) startExecution(w http.ResponseWriter, r *http.Request) error {
	x, err := a.executor()
	if err != nil {
		return err
	}
	var req StartExecutionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	machine, err := stateMachineName(x, req.StateMachineArn, req.StateMachineName)
	if err != nil {
		return err
	}
	if req.Name != "" && !executionNameRE.MatchString(req.Name) {
		return errField("name", "must be 1 to 80 letters, digits, - and _")
	}
	input, err := executionInput(req.Input)
	if err != nil {
		return err
	}
	p := a.pending(r)
	p.Detail = map[string]string{"stateMachine": machine, "name": req.Name}
	s, err := x.Start(r.Context(), machine, req.Name, input)
	switch {
	case errors.Is(err, execution.ErrExecutionExists):
		return errStatus(http.StatusConflict, CodeConflict, err.Error())
	case errors.Is(err, execution.ErrInvalidInput):
		// What the checks above let through (the executor's rules may
		// grow): still the caller's mistake.
		return errStatus(http.StatusBadRequest, CodeValidation, err.Error())
	case err != nil:
		return fmt.Errorf("start execution of %s: %w", machine, err)
	}
	p.Resource = "executions/" + s.ExecutionArn
	writeJSON(w, http.StatusOK, StartExecutionResponse{ExecutionArn: s.ExecutionArn, StartDate: s.StartDate})
	return nil
}

// stateMachineName returns the name of the state machine a request names
// by ARN or by name (both must agree).
func stateMachineName(x *execution.Executor, machineARN, name string) (string, error) {
	if machineARN == "" {
		if name == "" {
			return "", errField("stateMachineArn", "is required (or stateMachineName)")
		}
		return name, nil
	}
	fromARN, err := machineFromARN(x, "stateMachineArn", machineARN)
	if err != nil {
		return "", err
	}
	if name != "" && name != fromARN {
		return "", errField("stateMachineName", fmt.Sprintf("%q names another state machine than stateMachineArn", name))
	}
	return fromARN, nil
}

// machineFromARN returns the name in a state machine ARN given in field.
// An ARN of another account or region names no state machine of this
// server: 404.
func machineFromARN(x *execution.Executor, field, s string) (string, error) {
	parsed, err := arn.Parse(s)
	if err != nil {
		return "", errField(field, err.Error())
	}
	name, ok := strings.CutPrefix(parsed.Resource, "stateMachine:")
	if parsed.Service != "states" || !ok || name == "" || strings.Contains(name, ":") {
		return "", errField(field, "must be a state machine ARN, arn:aws:states:REGION:ACCOUNT:stateMachine:NAME (versions and aliases are not supported)")
	}
	if want := x.StateMachineARN(name); s != want {
		return "", errStatus(http.StatusNotFound, CodeNotFound,
			fmt.Sprintf("state machine %s does not exist: this server's state machines are %s", s, x.StateMachineARN("NAME")))
	}
	return name, nil
}

// executionInput returns the input text of a StartExecution request: a
// JSON string holding JSON, or any other JSON value as it is.
func executionInput(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return []byte("{}"), nil
	}
	in := []byte(raw)
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errField("input", "is not a JSON string")
		}
		if strings.TrimSpace(s) == "" {
			return []byte("{}"), nil
		}
		if !json.Valid([]byte(s)) {
			return nil, errField("input", `must be JSON text in a string, such as "{\"host\":\"web-1\"}", or a JSON object`)
		}
		in = []byte(s)
	}
	if len(in) > workflow.MaxPayloadBytes {
		return nil, errField("input", fmt.Sprintf("is %d bytes, more than the limit of %d", len(in), workflow.MaxPayloadBytes))
	}
	return in, nil
}

func (a *API) describeExecution(w http.ResponseWriter, r *http.Request) error {
	x, err := a.executor()
	if err != nil {
		return err
	}
	id := r.PathValue("arn")
	s, err := x.Describe(r.Context(), id)
	if err != nil {
		return fmt.Errorf("describe execution %s: %w", id, err)
	}
	d := ExecutionDescription{
		ExecutionArn: s.ExecutionArn, StateMachineArn: s.StateMachineArn, Name: s.Name, Status: s.Status,
		StartDate: s.StartDate, StopDate: s.StopDate, Input: string(s.Input), InputDetails: PayloadDetails{Included: true},
		Error: s.Error, Cause: s.Cause,
	}
	if d.Input == "" {
		d.Input = "{}"
	}
	if len(s.Output) > 0 {
		out := string(s.Output)
		d.Output, d.OutputDetails = &out, &PayloadDetails{Included: true}
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) stopExecution(w http.ResponseWriter, r *http.Request) error {
	x, err := a.executor()
	if err != nil {
		return err
	}
	var req StopExecutionRequest
	if r.ContentLength != 0 { // the body is optional
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	if len(req.Error) > 256 {
		return errField("error", "must be at most 256 characters")
	}
	if len(req.Cause) > 32768 {
		return errField("cause", "must be at most 32768 characters")
	}
	id := r.PathValue("arn")
	p := a.pending(r)
	p.Resource = "executions/" + id
	p.Detail = map[string]string{"error": req.Error}
	s, err := x.Stop(r.Context(), id, req.Error, req.Cause)
	if err != nil {
		return fmt.Errorf("stop execution %s: %w", id, err)
	}
	p.Detail["status"] = s.Status
	stop := time.Time{}
	if s.StopDate != nil {
		stop = *s.StopDate
	}
	writeJSON(w, http.StatusOK, StopExecutionResponse{StopDate: stop})
	return nil
}

func (a *API) listExecutions(w http.ResponseWriter, r *http.Request) error {
	x, err := a.executor()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := execution.ListFilter{StateMachine: q.Get("stateMachine"), Status: q.Get("statusFilter"), NextToken: q.Get("nextToken")}
	if strings.HasPrefix(f.StateMachine, "arn:") {
		if f.StateMachine, err = machineFromARN(x, "stateMachine", f.StateMachine); err != nil {
			return err
		}
	}
	if f.Status != "" && !slices.Contains(executionStatuses, f.Status) {
		return errField("statusFilter", "must be one of "+strings.Join(executionStatuses, ", "))
	}
	if f.Since, err = queryTime(q.Get("since"), "since", a.Now()); err != nil {
		return err
	}
	if f.Limit, err = queryLimit(q, "limit"); err != nil {
		return err
	}
	if f.NextToken != "" && !validListToken(f.NextToken) {
		return errField("nextToken", "is not a token this route returned")
	}
	list, next, err := x.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := ExecutionList{Executions: make([]ExecutionListItem, 0, len(list)), NextToken: next}
	for _, s := range list {
		out.Executions = append(out.Executions, ExecutionListItem{
			ExecutionArn: s.ExecutionArn, StateMachineArn: s.StateMachineArn, Name: s.Name,
			Status: s.Status, StartDate: s.StartDate, StopDate: s.StopDate,
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// validListToken reports whether t has the shape of List's tokens
// (START-MICROSECONDS_ARN); List itself rejects others with an error that
// says nothing about the field.
func validListToken(t string) bool {
	us, rest, ok := strings.Cut(t, "_")
	if !ok || rest == "" {
		return false
	}
	_, err := strconv.ParseInt(us, 10, 64)
	return err == nil
}

func (a *API) executionHistory(w http.ResponseWriter, r *http.Request) error {
	x, err := a.executor()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	reverse := false
	switch q.Get("reverseOrder") {
	case "", "false":
	case "true":
		reverse = true
	default:
		return errField("reverseOrder", "must be true or false")
	}
	limit, err := queryLimit(q, "maxResults")
	if err != nil {
		return err
	}
	var after int64
	if t := q.Get("nextToken"); t != "" {
		if after, err = strconv.ParseInt(t, 10, 64); err != nil || after < 1 {
			return errField("nextToken", "is not a token this route returned")
		}
	}
	id := r.PathValue("arn")
	events, next, err := x.History(r.Context(), id, reverse, after, limit)
	if err != nil {
		return fmt.Errorf("get history of execution %s: %w", id, err)
	}
	out := ExecutionHistory{Events: events}
	if out.Events == nil {
		out.Events = []json.RawMessage{}
	}
	if next > 0 {
		out.NextToken = strconv.FormatInt(next, 10)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// queryLimit parses a page size parameter: 1 to 1000, 0 when absent.
func queryLimit(q url.Values, name string) (int, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, errField(name, "must be an integer from 1 to 1000")
	}
	return n, nil
}
