package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firstline/firstline/internal/command/document"
)

func documentsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "documents",
		Short: "Check SSM Command documents offline (validate and lint)",
		Long: `Work with SSM Command documents (schema 2.2 and 1.2, JSON or YAML): the
scripts firstline's agents will run on hosts. 'documents lint' checks a document
without a server; apply documents to the server with 'firstline apply'
(kind: Document).`,
	}
	cmd.AddCommand(documentsLintCmd())
	return cmd
}

func documentsLintCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lint FILE|BUILTIN-NAME",
		Short: "Validate a document and warn about risky parameters",
		Long: `Parse and validate an SSM Command document (a JSON or YAML file, - for
standard input, or the name of a built-in such as AWS-RunShellScript) and list
warnings: a String parameter without allowedPattern or allowedValues pasted
into shell commands (command injection), a StringList inside a longer command,
a default that breaks its own rules, an unused parameter, a step the Linux
agent skips. A file holding a 'kind: Document' resource is linted on its
spec's Content.

Exit status 0 when the document is valid (warnings or not), 1 when it is
invalid, 2 when it cannot be read.`,
		Example: `  firstline documents lint AWS-RunShellScript
  firstline documents lint ./restart-apache.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var doc *document.Document
			for _, b := range document.Builtins() {
				if b.Name == args[0] {
					doc = b
				}
			}
			if doc == nil {
				var content []byte
				var err error
				if args[0] == "-" {
					content, err = ReadArg("-", cmd.InOrStdin())
				} else {
					content, err = os.ReadFile(args[0])
				}
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "error:", err)
					return exitCode(2)
				}
				if inner, ok := documentResourceContent(content); ok {
					content = inner
				}
				if doc, err = document.Parse(content); err == nil {
					err = doc.Validate()
				}
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "invalid document:", err)
					return exitCode(1)
				}
			}
			ws := document.Lint(doc)
			out := cmd.OutOrStdout()
			for _, w := range ws {
				fmt.Fprintf(out, "%s: %s\n", w.Path, w.Message)
			}
			if len(ws) == 0 {
				fmt.Fprintln(out, "ok: no warnings")
			}
			return nil
		},
	}
	return cmd
}

// documentResourceContent returns the content of a 'kind: Document'
// resource file.
func documentResourceContent(b []byte) ([]byte, bool) {
	docs, err := parseDocuments("-", b)
	if err != nil || len(docs) != 1 || !strings.EqualFold(docs[0].Kind, document.KindName) {
		return nil, false
	}
	var spec document.Spec
	if err := json.Unmarshal(docs[0].Spec, &spec); err != nil {
		return nil, false
	}
	if spec.ContentString != "" {
		return []byte(spec.ContentString), true
	}
	return spec.Content, len(spec.Content) > 0
}
