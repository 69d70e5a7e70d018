package jsonata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/xiatechs/jsonata-go/jtypes"
)

// nullValue is how the library represents JSON null: its `null` literal
// evaluates to a nil *interface{}. A plain Go nil inside data reads as
// "undefined" to the library, so nulls in inputs are converted to this.
var nullValue *any

// toLib converts a JSON value in this package's Go forms (map[string]any,
// []any, string, bool, nil, json.Number) to the forms the library computes
// with (float64 for numbers, nullValue for null). Other Go values are
// accepted if encoding/json can marshal them.
func toLib(v any) (any, error) {
	switch t := v.(type) {
	case nil:
		return nullValue, nil
	case string, bool, float64:
		if f, ok := t.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return nil, fmt.Errorf("number %v cannot be represented in JSON", f)
		}
		return t, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("number %s is out of range", t)
		}
		return f, nil
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			c, err := toLib(x)
			if err != nil {
				return nil, err
			}
			m[k] = c
		}
		return m, nil
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			c, err := toLib(x)
			if err != nil {
				return nil, err
			}
			s[i] = c
		}
		return s, nil
	case int:
		return float64(t), nil
	case int64:
		return float64(t), nil
	}
	// Anything else (typed structs, maps, slices): go through JSON.
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value of type %T is not JSON: %w", v, err)
	}
	var generic any
	if err := unmarshalJSON(b, &generic); err != nil {
		return nil, err
	}
	return toLib(generic)
}

// fromLib converts a library result to this package's Go forms. Functions
// have no JSON form; like JSON.stringify, they are dropped from objects and
// become null in arrays. A function as the whole result is an error.
func fromLib(v reflect.Value) (any, error) {
	v = resolve(v)
	if !v.IsValid() {
		return nil, nil
	}
	if jtypes.IsCallable(v) {
		return nil, errFunction
	}
	switch v.Kind() {
	case reflect.Ptr:
		if v.IsNil() {
			return nil, nil
		}
		return fromLib(v.Elem())
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.String:
		return v.String(), nil
	case reflect.Float32, reflect.Float64:
		return numberOf(v.Float())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return numberOf(float64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return numberOf(float64(v.Uint()))
	case reflect.Slice, reflect.Array:
		out := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			e := resolve(v.Index(i))
			if e.IsValid() && jtypes.IsCallable(e) {
				out = append(out, nil)
				continue
			}
			x, err := fromLib(e)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case reflect.Map:
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			k := resolve(iter.Key())
			if k.Kind() != reflect.String {
				return nil, fmt.Errorf("object key of type %s", k.Type())
			}
			e := resolve(iter.Value())
			if e.IsValid() && jtypes.IsCallable(e) {
				continue
			}
			x, err := fromLib(e)
			if err != nil {
				return nil, err
			}
			out[k.String()] = x
		}
		return out, nil
	case reflect.Struct:
		// The library uses no structs for JSON values; marshal whatever
		// this is.
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return nil, err
		}
		var generic any
		if err := unmarshalJSON(b, &generic); err != nil {
			return nil, err
		}
		return generic, nil
	}
	return nil, fmt.Errorf("unsupported result type %s", v.Type())
}

var errFunction = fmt.Errorf("the expression evaluated to a function, which has no JSON representation")

// resolve strips interface wrappers (but not pointers: a nil *any is null).
func resolve(v reflect.Value) reflect.Value {
	for v.IsValid() && v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// numberOf converts a float64 to a json.Number printed the way JavaScript
// prints numbers (so integral values have no fraction or exponent below
// 1e21). NaN and infinities have no JSON form.
func numberOf(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %v cannot be represented in JSON", f)
	}
	return json.Number(formatNumber(f)), nil
}

// formatNumber formats f like JavaScript's Number.prototype.toString (the
// same rule encoding/json uses for float64).
func formatNumber(f float64) string {
	if f == 0 {
		return "0" // also -0
	}
	abs := math.Abs(f)
	fmtByte := byte('f')
	if abs < 1e-6 || abs >= 1e21 {
		fmtByte = 'e'
	}
	s := strconv.FormatFloat(f, fmtByte, -1, 64)
	if fmtByte == 'e' {
		// Clean up e-09 to e-9, as JavaScript does.
		n := len(s)
		if n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
	}
	return s
}

// unmarshalJSON decodes exactly one JSON value, keeping numbers as
// json.Number.
func unmarshalJSON(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if rest := bytes.Trim(b[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}
