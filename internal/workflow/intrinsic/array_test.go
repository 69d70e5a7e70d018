package intrinsic

import (
	"fmt"
	"strings"
	"testing"
)

func TestArray(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for arrays › States.Array.
		{name: "guide example", expr: "States.Array($.Id)", input: `{"Id": 123456}`, want: `[123456]`},
		{name: "no arguments", expr: "States.Array()", want: `[]`},
		{name: "mixed values keep order", expr: "States.Array('a', $.o, 1.5, null, $.l)", input: `{"o":{"k":[1]},"l":[true]}`, want: `["a",{"k":[1]},1.5,null,[true]]`},
		{name: "nested", expr: "States.Array(States.Array(1), States.Array())", want: `[[1],[]]`},
	})
}

func TestArrayPartition(t *testing.T) {
	t.Parallel()
	in := `{"inputArray": [1,2,3,4,5,6,7,8,9]}`
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for arrays › States.ArrayPartition.
		{name: "guide example", expr: "States.ArrayPartition($.inputArray,4)", input: in, want: `[[1,2,3,4],[5,6,7,8],[9]]`},
		{name: "exact chunks", expr: "States.ArrayPartition($.inputArray, 3)", input: in, want: `[[1,2,3],[4,5,6],[7,8,9]]`},
		{name: "chunk larger than the array", expr: "States.ArrayPartition($.inputArray, 100)", input: in, want: `[[1,2,3,4,5,6,7,8,9]]`},
		{name: "chunk of one", expr: "States.ArrayPartition(States.Array('a', 'b'), 1)", want: `[["a"],["b"]]`},
		{name: "empty array", expr: "States.ArrayPartition(States.Array(), 2)", want: `[]`},
		// AWS: "If you specify a non-integer value for the second argument,
		// Step Functions will round it off to the nearest integer."
		{name: "non-integer size rounds down", expr: "States.ArrayPartition($.inputArray, 4.4)", input: in, want: `[[1,2,3,4],[5,6,7,8],[9]]`},
		{name: "non-integer size rounds half up", expr: "States.ArrayPartition($.inputArray, 4.5)", input: in, want: `[[1,2,3,4,5],[6,7,8,9]]`},
		{name: "size from a path", expr: "States.ArrayPartition($.inputArray, $.n)", input: `{"inputArray":[1,2,3],"n":2}`, want: `[[1,2],[3]]`},

		{name: "zero size", expr: "States.ArrayPartition($.inputArray, 0)", input: in, cause: "The value of the 2nd argument of States.ArrayPartition must be a positive integer (the chunk size), but was the number 0"},
		{name: "size rounding to zero", expr: "States.ArrayPartition($.inputArray, 0.4)", input: in, cause: "must be a positive integer"},
		{name: "negative size", expr: "States.ArrayPartition($.inputArray, -2)", input: in, cause: "must be a positive integer"},
		{name: "huge size", expr: "States.ArrayPartition($.inputArray, 1e20)", input: in, cause: "must be an integer between -2147483648 and 2147483647"},
		{name: "string size", expr: "States.ArrayPartition($.inputArray, '2')", input: in, cause: `The value of the 2nd argument of States.ArrayPartition must be a number, but was the string "2"`},
		{name: "not an array", expr: "States.ArrayPartition($.o, 2)", input: `{"o":{"a":1}}`, cause: "The value of the 1st argument of States.ArrayPartition must be an array, but was an object"},
	})
}

func TestArrayContains(t *testing.T) {
	t.Parallel()
	in := `{"inputArray": [1,2,3,4,5,6,7,8,9], "lookingFor": 5}`
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for arrays › States.ArrayContains.
		{name: "guide example", expr: "States.ArrayContains($.inputArray, $.lookingFor)", input: in, want: `true`},
		{name: "absent", expr: "States.ArrayContains($.inputArray, 10)", input: in, want: `false`},
		{name: "numbers compare by value", expr: "States.ArrayContains($.inputArray, 5.0)", input: in, want: `true`},
		{name: "exponent form", expr: "States.ArrayContains($.inputArray, 5e0)", input: in, want: `true`},
		{name: "a string is not a number", expr: "States.ArrayContains($.inputArray, '5')", input: in, want: `false`},
		{name: "null", expr: "States.ArrayContains($.a, null)", input: `{"a":[1,null]}`, want: `true`},
		{name: "false is not null", expr: "States.ArrayContains($.a, false)", input: `{"a":[0,null,""]}`, want: `false`},
		{name: "object with members in another order", expr: "States.ArrayContains($.a, $.o)", input: `{"a":[{"x":1,"y":[2]}],"o":{"y":[2],"x":1}}`, want: `true`},
		{name: "object with another value", expr: "States.ArrayContains($.a, $.o)", input: `{"a":[{"x":1}],"o":{"x":2}}`, want: `false`},
		{name: "array element", expr: "States.ArrayContains($.a, States.Array(1, 'b'))", input: `{"a":[[1,"b"]]}`, want: `true`},
		{name: "array order matters", expr: "States.ArrayContains($.a, States.Array('b', 1))", input: `{"a":[[1,"b"]]}`, want: `false`},
		{name: "empty array", expr: "States.ArrayContains(States.Array(), 1)", want: `false`},

		{name: "not an array", expr: "States.ArrayContains($.s, 's')", input: `{"s":"abc"}`, cause: `The value of the 1st argument of States.ArrayContains must be an array, but was the string "abc"`},
	})
}

func TestArrayRange(t *testing.T) {
	t.Parallel()
	thousand := make([]string, 1000)
	for i := range thousand {
		thousand[i] = fmt.Sprint(i + 1)
	}
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for arrays › States.ArrayRange.
		{name: "guide example", expr: "States.ArrayRange(1, 9, 2)", want: `[1,3,5,7,9]`},
		{name: "last not on a step", expr: "States.ArrayRange(1, 10, 2)", want: `[1,3,5,7,9]`},
		{name: "single element", expr: "States.ArrayRange(4, 4, 3)", want: `[4]`},
		{name: "descending", expr: "States.ArrayRange(9, 1, -2)", want: `[9,7,5,3,1]`},
		{name: "negative numbers", expr: "States.ArrayRange(-3, 0, 1)", want: `[-3,-2,-1,0]`},
		{name: "heading away from the end", expr: "States.ArrayRange(5, 1, 1)", want: `[]`},
		{name: "heading away, descending", expr: "States.ArrayRange(1, 5, -1)", want: `[]`},
		// AWS: "If you specify a non-integer value for any of the arguments,
		// Step Functions will round it off to the nearest integer."
		{name: "rounded arguments", expr: "States.ArrayRange(0.6, 4.4, 1.5)", want: `[1,3]`},
		{name: "from paths", expr: "States.ArrayRange($.a, $.b, $.c)", input: `{"a":0,"b":10,"c":5}`, want: `[0,5,10]`},
		{name: "exactly 1000 elements", expr: "States.ArrayRange(1, 1000, 1)", want: "[" + strings.Join(thousand, ",") + "]"},

		{name: "1001 elements", expr: "States.ArrayRange(0, 1000, 1)", cause: "States.ArrayRange would return 1001 elements; at most 1000 are allowed"},
		{name: "a huge range", expr: "States.ArrayRange(-2147483648, 2147483647, 1)", cause: "at most 1000 are allowed"},
		{name: "zero step", expr: "States.ArrayRange(1, 9, 0)", cause: "The value of the 3rd argument of States.ArrayRange must be a non-zero integer (the step), but was the number 0"},
		{name: "step rounding to zero", expr: "States.ArrayRange(1, 9, 0.2)", cause: "must be a non-zero integer"},
		{name: "string bound", expr: "States.ArrayRange('1', 9, 1)", cause: "The value of the 1st argument of States.ArrayRange must be a number"},
		{name: "null bound", expr: "States.ArrayRange(1, null, 1)", cause: "The value of the 2nd argument of States.ArrayRange must be a number, but was null"},
		{name: "out of int range", expr: "States.ArrayRange(1, 3000000000, 1)", cause: "must be an integer between -2147483648 and 2147483647"},
	})
}

func TestArrayGetItem(t *testing.T) {
	t.Parallel()
	in := `{"inputArray": [1,2,3,4,5,6,7,8,9], "index": 5}`
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for arrays › States.ArrayGetItem.
		{name: "guide example", expr: "States.ArrayGetItem($.inputArray, $.index)", input: in, want: `6`},
		{name: "first", expr: "States.ArrayGetItem($.inputArray, 0)", input: in, want: `1`},
		{name: "last", expr: "States.ArrayGetItem($.inputArray, 8)", input: in, want: `9`},
		{name: "object element", expr: "States.ArrayGetItem($.a, 1)", input: `{"a":[null,{"k":"v"}]}`, want: `{"k":"v"}`},
		{name: "null element", expr: "States.ArrayGetItem($.a, 0)", input: `{"a":[null]}`, want: `null`},
		{name: "index from a nested call", expr: "States.ArrayGetItem($.inputArray, States.MathAdd(States.ArrayLength($.inputArray), -1))", input: in, want: `9`},

		{name: "index past the end", expr: "States.ArrayGetItem($.inputArray, 9)", input: in, cause: "The index 9 given to States.ArrayGetItem is out of bounds for an array of length 9"},
		{name: "negative index", expr: "States.ArrayGetItem($.inputArray, -1)", input: in, cause: "The index -1 given to States.ArrayGetItem is out of bounds"},
		{name: "empty array", expr: "States.ArrayGetItem(States.Array(), 0)", cause: "out of bounds for an array of length 0"},
		{name: "huge index", expr: "States.ArrayGetItem($.inputArray, 99999999999999999999)", input: in, cause: "The index 99999999999999999999 given to States.ArrayGetItem is out of bounds"},
		// AWS documents rounding for ArrayPartition, ArrayRange, MathRandom
		// and MathAdd, not here: an index must be written as an integer.
		{name: "fractional index", expr: "States.ArrayGetItem($.inputArray, 1.5)", input: in, cause: "The value of the 2nd argument of States.ArrayGetItem must be an integer, but was the number 1.5"},
		{name: "integral float index", expr: "States.ArrayGetItem($.inputArray, 1.0)", input: in, cause: "must be an integer, but was the number 1.0"},
		{name: "string index", expr: "States.ArrayGetItem($.inputArray, '1')", input: in, cause: `must be an integer, but was the string "1"`},
		{name: "not an array", expr: "States.ArrayGetItem($.index, 0)", input: in, cause: "The value of the 1st argument of States.ArrayGetItem must be an array, but was the number 5"},
	})
}

func TestArrayLength(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for arrays › States.ArrayLength.
		{name: "guide example", expr: "States.ArrayLength($.inputArray)", input: `{"inputArray": [1,2,3,4,5,6,7,8,9]}`, want: `9`},
		{name: "empty", expr: "States.ArrayLength(States.Array())", want: `0`},
		{name: "nested arrays count once", expr: "States.ArrayLength($.a)", input: `{"a":[[1,2],[3]]}`, want: `2`},

		{name: "string", expr: "States.ArrayLength('abc')", cause: `The value of the 1st argument of States.ArrayLength must be an array, but was the string "abc"`},
		{name: "null", expr: "States.ArrayLength($.n)", input: `{"n":null}`, cause: "must be an array, but was null"},
	})
}

func TestArrayUnique(t *testing.T) {
	t.Parallel()
	runCases(t, []evalCase{
		// AWS guide › Intrinsics for arrays › States.ArrayUnique.
		{name: "guide example", expr: "States.ArrayUnique($.inputArray)", input: `{"inputArray": [1,2,3,3,3,3,3,3,4]}`, want: `[1,2,3,4]`},
		{name: "keeps first occurrences in order", expr: "States.ArrayUnique($.a)", input: `{"a":[3,1,3,2,1]}`, want: `[3,1,2]`},
		{name: "mixed types", expr: "States.ArrayUnique($.a)", input: `{"a":["1",1,true,"true",null,null,false]}`, want: `["1",1,true,"true",null,false]`},
		{name: "numbers by value, first spelling kept", expr: "States.ArrayUnique($.a)", input: `{"a":[1.0,1,1e0,2]}`, want: `[1.0,2]`},
		{name: "objects regardless of member order", expr: "States.ArrayUnique($.a)", input: `{"a":[{"a":1,"b":2},{"b":2,"a":1},{"a":1}]}`, want: `[{"a":1,"b":2},{"a":1}]`},
		{name: "arrays", expr: "States.ArrayUnique($.a)", input: `{"a":[[1,2],[2,1],[1,2]]}`, want: `[[1,2],[2,1]]`},
		{name: "empty", expr: "States.ArrayUnique(States.Array())", want: `[]`},

		{name: "object", expr: "States.ArrayUnique($)", input: `{"a":1}`, cause: "The value of the 1st argument of States.ArrayUnique must be an array, but was an object"},
	})
}
