package intrinsic

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// The intrinsics for strings, unique identifiers and generic operations
// (AWS guide › Intrinsic for String operation, › Intrinsic for unique
// identifier generation, › Intrinsic for generic operation).

// evalFormat: States.Format(template, v...) replaces each "{}" in template
// with the next value. A template written as a literal keeps escaped \{ and
// \} as text; a template that comes from a path or a nested call has no
// escapes, and every "{}" in it is a placeholder. There must be exactly as
// many values as placeholders (for a literal template Parse checks this).
// A value must be a string (inserted as is), a number (its JSON text),
// true, false or null ("null"); an object or array is written as AWS
// writes it, in Java's map and list notation: {Arg1=1, Arg2=[]} (recorded
// behaviour; members in key order, as firstline keeps no member order).
func evalFormat(c *Call, args []any) (any, error) {
	name := c.fn.name
	var parts []string
	if a := c.args[0]; a.kind == argLiteral && a.parts != nil {
		parts = a.parts
	} else {
		s, ok := args[0].(string)
		if !ok {
			return nil, argError(name, 0, "a string (the template)", args[0])
		}
		parts = strings.Split(s, "{}")
	}
	if holes := len(parts) - 1; holes != len(args)-1 {
		return nil, failf("The template of States.Format has %s, but %s follow it",
			plural(holes, "{} placeholder"), plural(len(args)-1, "argument"))
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for i, v := range args[1:] {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		case bool:
			b.WriteString(strconv.FormatBool(x))
		case nil:
			b.WriteString("null")
		default:
			if err := writeJavaText(&b, v); err != nil {
				return nil, argError(name, i+1, "a string, number, boolean, null, object or array", v)
			}
		}
		b.WriteString(parts[i+1])
	}
	return b.String(), nil
}

// writeJavaText writes v as Java's Map/List toString would.
func writeJavaText(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case nil:
		b.WriteString("null")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			if err := writeJavaText(b, x[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeJavaText(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		t, ok := numberText(v)
		if !ok {
			return fmt.Errorf("not a JSON value: %T", v)
		}
		b.WriteString(t)
	}
	return nil
}

// evalStringSplit: States.StringSplit(s, delimiters) splits s at every
// occurrence of any of the characters in delimiters and drops the empty
// strings this leaves (AWS's example splits "This.is+a,test=string" on
// ".+,=" into five words). With no delimiters the result is [s], or [] for
// an empty s.
func evalStringSplit(c *Call, args []any) (any, error) {
	name := c.fn.name
	s, ok := args[0].(string)
	if !ok {
		return nil, argError(name, 0, "a string", args[0])
	}
	delims, ok := args[1].(string)
	if !ok {
		return nil, argError(name, 1, "a string (the delimiting characters)", args[1])
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) })
	out := make([]any, len(fields))
	for i, f := range fields {
		out[i] = f
	}
	return out, nil
}

// evalUUID: States.UUID() returns a random (version 4) UUID in its
// canonical lower-case form.
func evalUUID(_ *Call, _ []any) (any, error) {
	id, err := uuid.NewRandom()
	if err != nil {
		return nil, failf("States.UUID could not read random bytes: %v", err)
	}
	return id.String(), nil
}
