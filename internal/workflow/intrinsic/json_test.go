package intrinsic

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStringToJSON(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for JSON data manipulation ›
		// States.StringToJson.
		{name: "guide example", expr: "States.StringToJson($.escapedJsonString)", input: `{"escapedJsonString": "{\"foo\": \"bar\"}"}`, want: `{"foo":"bar"}`},
		// The rest as recorded against Step Functions in LocalStack's
		// test_json_manipulation.snapshot.json (test_string_to_json).
		{name: "empty string is null", expr: "States.StringToJson('')", want: `null`},
		{name: "blank string is null", expr: "States.StringToJson(' ')", want: `null`},
		{name: "null", expr: "States.StringToJson('null')", want: `null`},
		{name: "integer", expr: "States.StringToJson('1')", want: `1`},
		{name: "float keeps its text", expr: "States.StringToJson('1.1')", want: `1.1`},
		{name: "true", expr: "States.StringToJson('true')", want: `true`},
		{name: "string", expr: `States.StringToJson('"HelloWorld"')`, want: `"HelloWorld"`},
		{name: "array", expr: `States.StringToJson('[1, 2, "HelloWorld"]')`, want: `[1,2,"HelloWorld"]`},
		{name: "object", expr: `States.StringToJson('{"Arg1": 1, "Arg2": []}')`, want: `{"Arg1":1,"Arg2":[]}`},
		{name: "surrounding space", expr: `States.StringToJson('  {"a": 20}  ')`, want: `{"a":20}`},
		{name: "round trip", expr: "States.StringToJson(States.JsonToString($.o))", input: `{"o":{"a":[1,2.50,{"b":null}]}}`, want: `{"a":[1,2.50,{"b":null}]}`},
		{name: "built by Format", expr: `States.StringToJson(States.Format('\{"n": {}\}', 20.5))`, want: `{"n":20.5}`},

		{name: "invalid JSON", expr: "States.StringToJson('{foo}')", cause: "The value of the 1st argument of States.StringToJson is not valid JSON: invalid character 'f'"},
		{name: "truncated JSON", expr: `States.StringToJson('{"a":')`, cause: "is not valid JSON"},
		{name: "two values", expr: "States.StringToJson('1 2')", cause: "is not valid JSON: text after the first value"},
		{name: "trailing bracket", expr: "States.StringToJson('[1]]')", cause: "is not valid JSON"},
		{name: "not a string", expr: "States.StringToJson($.o)", input: `{"o":{"a":1}}`, cause: "The value of the 1st argument of States.StringToJson must be a string, but was an object"},
		{name: "null argument", expr: "States.StringToJson(null)", cause: "must be a string, but was null"},
	})
}

func TestJSONToString(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for JSON data manipulation ›
		// States.JsonToString. The guide prints {\"foo\": \"bar\"}; Step
		// Functions returns compact JSON ({"foo":"bar"}), as recorded in
		// LocalStack's test_json_manipulation.snapshot.json
		// (test_json_to_string: {"Arg1":1,"Arg2":[]}).
		{name: "guide example", expr: "States.JsonToString($.unescapedJson)", input: `{"unescapedJson": {"foo": "bar"}}`, want: `"{\"foo\":\"bar\"}"`},
		{name: "null", expr: "States.JsonToString($.v)", input: `{"v":null}`, want: `"null"`},
		{name: "number keeps its text", expr: "States.JsonToString($.v)", input: `{"v":1.10}`, want: `"1.10"`},
		{name: "true", expr: "States.JsonToString($.v)", input: `{"v":true}`, want: `"true"`},
		{name: "string is quoted", expr: "States.JsonToString($.v)", input: `{"v":"HelloWorld"}`, want: `"\"HelloWorld\""`},
		{name: "array", expr: "States.JsonToString($.v)", input: `{"v":[1, 2, "HelloWorld"]}`, want: `"[1,2,\"HelloWorld\"]"`},
		{name: "nested object, keys in order", expr: "States.JsonToString($.v)", input: `{"v":{"b": {"d": [], "c": {}}, "a": 1}}`, want: `"{\"a\":1,\"b\":{\"c\":{},\"d\":[]}}"`},
		{name: "no HTML escaping", expr: "States.JsonToString($.v)", input: `{"v":{"html":"<a href='x'>&</a>"}}`, want: `"{\"html\":\"<a href='x'>&</a>\"}"`},
		{name: "unicode kept", expr: "States.JsonToString($.v)", input: `{"v":"é✓"}`, want: `"\"é✓\""`},
		{name: "literal argument", expr: "States.JsonToString('x')", want: `"\"x\""`},
		{name: "nested call", expr: "States.JsonToString(States.Array(1, 'a'))", want: `"[1,\"a\"]"`},
	})
}

func TestJSONMerge(t *testing.T) {
	t.Parallel()
	guide := `{"json1": { "a": {"a1": 1, "a2": 2}, "b": 2 }, "json2": { "a": {"a3": 1, "a4": 2}, "c": 3 }}`
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for JSON data manipulation › States.JsonMerge.
		{name: "guide example", expr: "States.JsonMerge($.json1, $.json2, false)", input: guide, want: `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
		{name: "empty objects", expr: "States.JsonMerge($.e, $.e, false)", input: `{"e":{}}`, want: `{}`},
		{name: "second wins, null included", expr: "States.JsonMerge($.x, $.y, false)", input: `{"x":{"k":1,"j":2},"y":{"k":null}}`, want: `{"j":2,"k":null}`},
		// LocalStack's json_merge_escaped_argument, recorded against AWS.
		{name: "literal from StringToJson", expr: `States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $.input_field, false)`, input: `{"input_field":{"constant_input_field":"constant_value"}}`, want: `{"constant_in_literal":"false","constant_input_field":"constant_value"}`},

		// "Currently, Step Functions only supports the shallow merging mode;
		// therefore, you must specify the boolean value as false."
		{name: "deep merge", expr: "States.JsonMerge($.json1, $.json2, true)", input: guide, cause: "The value of the 3rd argument of States.JsonMerge must be false: Step Functions supports only shallow merging"},
		{name: "mode not a boolean", expr: "States.JsonMerge($.json1, $.json2, 'false')", input: guide, cause: `The value of the 3rd argument of States.JsonMerge must be the boolean false, but was the string "false"`},
		{name: "first not an object", expr: "States.JsonMerge(States.Array(), $.json2, false)", input: guide, cause: "The value of the 1st argument of States.JsonMerge must be an object, but was an array"},
		{name: "second not an object", expr: "States.JsonMerge($.json1, 1, false)", input: guide, cause: "The value of the 2nd argument of States.JsonMerge must be an object, but was the number 1"},
	})
}

// TestJSONMergeLeavesInputsAlone: the result is a new object.
func TestJSONMergeLeavesInputsAlone(t *testing.T) {
	t.Parallel()
	in := decode(t, `{"x":{"k":1},"y":{"k":2,"j":3}}`)
	c, err := Parse("States.JsonMerge($.x, $.y, false)")
	require.NoError(t, err)
	_, err = c.Eval(resolver(in, nil, nil))
	require.NoError(t, err)
	requireJSON(t, `{"x":{"k":1},"y":{"k":2,"j":3}}`, in)
}
