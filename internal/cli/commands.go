package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Options are the client flags every command shares.
type Options struct {
	URL    string
	Token  string
	Output string
}

func (o *Options) client() *Client { return &Client{URL: o.URL, Token: o.Token} }

func (o *Options) format() Format { return Format(o.Output) }

// NewRoot returns the root command with every client command. The caller
// adds `serve`.
func NewRoot() *cobra.Command {
	o := &Options{}
	root := &cobra.Command{
		Use:   "firstline",
		Short: "Self-hosted incident-response automation: alarms in, first response out",
		Long: `firstline turns alarms into automatic first response, incidents, investigations
and notifications. It accepts the formats AWS teams already write: EventBridge
events and patterns, Amazon States Language, SSM documents.

Run the server with 'firstline serve'; every other command is a client of its
API and reads FIRSTLINE_URL and FIRSTLINE_TOKEN (or --url and --token).`,
		Example: `  firstline serve
  export FIRSTLINE_URL=http://127.0.0.1:8642 FIRSTLINE_TOKEN=$(cat firstline-data/admin-token)
  firstline events put --entries '[{"Source":"my.app","DetailType":"Deploy","Detail":"{\"version\":\"1.2\"}"}]'
  firstline events list --source my.app`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&o.URL, "url", envOr("FIRSTLINE_URL", "http://127.0.0.1:8642"), "server URL (env FIRSTLINE_URL)")
	pf.StringVar(&o.Token, "token", os.Getenv("FIRSTLINE_TOKEN"), "API token (env FIRSTLINE_TOKEN)")
	pf.StringVarP(&o.Output, "output", "o", "table", "output format: table, json or yaml")
	root.AddCommand(eventsCmd(o), applyCmd(o), getCmd(o), deleteCmd(o), deadLettersCmd(o), hooksCmd(o), tokensCmd(o), auditCmd(o), whoamiCmd(o), statesCmd(), executionsCmd(o), documentsCmd())
	return root
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func eventsCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: "Put, list and get events on the event bus; test event patterns"}
	cmd.AddCommand(eventsPutCmd(o), eventsListCmd(o), eventsGetCmd(o), testPatternCmd(), eventsReplayCmd(o))
	return cmd
}

type putResponse struct {
	FailedEntryCount int `json:"FailedEntryCount"`
	Entries          []struct {
		EventId      string `json:"EventId,omitempty"` //nolint:revive // AWS field name
		ErrorCode    string `json:"ErrorCode,omitempty"`
		ErrorMessage string `json:"ErrorMessage,omitempty"`
	} `json:"Entries"`
}

func eventsPutCmd(o *Options) *cobra.Command {
	var entries string
	cmd := &cobra.Command{
		Use:   "put --entries JSON|file://path",
		Short: "Put events (EventBridge PutEvents)",
		Long: `Put 1 to 10 events, as 'aws events put-events' does. --entries is a JSON array
of PutEvents entries (Source, DetailType, Detail as a JSON string, Resources,
Time), given inline, as file://path, or - for standard input. Exits 1 if any
entry failed; the failed entries carry ErrorCode and ErrorMessage.`,
		Example: `  firstline events put --entries '[{"Source":"my.app","DetailType":"Deploy","Detail":"{\"version\":\"1.2\"}","Resources":["host/web-1"]}]'
  firstline events put --entries file://entries.json -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if entries == "" {
				return fmt.Errorf("--entries is required")
			}
			raw, err := ReadArg(entries, cmd.InOrStdin())
			if err != nil {
				return err
			}
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				// Accept a whole PutEvents request too.
				var req struct{ Entries []json.RawMessage }
				if err2 := json.Unmarshal(raw, &req); err2 != nil || req.Entries == nil {
					return fmt.Errorf("--entries: not a JSON array of entries: %w", err)
				}
				list = req.Entries
			}
			var resp putResponse
			if err := o.client().Do(cmd.Context(), http.MethodPost, "/api/v1/events", nil, map[string]any{"Entries": list}, &resp); err != nil {
				return err
			}
			err = print(cmd.OutOrStdout(), o.format(), resp, []string{"#", "EVENT ID", "ERROR"}, func() [][]string {
				var rows [][]string
				for i, e := range resp.Entries {
					msg := ""
					if e.ErrorCode != "" {
						msg = e.ErrorCode + ": " + e.ErrorMessage
					}
					rows = append(rows, []string{strconv.Itoa(i), e.EventId, msg})
				}
				return rows
			})
			if err != nil {
				return err
			}
			if resp.FailedEntryCount > 0 {
				return fmt.Errorf("%d of %d entries failed", resp.FailedEntryCount, len(resp.Entries))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&entries, "entries", "", "JSON array of entries, file://path, or - for stdin (required)")
	return cmd
}

type eventJSON struct {
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       string          `json:"time"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
	Version    string          `json:"version"`
	Account    string          `json:"account"`
	Region     string          `json:"region"`
}

func (e eventJSON) MarshalJSON() ([]byte, error) {
	type plain struct {
		Version    string          `json:"version"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
	}
	return json.Marshal(plain{e.Version, e.ID, e.DetailType, e.Source, e.Account, e.Time, e.Region, e.Resources, e.Detail})
}

func eventRows(evs []eventJSON) [][]string {
	var rows [][]string
	for _, e := range evs {
		d := string(e.Detail)
		if len(d) > 60 {
			d = d[:57] + "..."
		}
		rows = append(rows, []string{e.Time, e.Source, e.DetailType, strings.Join(e.Resources, ","), e.ID, d})
	}
	return rows
}

var eventHeaders = []string{"TIME", "SOURCE", "DETAIL-TYPE", "RESOURCES", "ID", "DETAIL"}

func eventsListCmd(o *Options) *cobra.Command {
	var source, detailType, resource, since, until, next string
	var limit int
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List events, newest first",
		Long: `List stored events, newest first, filtered by source, detail-type, resource and
event time. --since and --until take an RFC 3339 time or a duration back from
now (15m, 2h). A page holds --limit events; the command prints the token of the
next page, or follows every page with --all.`,
		Example: `  firstline events list --source aws.cloudwatch --since 1h
  firstline events list --resource host/web-1 -o json
  firstline events list --detail-type "CloudWatch Alarm State Change" --all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"source": source, "detail-type": detailType, "resource": resource, "since": since, "until": until, "next-token": next} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if limit > 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			var out struct {
				Events    []eventJSON `json:"Events"`
				NextToken string      `json:"NextToken,omitempty"`
			}
			for {
				var page struct {
					Events    []eventJSON `json:"Events"`
					NextToken string      `json:"NextToken,omitempty"`
				}
				if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/events", q, nil, &page); err != nil {
					return err
				}
				out.Events = append(out.Events, page.Events...)
				out.NextToken = page.NextToken
				if !all || page.NextToken == "" {
					break
				}
				q.Set("next-token", page.NextToken)
			}
			if out.Events == nil {
				out.Events = []eventJSON{}
			}
			if err := print(cmd.OutOrStdout(), o.format(), out, eventHeaders, func() [][]string { return eventRows(out.Events) }); err != nil {
				return err
			}
			if out.NextToken != "" && o.format() == Table {
				fmt.Fprintf(cmd.ErrOrStderr(), "more events: --next-token %s (or --all)\n", out.NextToken)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", "", "only events with this source")
	f.StringVar(&detailType, "detail-type", "", "only events with this detail-type")
	f.StringVar(&resource, "resource", "", "only events whose resources contain this value")
	f.StringVar(&since, "since", "", "event time at or after (RFC 3339 or duration like 15m)")
	f.StringVar(&until, "until", "", "event time before (RFC 3339 or duration)")
	f.IntVar(&limit, "limit", 0, "page size, 1 to 1000 (default 100)")
	f.StringVar(&next, "next-token", "", "continue from a previous page")
	f.BoolVar(&all, "all", false, "follow every page")
	return cmd
}

func eventsGetCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:     "get EVENT_ID",
		Short:   "Get one event by id",
		Example: `  firstline events get 6a7e8feb-b491-4cf7-a9f1-bf3703467718 -o json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var e eventJSON
			if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/events/"+url.PathEscape(args[0]), nil, nil, &e); err != nil {
				return err
			}
			f := o.format()
			if f == Table {
				f = JSON // an event reads best whole
			}
			return print(cmd.OutOrStdout(), f, e, nil, nil)
		},
	}
}

type token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"createdAt"`
	CreatedBy string     `json:"createdBy"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	Secret    string     `json:"secret,omitempty"`
}

func tokenRows(ts []token) [][]string {
	var rows [][]string
	for _, t := range ts {
		revoked := ""
		if t.RevokedAt != nil {
			revoked = t.RevokedAt.Format(time.RFC3339)
		}
		rows = append(rows, []string{t.ID, t.Name, t.Role, t.CreatedAt.Format(time.RFC3339), t.CreatedBy, revoked})
	}
	return rows
}

var tokenHeaders = []string{"ID", "NAME", "ROLE", "CREATED", "CREATED BY", "REVOKED"}

func tokensCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Create, list and revoke API tokens (admin)",
		Long: `API tokens authenticate every call. Roles: admin (everything), operator (act:
put events, start and stop things), viewer (read only). A token's secret is
shown once, at creation; only its hash is stored.`}
	var name, role string
	create := &cobra.Command{
		Use:     "create --name NAME --role admin|operator|viewer",
		Short:   "Create a token and print its secret (shown once)",
		Example: `  firstline tokens create --name alertmanager --role operator`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var t token
			if err := o.client().Do(cmd.Context(), http.MethodPost, "/api/v1/tokens", nil, map[string]string{"name": name, "role": role}, &t); err != nil {
				return err
			}
			if o.format() == Table {
				fmt.Fprintf(cmd.OutOrStdout(), "created token %s (%s, role %s)\nsecret (shown once, keep it safe):\n%s\n", t.ID, t.Name, t.Role, t.Secret)
				return nil
			}
			return print(cmd.OutOrStdout(), o.format(), t, nil, nil)
		},
	}
	create.Flags().StringVar(&name, "name", "", "token name: letters, digits, - _ . @ (required)")
	create.Flags().StringVar(&role, "role", "", "admin, operator or viewer (required)")
	_ = create.MarkFlagRequired("name")
	_ = create.MarkFlagRequired("role")
	list := &cobra.Command{
		Use: "list", Short: "List tokens (never their secrets)", Args: cobra.NoArgs,
		Example: `  firstline tokens list -o yaml`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct {
				Tokens []token `json:"tokens"`
			}
			if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/tokens", nil, nil, &out); err != nil {
				return err
			}
			return print(cmd.OutOrStdout(), o.format(), out, tokenHeaders, func() [][]string { return tokenRows(out.Tokens) })
		},
	}
	revoke := &cobra.Command{
		Use: "revoke ID|NAME", Short: "Revoke a token at once", Args: cobra.ExactArgs(1),
		Example: `  firstline tokens revoke alertmanager`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var t token
			if err := o.client().Do(cmd.Context(), http.MethodDelete, "/api/v1/tokens/"+url.PathEscape(args[0]), nil, nil, &t); err != nil {
				return err
			}
			return print(cmd.OutOrStdout(), o.format(), t, tokenHeaders, func() [][]string { return tokenRows([]token{t}) })
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func auditCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read the audit log (admin)"}
	var tokenName, action, since, next string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List who changed what through the API, newest first",
		Example: `  firstline audit list --since 24h
  firstline audit list --action tokens.create -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"token-name": tokenName, "action": action, "since": since, "next-token": next} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if limit > 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			var out struct {
				Entries []struct {
					Time      time.Time         `json:"time"`
					TokenID   string            `json:"tokenId"`
					TokenName string            `json:"tokenName"`
					Role      string            `json:"role"`
					Action    string            `json:"action"`
					Resource  string            `json:"resource"`
					Outcome   string            `json:"outcome"`
					Status    int               `json:"status"`
					RequestID string            `json:"requestId"`
					Detail    map[string]string `json:"detail,omitempty"`
				} `json:"entries"`
				NextToken string `json:"nextToken,omitempty"`
			}
			if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/audit", q, nil, &out); err != nil {
				return err
			}
			err := print(cmd.OutOrStdout(), o.format(), out, []string{"TIME", "TOKEN", "ROLE", "ACTION", "RESOURCE", "OUTCOME", "STATUS", "REQUEST ID"}, func() [][]string {
				var rows [][]string
				for _, e := range out.Entries {
					rows = append(rows, []string{e.Time.Format(time.RFC3339), e.TokenName, e.Role, e.Action, e.Resource, e.Outcome, strconv.Itoa(e.Status), e.RequestID})
				}
				return rows
			})
			if err == nil && out.NextToken != "" && o.format() == Table {
				fmt.Fprintf(cmd.ErrOrStderr(), "more entries: --next-token %s\n", out.NextToken)
			}
			return err
		},
	}
	f := list.Flags()
	f.StringVar(&tokenName, "token-name", "", "only entries of this token")
	f.StringVar(&action, "action", "", "only this action (events.put, tokens.create, tokens.revoke)")
	f.StringVar(&since, "since", "", "at or after (RFC 3339 or duration like 24h)")
	f.IntVar(&limit, "limit", 0, "page size, 1 to 1000 (default 100)")
	f.StringVar(&next, "next-token", "", "continue from a previous page")
	cmd.AddCommand(list)
	return cmd
}

func whoamiCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use: "whoami", Short: "Show the token the CLI calls with", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var t token
			if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/whoami", nil, nil, &t); err != nil {
				return err
			}
			return print(cmd.OutOrStdout(), o.format(), t, tokenHeaders, func() [][]string { return tokenRows([]token{t}) })
		},
	}
}

// Execute runs root with args and returns the process exit code, printing
// errors to stderr.
func Execute(ctx context.Context, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		var code exitCode
		if errors.As(err, &code) {
			return int(code)
		}
		fmt.Fprintln(root.ErrOrStderr(), "error:", err)
		return 1
	}
	return 0
}
