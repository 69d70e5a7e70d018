package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func executionsCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "executions",
		Short: "Start, describe, list and stop executions of state machines; read their history",
		Long: `An execution is one run of a state machine applied with 'firstline apply'
(kind StateMachine), as Step Functions runs it: the server runs it durably,
checkpointing at every wait and task, so it survives restarts. The commands
follow the Step Functions API (StartExecution, DescribeExecution,
ListExecutions, StopExecution, GetExecutionHistory) and print its JSON field
names with -o json or -o yaml.`,
		Example: `  firstline apply -f triage.yaml
  firstline executions start --state-machine triage --input '{"detail":{"alarmName":"web-1 5xx","state":{"value":"ALARM"}}}'
  firstline executions list --state-machine triage --status-filter FAILED --since 1h`,
	}
	cmd.AddCommand(executionsStartCmd(o), executionsDescribeCmd(o), executionsListCmd(o), executionsStopCmd(o), executionsHistoryCmd(o))
	cmd.AddCommand(taskTokenCmds(o)...)
	return cmd
}

// executionPath is the API path of an execution, plus suffix.
func executionPath(arn, suffix string) string {
	return "/api/v1/executions/" + url.PathEscape(arn) + suffix
}

// formatTime prints a time for tables ("" for none).
func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func executionsStartCmd(o *Options) *cobra.Command {
	var machine, name, input string
	cmd := &cobra.Command{
		Use:   "start --state-machine NAME|ARN [--name NAME] [--input JSON|file://path|-]",
		Short: "Start an execution of a state machine (StartExecution)",
		Long: `Start an execution of the state machine --state-machine (its name or ARN) with
the definition it has now; later applies do not change a running execution.
--input is the execution input, a JSON value given inline, as file://path, or
- for standard input (default {}).

--name (1 to 80 letters, digits, - and _; random if absent) makes the call
idempotent: starting again with the same name and input prints the same
execution, with another input fails with ExecutionAlreadyExists (HTTP 409).
Prints the execution ARN and start date; follow it with 'executions describe'.`,
		Example: `  firstline executions start --state-machine triage --input file://examples/first-response/tests/alarm-event.json
  firstline executions start --state-machine triage --name alarm-42 --input '{"detail":{"alarmName":"web-1 5xx","state":{"value":"ALARM"}}}' -o json
  cat event.json | firstline executions start --state-machine triage --input -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if machine == "" {
				return errors.New("--state-machine is required (a StateMachine name or ARN)")
			}
			body := map[string]string{}
			if strings.HasPrefix(machine, "arn:") {
				body["stateMachineArn"] = machine
			} else {
				body["stateMachineName"] = machine
			}
			if name != "" {
				body["name"] = name
			}
			if input != "" {
				raw, err := ReadArg(input, cmd.InOrStdin())
				if err != nil {
					return err
				}
				if !json.Valid(raw) {
					return fmt.Errorf("--input: not valid JSON")
				}
				body["input"] = string(raw)
			}
			var out struct {
				ExecutionArn string    `json:"executionArn"`
				StartDate    time.Time `json:"startDate"`
			}
			if err := o.client().Do(cmd.Context(), http.MethodPost, "/api/v1/executions", nil, body, &out); err != nil {
				return err
			}
			return print(cmd.OutOrStdout(), o.format(), out, []string{"EXECUTION ARN", "START DATE"}, func() [][]string {
				return [][]string{{out.ExecutionArn, formatTime(&out.StartDate)}}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&machine, "state-machine", "", "state machine name or ARN (required)")
	f.StringVar(&name, "name", "", "execution name, unique per state machine (default random)")
	f.StringVar(&input, "input", "", "input JSON, file://path, or - for stdin (default {})")
	return cmd
}

func executionsDescribeCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "describe EXECUTION_ARN",
		Short: "Show an execution: status, dates, input, output, error (DescribeExecution)",
		Long: `Show one execution as DescribeExecution does: executionArn, stateMachineArn,
name, status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED), startDate,
stopDate, and input and output as strings of JSON; error and cause when it
failed, timed out or was stopped. Prints JSON for the table format.`,
		Example: `  firstline executions describe arn:aws:states:us-east-1:123456789012:execution:triage:alarm-42
  firstline executions describe "$ARN" -o json | jq -r .output | jq .`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out json.RawMessage
			if err := o.client().Do(cmd.Context(), http.MethodGet, executionPath(args[0], ""), nil, nil, &out); err != nil {
				return err
			}
			f := o.format()
			if f == Table {
				f = JSON // an execution reads best whole
			}
			return print(cmd.OutOrStdout(), f, out, nil, nil)
		},
	}
}

type executionItem struct {
	ExecutionArn    string     `json:"executionArn"`
	StateMachineArn string     `json:"stateMachineArn"`
	Name            string     `json:"name"`
	Status          string     `json:"status"`
	StartDate       time.Time  `json:"startDate"`
	StopDate        *time.Time `json:"stopDate,omitempty"`
}

func executionsListCmd(o *Options) *cobra.Command {
	var machine, status, since, next string
	var limit int
	var all bool
	cmd := &cobra.Command{
		Use:   "list [--state-machine NAME] [--status-filter STATUS] [--since T] [--limit N] [--all]",
		Short: "List executions, newest first (ListExecutions)",
		Long: `List executions newest first, with their start and stop dates: of one state
machine (--state-machine, a name or ARN; default every state machine), with one
status (--status-filter RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED),
started at or after --since (an RFC 3339 time or a duration back from now:
5m, 2h). A page holds --limit executions; the command prints the token of the
next page on standard error, or follows every page with --all.`,
		Example: `  firstline executions list --state-machine triage
  firstline executions list --state-machine triage --status-filter FAILED --since 5m
  firstline executions list --status-filter RUNNING --all -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"stateMachine": machine, "statusFilter": strings.ToUpper(status), "since": since, "nextToken": next} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if limit > 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			var out struct {
				Executions []executionItem `json:"executions"`
				NextToken  string          `json:"nextToken,omitempty"`
			}
			for {
				var page struct {
					Executions []executionItem `json:"executions"`
					NextToken  string          `json:"nextToken,omitempty"`
				}
				if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/executions", q, nil, &page); err != nil {
					return err
				}
				out.Executions = append(out.Executions, page.Executions...)
				out.NextToken = page.NextToken
				if !all || page.NextToken == "" {
					break
				}
				q.Set("nextToken", page.NextToken)
			}
			if out.Executions == nil {
				out.Executions = []executionItem{}
			}
			err := print(cmd.OutOrStdout(), o.format(), out, []string{"NAME", "STATE MACHINE", "STATUS", "START DATE", "STOP DATE", "EXECUTION ARN"}, func() [][]string {
				var rows [][]string
				for _, e := range out.Executions {
					sm := e.StateMachineArn[strings.LastIndexByte(e.StateMachineArn, ':')+1:]
					rows = append(rows, []string{e.Name, sm, e.Status, formatTime(&e.StartDate), formatTime(e.StopDate), e.ExecutionArn})
				}
				return rows
			})
			if err == nil && out.NextToken != "" && o.format() == Table {
				fmt.Fprintf(cmd.ErrOrStderr(), "more executions: --next-token %s (or --all)\n", out.NextToken)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&machine, "state-machine", "", "only executions of this state machine (name or ARN)")
	f.StringVar(&status, "status-filter", "", "only this status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED")
	f.StringVar(&since, "since", "", "started at or after (RFC 3339 or duration like 5m)")
	f.IntVar(&limit, "limit", 0, "page size, 1 to 1000 (default 100)")
	f.StringVar(&next, "next-token", "", "continue from a previous page")
	f.BoolVar(&all, "all", false, "follow every page")
	return cmd
}

func executionsStopCmd(o *Options) *cobra.Command {
	var errName, cause string
	cmd := &cobra.Command{
		Use:   "stop EXECUTION_ARN [--error E] [--cause C]",
		Short: "Stop a running execution (StopExecution)",
		Long: `Abort a running execution: its status becomes ABORTED with --error and
--cause (both optional), and its pending waits and tasks are dropped. Stopping
an execution that has ended changes nothing. Prints the stop date.`,
		Example: `  firstline executions stop arn:aws:states:us-east-1:123456789012:execution:triage:alarm-42
  firstline executions stop "$ARN" --error Operator.Cancelled --cause "fixed by hand"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]string{}
			if errName != "" {
				body["error"] = errName
			}
			if cause != "" {
				body["cause"] = cause
			}
			var out struct {
				StopDate time.Time `json:"stopDate"`
			}
			if err := o.client().Do(cmd.Context(), http.MethodPost, executionPath(args[0], "/stop"), nil, body, &out); err != nil {
				return err
			}
			return print(cmd.OutOrStdout(), o.format(), out, []string{"STOP DATE"}, func() [][]string {
				return [][]string{{formatTime(&out.StopDate)}}
			})
		},
	}
	cmd.Flags().StringVar(&errName, "error", "", "error name, at most 256 characters")
	cmd.Flags().StringVar(&cause, "cause", "", "cause, at most 32768 characters")
	return cmd
}

func executionsHistoryCmd(o *Options) *cobra.Command {
	var reverse bool
	var maxResults int
	var next string
	cmd := &cobra.Command{
		Use:   "history EXECUTION_ARN [--reverse-order] [--max-results N]",
		Short: "List an execution's history events (GetExecutionHistory)",
		Long: `List the history events of an execution in the order they happened
(--reverse-order: newest first), in the shape of GetExecutionHistory: id,
previousEventId, timestamp, type (ExecutionStarted, PassStateEntered, ...)
and the type's details. Every page is read unless --max-results is given;
then one page of that size is printed and the token of the next page goes to
standard error (--next-token continues).`,
		Example: `  firstline executions history "$ARN"
  firstline executions history "$ARN" --reverse-order --max-results 5
  firstline executions history "$ARN" -o json | jq '.events[] | select(.type == "ExecutionFailed")'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			if reverse {
				q.Set("reverseOrder", "true")
			}
			if maxResults > 0 {
				q.Set("maxResults", strconv.Itoa(maxResults))
			}
			if next != "" {
				q.Set("nextToken", next)
			}
			var out struct {
				Events    []json.RawMessage `json:"events"`
				NextToken string            `json:"nextToken,omitempty"`
			}
			for {
				var page struct {
					Events    []json.RawMessage `json:"events"`
					NextToken string            `json:"nextToken,omitempty"`
				}
				if err := o.client().Do(cmd.Context(), http.MethodGet, executionPath(args[0], "/history"), q, nil, &page); err != nil {
					return err
				}
				out.Events = append(out.Events, page.Events...)
				out.NextToken = page.NextToken
				if maxResults > 0 || page.NextToken == "" {
					break
				}
				q.Set("nextToken", page.NextToken)
			}
			if out.Events == nil {
				out.Events = []json.RawMessage{}
			}
			err := print(cmd.OutOrStdout(), o.format(), out, []string{"ID", "PREVIOUS", "TIMESTAMP", "TYPE", "STATE", "DETAILS"}, func() [][]string {
				return historyRows(out.Events)
			})
			if err == nil && out.NextToken != "" && o.format() == Table {
				fmt.Fprintf(cmd.ErrOrStderr(), "more events: --next-token %s\n", out.NextToken)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVar(&reverse, "reverse-order", false, "newest event first")
	f.IntVar(&maxResults, "max-results", 0, "print one page of this size, 1 to 1000 (default: every event)")
	f.StringVar(&next, "next-token", "", "continue from a previous page")
	return cmd
}

// historyRows makes table rows of history events: the state's name, and
// the other details (under whichever *EventDetails key the type uses)
// compacted and cut at 60 characters.
func historyRows(events []json.RawMessage) [][]string {
	var rows [][]string
	for _, raw := range events {
		var ev struct {
			ID              int64     `json:"id"`
			PreviousEventID int64     `json:"previousEventId"`
			Timestamp       time.Time `json:"timestamp"`
			Type            string    `json:"type"`
		}
		var all map[string]json.RawMessage
		if json.Unmarshal(raw, &ev) != nil || json.Unmarshal(raw, &all) != nil {
			continue
		}
		state, details := "", ""
		for k, v := range all {
			if !strings.HasSuffix(k, "EventDetails") {
				continue
			}
			var d map[string]json.RawMessage
			if json.Unmarshal(v, &d) != nil {
				continue
			}
			_ = json.Unmarshal(d["name"], &state)
			delete(d, "name")
			if len(d) > 0 {
				b, _ := json.Marshal(d) // keys sorted
				details = string(b)
			}
		}
		if len(details) > 60 {
			details = details[:57] + "..."
		}
		rows = append(rows, []string{strconv.FormatInt(ev.ID, 10), strconv.FormatInt(ev.PreviousEventID, 10),
			ev.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z"), ev.Type, state, details})
	}
	return rows
}
