package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/firstline/firstline/internal/pattern"
)

func testPatternCmd() *cobra.Command {
	var patternArg, eventArg string
	cmd := &cobra.Command{
		Use:   "test-pattern --event-pattern JSON|file://path --event JSON|file://path",
		Short: "Test whether an event matches an event pattern (EventBridge TestEventPattern)",
		Long: `Test an EventBridge event pattern against an event, as 'aws events
test-event-pattern' does. Both arguments are JSON given inline, as
file://path, or - for standard input (one of them). Prints {"Result": true}
or {"Result": false} and exits 0; an invalid pattern or event exits 1 with the
reason on standard error, naming the field and the rule it broke.

It evaluates locally with the same matcher the server uses: no server or
token is needed.`,
		Example: `  firstline events test-pattern \
    --event-pattern '{"source":["aws.cloudwatch"],"detail":{"state":{"value":["ALARM"]}}}' \
    --event file://examples/events/alarm-event.json
  firstline events test-pattern --event-pattern file://pattern.json --event '{"source":"my.app","detail":{}}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if patternArg == "" || eventArg == "" {
				return fmt.Errorf("--event-pattern and --event are both required")
			}
			p, err := ReadArg(patternArg, cmd.InOrStdin())
			if err != nil {
				return err
			}
			e, err := ReadArg(eventArg, cmd.InOrStdin())
			if err != nil {
				return err
			}
			compiled, err := pattern.Compile(p)
			if err != nil {
				return err
			}
			ok, err := compiled.Match(e)
			if err != nil {
				return fmt.Errorf("--event: %w", err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "{\"Result\": %t}\n", ok)
			return err
		},
	}
	cmd.Flags().StringVar(&patternArg, "event-pattern", "", "the event pattern: JSON, file://path or - (required)")
	cmd.Flags().StringVar(&eventArg, "event", "", "the event: JSON, file://path or - (required)")
	return cmd
}
