package intrinsic

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		expr      string
		canonical string // the call re-rendered; "" means expr itself
		want      string // Eval's result as JSON against an empty input, "" to skip
	}{
		{
			name: "no arguments",
			expr: "States.UUID()",
		},
		{
			name:      "whitespace everywhere",
			expr:      " \tStates.Array (\n 1 ,\t'a' , true,false ,null\r\n) \n",
			canonical: "States.Array(1, 'a', true, false, null)",
			want:      `[1,"a",true,false,null]`,
		},
		{
			name:      "empty argument list with spaces",
			expr:      "States.Array(   )",
			canonical: "States.Array()",
			want:      `[]`,
		},
		{
			name: "numbers",
			expr: "States.Array(0, -0, 7, -12, 1.5, -0.25, 1e3, 2E-2, 1.5e+2)",
			want: `[0,-0,7,-12,1.5,-0.25,1e3,2E-2,1.5e+2]`,
		},
		{
			name: "escaped quote, braces and backslash",
			expr: `States.Array('it\'s', '\{\}', '\\', 'a\\\'b')`,
			want: `["it's","{}","\\","a\\'b"]`,
		},
		{
			name: "unescaped lone braces and JSON text in a literal",
			// AWS accepts this (LocalStack test json_merge_escaped_argument,
			// recorded against Step Functions).
			expr: `States.StringToJson('{"constant_in_literal": "false"}')`,
			want: `{"constant_in_literal":"false"}`,
		},
		{
			name: "commas, parentheses and dollar signs inside a string",
			expr: `States.Array('a, b) $.c (d')`,
			want: `["a, b) $.c (d"]`,
		},
		{
			name: "raw line break inside a string",
			expr: "States.StringSplit('Hello\nWorld', '\n')",
			want: `["Hello","World"]`,
		},
		{
			name:      "nested calls",
			expr:      "States.Format('{}.{}',States.ArrayGetItem(States.StringSplit('a.b.c','.'),0),States.MathAdd(1,States.ArrayLength(States.Array(1,2))))",
			canonical: "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit('a.b.c', '.'), 0), States.MathAdd(1, States.ArrayLength(States.Array(1, 2))))",
			want:      `"a.3"`,
		},
		{
			name: "paths of every kind",
			expr: "States.Array($, $.a, $[0], $.a[1].b, $$.Execution.Id, $v, $v.x[2], $.a['b c'], $.a[?(@.x == ')')], $._x)",
		},
		{
			name: "ten levels of nesting",
			expr: strings.Repeat("States.Array(", 10) + strings.Repeat(")", 10),
			want: strings.Repeat("[", 10) + strings.Repeat("]", 10),
		},
		{
			name: "the guide's nine nested functions, with two placeholders",
			// AWS guide › Intrinsic functions for JSONPath states: the
			// guide's template is '{}.{}.{}' with two values after it,
			// which TestParseErrors shows is rejected.
			expr: "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse(tc.expr)
			require.NoError(t, err)
			want := tc.canonical
			if want == "" {
				want = tc.expr
			}
			require.Equal(t, want, c.canonical())
			if tc.want != "" {
				got, err := c.Eval(resolver(map[string]any{}, nil, nil))
				require.NoError(t, err)
				requireJSON(t, tc.want, got)
			}
		})
	}
}

func TestParseLiteralValues(t *testing.T) {
	t.Parallel()
	c, err := Parse(`States.Array('x', 12, -1.5, true, false, null)`)
	require.NoError(t, err)
	var vals []any
	for _, a := range c.args {
		require.Equal(t, argLiteral, a.kind)
		vals = append(vals, a.value)
	}
	require.Equal(t, []any{"x", json.Number("12"), json.Number("-1.5"), true, false, nil}, vals)
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		expr   string
		offset int
		msg    string
	}{
		{"empty", "", 0, "expected an intrinsic function call"},
		{"a path", "$.a", 0, "expected an intrinsic function call"},
		{"lower-case prefix", "states.Array()", 0, "expected an intrinsic function call"},
		{"unknown function", "States.Formatt('x')", 0, "unknown intrinsic function States.Formatt; did you mean States.Format?"},
		{"unknown function, wrong case", "States.arraylength($.a)", 0, "did you mean States.ArrayLength?"},
		{"unknown function, nothing near", "States.Frobnicate()", 0, "unknown intrinsic function States.Frobnicate"},
		{"unknown nested function", "States.Array(1, States.Nope())", 16, "unknown intrinsic function States.Nope"},
		{"missing parenthesis", "States.UUID", 11, "expected '(' after States.UUID"},
		{"unclosed call", "States.Array(1, 2", 12, "missing ')' to close States.Array("},
		{"missing comma", "States.Array(1 2)", 15, "expected ',' or ')' after an argument, found '2'"},
		{"trailing comma", "States.Array(1,)", 15, "expected an argument, found ')'"},
		{"leading comma", "States.Array(,1)", 13, "expected an argument, found ','"},
		{"text after the call", "States.UUID() x", 14, "unexpected 'x' after the call"},
		{"second call", "States.UUID()States.UUID()", 13, "unexpected 'S' after the call"},
		{"unterminated string", "States.Array('abc)", 13, "unterminated string literal"},
		{"open escape at the end", `States.Array('abc\`, 17, "unterminated escape"},
		{"unknown escape", `States.Array('a\nb')`, 15, `invalid escape \n`},
		{"double-quoted string", `States.Array("a")`, 13, `unexpected '"'`},
		{"bare word", "States.Array(abc)", 13, `unexpected "abc"`},
		{"keyword prefix", "States.Array(truex)", 13, `unexpected "truex"`},
		{"capitalised keyword", "States.Array(True)", 13, `unexpected "True"`},
		{"leading zero", "States.Array(01)", 13, `malformed number "01"`},
		{"plus sign", "States.Array(+1)", 13, `unexpected '+'`},
		{"bare minus", "States.Array(-)", 13, `malformed number "-"`},
		{"trailing dot", "States.Array(1.)", 13, `malformed number "1."`},
		{"number glued to a word", "States.Array(1abc)", 13, `malformed number "1abc"`},
		{"path with a digit root", "States.Array($1)", 14, "expected '.', '[' or the end of the path"},
		{"path with three dollars", "States.Array($$$.a)", 15, "expected '.', '[' or the end of the path"},
		{"unterminated bracket", "States.Array($.a[0)", 13, "unterminated '[' in path"},
		{"unmatched bracket", "States.Array($.a])", 16, "unmatched ']' in path"},
		{"unterminated quoted name", "States.Array($.a['b)", 17, "unterminated quoted name in path"},
		{"path followed by a parenthesis", "States.Array($.a(1))", 16, "expected ',' or ')' after an argument, found '('"},
		{"too few arguments", "States.ArrayGetItem($.a)", 0, "States.ArrayGetItem takes 2 arguments, but is given 1"},
		{"too many arguments", "States.ArrayLength($.a, 1)", 0, "States.ArrayLength takes 1 argument, but is given 2"},
		{"arguments to UUID", "States.UUID(1)", 0, "States.UUID takes no arguments, but is given 1"},
		{"Format without a template", "States.Format()", 0, "States.Format takes at least 1 argument, but is given 0"},
		{"MathRandom with four", "States.MathRandom(1, 2, 3, 4)", 0, "States.MathRandom takes 2 or 3 arguments, but is given 4"},
		{"nested arity", "States.Array(States.MathAdd(1))", 13, "States.MathAdd takes 2 arguments, but is given 1"},
		{"Format with too few values", "States.Format('{} and {}', 1)", 14, "the States.Format template has 2 {} placeholders but 1 argument follow it"},
		{"Format with too many values", "States.Format('x', 1)", 14, "the States.Format template has 0 {} placeholders but 1 argument follow it"},
		{"the guide's nine nested functions as printed", "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))", 14, "has 3 {} placeholders but 2 arguments follow it"},
		{"Format escaped braces are no placeholder", `States.Format('\{\}', 1)`, 14, "has 0 {} placeholders"},
		{"eleven levels of nesting", strings.Repeat("States.Array(", 11) + strings.Repeat(")", 11), 130, "nested more than 10 deep"},
		{"invalid UTF-8", "States.Array('\xff')", 14, "invalid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse(tc.expr)
			require.Nil(t, c)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tc.expr, se.Expr)
			require.Contains(t, se.Msg, tc.msg)
			require.Equal(t, tc.offset, se.Offset, "offset of %q in %q", se.Msg, tc.expr)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestSyntaxErrorString(t *testing.T) {
	t.Parallel()
	_, err := Parse("States.Array(1 2)")
	require.EqualError(t, err, `offset 15 in "States.Array(1 2)": expected ',' or ')' after an argument, found '2'`)
}

func TestParseInvalidEscapeMessage(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]string{
		`States.Array('\"')`:   `invalid escape \" in a string literal; only \' \{ \} and \\ are allowed`,
		"States.Array('\\\t')": `invalid escape \U+0009 in a string literal`,
		`States.Array('\é')`:   `invalid escape \é in a string literal`,
	} {
		_, err := Parse(expr)
		var se *SyntaxError
		require.ErrorAs(t, err, &se, expr)
		require.Equal(t, 14, se.Offset)
		require.Contains(t, se.Msg, want)
	}
}
