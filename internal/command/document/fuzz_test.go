package document_test

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/firstline/firstline/internal/command/document"
	"github.com/firstline/firstline/internal/resource"
)

// FuzzParse feeds arbitrary content to Parse, Validate, Lint, Resolve and
// Kind.Normalize. The corpus is testdata/fuzz/FuzzParse (the fixtures,
// User Guide examples and rejected shapes). Properties:
//
//   - Parse returns a document or an error, never both; errors are
//     *document.Error values;
//   - a document's Content parses back as JSON to the same content;
//   - Validate's errors are *document.Error values; Normalize accepts the
//     content exactly when Parse and Validate do, and is idempotent;
//   - Resolve of a valid document fails only with *ParameterError or
//     *document.Error values, and what it resolves keeps every timeout in
//     1..172800 and every script within MaxScriptBytes.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":"2.2","mainSteps":[{"action":"aws:runShellScript","name":"a","inputs":{"runCommand":"date"}}]}`))
	f.Fuzz(func(t *testing.T, content []byte) {
		doc, err := document.Parse(content)
		if (doc == nil) == (err == nil) {
			t.Fatalf("Parse returned %v and %v", doc, err)
		}
		// JSON strings cannot carry invalid UTF-8 (Marshal replaces it),
		// so Normalize is compared on valid text only.
		valid := utf8.Valid(content)
		spec, _ := json.Marshal(map[string]string{"ContentString": string(content)})
		normalized, nerr := document.Kind{}.Normalize("fuzz", spec)
		if err != nil {
			requireKinds(t, err, "Parse")
			if valid && nerr == nil {
				t.Fatalf("Normalize accepted what Parse refuses: %v", err)
			}
			return
		}
		again, err := document.ParseFormat(doc.Content(), document.FormatJSON)
		if err != nil {
			t.Fatalf("Content does not parse back: %v\n%s", err, doc.Content())
		}
		if string(again.Content()) != string(doc.Content()) || len(again.Parameters) != len(doc.Parameters) || len(again.Steps) != len(doc.Steps) {
			t.Fatalf("Content does not round-trip:\n%s\n%s", doc.Content(), again.Content())
		}
		_ = document.Lint(doc)
		verr := doc.Validate()
		if (verr == nil) != (nerr == nil) {
			t.Fatalf("Validate says %v, Normalize says %v", verr, nerr)
		}
		if verr != nil {
			requireKinds(t, verr, "Validate")
			return
		}
		if twice, err := (document.Kind{}).Normalize("fuzz", normalized); err != nil || string(twice) != string(normalized) {
			t.Fatalf("Normalize is not idempotent: %v\n%s\n%s", err, normalized, twice)
		}
		params := map[string][]string{}
		for _, p := range doc.Parameters {
			if p.Required() {
				params[p.Name] = []string{"x"}
			}
		}
		r, err := document.Resolve(doc, params)
		if err != nil {
			requireKinds(t, err, "Resolve")
			return
		}
		for _, s := range r.Steps {
			if s.TimeoutSeconds < 1 || s.TimeoutSeconds > document.MaxTimeoutSeconds {
				t.Fatalf("step %s: timeout %d", s.Name, s.TimeoutSeconds)
			}
			if len(s.Script) > document.MaxScriptBytes {
				t.Fatalf("step %s: script of %d bytes", s.Name, len(s.Script))
			}
		}
	})
}

// requireKinds fails unless every error joined in err is a
// *document.Error or a *document.ParameterError.
func requireKinds(t *testing.T, err error, what string) {
	t.Helper()
	for _, e := range unjoin(err) {
		var de *document.Error
		var pe *document.ParameterError
		var fe *resource.FieldError
		if !errors.As(e, &de) && !errors.As(e, &pe) && !errors.As(e, &fe) {
			t.Fatalf("%s returned an error of type %T: %v", what, e, e)
		}
	}
}
