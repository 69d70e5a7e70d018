package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/api"
	"github.com/firstline/firstline/internal/auth"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// checkMachine passes, then fails when the input asks it to.
const checkMachine = `{
  "StartAt": "Note",
  "States": {
    "Note": {"Type": "Pass", "Result": {"checked": true}, "ResultPath": "$.note", "Next": "Decide"},
    "Decide": {"Type": "Choice", "Choices": [{"And": [{"Variable": "$.fail", "IsPresent": true}, {"Variable": "$.fail", "BooleanEquals": true}], "Next": "Give up"}], "Default": "Done"},
    "Give up": {"Type": "Fail", "Error": "Runbook.Failed", "Cause": "asked to fail"},
    "Done": {"Type": "Succeed"}
  }
}`

// waitMachine waits an hour: long enough to be stopped.
const waitMachine = `{"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": true}}}`

// applyMachine stores a StateMachine resource through the API.
func applyMachine(t *testing.T, s *servertest.Server, name, definition string) {
	t.Helper()
	status, b := s.Do(t, http.MethodPut, "/api/v1/resources/StateMachine/"+name, s.AdminToken, map[string]string{"DefinitionString": definition})
	require.Equal(t, http.StatusCreated, status, string(b))
}

func execPath(arn, suffix string) string {
	return "/api/v1/executions/" + url.PathEscape(arn) + suffix
}

// startExecution starts an execution through the API and returns its ARN.
func startExecution(t *testing.T, s *servertest.Server, token string, body any) string {
	t.Helper()
	status, b := s.Do(t, http.MethodPost, "/api/v1/executions", token, body)
	require.Equal(t, http.StatusOK, status, string(b))
	var out api.StartExecutionResponse
	require.NoError(t, json.Unmarshal(b, &out))
	require.NotEmpty(t, out.ExecutionArn)
	require.False(t, out.StartDate.IsZero())
	return out.ExecutionArn
}

func describe(t *testing.T, s *servertest.Server, arn string) api.ExecutionDescription {
	t.Helper()
	status, b := s.Do(t, http.MethodGet, execPath(arn, ""), s.AdminToken, nil)
	require.Equal(t, http.StatusOK, status, string(b))
	var d api.ExecutionDescription
	require.NoError(t, json.Unmarshal(b, &d))
	return d
}

// waitEnded polls DescribeExecution until the execution is no longer
// RUNNING.
func waitEnded(t *testing.T, s *servertest.Server, arn string) api.ExecutionDescription {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d := describe(t, s, arn)
		if d.Status != "RUNNING" {
			return d
		}
		require.True(t, time.Now().Before(deadline), "execution %s still RUNNING after 30 s", arn)
		time.Sleep(20 * time.Millisecond)
	}
}

func listExecutions(t *testing.T, s *servertest.Server, token, query string) api.ExecutionList {
	t.Helper()
	status, b := s.Do(t, http.MethodGet, "/api/v1/executions?"+query, token, nil)
	require.Equal(t, http.StatusOK, status, string(b))
	var l api.ExecutionList
	require.NoError(t, json.Unmarshal(b, &l))
	return l
}

func arns(l api.ExecutionList) []string {
	out := []string{}
	for _, e := range l.Executions {
		out = append(out, e.ExecutionArn)
	}
	return out
}

type historyEvent struct {
	ID              int64  `json:"id"`
	PreviousEventID int64  `json:"previousEventId"`
	Type            string `json:"type"`
	Timestamp       string `json:"timestamp"`
}

// history reads every page of an execution's history with page size n.
func history(t *testing.T, s *servertest.Server, arn string, reverse bool, n int) ([]historyEvent, int) {
	t.Helper()
	var all []historyEvent
	pages := 0
	next := ""
	for {
		q := url.Values{}
		q.Set("reverseOrder", strconv.FormatBool(reverse))
		if n > 0 {
			q.Set("maxResults", strconv.Itoa(n))
		}
		if next != "" {
			q.Set("nextToken", next)
		}
		status, b := s.Do(t, http.MethodGet, execPath(arn, "/history?"+q.Encode()), s.AdminToken, nil)
		require.Equal(t, http.StatusOK, status, string(b))
		var page struct {
			Events    []historyEvent `json:"events"`
			NextToken string         `json:"nextToken"`
		}
		require.NoError(t, json.Unmarshal(b, &page))
		pages++
		if n > 0 {
			require.LessOrEqual(t, len(page.Events), n)
		}
		all = append(all, page.Events...)
		if page.NextToken == "" {
			return all, pages
		}
		next = page.NextToken
	}
}

// TestExecutions runs state machines through the execution routes on each
// database: start by name and by ARN, idempotency, describe, list filters
// and pages, history in both orders, stop, roles, errors, and the status
// change event on the bus.
func TestExecutions(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := servertest.Start(t, d)
		toks := tokens(t, s)
		applyMachine(t, s, "check", checkMachine)
		applyMachine(t, s, "hold", waitMachine)

		// Start by name with input as a string of JSON (as AWS takes it),
		// and by ARN with input as an object.
		ok := startExecution(t, s, toks["operator"], map[string]any{"stateMachineName": "check", "name": "ok-1", "input": `{"host":"web-1"}`})
		require.Equal(t, "arn:aws:states:local-1:000000000000:execution:check:ok-1", ok, "the default account and region")
		machineARN := "arn:aws:states:local-1:000000000000:stateMachine:check"
		failed := startExecution(t, s, toks["operator"], map[string]any{"stateMachineArn": machineARN, "name": "fail-1", "input": map[string]any{"fail": true}})

		// The same name and input is the same execution (whichever form the
		// input takes); another input is ExecutionAlreadyExists.
		require.Equal(t, ok, startExecution(t, s, toks["operator"], map[string]any{"stateMachineArn": machineARN, "name": "ok-1", "input": map[string]any{"host": "web-1"}}))
		status, b := s.Do(t, http.MethodPost, "/api/v1/executions", toks["operator"], map[string]any{"stateMachineName": "check", "name": "ok-1", "input": `{"host":"web-2"}`})
		require.Equal(t, http.StatusConflict, status, string(b))
		e := errorBody(t, b)
		require.Equal(t, api.CodeConflict, e.Code)
		require.Contains(t, e.Message, "ExecutionAlreadyExists")

		done := waitEnded(t, s, ok)
		require.Equal(t, "SUCCEEDED", done.Status, "%s: %s", done.Error, done.Cause)
		require.Equal(t, machineARN, done.StateMachineArn)
		require.Equal(t, "ok-1", done.Name)
		require.JSONEq(t, `{"host":"web-1"}`, done.Input)
		require.NotNil(t, done.Output)
		require.JSONEq(t, `{"host":"web-1","note":{"checked":true}}`, *done.Output)
		require.NotNil(t, done.StopDate)
		require.False(t, done.StopDate.Before(done.StartDate))
		// input and output are strings of JSON in the body, as in AWS.
		_, raw := s.Do(t, http.MethodGet, execPath(ok, ""), s.AdminToken, nil)
		var rawDesc map[string]any
		require.NoError(t, json.Unmarshal(raw, &rawDesc))
		require.IsType(t, "", rawDesc["input"])
		require.IsType(t, "", rawDesc["output"])

		bad := waitEnded(t, s, failed)
		require.Equal(t, "FAILED", bad.Status)
		require.Equal(t, "Runbook.Failed", bad.Error)
		require.Equal(t, "asked to fail", bad.Cause)
		require.Nil(t, bad.Output)

		// Stop a waiting execution; stopping again changes nothing.
		held := startExecution(t, s, toks["operator"], map[string]any{"stateMachineName": "hold"})
		require.Contains(t, held, ":execution:hold:")
		require.Equal(t, "RUNNING", describe(t, s, held).Status)
		status, b = s.Do(t, http.MethodPost, execPath(held, "/stop"), toks["viewer"], `{}`)
		require.Equal(t, http.StatusForbidden, status, string(b))
		status, b = s.Do(t, http.MethodPost, execPath(held, "/stop"), toks["operator"], map[string]string{"error": "Operator.Cancelled", "cause": "fixed by hand"})
		require.Equal(t, http.StatusOK, status, string(b))
		var stopped api.StopExecutionResponse
		require.NoError(t, json.Unmarshal(b, &stopped))
		require.False(t, stopped.StopDate.IsZero())
		aborted := describe(t, s, held)
		require.Equal(t, "ABORTED", aborted.Status)
		require.Equal(t, "Operator.Cancelled", aborted.Error)
		require.Equal(t, "fixed by hand", aborted.Cause)
		require.True(t, stopped.StopDate.Equal(*aborted.StopDate))
		status, b = s.Do(t, http.MethodPost, execPath(held, "/stop"), toks["operator"], nil)
		require.Equal(t, http.StatusOK, status, string(b))
		var again api.StopExecutionResponse
		require.NoError(t, json.Unmarshal(b, &again))
		require.True(t, stopped.StopDate.Equal(again.StopDate))
		require.Equal(t, "Operator.Cancelled", describe(t, s, held).Error)
		h, _ := history(t, s, held, true, 1)
		require.Equal(t, "ExecutionAborted", h[0].Type)

		// List: newest first, filtered by machine, status and start time.
		all := listExecutions(t, s, toks["viewer"], "")
		require.Equal(t, []string{held, failed, ok}, arns(all))
		for i := 1; i < len(all.Executions); i++ {
			require.False(t, all.Executions[i].StartDate.After(all.Executions[i-1].StartDate))
		}
		require.Equal(t, "ABORTED", all.Executions[0].Status)
		require.NotNil(t, all.Executions[0].StopDate)
		require.Equal(t, []string{failed, ok}, arns(listExecutions(t, s, toks["viewer"], "stateMachine=check")))
		require.Equal(t, []string{failed, ok}, arns(listExecutions(t, s, toks["viewer"], "stateMachine="+url.QueryEscape(machineARN))))
		require.Equal(t, []string{failed}, arns(listExecutions(t, s, toks["viewer"], "stateMachine=check&statusFilter=FAILED&since=5m")))
		require.Equal(t, []string{ok}, arns(listExecutions(t, s, toks["viewer"], "statusFilter=SUCCEEDED")))
		require.Empty(t, arns(listExecutions(t, s, toks["viewer"], "statusFilter=TIMED_OUT")))
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		require.Empty(t, arns(listExecutions(t, s, toks["viewer"], "since="+future)))
		require.Empty(t, arns(listExecutions(t, s, toks["viewer"], "stateMachine=nothing")))
		var paged []string
		q := "limit=1"
		for range 10 {
			l := listExecutions(t, s, toks["viewer"], q)
			require.LessOrEqual(t, len(l.Executions), 1)
			paged = append(paged, arns(l)...)
			if l.NextToken == "" {
				break
			}
			q = "limit=1&nextToken=" + url.QueryEscape(l.NextToken)
		}
		require.Equal(t, arns(all), paged)

		// History: ids count from 1 in order; reverse is the mirror; pages
		// of any size add up to the whole.
		fwd, pages := history(t, s, ok, false, 0)
		require.Equal(t, 1, pages)
		require.Equal(t, "ExecutionStarted", fwd[0].Type)
		require.Equal(t, "ExecutionSucceeded", fwd[len(fwd)-1].Type)
		var types []string
		for i, ev := range fwd {
			require.Equal(t, int64(i+1), ev.ID)
			types = append(types, ev.Type)
		}
		require.Contains(t, types, "PassStateEntered")
		require.Contains(t, types, "ChoiceStateExited")
		require.Contains(t, types, "SucceedStateEntered")
		rev, _ := history(t, s, ok, true, 0)
		require.Len(t, rev, len(fwd))
		for i := range rev {
			require.Equal(t, fwd[len(fwd)-1-i], rev[i])
		}
		for _, n := range []int{1, 2, 3} {
			got, pages := history(t, s, ok, false, n)
			require.Equal(t, fwd, got, "page size %d", n)
			require.Equal(t, (len(fwd)+n-1)/n, pages, "page size %d", n)
			got, _ = history(t, s, ok, true, n)
			require.Equal(t, rev, got, "reverse, page size %d", n)
		}

		// Roles: a viewer reads but cannot start.
		status, b = s.Do(t, http.MethodPost, "/api/v1/executions", toks["viewer"], map[string]any{"stateMachineName": "check"})
		require.Equal(t, http.StatusForbidden, status, string(b))
		require.Equal(t, api.CodeForbidden, errorBody(t, b).Code)
		for _, path := range []string{"/api/v1/executions", execPath(ok, ""), execPath(ok, "/history")} {
			status, b = s.Do(t, http.MethodGet, path, toks["viewer"], nil)
			require.Equal(t, http.StatusOK, status, "%s: %s", path, b)
		}

		// The end of each execution is a Step Functions status change event.
		status, b = s.Do(t, http.MethodGet, "/api/v1/events?source=aws.states", toks["viewer"], nil)
		require.Equal(t, http.StatusOK, status, string(b))
		var evs struct {
			Events []struct {
				DetailType string   `json:"detail-type"`
				Resources  []string `json:"resources"`
				Detail     struct {
					ExecutionArn, StateMachineArn, Name, Status string
					Output                                      *string
				} `json:"detail"`
			}
		}
		require.NoError(t, json.Unmarshal(b, &evs))
		statuses := map[string]string{}
		for _, ev := range evs.Events {
			require.Equal(t, "Step Functions Execution Status Change", ev.DetailType)
			if ev.Detail.ExecutionArn == ok && ev.Detail.Status == "SUCCEEDED" {
				require.Equal(t, []string{ok}, ev.Resources)
				require.Equal(t, machineARN, ev.Detail.StateMachineArn)
				require.NotNil(t, ev.Detail.Output)
				require.JSONEq(t, *done.Output, *ev.Detail.Output)
			}
			if ev.Detail.Status != "RUNNING" {
				statuses[ev.Detail.ExecutionArn] = ev.Detail.Status
			}
		}
		require.Equal(t, map[string]string{ok: "SUCCEEDED", failed: "FAILED", held: "ABORTED"}, statuses)

		// Start and stop are audited with the execution they touched.
		status, b = s.Do(t, http.MethodGet, "/api/v1/audit?action=executions.stop", s.AdminToken, nil)
		require.Equal(t, http.StatusOK, status, string(b))
		var audit api.AuditList
		require.NoError(t, json.Unmarshal(b, &audit))
		require.Len(t, audit.Entries, 3) // denied, stopped, stopped again
		require.Equal(t, "executions/"+held, audit.Entries[0].Resource)
		status, b = s.Do(t, http.MethodGet, "/api/v1/audit?action=executions.start", s.AdminToken, nil)
		require.Equal(t, http.StatusOK, status, string(b))
		require.NoError(t, json.Unmarshal(b, &audit))
		found := false
		for _, e := range audit.Entries {
			if e.Resource == "executions/"+failed && e.Outcome == "success" {
				found = true
				require.Equal(t, map[string]string{"stateMachine": "check", "name": "fail-1"}, e.Detail)
			}
		}
		require.True(t, found, "no audit entry for the start of %s", failed)
	})
}

// TestExecutionErrors checks each rejected request: status, code, field
// and message.
func TestExecutionErrors(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	applyMachine(t, s, "check", checkMachine)
	unknown := "arn:aws:states:local-1:000000000000:execution:check:nope"
	big := `{"x":"` + strings.Repeat("a", 256*1024) + `"}`
	bigString, _ := json.Marshal(big)
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field, msg         string
	}{
		{"no state machine", "POST", "/api/v1/executions", `{}`, 400, "ValidationException", "stateMachineArn", "is required"},
		{"unknown state machine", "POST", "/api/v1/executions", `{"stateMachineName":"nope"}`, 404, "NotFound", "", "nope"},
		{"not a state machine ARN", "POST", "/api/v1/executions", `{"stateMachineArn":"arn:aws:lambda:local-1:000000000000:function:f"}`, 400, "ValidationException", "stateMachineArn", "must be a state machine ARN"},
		{"not an ARN", "POST", "/api/v1/executions", `{"stateMachineArn":"check"}`, 400, "ValidationException", "stateMachineArn", "is not an ARN"},
		{"another region", "POST", "/api/v1/executions", `{"stateMachineArn":"arn:aws:states:eu-west-1:000000000000:stateMachine:check"}`, 404, "NotFound", "", "arn:aws:states:local-1:000000000000:stateMachine:NAME"},
		{"ARN and name disagree", "POST", "/api/v1/executions", `{"stateMachineArn":"arn:aws:states:local-1:000000000000:stateMachine:check","stateMachineName":"other"}`, 400, "ValidationException", "stateMachineName", "another state machine"},
		{"bad name", "POST", "/api/v1/executions", `{"stateMachineName":"check","name":"a b"}`, 400, "ValidationException", "name", "1 to 80 letters"},
		{"input not JSON", "POST", "/api/v1/executions", `{"stateMachineName":"check","input":"{nope"}`, 400, "ValidationException", "input", "must be JSON text"},
		{"input too large", "POST", "/api/v1/executions", `{"stateMachineName":"check","input":` + string(bigString) + `}`, 400, "ValidationException", "input", "more than the limit"},
		{"unknown field", "POST", "/api/v1/executions", `{"stateMachineName":"check","roleArn":"x"}`, 400, "SerializationException", "roleArn", "unknown field"},
		{"unknown execution", "GET", execPath(unknown, ""), "", 404, "NotFound", "", "describe execution " + unknown},
		{"history of unknown execution", "GET", execPath(unknown, "/history"), "", 404, "NotFound", "", unknown},
		{"stop unknown execution", "POST", execPath(unknown, "/stop"), `{}`, 404, "NotFound", "", unknown},
		{"error too long", "POST", execPath(unknown, "/stop"), `{"error":"` + strings.Repeat("e", 257) + `"}`, 400, "ValidationException", "error", "at most 256"},
		{"bad status filter", "GET", "/api/v1/executions?statusFilter=DONE", "", 400, "ValidationException", "statusFilter", "RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED"},
		{"bad since", "GET", "/api/v1/executions?since=yesterday", "", 400, "ValidationException", "since", "RFC 3339"},
		{"bad limit", "GET", "/api/v1/executions?limit=1001", "", 400, "ValidationException", "limit", "from 1 to 1000"},
		{"bad list token", "GET", "/api/v1/executions?nextToken=zzz", "", 400, "ValidationException", "nextToken", "not a token"},
		{"bad state machine ARN in list", "GET", "/api/v1/executions?stateMachine=arn:aws:states:x", "", 400, "ValidationException", "stateMachine", "not an ARN"},
		{"bad reverseOrder", "GET", execPath(unknown, "/history?reverseOrder=yes"), "", 400, "ValidationException", "reverseOrder", "true or false"},
		{"bad maxResults", "GET", execPath(unknown, "/history?maxResults=0"), "", 400, "ValidationException", "maxResults", "from 1 to 1000"},
		{"bad history token", "GET", execPath(unknown, "/history?nextToken=-3"), "", 400, "ValidationException", "nextToken", "not a token"},
		{"wrong method", "DELETE", execPath(unknown, ""), "", 405, "MethodNotAllowed", "", "allowed: GET"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, b := s.Do(t, tc.method, tc.path, s.AdminToken, tc.body)
			require.Equal(t, tc.status, status, string(b))
			e := errorBody(t, b)
			require.Equal(t, tc.code, e.Code, string(b))
			require.Equal(t, tc.field, e.Field, string(b))
			require.Contains(t, e.Message, tc.msg)
		})
	}
}

// TestExecutionsMatchOpenAPI validates real requests and responses of the
// execution routes against openapi.json.
func TestExecutionsMatchOpenAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIDocument)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(ctx))
	s := servertest.Start(t, store.SQLite)
	doc.Servers = openapi3.Servers{{URL: s.URL}}
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	toks := tokens(t, s)
	applyMachine(t, s, "check", checkMachine)
	applyMachine(t, s, "hold", waitMachine)
	done := startExecution(t, s, s.AdminToken, map[string]any{"stateMachineName": "check", "name": "done"})
	waitEnded(t, s, done)
	failed := startExecution(t, s, s.AdminToken, map[string]any{"stateMachineName": "check", "input": `{"fail":true}`})
	waitEnded(t, s, failed)
	held := startExecution(t, s, s.AdminToken, map[string]any{"stateMachineName": "hold"})
	unknown := "arn:aws:states:local-1:000000000000:execution:check:nope"

	cases := []openAPICase{
		{"POST", "/api/v1/executions", toks["operator"], `{"stateMachineName":"check","name":"oa","input":"{\"a\":1}"}`, 200},
		{"POST", "/api/v1/executions", toks["operator"], `{"stateMachineArn":"arn:aws:states:local-1:000000000000:stateMachine:check","name":"oa","input":{"a":1}}`, 200},
		{"POST", "/api/v1/executions", toks["operator"], `{"stateMachineName":"check","name":"oa","input":{"a":2}}`, 409},
		{"POST", "/api/v1/executions", toks["operator"], `{"stateMachineName":"nope"}`, 404},
		{"POST", "/api/v1/executions", toks["operator"], `{"stateMachineName":"check","name":"a b"}`, 400},
		{"POST", "/api/v1/executions", toks["viewer"], `{"stateMachineName":"check"}`, 403},
		{"POST", "/api/v1/executions", "", `{"stateMachineName":"check"}`, 401},
		{"GET", "/api/v1/executions", toks["viewer"], "", 200},
		{"GET", "/api/v1/executions?stateMachine=check&statusFilter=FAILED&since=5m&limit=1", toks["viewer"], "", 200},
		{"GET", "/api/v1/executions?limit=0", toks["viewer"], "", 400},
		{"GET", "/api/v1/executions", "", "", 401},
		{"GET", execPath(done, ""), toks["viewer"], "", 200},
		{"GET", execPath(failed, ""), toks["viewer"], "", 200},
		{"GET", execPath(held, ""), toks["viewer"], "", 200},
		{"GET", execPath(unknown, ""), toks["viewer"], "", 404},
		{"GET", execPath(done, "/history"), toks["viewer"], "", 200},
		{"GET", execPath(done, "/history?reverseOrder=true&maxResults=2"), toks["viewer"], "", 200},
		{"GET", execPath(done, "/history?maxResults=0"), toks["viewer"], "", 400},
		{"GET", execPath(unknown, "/history"), toks["viewer"], "", 404},
		{"POST", execPath(held, "/stop"), toks["viewer"], `{}`, 403},
		{"POST", execPath(held, "/stop"), toks["operator"], `{"error":"E","cause":"C"}`, 200},
		{"GET", execPath(held, ""), toks["viewer"], "", 200},
		{"POST", execPath(unknown, "/stop"), toks["operator"], `{}`, 404},
		{"POST", execPath(unknown, "/stop"), "", `{}`, 401},
	}
	checkOpenAPI(ctx, t, router, s.URL, cases)
}

// TestExecutionsUnavailable checks that an API without an executor
// answers every execution route with 503 ServiceUnavailable.
func TestExecutionsUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: storetest.DSN(t, store.SQLite)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	committer := store.NewCommitter(db, store.CommitterConfig{})
	t.Cleanup(committer.Close)
	tokens := auth.NewTokens(db)
	_, secret, err := tokens.Create(ctx, db, "admin", auth.Admin, "test")
	require.NoError(t, err)
	mux := http.NewServeMux()
	api.New(api.Config{DB: db, Tokens: tokens, Committer: committer}).Register(mux)
	arn := url.PathEscape("arn:aws:states:local-1:000000000000:execution:check:x")
	for _, rt := range []struct{ method, path, body string }{
		{"POST", "/api/v1/executions", `{"stateMachineName":"check"}`},
		{"GET", "/api/v1/executions", ""},
		{"GET", "/api/v1/executions/" + arn, ""},
		{"POST", "/api/v1/executions/" + arn + "/stop", `{}`},
		{"GET", "/api/v1/executions/" + arn + "/history", ""},
	} {
		var body io.Reader
		if rt.body != "" {
			body = strings.NewReader(rt.body)
		}
		req, err := http.NewRequest(rt.method, rt.path, body)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret.Reveal())
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, "%s %s: %s", rt.method, rt.path, rec.Body.String())
		require.Equal(t, api.CodeServiceUnavailable, errorBody(t, rec.Body.Bytes()).Code)
	}
}
