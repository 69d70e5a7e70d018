package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firstline/firstline/internal/workflow"
	"github.com/firstline/firstline/internal/workflow/local"
)

// exitCode ends the command with a status and no further message (the
// command printed its answer already).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func statesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "states",
		Short: "Validate and run Amazon States Language state machines locally (no server)",
		Long: `Work with runbooks written as Step Functions state machines (Amazon States
Language), on your laptop: validate a definition as ValidateStateMachineDefinition
does, and run it in-process with mocked Task results in the AWS Step Functions
Local mock-config format, to test every branch before the server runs it.

Neither command needs a server or a token.`,
	}
	cmd.AddCommand(statesValidateCmd(), statesRunCmd())
	return cmd
}

func statesValidateCmd() *cobra.Command {
	var defArg string
	cmd := &cobra.Command{
		Use:   "validate --definition JSON|file://path",
		Short: "Validate a state machine definition (ValidateStateMachineDefinition)",
		Long: `Validate an Amazon States Language definition: JSON syntax, StartAt, Next/End
and reachability, the fields each state type allows, JSONPath, intrinsic
function and JSONata syntax, Retry/Catch, and the 2024 additions
(QueryLanguage, Assign, Arguments, Output).

Prints {"result":"OK","diagnostics":[...]} or {"result":"FAIL","diagnostics":
[{"severity","code","message","location"}, ...]} listing every problem found,
as the ValidateStateMachineDefinition API does (warnings such as NO_DOLLAR do
not fail). Exits 0 on OK, 1 on FAIL, 2 when the definition cannot be read.`,
		Example: `  firstline states validate --definition file://examples/first-response/state-machine.asl.json
  firstline states validate --definition '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if defArg == "" {
				return fmt.Errorf("--definition is required (JSON, file://path or -)")
			}
			def, err := ReadArg(defArg, cmd.InOrStdin())
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "error:", err)
				return exitCode(2)
			}
			v := workflow.Validate(def)
			if err := printJSON(cmd.OutOrStdout(), v); err != nil {
				return err
			}
			if v.Result != "OK" {
				return exitCode(1)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&defArg, "definition", "", "the definition: JSON, file://path or - (required)")
	return cmd
}

func statesRunCmd() *cobra.Command {
	var defArg, inputArg, name, execName, mockArg, testCase string
	var realTime, history bool
	cmd := &cobra.Command{
		Use:   "run --definition file://x.json [--input JSON|file://in.json] [--mock-config file://m.json --test-case CASE]",
		Short: "Run a state machine in this process, with mocked tasks",
		Long: `Run a state machine definition in-process: no server, no database, no network.

Task states are answered by a mock config in the AWS Step Functions Local
format: StateMachines.<name>.TestCases.<case>.<state> names a response in
MockedResponses, whose keys ("0", "1-2") are the invocation numbers of that
state in the run (retries count) with a Return (the task's result) or a Throw
({"Error","Cause"}). When an invocation has no key, the response with the
highest key answers again. A Task with no mock fails the run (status FAILED,
States.Runtime, with a cause naming the state).

Wait states, retry intervals and timeouts advance a virtual clock, so a run
with "Seconds": 600 finishes at once (history timestamps show virtual time);
--real-time really waits.

Prints JSON: status (SUCCEEDED, FAILED, TIMED_OUT), output, error, cause,
states (the names of the states entered, in order, Parallel branches and Map
iterations one after the other), and the history events with --history. Exits
0 whenever the run completed, whatever its status; 1 when it could not run (an
invalid definition prints the diagnostics of 'states validate').`,
		Example: `  firstline states run --definition file://examples/first-response/state-machine.asl.json \
    --input file://examples/first-response/tests/alarm-event.json \
    --mock-config file://examples/first-response/tests/mock-config.json --test-case RestartSucceeds
  firstline states run --definition '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if defArg == "" {
				return fmt.Errorf("--definition is required (JSON, file://path or -)")
			}
			def, err := ReadArg(defArg, cmd.InOrStdin())
			if err != nil {
				return err
			}
			m, diags := workflow.Compile(def)
			if m == nil {
				_ = printJSON(cmd.ErrOrStderr(), workflow.Validation{Result: "FAIL", Diagnostics: diags})
				return fmt.Errorf("the definition is invalid")
			}
			input := []byte("{}")
			if inputArg != "" {
				if input, err = ReadArg(inputArg, cmd.InOrStdin()); err != nil {
					return err
				}
			}
			if name == "" {
				name = "StateMachine"
				if p, ok := strings.CutPrefix(defArg, "file://"); ok {
					base := filepath.Base(p)
					name = strings.TrimSuffix(base, filepath.Ext(base))
					name = strings.TrimSuffix(name, ".asl")
				}
			}
			o := local.Options{StateMachineName: name, ExecutionName: execName, TestCase: testCase, RealTime: realTime}
			if mockArg != "" {
				data, err := ReadArg(mockArg, cmd.InOrStdin())
				if err != nil {
					return err
				}
				if o.Mock, err = local.ParseMockConfig(data); err != nil {
					return err
				}
				if testCase == "" {
					return fmt.Errorf("--mock-config needs --test-case")
				}
			}
			res, err := local.Run(cmd.Context(), m, input, o)
			if err != nil {
				return err
			}
			if !history {
				res.History = nil
			}
			return printJSON(cmd.OutOrStdout(), res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&defArg, "definition", "", "the definition: JSON, file://path or - (required)")
	f.StringVar(&inputArg, "input", "", "the execution input: JSON, file://path or - (default {})")
	f.StringVar(&name, "name", "", "the state machine's name, which keys the mock config (default: the definition file's base name without extension)")
	f.StringVar(&execName, "execution-name", "", "the execution's name, $$.Execution.Name (default: random)")
	f.StringVar(&mockArg, "mock-config", "", "mocked task responses in the Step Functions Local format: JSON, file://path or -")
	f.StringVar(&testCase, "test-case", "", "the test case of the mock config to run")
	f.BoolVar(&realTime, "real-time", false, "really wait in Wait states, retry intervals and timeouts")
	f.BoolVar(&history, "history", false, "include the execution history events")
	return cmd
}

// printJSON writes v indented, without HTML escaping.
func printJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
