package input

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/firstline/firstline/internal/jpath"
)

// template is a parsed InputTemplate.
type template struct {
	segs   []segment
	isJSON bool                // a JSON document once filled
	names  map[string]struct{} // variables used
}

// segment is literal text or a placeholder.
type segment struct {
	lit      string
	name     string // placeholder when non-empty
	inString bool   // the placeholder is inside a quoted string
}

// sentinel stands for a quoted placeholder when checking object keys: a
// Unicode noncharacter, which no template has reason to hold.
const sentinel = "\ufdd0"

// parseTemplate splits src into literal text and placeholders and checks
// it against the variables defined by paths and the predefined ones.
func parseTemplate(src string, paths map[string]string) (*template, []error) {
	var errs []error
	if src == "" {
		return nil, []error{fmt.Errorf("is required")}
	}
	if n := utf8.RuneCountInString(src); n > MaxTemplateLength {
		errs = append(errs, fmt.Errorf("is %d characters, more than %d", n, MaxTemplateLength))
	}
	t := &template{segs: scanTemplate(src), names: map[string]struct{}{}}

	// A JSON template is one that is valid JSON with every quoted
	// placeholder removed and every other one replaced by a value.
	var probe, keys strings.Builder
	for _, s := range t.segs {
		switch {
		case s.name == "":
			probe.WriteString(s.lit)
			keys.WriteString(s.lit)
		case s.inString:
			keys.WriteString(sentinel)
		default:
			probe.WriteString("null")
			keys.WriteString("null")
		}
	}
	t.isJSON = json.Valid([]byte(probe.String()))
	var doc any
	switch {
	case !t.isJSON && strings.HasPrefix(strings.TrimSpace(src), "{"):
		errs = append(errs, fmt.Errorf("starts with { but is not a JSON object (a placeholder cannot be an object key)"))
	case t.isJSON && json.Unmarshal([]byte(keys.String()), &doc) == nil && hasSentinelKey(doc):
		errs = append(errs, fmt.Errorf("a placeholder cannot be used in an object key"))
	}

	var undefined, misplaced []string
	for _, s := range t.segs {
		if s.name == "" {
			continue
		}
		t.names[s.name] = struct{}{}
		switch s.name {
		case VarRuleARN, VarRuleName, VarIngestionTime:
		case VarEvent, VarEventJSON:
			if !t.isJSON || s.inString {
				misplaced = append(misplaced, s.name)
			}
		default:
			if _, ok := paths[s.name]; !ok {
				undefined = append(undefined, s.name)
			}
		}
	}
	for _, n := range compactSorted(undefined) {
		errs = append(errs, fmt.Errorf("placeholder <%s> names no InputPathsMap key or predefined variable", n))
	}
	for _, n := range compactSorted(misplaced) {
		errs = append(errs, fmt.Errorf("<%s> can only be used as the value of a JSON field, not inside a string", n))
	}
	return t, errs
}

func compactSorted(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func hasSentinelKey(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if strings.Contains(k, sentinel) || hasSentinelKey(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasSentinelKey(e) {
				return true
			}
		}
	}
	return false
}

// scanTemplate splits src into segments, tracking whether each placeholder
// is inside a double-quoted string. In a string a backslash escapes the
// next character, except "<": EventBridge placeholders cannot be escaped.
func scanTemplate(src string) []segment {
	var segs []segment
	var lit strings.Builder
	inString := false
	for i := 0; i < len(src); {
		c := src[i]
		if c == '<' {
			if name, n := placeholderAt(src, i); n > 0 {
				if lit.Len() > 0 {
					segs = append(segs, segment{lit: lit.String()})
					lit.Reset()
				}
				segs = append(segs, segment{name: name, inString: inString})
				i += n
				continue
			}
		}
		if inString && c == '\\' && i+1 < len(src) && src[i+1] != '<' {
			lit.WriteString(src[i : i+2])
			i += 2
			continue
		}
		if c == '"' {
			inString = !inString
		}
		lit.WriteByte(c)
		i++
	}
	if lit.Len() > 0 {
		segs = append(segs, segment{lit: lit.String()})
	}
	return segs
}

// placeholderAt returns the name of the placeholder starting at src[i]
// ("<" followed by letters, digits, "_", "-" or "." and ">") and its
// length, or 0.
func placeholderAt(src string, i int) (string, int) {
	j := i + 1
	for j < len(src) && isNameByte(src[j]) {
		j++
	}
	if j == i+1 || j >= len(src) || src[j] != '>' {
		return "", 0
	}
	return src[i+1 : j], j + 1 - i
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.'
}

// render fills the template with vars.
func (t *template) render(vars map[string]value) ([]byte, error) {
	var b []byte
	for _, s := range t.segs {
		switch v := vars[s.name]; {
		case s.name == "":
			b = append(b, s.lit...)
		case !t.isJSON:
			b = appendText(b, v)
		case s.inString:
			b = appendJSONStringContent(b, string(appendText(nil, v)))
		case v.kind == missing:
			b = append(b, `""`...)
		default:
			b = append(b, v.raw...)
		}
	}
	if !t.isJSON {
		return b, nil
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, fmt.Errorf("filled InputTemplate is not valid JSON: %w", err)
	}
	return out.Bytes(), nil
}

// appendText appends v as text: a string's characters, a number's or
// boolean's literal, an object or array as JSON without string quotes,
// nothing when missing.
func appendText(b []byte, v value) []byte {
	switch v.kind {
	case str:
		return append(b, v.text...)
	case scalar:
		return append(b, v.raw...)
	case composite:
		raw := v.raw
		for i := 0; i < len(raw); {
			if raw[i] != '"' {
				b = append(b, raw[i])
				i++
				continue
			}
			end := stringEnd(raw, i)
			var s string
			_ = json.Unmarshal(raw[i:end], &s)
			b = append(b, s...)
			i = end
		}
	}
	return b
}

// stringEnd returns the index just past the JSON string starting at raw[i].
func stringEnd(raw []byte, i int) int {
	for j := i + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(raw)
}

// appendJSONStringContent appends s escaped for the inside of a JSON
// string.
func appendJSONStringContent(b []byte, s string) []byte {
	q := jpath.AppendString(nil, s)
	return append(b, q[1:len(q)-1]...)
}
