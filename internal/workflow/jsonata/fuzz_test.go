package jsonata_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/firstline/firstline/internal/workflow/jsonata"
)

// FuzzCompileEval: Compile never panics and fails only with *SyntaxError;
// a compiled expression, evaluated with the input as $states.input (and as
// a template, when the input is JSON), never panics or crashes the process
// and returns either a value in the package's JSON forms or an *Error.
// Seeds: testdata/fuzz/FuzzCompileEval.
func FuzzCompileEval(f *testing.F) {
	f.Add(`{% $states.input.a %}`, `{"a":1}`)
	f.Fuzz(func(t *testing.T, src, input string) {
		if len(src) > 2000 || len(input) > 4000 {
			return
		}
		// Ranges of millions of items are valid JSONata but make a fuzz
		// run about memory rather than correctness.
		if strings.Contains(src, "..") {
			return
		}
		var in any
		dec := json.NewDecoder(strings.NewReader(input))
		dec.UseNumber()
		if dec.Decode(&in) != nil {
			in = input
		}
		vars := map[string]any{
			"states": map[string]any{"input": in, "context": map[string]any{"Execution": map[string]any{"Id": "x"}}},
			"v":      in,
		}

		e, err := jsonata.Compile(src)
		if err != nil {
			var se *jsonata.SyntaxError
			if e != nil || !errors.As(err, &se) {
				t.Fatalf("Compile(%q) = %v, %v (%T)", src, e, err, err)
			}
		} else {
			checkResult(t, src)(e.Eval(vars))
		}

		if tpl, err := jsonata.CompileTemplate(in); err == nil {
			checkResult(t, input)(tpl.Eval(vars))
		} else {
			var se *jsonata.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("CompileTemplate(%q): %v (%T)", input, err, err)
			}
		}
	})
}

func checkResult(t *testing.T, what string) func(any, error) {
	return func(v any, err error) {
		t.Helper()
		if err != nil {
			var e *jsonata.Error
			if v != nil || !errors.As(err, &e) || e.Name != "States.QueryEvaluationError" {
				t.Fatalf("%q: got %v, %v (%T)", what, v, err, err)
			}
			return
		}
		checkForms(t, v)
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("%q: result %v does not marshal: %v", what, v, err)
		}
	}
}
