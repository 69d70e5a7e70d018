package intrinsic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// errNoMatch is what the test resolver returns for a path that selects
// nothing; Eval must pass it through unchanged.
var errNoMatch = errors.New("path selects nothing")

// decode parses JSON text with UseNumber, as the interpreter does.
func decode(t testing.TB, text string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "decode %s", text)
	return v
}

// resolver resolves "$…" against input, "$$…" against context and
// "$name…" against vars. It understands only .name, [n] and ['name']
// segments — enough for tests; the production resolver is the caller's.
func resolver(input, context any, vars map[string]any) Resolver {
	return func(path string) (any, error) {
		var cur any
		var rest string
		switch {
		case strings.HasPrefix(path, "$$"):
			cur, rest = context, path[2:]
		case len(path) > 1 && path[1] != '.' && path[1] != '[':
			name := path[1:]
			if i := strings.IndexAny(name, ".["); i >= 0 {
				name, rest = name[:i], name[i:]
			}
			v, ok := vars[name]
			if !ok {
				return nil, fmt.Errorf("variable $%s: %w", name, errNoMatch)
			}
			cur = v
		default:
			cur, rest = input, path[1:]
		}
		for rest != "" {
			switch {
			case rest[0] == '.':
				rest = rest[1:]
				end := strings.IndexAny(rest, ".[")
				if end < 0 {
					end = len(rest)
				}
				m, ok := cur.(map[string]any)
				if !ok || end == 0 {
					return nil, fmt.Errorf("%s: %w", path, errNoMatch)
				}
				if cur, ok = m[rest[:end]]; !ok {
					return nil, fmt.Errorf("%s: %w", path, errNoMatch)
				}
				rest = rest[end:]
			case rest[0] == '[':
				end := strings.IndexByte(rest, ']')
				if end < 0 {
					return nil, fmt.Errorf("%s: %w", path, errNoMatch)
				}
				sel := rest[1:end]
				rest = rest[end+1:]
				if len(sel) >= 2 && sel[0] == '\'' && sel[len(sel)-1] == '\'' {
					m, ok := cur.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("%s: %w", path, errNoMatch)
					}
					if cur, ok = m[sel[1:len(sel)-1]]; !ok {
						return nil, fmt.Errorf("%s: %w", path, errNoMatch)
					}
					continue
				}
				i, err := strconv.Atoi(sel)
				a, ok := cur.([]any)
				if err != nil || !ok || i < 0 || i >= len(a) {
					return nil, fmt.Errorf("%s: %w", path, errNoMatch)
				}
				cur = a[i]
			default:
				return nil, fmt.Errorf("%s: %w", path, errNoMatch)
			}
		}
		return cur, nil
	}
}

// evalCase is one row of a function's table: expr is evaluated against
// input (JSON; "{}" when empty). want is the result as JSON text, compared
// exactly (so 3 and 3.0 differ); cause, when set, is a substring of the
// expected States.IntrinsicFailure cause.
type evalCase struct {
	name  string
	expr  string
	input string
	want  string
	cause string
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			input := tc.input
			if input == "" {
				input = "{}"
			}
			c, err := Parse(tc.expr)
			require.NoError(t, err)
			got, err := c.Eval(resolver(decode(t, input), decode(t, testContext), nil))
			if tc.cause != "" {
				require.Nil(t, got)
				var ie *Error
				require.ErrorAs(t, err, &ie)
				require.Equal(t, "States.IntrinsicFailure", ie.Name)
				require.Contains(t, ie.Cause, tc.cause)
				return
			}
			require.NoError(t, err)
			requireJSON(t, tc.want, got)
		})
	}
}

// requireJSON checks that got, written as compact JSON, is want's compact
// form.
func requireJSON(t *testing.T, want string, got any) {
	t.Helper()
	wantText, err := compactJSON(decode(t, want))
	require.NoError(t, err)
	gotText, err := compactJSON(got)
	require.NoError(t, err)
	require.Equal(t, wantText, gotText)
}

const testContext = `{"Execution":{"Id":"arn:aws:states:eu-west-1:111122223333:execution:sm:run-1","Name":"run-1"},"StateMachine":{"Name":"incident-triage-v2"}}`

func TestLooks(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"States.Format('x')":    true,
		"States.UUID()":         true,
		"States.Array(":         true, // looks like one; Parse rejects it
		" States.UUID()":        false,
		"States.UUID":           false,
		"$.States.x":            false,
		"$.a":                   false,
		"states.Array()":        false,
		"States.Anything(1, 2)": true,
	} {
		require.Equal(t, want, Looks(s), "Looks(%q)", s)
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	c, err := Parse(`States.Format('{} {} {} {} {}', $, $.a.b, States.ArrayGetItem($$.Execution.Input.list, $[0]), $myVar.x, $.c['d e'])`)
	require.NoError(t, err)
	require.Equal(t, []string{"$", "$.a.b", "$$.Execution.Input.list", "$[0]", "$myVar.x", "$.c['d e']"}, c.Paths())

	c, err = Parse(`States.UUID()`)
	require.NoError(t, err)
	require.Empty(t, c.Paths())
}

func TestEvalResolverErrorPassesThrough(t *testing.T) {
	t.Parallel()
	c, err := Parse(`States.Format('{}', States.ArrayLength($.missing))`)
	require.NoError(t, err)
	got, err := c.Eval(resolver(decode(t, `{}`), nil, nil))
	require.Nil(t, got)
	require.ErrorIs(t, err, errNoMatch)
	var ie *Error
	require.False(t, errors.As(err, &ie), "a resolver error must not become an intrinsic failure")
}

func TestEvalVariablesAndContext(t *testing.T) {
	t.Parallel()
	c, err := Parse(`States.Format('{} ran {} on {}', $$.Execution.Name, $count, $host.name)`)
	require.NoError(t, err)
	vars := map[string]any{"count": json.Number("3"), "host": map[string]any{"name": "db-1"}}
	got, err := c.Eval(resolver(decode(t, `{}`), decode(t, testContext), vars))
	require.NoError(t, err)
	require.Equal(t, "run-1 ran 3 on db-1", got)
}

func TestEvalWholeInput(t *testing.T) {
	t.Parallel()
	c, err := Parse(`States.JsonToString($)`)
	require.NoError(t, err)
	got, err := c.Eval(resolver(decode(t, `{"b":1,"a":[true,null]}`), nil, nil))
	require.NoError(t, err)
	require.Equal(t, `{"a":[true,null],"b":1}`, got)
}

// TestEvalAcceptsPlainGoNumbers: a resolver that decoded without UseNumber
// (float64) or built values in Go (int) still works.
func TestEvalAcceptsPlainGoNumbers(t *testing.T) {
	t.Parallel()
	c, err := Parse(`States.MathAdd($.a, $.b)`)
	require.NoError(t, err)
	got, err := c.Eval(func(p string) (any, error) {
		if p == "$.a" {
			return 40.0, nil
		}
		return 2, nil
	})
	require.NoError(t, err)
	require.Equal(t, json.Number("42"), got)
}

// TestEvalConcurrent: one Call evaluated from many goroutines (run with
// -race).
func TestEvalConcurrent(t *testing.T) {
	t.Parallel()
	c, err := Parse(`States.Format('{}-{}', States.ArrayGetItem(States.StringSplit($.s, ','), $.i), States.MathRandom(0, 10, 7))`)
	require.NoError(t, err)
	var wg sync.WaitGroup
	results := make([]any, 16)
	for i := range results {
		wg.Go(func() {
			v, err := c.Eval(resolver(map[string]any{"s": "a,b,c", "i": json.Number("1")}, nil, nil))
			if err == nil {
				results[i] = v
			}
		})
	}
	wg.Wait()
	for _, r := range results {
		require.Equal(t, results[0], r)
		require.True(t, strings.HasPrefix(r.(string), "b-"), r)
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := &Error{Name: "States.IntrinsicFailure", Cause: "boom"}
	require.Equal(t, "States.IntrinsicFailure: boom", e.Error())
}

func TestOrdinal(t *testing.T) {
	t.Parallel()
	for i, want := range []string{"1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th", "11th", "12th", "13th", "14th"} {
		require.Equal(t, want, ordinal(i))
	}
	require.Equal(t, "21st", ordinal(20))
	require.Equal(t, "112th", ordinal(111))
}
