package intrinsic

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"strings"
)

// The intrinsics for JSON data manipulation (AWS guide › Intrinsics for
// JSON data manipulation).

// evalStringToJSON: States.StringToJson(s) parses the JSON text s (numbers
// as json.Number). A blank s (empty or only spaces) gives null, as Step
// Functions does (recorded in LocalStack's
// tests/aws/services/stepfunctions/v2/intrinsic_functions/
// test_json_manipulation.snapshot.json); text that is not exactly one JSON
// value is a failure.
func evalStringToJSON(c *Call, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, argError(c.fn.name, 0, "a string", args[0])
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, failf("The value of the 1st argument of States.StringToJson is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, failf("The value of the 1st argument of States.StringToJson is not valid JSON: text after the first value at offset %d", dec.InputOffset())
	}
	return v, nil
}

// evalJSONToString: States.JsonToString(v) returns v as compact JSON text
// ({"foo":"bar"}) without HTML escaping; object members are in key order.
// Any JSON value is accepted, null and strings included (AWS returns
// "null" and "\"HelloWorld\"" for them, per the same LocalStack snapshot).
func evalJSONToString(c *Call, args []any) (any, error) {
	s, err := compactJSON(args[0])
	if err != nil {
		return nil, failf("The value of the 1st argument of States.JsonToString cannot be written as JSON: %v", err)
	}
	return s, nil
}

func compactJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// evalJSONMerge: States.JsonMerge(a, b, false) returns a new object with
// the members of a and then b, b's winning where both have a key; nested
// objects are not merged. The third argument selects deep merging, which
// Step Functions does not support: it must be false.
func evalJSONMerge(c *Call, args []any) (any, error) {
	name := c.fn.name
	a, ok := args[0].(map[string]any)
	if !ok {
		return nil, argError(name, 0, "an object", args[0])
	}
	b, ok := args[1].(map[string]any)
	if !ok {
		return nil, argError(name, 1, "an object", args[1])
	}
	deep, ok := args[2].(bool)
	if !ok {
		return nil, argError(name, 2, "the boolean false", args[2])
	}
	if deep {
		return nil, failf("The value of the 3rd argument of States.JsonMerge must be false: Step Functions supports only shallow merging")
	}
	out := make(map[string]any, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out, nil
}
