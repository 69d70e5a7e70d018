package intrinsic

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// numberText returns the JSON text of v if v is a number: a json.Number
// (the documented form), or a float64 or Go integer from a resolver that
// did not decode with UseNumber.
func numberText(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		return string(n), true
	case float64:
		if math.IsInf(n, 0) || math.IsNaN(n) {
			return "", false
		}
		return strconv.FormatFloat(n, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(n), 'g', -1, 32), true
	case int:
		return strconv.Itoa(n), true
	case int64:
		return strconv.FormatInt(n, 10), true
	case int32:
		return strconv.FormatInt(int64(n), 10), true
	case uint64:
		return strconv.FormatUint(n, 10), true
	}
	return "", false
}

// intNumber returns an integer result in the package's number form.
func intNumber(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

// intStatus says why a value is not an acceptable integer.
type intStatus int

const (
	intOK         intStatus = iota
	intNotNumber            // not a number at all
	intNotInteger           // a number with a fraction or exponent, and rounding was not asked for
	intOutOfRange           // beyond int64 once rounded
)

// toInt converts v to an int64. A number written as an integer converts
// exactly. Any other number is rejected with intNotInteger unless round is
// set; then it is rounded to the nearest integer with halves rounded up,
// as Java's Math.round does (2.5 → 3, -2.5 → -2, -1.5 → -1). AWS documents
// that the arguments of States.ArrayPartition, States.ArrayRange,
// States.MathRandom and States.MathAdd are rounded "to the nearest
// integer"; the half-up direction is what Step Functions returns
// (States.MathAdd(-1.49, -1.5) is -2, recorded against AWS in LocalStack's
// tests/aws/services/stepfunctions/v2/intrinsic_functions/
// test_math_operations.snapshot.json).
func toInt(v any, round bool) (int64, intStatus) {
	text, ok := numberText(v)
	if !ok {
		return 0, intNotNumber
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err == nil {
		return n, intOK
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, intOutOfRange
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, intOutOfRange
		}
		return 0, intNotNumber // a json.Number that is not a number
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, intNotNumber // "NaN" or "Inf" from a careless resolver
	}
	if !round {
		return 0, intNotInteger
	}
	r := math.Floor(f)
	if f-r >= 0.5 {
		r++
	}
	if r < math.MinInt64 || r >= math.MaxInt64 {
		return 0, intOutOfRange
	}
	return int64(r), intOK
}

// int32Arg converts argument i of fn to an integer in the range of a Java
// int, [-2147483648, 2147483647], rounding non-integers as toInt does.
func int32Arg(fn string, i int, v any) (int64, error) {
	n, st := toInt(v, true)
	if st == intNotNumber {
		return 0, argError(fn, i, "a number", v)
	}
	if st != intOK || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, argError(fn, i, "an integer between -2147483648 and 2147483647", v)
	}
	return n, nil
}

// typeName names the JSON type of v.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	if _, ok := numberText(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a value of Go type %T", v)
}

// describe names v for a failure's cause: its type, and for a scalar its
// value (long strings shortened).
func describe(v any) string {
	switch x := v.(type) {
	case string:
		const max = 40
		if utf8.RuneCountInString(x) > max {
			r := []rune(x)
			return fmt.Sprintf("the string %q…", string(r[:max]))
		}
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	}
	if t, ok := numberText(v); ok {
		return "the number " + t
	}
	return typeName(v)
}

// equalKey returns a string that is equal for two values exactly when they
// are equal as JSON: same type, numbers equal in value (1, 1.0 and 1e0 are
// one number), strings equal, arrays equal element by element, objects
// with the same members regardless of order. States.ArrayContains and
// States.ArrayUnique compare with it.
func equalKey(v any) string { return string(appendKey(nil, v)) }

func appendKey(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'n')
	case bool:
		if x {
			return append(b, 't')
		}
		return append(b, 'f')
	case string:
		return strconv.AppendQuote(append(b, 's'), x)
	case []any:
		b = append(b, '[')
		for _, e := range x {
			b = append(appendKey(b, e), ',')
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for _, k := range keys {
			b = strconv.AppendQuote(b, k)
			b = append(appendKey(append(b, ':'), x[k]), ',')
		}
		return append(b, '}')
	}
	if t, ok := numberText(v); ok {
		return append(append(b, 'd'), canonicalNumber(t)...)
	}
	return fmt.Appendf(append(b, '?'), "%T:%v", v, v)
}

// canonicalNumber writes equal numbers alike: integers in decimal, others
// as the shortest float64 text.
func canonicalNumber(t string) string {
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return t
	}
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
