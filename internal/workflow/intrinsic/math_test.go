package intrinsic

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMathAdd(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for Math operations › States.MathAdd.
		{name: "guide example", expr: "States.MathAdd($.value1, $.step)", input: `{"value1": 111, "step": -1}`, want: `110`},
		{name: "literals", expr: "States.MathAdd(1, 2)", want: `3`},
		{name: "zero", expr: "States.MathAdd(0, -0)", want: `0`},
		// AWS: "If you specify a non-integer value for one or both the
		// arguments, Step Functions will round it off to the nearest
		// integer." Halves round up, as recorded against AWS in LocalStack's
		// test_math_operations.snapshot.json (test_math_add).
		{name: "AWS recorded: -9 + 3", expr: "States.MathAdd(-9, 3)", want: `-6`},
		{name: "AWS recorded: 1.49 + 1.50", expr: "States.MathAdd(1.49, 1.50)", want: `3`},
		{name: "AWS recorded: 1.50 + 1.51", expr: "States.MathAdd(1.50, 1.51)", want: `4`},
		{name: "AWS recorded: -1.49 + -1.50", expr: "States.MathAdd(-1.49, -1.50)", want: `-2`},
		{name: "half up: 2.5", expr: "States.MathAdd(2.5, 0)", want: `3`},
		{name: "half up: -2.5", expr: "States.MathAdd(-2.5, 0)", want: `-2`},
		{name: "below a half", expr: "States.MathAdd(0.49999999999999994, 0)", want: `0`},
		{name: "exponent", expr: "States.MathAdd(1e3, 2E0)", want: `1002`},
		{name: "bounds", expr: "States.MathAdd(-2147483648, 2147483647)", want: `-1`},
		{name: "sum beyond 32 bits is exact", expr: "States.MathAdd(2147483647, 2147483647)", want: `4294967294`},
		{name: "rounds into range", expr: "States.MathAdd(2147483647.4, 0)", want: `2147483647`},
		{name: "nested", expr: "States.MathAdd(States.MathAdd(1, 2), States.ArrayLength(States.Array(1)))", want: `4`},

		// "You must specify integer values in the range of -2147483648 and
		// 2147483647."
		{name: "above the range", expr: "States.MathAdd(2147483648, 1)", cause: "The value of the 1st argument of States.MathAdd must be an integer between -2147483648 and 2147483647, but was the number 2147483648"},
		{name: "below the range", expr: "States.MathAdd(1, -2147483649)", cause: "The value of the 2nd argument of States.MathAdd must be an integer between -2147483648 and 2147483647"},
		{name: "rounds out of range", expr: "States.MathAdd(2147483647.5, 0)", cause: "must be an integer between"},
		{name: "beyond float64", expr: "States.MathAdd(1e400, 0)", cause: "must be an integer between"},
		{name: "string", expr: "States.MathAdd('1', 1)", cause: `The value of the 1st argument of States.MathAdd must be a number, but was the string "1"`},
		{name: "null from a path", expr: "States.MathAdd($.n, 1)", input: `{"n":null}`, cause: "must be a number, but was null"},
		{name: "boolean", expr: "States.MathAdd(1, true)", cause: "must be a number, but was the boolean true"},
	})
}

func TestMathRandom(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		{name: "single possible value", expr: "States.MathRandom(7, 8)", want: `7`},
		{name: "rounded bounds", expr: "States.MathRandom(6.5, 7.6)", want: `7`},
		{name: "negative bounds", expr: "States.MathRandom(-3, -2)", want: `-3`},

		{name: "end equal to start", expr: "States.MathRandom(5, 5)", cause: "The end (5) given to States.MathRandom must be greater than the start (5)"},
		{name: "end below start", expr: "States.MathRandom(5, 1)", cause: "must be greater than the start"},
		{name: "start not a number", expr: "States.MathRandom('1', 5)", cause: `The value of the 1st argument of States.MathRandom must be a number, but was the string "1"`},
		{name: "end out of range", expr: "States.MathRandom(1, 1e10)", cause: "The value of the 2nd argument of States.MathRandom must be an integer between"},
		{name: "seed not a number", expr: "States.MathRandom(1, 5, 'x')", cause: `The value of the 3rd argument of States.MathRandom must be an integer (the seed), but was the string "x"`},
		{name: "seed out of range", expr: "States.MathRandom(1, 5, 1e30)", cause: "must be an integer (the seed)"},
	})
}

// TestMathRandomRange: AWS guide › Intrinsics for Math operations ›
// States.MathRandom — start inclusive, end exclusive; the guide's example
// draws between 1 and 999.
func TestMathRandomRange(t *testing.T) {
	t.Parallel()
	draw := func(t *testing.T, expr string, input any) int64 {
		t.Helper()
		c, err := Parse(expr)
		require.NoError(t, err)
		v, err := c.Eval(resolver(input, nil, nil))
		require.NoError(t, err)
		n, ok := v.(json.Number)
		require.True(t, ok, "%T", v)
		i, err := strconv.ParseInt(string(n), 10, 64)
		require.NoError(t, err, "an integer")
		return i
	}
	in := decode(t, `{"start": 1, "end": 999}`)
	for range 200 {
		n := draw(t, "States.MathRandom($.start, $.end)", in)
		require.True(t, n >= 1 && n < 999, "%d outside [1, 999)", n)
	}

	seen := map[int64]bool{}
	for range 200 {
		seen[draw(t, "States.MathRandom(0, 2)", nil)] = true
	}
	require.Equal(t, map[int64]bool{0: true, 1: true}, seen, "both values, never the end")

	// "if you use this function with the same seed value, it will return
	// identical numbers."
	first := draw(t, "States.MathRandom(0, 1000000, 42)", nil)
	for range 20 {
		require.Equal(t, first, draw(t, "States.MathRandom(0, 1000000, 42)", nil))
	}
	require.Equal(t, first, draw(t, "States.MathRandom(0, 1000000, 41.5)", nil), "seed rounded like the bounds")
	other := map[int64]bool{}
	for seed := range 20 {
		other[draw(t, "States.MathRandom(0, 1000000, "+strconv.Itoa(seed)+")", nil)] = true
	}
	require.Greater(t, len(other), 15, "different seeds give different numbers")

	wide := draw(t, "States.MathRandom(-2147483648, 2147483647)", nil)
	require.True(t, wide >= -2147483648 && wide < 2147483647)
}
