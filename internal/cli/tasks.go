package cli

import (
	"fmt"
	"net/http"

	"github.com/spf13/cobra"
)

// taskTokenCmds are SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat:
// how a person or a tool answers a .waitForTaskToken task (an approval).
func taskTokenCmds(o *Options) []*cobra.Command {
	var token, output, errName, cause string
	success := &cobra.Command{
		Use:   "send-task-success --task-token T --output JSON|file://x|-",
		Short: "Complete a task waiting for its token (SendTaskSuccess)",
		Long: `Complete the .waitForTaskToken task that received the token (its
$$.Task.Token, sent by the runbook in a mail or a chat message) with --output,
the task's result as JSON. The execution goes on. A token answers once.`,
		Example: `  firstline executions send-task-success --task-token "$TOKEN" --output '{"approved":true,"by":"sato"}'`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" || output == "" {
				return fmt.Errorf("--task-token and --output are required")
			}
			out, err := ReadArg(output, cmd.InOrStdin())
			if err != nil {
				return err
			}
			return o.client().Do(cmd.Context(), http.MethodPost, "/api/v1/tasks/success", nil, map[string]string{"taskToken": token, "output": string(out)}, nil)
		},
	}
	success.Flags().StringVar(&token, "task-token", "", "the task token (required)")
	success.Flags().StringVar(&output, "output", "", "the task's result: JSON, file://path or - (required)")

	var fToken string
	failure := &cobra.Command{
		Use:   "send-task-failure --task-token T [--error E] [--cause C]",
		Short: "Fail a task waiting for its token (SendTaskFailure)",
		Long: `Fail the .waitForTaskToken task that received the token with --error and
--cause; the state's Retry and Catch see them (how a person rejects an
approval).`,
		Example: `  firstline executions send-task-failure --task-token "$TOKEN" --error Rejected --cause "not during business hours"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fToken == "" {
				return fmt.Errorf("--task-token is required")
			}
			return o.client().Do(cmd.Context(), http.MethodPost, "/api/v1/tasks/failure", nil, map[string]string{"taskToken": fToken, "error": errName, "cause": cause}, nil)
		},
	}
	failure.Flags().StringVar(&fToken, "task-token", "", "the task token (required)")
	failure.Flags().StringVar(&errName, "error", "", "error name, at most 256 characters")
	failure.Flags().StringVar(&cause, "cause", "", "cause, at most 32768 characters")

	var hToken string
	heartbeat := &cobra.Command{
		Use:   "send-task-heartbeat --task-token T",
		Short: "Report that a waiting task is alive (SendTaskHeartbeat)",
		Long: `Restart the HeartbeatSeconds of the .waitForTaskToken task that received
the token; without a heartbeat in time the task fails with
States.HeartbeatTimeout.`,
		Example: `  firstline executions send-task-heartbeat --task-token "$TOKEN"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if hToken == "" {
				return fmt.Errorf("--task-token is required")
			}
			return o.client().Do(cmd.Context(), http.MethodPost, "/api/v1/tasks/heartbeat", nil, map[string]string{"taskToken": hToken}, nil)
		},
	}
	heartbeat.Flags().StringVar(&hToken, "task-token", "", "the task token (required)")
	return []*cobra.Command{success, failure, heartbeat}
}
