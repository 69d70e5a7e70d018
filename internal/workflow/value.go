package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// Values are the Go forms of JSON that encoding/json produces with
// UseNumber: map[string]any, []any, string, bool, nil and json.Number.
// They are never modified in place once built: transformations copy what
// they change, so the same value can be shared by an execution's history
// and its next state.

// decodeJSON decodes one JSON value, keeping numbers as json.Number.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// encodeJSON encodes v compactly without HTML escaping.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// compactJSON is v as compact JSON text, for causes and history.
func compactJSON(v any) string {
	b, err := encodeJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// jsonSize is the length of v's compact JSON text in bytes (as
// encodeJSON writes it), computed without encoding.
func jsonSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 4
	case bool:
		if x {
			return 4
		}
		return 5
	case string:
		return stringSize(x)
	case json.Number:
		return len(x)
	case map[string]any:
		n := 2
		if len(x) > 1 {
			n += len(x) - 1
		}
		for k, e := range x {
			n += stringSize(k) + 1 + jsonSize(e)
		}
		return n
	case []any:
		n := 2
		if len(x) > 1 {
			n += len(x) - 1
		}
		for _, e := range x {
			n += jsonSize(e)
		}
		return n
	}
	b, err := encodeJSON(v)
	if err != nil {
		return 0
	}
	return len(b)
}

// stringSize is the length of s as a JSON string.
func stringSize(s string) int {
	n := 2 + len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
			n++
		case c < 0x20:
			n += 5
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
			n += 3 // U+2028 and U+2029 are written as \u2028 and \u2029
		}
	}
	if !utf8.ValidString(s) {
		b, _ := encodeJSON(s)
		return len(b)
	}
	return n
}

// toFloat returns a number's value.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		if err != nil {
			return 0, false
		}
		return f, true
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// toInt returns a number's value when it is integral.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		f, err := n.Float64()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, false
		}
		return int64(f), true
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

func isNumber(v any) bool {
	switch v.(type) {
	case json.Number, float64, int, int64:
		return true
	}
	return false
}

// compareNumbers compares two numbers exactly (big.Float on the decimal
// text), so 1 == 1.0 and large integers keep their precision.
func compareNumbers(a, b any) int {
	fa, fb := bigOf(a), bigOf(b)
	if fa == nil || fb == nil {
		x, _ := toFloat(a)
		y, _ := toFloat(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return fa.Cmp(fb)
}

func bigOf(v any) *big.Float {
	var s string
	switch n := v.(type) {
	case json.Number:
		s = string(n)
	case float64:
		s = strconv.FormatFloat(n, 'g', -1, 64)
	case int:
		s = strconv.Itoa(n)
	case int64:
		s = strconv.FormatInt(n, 10)
	default:
		return nil
	}
	f, _, err := big.ParseFloat(s, 10, 200, big.ToNearestEven)
	if err != nil {
		return nil
	}
	return f
}

// equalJSON reports whether two values are the same JSON value (numbers
// by value, objects regardless of member order).
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	}
	if isNumber(a) {
		return isNumber(b) && compareNumbers(a, b) == 0
	}
	return a == b
}

// number makes a json.Number of an integer.
func number(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

// timestampRE is the timestamp form the States Language compares
// (States Language › Choice Rules › timestamps: RFC 3339 with an uppercase
// T and Z or a numeric offset).
var timestampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

var variableNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validVariableName reports whether name can name a workflow variable
// (Step Functions Developer Guide › Passing data between states with
// variables › Variable names). "states" is reserved for JSONata.
func validVariableName(name string) bool {
	return len(name) <= 80 && variableNameRE.MatchString(name)
}

// typeName names a value's JSON type for causes.
func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	if isNumber(v) {
		return "number"
	}
	return fmt.Sprintf("%T", v)
}
