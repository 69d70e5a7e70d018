package intrinsic

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	guide := `{"name": "Arnav", "template": "Hello, my name is {}."}`
	runCases(t, []evalCase{
		// AWS guide › Intrinsic for generic operation › States.Format.
		{name: "guide example, literal template", expr: "States.Format('Hello, my name is {}.', $.name)", input: guide, want: `"Hello, my name is Arnav."`},
		{name: "guide example, template from a path", expr: "States.Format($.template, $.name)", input: guide, want: `"Hello, my name is Arnav."`},
		{name: "no placeholders", expr: "States.Format('plain')", want: `"plain"`},
		{name: "empty template", expr: "States.Format('')", want: `""`},
		{name: "adjacent placeholders", expr: "States.Format('{}{}', 'a', 'b')", want: `"ab"`},
		// Value forms as recorded against AWS in LocalStack's
		// test_generic.snapshot.json (test_format_2).
		{name: "values of each scalar type", expr: "States.Format('{}|{}|{}|{}|{}|{}', 'str', 1, 1.1, true, false, null)", want: `"str|1|1.1|true|false|null"`},
		{name: "empty and blank strings", expr: "States.Format('[{}][{}]', '', ' ')", want: `"[][ ]"`},
		{name: "a string holding JSON is inserted as is", expr: "States.Format('x={}', $.s)", input: `{"s":"{\"Arg1\": 1, \"Arg2\": []}"}`, want: `"x={\"Arg1\": 1, \"Arg2\": []}"`},
		{name: "number text is kept", expr: "States.Format('{} {}', $.a, $.b)", input: `{"a":1.50,"b":-0}`, want: `"1.50 -0"`},
		{name: "escaped braces stay literal", expr: `States.Format('\{\} {} \{x\}', 1)`, want: `"{} 1 {x}"`},
		{name: "escaped open brace before a close brace", expr: `States.Format('\{} {}', 1)`, want: `"{} 1"`},
		{name: "lone braces are text", expr: `States.Format('{ {} }', 1)`, want: `"{ 1 }"`},
		{name: "escaped quote and backslash", expr: `States.Format('it\'s {}\\', 'me')`, want: `"it's me\\"`},
		{name: "placeholder text in a value is not expanded", expr: "States.Format('{}', '{}')", want: `"{}"`},
		{name: "context path", expr: "States.Format('{} on {}', $$.Execution.Name, $$.StateMachine.Name)", want: `"run-1 on incident-triage-v2"`},
		{name: "nested calls as values", expr: "States.Format('{}-{}', States.MathAdd(1, 2), States.ArrayGetItem(States.Array('a'), 0))", want: `"3-a"`},
		{name: "template from a nested call", expr: "States.Format(States.Format('{}{}', '{', '}'), 'x')", want: `"x"`},
		// AWS guide › Intrinsic functions for JSONPath states, the nested
		// example (with its template fixed to two placeholders).
		{name: "guide nesting example", expr: "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))", input: `{"ImageRecipe":{"Arn":"arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/web/1.2.3"}}`, want: `"1.2"`},

		// Recorded AWS behaviour (LocalStack snapshot test_format_2): Java's
		// map and list text.
		{name: "object value", expr: "States.Format('x={}', $.o)", input: `{"o":{"Arg2":[],"Arg1":1}}`, want: `"x={Arg1=1, Arg2=[]}"`},
		{name: "array value", expr: "States.Format('{} {}', 1, States.Array('a', States.Array(2)))", want: `"1 [a, [2]]"`},
		{name: "template from a path with too few values", expr: "States.Format($.template)", input: guide, cause: "The template of States.Format has 1 {} placeholder, but 0 arguments follow it"},
		{name: "template from a path with too many values", expr: "States.Format($.name, 1, 2)", input: guide, cause: "has 0 {} placeholders, but 2 arguments follow it"},
		{name: "template not a string", expr: "States.Format($.n)", input: `{"n":1}`, cause: "The value of the 1st argument of States.Format must be a string (the template), but was the number 1"},
		{name: "literal template not a string", expr: "States.Format(1)", cause: "must be a string (the template), but was the number 1"},
	})
}

func TestStringSplit(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsic for String operation › States.StringSplit,
		// both examples.
		{name: "guide example, one delimiter", expr: "States.StringSplit($.inputString, $.splitter)", input: `{"inputString": "1,2,3,4,5", "splitter": ","}`, want: `["1","2","3","4","5"]`},
		{name: "guide example, several delimiters", expr: "States.StringSplit($.inputString, $.splitter)", input: `{"inputString": "This.is+a,test=string", "splitter": ".+,=" }`, want: `["This","is","a","test","string"]`},
		{name: "empty strings are dropped", expr: "States.StringSplit(',a,,b,', ',')", want: `["a","b"]`},
		{name: "only delimiters", expr: "States.StringSplit(',,,', ',')", want: `[]`},
		{name: "empty input", expr: "States.StringSplit('', ',')", want: `[]`},
		{name: "no delimiters", expr: "States.StringSplit('a,b', '')", want: `["a,b"]`},
		{name: "delimiter absent", expr: "States.StringSplit('abc', '/')", want: `["abc"]`},
		{name: "multi-byte delimiter", expr: "States.StringSplit('a→b→c', '→')", want: `["a","b","c"]`},
		{name: "spaces are kept", expr: "States.StringSplit(' a , b ', ',')", want: `[" a "," b "]`},
		// LocalStack's escape_sequence test, recorded against AWS.
		{name: "line break", expr: "States.StringSplit('Hello\nWorld', '\n')", want: `["Hello","World"]`},
		{name: "braces as delimiters", expr: `States.StringSplit('a{b}c', '\{\}')`, want: `["a","b","c"]`},
		{name: "context object", expr: "States.StringSplit($$.StateMachine.Name, '-')", want: `["incident","triage","v2"]`},

		{name: "input not a string", expr: "States.StringSplit(1, ',')", cause: "The value of the 1st argument of States.StringSplit must be a string, but was the number 1"},
		{name: "delimiters not a string", expr: "States.StringSplit('a', null)", cause: "The value of the 2nd argument of States.StringSplit must be a string (the delimiting characters), but was null"},
	})
}

// TestUUID: AWS guide › Intrinsic for unique identifier generation ›
// States.UUID — a version 4 UUID.
func TestUUID(t *testing.T) {
	t.Parallel()
	c, err := Parse("States.UUID()")
	require.NoError(t, err)
	seen := map[string]bool{}
	for range 50 {
		v, err := c.Eval(resolver(nil, nil, nil))
		require.NoError(t, err)
		s, ok := v.(string)
		require.True(t, ok, "%T", v)
		require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, s)
		id, err := uuid.Parse(s)
		require.NoError(t, err)
		require.Equal(t, uuid.Version(4), id.Version())
		require.Equal(t, uuid.RFC4122, id.Variant())
		require.False(t, seen[s], "repeated %s", s)
		seen[s] = true
	}
}
