package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/firstline/firstline/internal/envvar"
	"github.com/firstline/firstline/internal/timearg"
)

// Document is one resource document as apply takes it.
type Document struct {
	Kind string          `json:"kind"`
	Name string          `json:"name"`
	Spec json.RawMessage `json:"spec"`
	// Source says where it was read (file and document number).
	Source string `json:"-"`
}

// ReadDocuments reads resource documents from a file, a directory (every
// .yaml, .yml and .json file in it, sorted) or "-" (stdin). YAML may hold
// several documents separated by ---; JSON holds one document or an array.
// ${VAR} is expanded from the environment first.
func ReadDocuments(path string, stdin io.Reader) ([]Document, error) {
	var files []string
	switch st, err := os.Stat(path); {
	case path == "-":
		files = []string{"-"}
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", path, err)
	case st.IsDir():
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		sort.Strings(files)
	default:
		files = []string{path}
	}
	var docs []Document
	for _, f := range files {
		var b []byte
		var err error
		if f == "-" {
			b, err = io.ReadAll(stdin)
		} else {
			b, err = os.ReadFile(f)
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		text, err := envvar.Expand(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		d, err := parseDocuments(f, []byte(text))
		if err != nil {
			return nil, err
		}
		docs = append(docs, d...)
	}
	return docs, nil
}

func parseDocuments(file string, b []byte) ([]Document, error) {
	trimmed := bytes.TrimSpace(b)
	var raws []any
	if len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') && json.Valid(trimmed) {
		var v any
		_ = json.Unmarshal(trimmed, &v)
		if arr, ok := v.([]any); ok {
			raws = arr
		} else {
			raws = []any{v}
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var v any
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			if v != nil {
				raws = append(raws, v)
			}
		}
	}
	var docs []Document
	for i, raw := range raws {
		where := fmt.Sprintf("%s (document %d)", file, i+1)
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: a document is a mapping with kind, name and spec", where)
		}
		var d Document
		d.Source = where
		d.Kind, _ = m["kind"].(string)
		d.Name, _ = m["name"].(string)
		for k := range m {
			if k != "kind" && k != "name" && k != "spec" {
				return nil, fmt.Errorf("%s: unknown key %q; a document has kind, name and spec", where, k)
			}
		}
		if d.Kind == "" || d.Name == "" {
			return nil, fmt.Errorf("%s: kind and name are required", where)
		}
		if err := inlineDefinitionFile(file, d.Kind, m["spec"]); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		spec, err := json.Marshal(m["spec"])
		if err != nil {
			return nil, fmt.Errorf("%s: spec: %w", where, err)
		}
		d.Spec = spec
		docs = append(docs, d)
	}
	return docs, nil
}

type applyResult struct {
	Kind      string          `json:"kind"`
	Name      string          `json:"name"`
	Spec      json.RawMessage `json:"spec"`
	Version   int64           `json:"version"`
	UpdatedAt time.Time       `json:"updatedAt"`
	Outcome   string          `json:"outcome"`
	DryRun    bool            `json:"dryRun,omitempty"`
}

func applyCmd(o *Options) *cobra.Command {
	var file string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR|-",
		Short: "Create or update resources from YAML or JSON (idempotent)",
		Long: `Apply resource documents — each with kind, name and spec — from a file, every
.yaml/.yml/.json file of a directory, or standard input. YAML files may hold
several documents separated by ---. ${VAR} is expanded from the environment,
so secrets stay out of files. For kinds that come from AWS, spec fields are the
AWS API / CloudFormation property names.

Prints created, updated or unchanged per resource. --dry-run validates
everything and reports what would change without changing anything. Exits 1
if any document failed; the others are still applied.`,
		Example: `  firstline apply -f examples/rules/alarm-to-webhook.yaml
  firstline apply -f examples/rules/ --dry-run
  firstline get Rule alarm-to-webhook -o yaml | firstline apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return errors.New("-f is required (a file, a directory, or - for standard input)")
			}
			docs, err := ReadDocuments(file, cmd.InOrStdin())
			if err != nil {
				return err
			}
			if len(docs) == 0 {
				return fmt.Errorf("%s holds no documents", file)
			}
			failed := 0
			var results []applyResult
			for _, d := range docs {
				q := url.Values{}
				if dryRun {
					q.Set("dry-run", "true")
				}
				var res applyResult
				path := "/api/v1/resources/" + url.PathEscape(d.Kind) + "/" + url.PathEscape(d.Name)
				if err := o.client().Do(cmd.Context(), http.MethodPut, path, q, []byte(d.Spec), &res); err != nil {
					failed++
					fmt.Fprintf(cmd.ErrOrStderr(), "%s %s (%s): %v\n", d.Kind, d.Name, d.Source, err)
					continue
				}
				results = append(results, res)
				if o.format() == Table {
					suffix := ""
					if dryRun {
						suffix = " (dry run)"
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s/%s %s%s\n", res.Kind, res.Name, res.Outcome, suffix)
				}
			}
			if o.format() != Table {
				if err := print(cmd.OutOrStdout(), o.format(), results, nil, nil); err != nil {
					return err
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d documents failed", failed, len(docs))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "file, directory, or - for standard input (required)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "validate and report without changing anything")
	return cmd
}

type resourceJSON struct {
	Kind      string          `json:"kind"`
	Name      string          `json:"name"`
	Spec      json.RawMessage `json:"spec"`
	Version   int64           `json:"version"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

func getCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "get KIND [NAME]",
		Short: "Show resources; -o yaml prints documents apply takes back",
		Example: `  firstline get Rule
  firstline get Rule alarm-to-webhook -o yaml > rule.yaml && firstline apply -f rule.yaml`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var list []resourceJSON
			if len(args) == 2 {
				var r resourceJSON
				if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/resources/"+url.PathEscape(args[0])+"/"+url.PathEscape(args[1]), nil, nil, &r); err != nil {
					return err
				}
				list = []resourceJSON{r}
			} else {
				var out struct {
					Resources []resourceJSON `json:"resources"`
				}
				if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/resources/"+url.PathEscape(args[0]), nil, nil, &out); err != nil {
					return err
				}
				list = out.Resources
			}
			switch o.format() {
			case YAML:
				return printDocuments(cmd.OutOrStdout(), list)
			case JSON:
				docs := make([]map[string]any, 0, len(list))
				for _, r := range list {
					docs = append(docs, map[string]any{"kind": r.Kind, "name": r.Name, "spec": r.Spec})
				}
				if len(args) == 2 {
					return print(cmd.OutOrStdout(), JSON, docs[0], nil, nil)
				}
				return print(cmd.OutOrStdout(), JSON, docs, nil, nil)
			}
			return print(cmd.OutOrStdout(), Table, list, []string{"KIND", "NAME", "VERSION", "UPDATED"}, func() [][]string {
				var rows [][]string
				for _, r := range list {
					rows = append(rows, []string{r.Kind, r.Name, strconv.FormatInt(r.Version, 10), r.UpdatedAt.Format(time.RFC3339)})
				}
				return rows
			})
		},
	}
}

// printDocuments writes resources as YAML documents of kind, name, spec.
func printDocuments(w io.Writer, list []resourceJSON) error {
	for i, r := range list {
		if i > 0 {
			fmt.Fprintln(w, "---")
		}
		var spec any
		if err := json.Unmarshal(r.Spec, &spec); err != nil {
			return err
		}
		node := &yaml.Node{}
		if err := node.Encode(map[string]any{"kind": r.Kind, "name": r.Name, "spec": spec}); err != nil {
			return err
		}
		// kind, name, spec in that order.
		ordered := &yaml.Node{Kind: yaml.MappingNode}
		for _, key := range []string{"kind", "name", "spec"} {
			for j := 0; j+1 < len(node.Content); j += 2 {
				if node.Content[j].Value == key {
					ordered.Content = append(ordered.Content, node.Content[j], node.Content[j+1])
				}
			}
		}
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(ordered); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	return nil
}

func deleteCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:     "delete KIND NAME",
		Short:   "Delete a resource",
		Example: `  firstline delete Rule alarm-to-webhook`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.client().Do(cmd.Context(), http.MethodDelete, "/api/v1/resources/"+url.PathEscape(args[0])+"/"+url.PathEscape(args[1]), nil, nil, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s/%s deleted\n", args[0], args[1])
			return nil
		},
	}
}

func deadLettersCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{Use: "dead-letters", Short: "List and redrive deliveries that failed for good"}
	var rule string
	var all bool
	list := &cobra.Command{
		Use: "list", Short: "List dead-lettered deliveries, newest first", Args: cobra.NoArgs,
		Example: `  firstline dead-letters list --rule alarm-to-webhook -o json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if rule != "" {
				q.Set("rule", rule)
			}
			if all {
				q.Set("all", "true")
			}
			var out struct {
				DeadLetters []struct {
					ID        int64     `json:"id"`
					EventID   string    `json:"eventId"`
					Rule      string    `json:"rule"`
					Target    string    `json:"target"`
					Attempts  int       `json:"attempts"`
					Reason    string    `json:"reason"`
					Status    int       `json:"status,omitempty"`
					Response  string    `json:"response,omitempty"`
					CreatedAt time.Time `json:"createdAt"`
				} `json:"deadLetters"`
			}
			if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/dead-letters", q, nil, &out); err != nil {
				return err
			}
			return print(cmd.OutOrStdout(), o.format(), out, []string{"TIME", "RULE", "TARGET", "EVENT ID", "ATTEMPTS", "REASON"}, func() [][]string {
				var rows [][]string
				for _, d := range out.DeadLetters {
					rows = append(rows, []string{d.CreatedAt.Format(time.RFC3339), d.Rule, d.Target, d.EventID, strconv.Itoa(d.Attempts), d.Reason})
				}
				return rows
			})
		},
	}
	list.Flags().StringVar(&rule, "rule", "", "only this rule's")
	list.Flags().BoolVar(&all, "all", false, "include those already redriven")
	var redriveRule string
	redrive := &cobra.Command{
		Use: "redrive [--rule R]", Short: "Deliver the dead-lettered events again", Args: cobra.NoArgs,
		Example: `  firstline dead-letters redrive --rule alarm-to-webhook`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct {
				Redriven int `json:"redriven"`
			}
			if err := o.client().Do(cmd.Context(), http.MethodPost, "/api/v1/dead-letters/redrive", nil, map[string]string{"Rule": redriveRule}, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d deliveries enqueued again\n", out.Redriven)
			return nil
		},
	}
	redrive.Flags().StringVar(&redriveRule, "rule", "", "only this rule's dead letters")
	cmd.AddCommand(list, redrive)
	return cmd
}

func eventsReplayCmd(o *Options) *cobra.Command {
	var since, until, ruleName, name string
	var noWait bool
	cmd := &cobra.Command{
		Use:   "replay --since T [--until T] [--rule NAME] [--name NAME]",
		Short: "Re-run stored events through the rules",
		Long: `Replay stored events whose event time is in [--since, --until) through the
rules (only --rule, if given), as EventBridge replays an archive: each
delivered event carries "replay-name". --since and --until take an RFC 3339
time or a duration back from now (2h). The replay runs on the server as a
durable job; the command shows its progress until it completes (--no-wait
returns at once).`,
		Example: `  firstline events replay --since 2h --rule alarm-to-webhook
  firstline events replay --since 2026-11-24T00:00:00Z --until 2026-11-25T00:00:00Z --name yesterday`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			start, err := cliTime(since, "--since", now)
			if err != nil {
				return err
			}
			if start.IsZero() {
				return errors.New("--since is required")
			}
			end, err := cliTime(until, "--until", now)
			if err != nil {
				return err
			}
			body := map[string]any{"Name": name, "Rule": ruleName, "EventStartTime": start.UTC().Format(time.RFC3339Nano)}
			if !end.IsZero() {
				body["EventEndTime"] = end.UTC().Format(time.RFC3339Nano)
			}
			var rep struct {
				Name           string
				State          string
				EventsReplayed int64
				Deliveries     int64
			}
			if err := o.client().Do(cmd.Context(), http.MethodPost, "/api/v1/replays", nil, body, &rep); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "replay %s started\n", rep.Name)
			for !noWait && rep.State != "COMPLETED" && rep.State != "FAILED" {
				select {
				case <-cmd.Context().Done():
					return cmd.Context().Err()
				case <-time.After(500 * time.Millisecond):
				}
				if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/replays/"+url.PathEscape(rep.Name), nil, nil, &rep); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "replay %s: %s, %d events, %d deliveries\n", rep.Name, rep.State, rep.EventsReplayed, rep.Deliveries)
			}
			return print(cmd.OutOrStdout(), o.format(), rep, []string{"NAME", "STATE", "EVENTS", "DELIVERIES"}, func() [][]string {
				return [][]string{{rep.Name, rep.State, strconv.FormatInt(rep.EventsReplayed, 10), strconv.FormatInt(rep.Deliveries, 10)}}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "event time at or after (RFC 3339 or duration like 2h; required)")
	f.StringVar(&until, "until", "", "event time before (default now)")
	f.StringVar(&ruleName, "rule", "", "replay through this rule only")
	f.StringVar(&name, "name", "", "replay name (default replay-<time>)")
	f.BoolVar(&noWait, "no-wait", false, "return once started")
	return cmd
}

func cliTime(s, flag string, now time.Time) (time.Time, error) {
	t, err := timearg.Parse(s, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", flag, err)
	}
	return t, nil
}

func hooksCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{Use: "hooks", Short: "Act on alert-source hooks (SNS subscription confirmations)"}
	pending := &cobra.Command{
		Use: "pending", Short: "List SNS subscription confirmations waiting for an operator", Args: cobra.NoArgs,
		Example: `  firstline hooks pending`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{"source": {"aws.sns"}, "detail-type": {"SNS Subscription Confirmation"}, "limit": {"100"}}
			var out struct {
				Events []eventJSON `json:"Events"`
			}
			if err := o.client().Do(cmd.Context(), http.MethodGet, "/api/v1/events", q, nil, &out); err != nil {
				return err
			}
			return print(cmd.OutOrStdout(), o.format(), out, []string{"TIME", "EVENT ID", "TOPIC"}, func() [][]string {
				var rows [][]string
				for _, e := range out.Events {
					var d struct{ TopicArn string }
					_ = json.Unmarshal(e.Detail, &d)
					rows = append(rows, []string{e.Time, e.ID, d.TopicArn})
				}
				return rows
			})
		},
	}
	confirm := &cobra.Command{
		Use:   "confirm EVENT_ID",
		Short: "Confirm an SNS subscription (the server fetches its SubscribeURL)",
		Long: `Confirm the SNS subscription announced by an "SNS Subscription Confirmation"
event (see 'firstline hooks pending'). The server fetches the SubscribeURL,
only over HTTPS from an sns.<region>.amazonaws.com host.`,
		Example: `  firstline hooks confirm 01a21052-851d-7973-932d-ff22b8cb9ba4`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out struct {
				Confirmed bool
				TopicArn  string
			}
			if err := o.client().Do(cmd.Context(), http.MethodPost, "/api/v1/hooks/confirm", nil, map[string]string{"EventId": args[0]}, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "subscription to %s confirmed\n", out.TopicArn)
			return nil
		},
	}
	cmd.AddCommand(pending, confirm)
	return cmd
}

// inlineDefinitionFile replaces a StateMachine spec's DefinitionFile (a
// path relative to the document's file) with the Definition it holds, as
// the server takes definitions inline.
func inlineDefinitionFile(file, kind string, spec any) error {
	m, ok := spec.(map[string]any)
	if !ok || !strings.EqualFold(kind, "StateMachine") {
		return nil
	}
	path, ok := m["DefinitionFile"].(string)
	if !ok || path == "" {
		return nil
	}
	if !filepath.IsAbs(path) && file != "-" {
		path = filepath.Join(filepath.Dir(file), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("DefinitionFile: %w", err)
	}
	var def any
	if err := json.Unmarshal(b, &def); err != nil {
		return fmt.Errorf("DefinitionFile %s is not JSON: %w", path, err)
	}
	delete(m, "DefinitionFile")
	m["Definition"] = def
	return nil
}
