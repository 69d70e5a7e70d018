package intrinsic

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzInput is the fixed document FuzzParseEval evaluates against: the
// AWS guide's example inputs plus values of every JSON type.
const fuzzInput = `{
	"name": "Arnav", "template": "Hello, my name is {}.",
	"Id": 123456,
	"inputArray": [1,2,3,4,5,6,7,8,9], "index": 5, "lookingFor": 5,
	"duplicates": [1,2,3,3,3,3,3,3,4],
	"escapedJsonString": "{\"foo\": \"bar\"}", "unescapedJson": {"foo": "bar"},
	"input": "Data to encode", "base64": "RGF0YSB0byBlbmNvZGU=",
	"Data": "input data", "Algorithm": "SHA-1",
	"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
	"start": 1, "end": 999, "value1": 111, "step": -1,
	"inputString": "This.is+a,test=string", "splitter": ".+,=",
	"f": 1.5, "neg": -2.5, "big": 1e300, "huge": 123456789012345678901234567890,
	"t": true, "n": null, "empty": "", "blank": " ", "arr": [], "obj": {},
	"mixed": ["a", 1, 1.0, null, true, {"k": [1, {"x": null}]}, [1, 2]],
	"ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/web/1.2.3"}
}`

// FuzzParseEval: Parse never panics and returns a *Call or a *SyntaxError
// whose offset lies within the expression, never both; a parsed call
// re-renders to text that parses to the same call; Eval never panics, and
// returns either a value that encodes as JSON or an error — an intrinsic
// failure or the resolver's own error — never both.
func FuzzParseEval(f *testing.F) {
	f.Add("States.Format('Hello, my name is {}.', $.name)")
	f.Add(`States.Array('\'\{\}\\', 1.5e3, -0, true, false, null, $, $$.Execution.Name, $v.x)`)
	input := decode(f, fuzzInput)
	context := decode(f, testContext)
	vars := map[string]any{"v": map[string]any{"x": "var"}, "count": input.(map[string]any)["index"]}
	resolve := resolver(input, context, vars)

	f.Fuzz(func(t *testing.T, expr string) {
		c, err := Parse(expr)
		if err != nil {
			require.Nil(t, c)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "error of another type: %v", err)
			require.Equal(t, expr, se.Expr)
			require.True(t, se.Offset >= 0 && se.Offset <= len(expr), "offset %d outside %q", se.Offset, expr)
			require.NotEmpty(t, se.Msg)
			return
		}
		require.NotNil(t, c)
		require.True(t, Looks(strings.TrimLeft(expr, " \t\r\n")), "parsed but does not look like a call: %q", expr)

		text := c.canonical()
		again, err := Parse(text)
		require.NoError(t, err, "re-rendered %q of %q", text, expr)
		require.Equal(t, text, again.canonical())
		require.Equal(t, c.Paths(), again.Paths())

		v, err := c.Eval(resolve)
		if err != nil {
			require.Nil(t, v, "both a result and an error")
			var ie *Error
			if errors.As(err, &ie) {
				require.Equal(t, "States.IntrinsicFailure", ie.Name)
				require.NotEmpty(t, ie.Cause)
				return
			}
			require.ErrorIs(t, err, errNoMatch, "error of another type: %v", err)
			return
		}
		_, err = compactJSON(v)
		require.NoError(t, err, "result of %q is not JSON: %#v", expr, v)
	})
}
