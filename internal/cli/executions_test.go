package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/cli"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// runIn is run with stdin.
func runIn(t *testing.T, s *servertest.Server, token, stdin string, args ...string) (int, string, string) {
	t.Helper()
	root := cli.NewRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	code := cli.Execute(context.Background(), root, append([]string{"--url", s.URL, "--token", token}, args...))
	return code, out.String(), errOut.String()
}

// machinesYAML holds two small state machines: check passes, or fails
// when the input says so; hold waits an hour.
const machinesYAML = `kind: StateMachine
name: check
spec:
  Definition:
    StartAt: Note
    States:
      Note: {Type: Pass, Result: {checked: true}, ResultPath: $.note, Next: Decide}
      Decide:
        Type: Choice
        Choices:
          - And: [{Variable: $.fail, IsPresent: true}, {Variable: $.fail, BooleanEquals: true}]
            Next: Give up
        Default: Done
      Give up: {Type: Fail, Error: Runbook.Failed, Cause: asked to fail}
      Done: {Type: Succeed}
---
kind: StateMachine
name: hold
spec:
  Definition:
    StartAt: Hold
    States:
      Hold: {Type: Wait, Seconds: 3600, End: true}
`

type started struct {
	ExecutionArn string    `json:"executionArn"`
	StartDate    time.Time `json:"startDate"`
}

type described struct {
	ExecutionArn, StateMachineArn, Name, Status string
	Input                                       string
	Output                                      *string
	Error, Cause                                string
	StartDate                                   time.Time
	StopDate                                    *time.Time
}

// cliStart starts an execution with the CLI and returns its ARN.
func cliStart(t *testing.T, s *servertest.Server, token string, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, s, token, append([]string{"executions", "start", "-o", "json"}, args...)...)
	require.Equal(t, 0, code, errOut)
	var st started
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	require.NotEmpty(t, st.ExecutionArn)
	require.False(t, st.StartDate.IsZero())
	return st.ExecutionArn
}

func cliDescribe(t *testing.T, s *servertest.Server, arn string) described {
	t.Helper()
	code, out, errOut := run(t, s, s.AdminToken, "executions", "describe", arn)
	require.Equal(t, 0, code, errOut)
	var d described
	require.NoError(t, json.Unmarshal([]byte(out), &d), out)
	return d
}

// cliWait polls `executions describe` until the execution has ended.
func cliWait(t *testing.T, s *servertest.Server, arn string) described {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d := cliDescribe(t, s, arn)
		if d.Status != "RUNNING" {
			return d
		}
		require.True(t, time.Now().Before(deadline), "%s still RUNNING after 30 s", arn)
		time.Sleep(20 * time.Millisecond)
	}
}

func listNames(t *testing.T, s *servertest.Server, args ...string) []string {
	t.Helper()
	code, out, errOut := run(t, s, s.AdminToken, append([]string{"executions", "list", "-o", "json"}, args...)...)
	require.Equal(t, 0, code, errOut)
	var l struct {
		Executions []struct{ Name string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &l), out)
	names := []string{}
	for _, e := range l.Executions {
		names = append(names, e.Name)
	}
	return names
}

// TestExecutionsCommands drives every executions command against a real
// server on each database.
func TestExecutionsCommands(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := servertest.Start(t, d)
		dir := t.TempDir()
		machines := filepath.Join(dir, "machines.yaml")
		require.NoError(t, os.WriteFile(machines, []byte(machinesYAML), 0o600))
		code, out, errOut := run(t, s, s.AdminToken, "apply", "-f", machines)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "StateMachine/check created")

		// Start with a name; the same name and input is the same execution,
		// another input is refused.
		ok := cliStart(t, s, s.AdminToken, "--state-machine", "check", "--name", "ok-1", "--input", `{"host":"web-1"}`)
		require.Equal(t, ok, cliStart(t, s, s.AdminToken, "--state-machine", "check", "--name", "ok-1", "--input", `{ "host": "web-1" }`))
		code, _, errOut = run(t, s, s.AdminToken, "executions", "start", "--state-machine", "check", "--name", "ok-1", "--input", `{"host":"web-2"}`)
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "ExecutionAlreadyExists")
		require.Contains(t, errOut, "409")
		done := cliWait(t, s, ok)
		require.Equal(t, "SUCCEEDED", done.Status, "%s: %s", done.Error, done.Cause)
		require.JSONEq(t, `{"host":"web-1"}`, done.Input)
		require.NotNil(t, done.Output)
		require.JSONEq(t, `{"host":"web-1","note":{"checked":true}}`, *done.Output)

		// By ARN, with the input on standard input.
		machineARN := strings.Replace(strings.TrimSuffix(done.ExecutionArn, ":ok-1"), ":execution:", ":stateMachine:", 1)
		require.Equal(t, machineARN, done.StateMachineArn)
		code, out, errOut = runIn(t, s, s.AdminToken, `{"fail": true}`, "executions", "start", "--state-machine", machineARN, "--name", "fail-1", "--input", "-", "-o", "yaml")
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "executionArn: "+strings.Replace(ok, "ok-1", "fail-1", 1))
		failed := cliWait(t, s, strings.Replace(ok, "ok-1", "fail-1", 1))
		require.Equal(t, "FAILED", failed.Status)
		require.Equal(t, "Runbook.Failed", failed.Error)

		// Stop a waiting execution.
		held := cliStart(t, s, s.AdminToken, "--state-machine", "hold", "--name", "held-1")
		require.Equal(t, "RUNNING", cliDescribe(t, s, held).Status)
		code, out, errOut = run(t, s, s.AdminToken, "executions", "stop", held, "--error", "Operator.Cancelled", "--cause", "fixed by hand")
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "STOP DATE")
		aborted := cliDescribe(t, s, held)
		require.Equal(t, "ABORTED", aborted.Status)
		require.Equal(t, "Operator.Cancelled", aborted.Error)
		require.Equal(t, "fixed by hand", aborted.Cause)
		require.NotNil(t, aborted.StopDate)

		// List: newest first, by state machine, status and start time.
		require.Equal(t, []string{"held-1", "fail-1", "ok-1"}, listNames(t, s))
		require.Equal(t, []string{"fail-1", "ok-1"}, listNames(t, s, "--state-machine", "check"))
		require.Equal(t, []string{"fail-1"}, listNames(t, s, "--state-machine", "check", "--status-filter", "FAILED", "--since", "5m"))
		require.Equal(t, []string{"held-1"}, listNames(t, s, "--status-filter", "aborted"))
		require.Empty(t, listNames(t, s, "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
		code, out, errOut = run(t, s, s.AdminToken, "executions", "list", "--state-machine", "check")
		require.Equal(t, 0, code, errOut)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 3)
		require.Equal(t, []string{"NAME", "STATE", "MACHINE", "STATUS", "START", "DATE", "STOP", "DATE", "EXECUTION", "ARN"}, strings.Fields(lines[0]))
		row := strings.Fields(lines[1])
		require.Equal(t, []string{"fail-1", "check", "FAILED"}, row[:3])
		require.Len(t, row, 6, "start and stop dates")
		code, out, errOut = run(t, s, s.AdminToken, "executions", "list", "--limit", "1")
		require.Equal(t, 0, code)
		require.Equal(t, 2, strings.Count(out, "\n"), out)
		require.Contains(t, errOut, "--next-token")
		require.Equal(t, []string{"held-1", "fail-1", "ok-1"}, listNames(t, s, "--limit", "1", "--all"))
		code, _, errOut = run(t, s, s.AdminToken, "executions", "list", "--status-filter", "DONE")
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "statusFilter: must be one of")

		// History: oldest first; reversed; a page with the next token.
		code, out, errOut = run(t, s, s.AdminToken, "executions", "history", ok)
		require.Equal(t, 0, code, errOut)
		lines = strings.Split(strings.TrimSpace(out), "\n")
		require.Equal(t, []string{"ID", "PREVIOUS", "TIMESTAMP", "TYPE", "STATE", "DETAILS"}, strings.Fields(lines[0]))
		require.Equal(t, "ExecutionStarted", strings.Fields(lines[1])[3])
		require.Equal(t, "ExecutionSucceeded", strings.Fields(lines[len(lines)-1])[3])
		total := len(lines) - 1
		code, out, _ = run(t, s, s.AdminToken, "executions", "history", ok, "--reverse-order", "--max-results", "2")
		require.Equal(t, 0, code)
		lines = strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 3)
		require.Equal(t, "ExecutionSucceeded", strings.Fields(lines[1])[3])
		code, out, errOut = run(t, s, s.AdminToken, "executions", "history", ok, "--max-results", "2", "-o", "json")
		require.Equal(t, 0, code, errOut)
		var page struct {
			Events []struct {
				ID   int64
				Type string
			}
			NextToken string
		}
		require.NoError(t, json.Unmarshal([]byte(out), &page))
		require.Len(t, page.Events, 2)
		require.Equal(t, "2", page.NextToken)
		code, out, _ = run(t, s, s.AdminToken, "executions", "history", ok, "--max-results", "1000", "--next-token", page.NextToken, "-o", "json")
		require.Equal(t, 0, code)
		require.NoError(t, json.Unmarshal([]byte(out), &page))
		require.Len(t, page.Events, total-2)
		require.Equal(t, int64(3), page.Events[0].ID)
		code, out, _ = run(t, s, s.AdminToken, "executions", "history", held, "--reverse-order", "--max-results", "1", "-o", "json")
		require.Equal(t, 0, code)
		require.NoError(t, json.Unmarshal([]byte(out), &page))
		require.Equal(t, "ExecutionAborted", page.Events[0].Type)

		// The end of an execution is an event on the bus.
		code, out, errOut = run(t, s, s.AdminToken, "events", "list", "--source", "aws.states", "-o", "json")
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "Step Functions Execution Status Change")
		require.Contains(t, out, `"status": "SUCCEEDED"`)

		// A viewer reads but cannot start or stop; unknown ARNs are 404.
		code, out, errOut = run(t, s, s.AdminToken, "tokens", "create", "--name", "reader", "--role", "viewer", "-o", "json")
		require.Equal(t, 0, code, errOut)
		var tok struct{ Secret string }
		require.NoError(t, json.Unmarshal([]byte(out), &tok))
		code, _, errOut = run(t, s, tok.Secret, "executions", "start", "--state-machine", "check")
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "role viewer may not call POST /api/v1/executions; it needs operator (HTTP 403 Forbidden)")
		code, _, errOut = run(t, s, tok.Secret, "executions", "stop", held)
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "403")
		code, _, errOut = run(t, s, tok.Secret, "executions", "describe", ok)
		require.Equal(t, 0, code, errOut)
		code, _, errOut = run(t, s, s.AdminToken, "executions", "describe", ok+"-nope")
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "404")
		code, _, errOut = run(t, s, s.AdminToken, "executions", "start", "--state-machine", "nope")
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "404")
		code, _, errOut = run(t, s, s.AdminToken, "executions", "start", "--state-machine", "check", "--input", "{nope")
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "--input: not valid JSON")
		code, _, errOut = run(t, s, s.AdminToken, "executions", "start")
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "--state-machine is required")
	})
}

func TestExecutionsHelpHasExamples(t *testing.T) {
	t.Parallel()
	for _, sub := range []string{"", "start", "describe", "list", "stop", "history"} {
		args := []string{"executions", "--help"}
		if sub != "" {
			args = []string{"executions", sub, "--help"}
		}
		root := cli.NewRoot()
		var out bytes.Buffer
		root.SetOut(&out)
		require.Equal(t, 0, cli.Execute(context.Background(), root, args), args)
		require.Contains(t, out.String(), "Examples:", args)
		require.NotEmpty(t, strings.TrimSpace(strings.Split(out.String(), "Usage:")[0]), args)
	}
}
