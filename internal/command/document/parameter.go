package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Type is a parameter's type (SSM User Guide › Data elements and
// parameters › SSM document parameter type examples).
type Type string

// The parameter types.
const (
	TypeString     Type = "String"
	TypeStringList Type = "StringList"
	TypeInteger    Type = "Integer"
	TypeBoolean    Type = "Boolean"
	TypeStringMap  Type = "StringMap"
	TypeMapList    Type = "MapList"
)

var types = []Type{TypeString, TypeStringList, TypeInteger, TypeBoolean, TypeStringMap, TypeMapList}

// InterpolationEnvVar is the interpolationType that passes a parameter to
// shell commands as the environment variable SSM_<name> instead of
// pasting its value into the script.
const InterpolationEnvVar = "ENV_VAR"

// Parameter is a declared document parameter.
type Parameter struct {
	Name        string
	Type        Type
	Description string
	// Default is the value used when none is given, typed by Type:
	// string (String), []string (StringList), int64 (Integer), bool
	// (Boolean), map[string]any (StringMap), []map[string]any (MapList).
	// It is nil when the parameter has no default: a value is required.
	Default any
	// AllowedValues, when set, lists the values accepted (for a
	// StringList, for each item).
	AllowedValues []string
	// AllowedPattern, when set, is a regular expression the whole value
	// (for a StringList, each item) must match.
	AllowedPattern string
	// DisplayType is "textfield", "textarea" or "".
	DisplayType string
	// MinItems and MaxItems bound the number of items of a StringList or
	// MapList; MinChars and MaxChars the characters of a String, of each
	// StringList item, or of the JSON of a StringMap or MapList. Nil when
	// not set.
	MinItems, MaxItems, MinChars, MaxChars *int
	// InterpolationType is "" or "ENV_VAR".
	InterpolationType string

	re  *regexp.Regexp // AllowedPattern anchored: ^(?:pattern)$
	ssm string         // a {{ssm:...}} default, not supported yet
}

// Required reports whether a value must be given (there is no default).
func (p *Parameter) Required() bool { return p.Default == nil }

var (
	paramKeys = []string{"type", "description", "default", "allowedValues", "allowedPattern", "displayType",
		"minItems", "maxItems", "minChars", "maxChars", "interpolationType"}
	// paramName is what the SSM agent substitutes: letters and digits.
	paramName = regexp.MustCompile(`^[A-Za-z0-9]{1,128}$`)
	ssmRef    = regexp.MustCompile(`^\{\{\s*(ssm|ssm-secure):[^{}]*\}\}$`)
)

func parseParameters(v *value, p *problems) []*Parameter {
	if v == nil || v.kind == kNull {
		return nil
	}
	if v.kind != kObject {
		p.add("parameters", "must be an object of parameter definitions, not %s", v.describe())
		return nil
	}
	out := make([]*Parameter, 0, len(v.keys))
	for i, name := range v.keys {
		path := "parameters." + name
		if !paramName.MatchString(name) {
			p.add(path, "a parameter name is 1 to 128 letters and digits (the SSM agent substitutes no others)")
			continue
		}
		def := v.vals[i]
		if def.kind != kObject {
			p.add(path, "a parameter is an object with type (and default, allowedPattern, ...), not %s", def.describe())
			continue
		}
		if prm := parseParameter(name, def, path, p); prm != nil {
			out = append(out, prm)
		}
	}
	return out
}

func parseParameter(name string, def *value, path string, p *problems) *Parameter {
	prm := &Parameter{Name: name}
	before := len(p.errs)
	for _, k := range def.keys {
		if !slices.Contains(paramKeys, k) {
			p.add(path+"."+k, "unknown key; a parameter has %s", strings.Join(paramKeys, ", "))
		}
	}
	t := def.get("type")
	switch {
	case t == nil:
		p.add(path+".type", "is required: one of %s", typeList())
		return nil
	case t.kind != kString || !slices.Contains(types, Type(t.s)):
		p.add(path+".type", "%s is not a parameter type; want one of %s", t.json(), typeList())
		return nil
	}
	prm.Type = Type(t.s)
	if d := def.get("description"); d != nil {
		if d.kind != kString {
			p.add(path+".description", "must be a string")
		}
		prm.Description = d.s
	}
	if d := def.get("displayType"); d != nil {
		if d.kind != kString || (d.s != "textfield" && d.s != "textarea") {
			p.add(path+".displayType", "must be textfield or textarea")
		}
		prm.DisplayType = d.s
	}
	if it := def.get("interpolationType"); it != nil {
		switch {
		case it.kind != kString || it.s != InterpolationEnvVar:
			p.add(path+".interpolationType", "must be ENV_VAR")
		case prm.Type != TypeString && prm.Type != TypeStringList:
			p.add(path+".interpolationType", "applies to String and StringList parameters")
		}
		prm.InterpolationType = it.s
	}
	prm.MinItems = count(def, "minItems", path, p)
	prm.MaxItems = count(def, "maxItems", path, p)
	prm.MinChars = count(def, "minChars", path, p)
	prm.MaxChars = count(def, "maxChars", path, p)
	if (prm.MinItems != nil || prm.MaxItems != nil) && prm.Type != TypeStringList && prm.Type != TypeMapList {
		p.add(path, "minItems and maxItems apply to StringList and MapList parameters, not %s", prm.Type)
	}
	if (prm.MinChars != nil || prm.MaxChars != nil) && (prm.Type == TypeInteger || prm.Type == TypeBoolean) {
		p.add(path, "minChars and maxChars apply to String, StringList, StringMap and MapList parameters, not %s", prm.Type)
	}
	if prm.MinItems != nil && prm.MaxItems != nil && *prm.MinItems > *prm.MaxItems {
		p.add(path+".minItems", "%d is more than maxItems %d", *prm.MinItems, *prm.MaxItems)
	}
	if prm.MinChars != nil && prm.MaxChars != nil && *prm.MinChars > *prm.MaxChars {
		p.add(path+".minChars", "%d is more than maxChars %d", *prm.MinChars, *prm.MaxChars)
	}
	if av := def.get("allowedValues"); av != nil {
		switch {
		case prm.Type != TypeString && prm.Type != TypeStringList && prm.Type != TypeInteger:
			p.add(path+".allowedValues", "applies to String, StringList and Integer parameters, not %s", prm.Type)
		case av.kind != kArray || len(av.items) == 0:
			p.add(path+".allowedValues", "must be a list of one or more values")
		default:
			for j, it := range av.items {
				switch it.kind {
				case kString, kNumber, kBool:
					prm.AllowedValues = append(prm.AllowedValues, scalarText(it))
				default:
					p.add(fmt.Sprintf("%s.allowedValues[%d]", path, j), "must be a string, not %s", it.describe())
				}
			}
		}
	}
	if ap := def.get("allowedPattern"); ap != nil {
		switch {
		case prm.Type != TypeString && prm.Type != TypeStringList && prm.Type != TypeInteger:
			p.add(path+".allowedPattern", "applies to String, StringList and Integer parameters, not %s", prm.Type)
		case ap.kind != kString:
			p.add(path+".allowedPattern", "must be a string")
		default:
			prm.AllowedPattern = ap.s
			re, err := compilePattern(ap.s)
			if err != nil {
				p.add(path+".allowedPattern", "%v", err)
			}
			prm.re = re
		}
	}
	if d := def.get("default"); d != nil {
		prm.Default = parseDefault(prm, d, path+".default", p)
	}
	if len(p.errs) > before {
		return nil
	}
	return prm
}

func typeList() string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// count reads a non-negative integer field.
func count(def *value, key, path string, p *problems) *int {
	v := def.get(key)
	if v == nil {
		return nil
	}
	if v.kind == kNumber {
		if n, err := strconv.Atoi(v.s); err == nil && n >= 0 {
			return &n
		}
	}
	p.add(path+"."+key, "must be a whole number, 0 or more")
	return nil
}

// compilePattern compiles an allowedPattern to match whole values.
//
// SSM checks allowedPattern twice: with Java's regex library when the
// document is used, against the whole value, and in the agent with Go's
// regexp. firstline compiles the pattern with Go's regexp (RE2 syntax) and
// anchors it, ^(?:pattern)$, so an unanchored pattern still constrains
// every character, as Java's Pattern.matches does.
func compilePattern(s string) (*regexp.Regexp, error) {
	if classIntersection(s) {
		return nil, fmt.Errorf("%q uses a character class intersection (&&), which only Java has: Go's regexp would read && as two characters; list the characters instead", s)
	}
	re, err := regexp.Compile(`^(?:` + s + `)$`)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "error parsing regexp") {
			msg = msg[i+2:]
		}
		return nil, fmt.Errorf("%q does not compile: %s (firstline uses Go's RE2 syntax: no lookaround (?=...) (?!...), backreferences \\1, possessive a*+ or atomic (?>...) groups)", s, msg)
	}
	return re, nil
}

// classIntersection reports "&&" inside a bracketed character class, Java's
// class intersection ([a-z&&[^aeiou]]).
func classIntersection(s string) bool {
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case !in && s[i] == '[':
			in = true
			if strings.HasPrefix(s[i+1:], "^") {
				i++
			}
			if strings.HasPrefix(s[i+1:], "]") {
				i++ // a leading ] is a literal
			}
		case in && s[i] == ']':
			in = false
		case in && strings.HasPrefix(s[i:], "&&"):
			return true
		}
	}
	return false
}

// scalarText renders a string, number or boolean as text.
func scalarText(v *value) string {
	if v.kind == kBool {
		return strconv.FormatBool(v.b)
	}
	return v.s
}

// parseDefault checks a default against the parameter's type and returns
// it typed (see Parameter.Default). A "{{ssm:name}}" default is kept and
// reported by Validate.
func parseDefault(prm *Parameter, d *value, path string, p *problems) any {
	if d.kind == kString && ssmRef.MatchString(d.s) {
		prm.ssm = d.s
	}
	switch prm.Type {
	case TypeString:
		if d.kind != kString {
			p.add(path, "a String parameter's default must be a string, not %s (quote it: \"%s\")", d.describe(), scalarOrJSON(d))
			return nil
		}
		return d.s
	case TypeStringList:
		switch d.kind {
		case kString:
			// SSM's own examples write default: "" for a StringList.
			if d.s == "" {
				return []string{}
			}
			return []string{d.s}
		case kArray:
			list := make([]string, 0, len(d.items))
			for i, it := range d.items {
				if it.kind != kString {
					p.add(fmt.Sprintf("%s[%d]", path, i), "a StringList's items are strings, not %s", it.describe())
					return nil
				}
				if ssmRef.MatchString(it.s) {
					prm.ssm = it.s
				}
				list = append(list, it.s)
			}
			return list
		}
	case TypeInteger:
		if d.kind == kNumber {
			if n, err := strconv.ParseInt(d.s, 10, 64); err == nil {
				return n
			}
		}
		p.add(path, "an Integer parameter's default must be a whole number, not %s (SSM does not accept \"3\" or 3.5)", d.json())
		return nil
	case TypeBoolean:
		if d.kind == kBool {
			return d.b
		}
		p.add(path, "a Boolean parameter's default must be true or false, not %s", d.json())
		return nil
	case TypeStringMap:
		if d.kind == kObject {
			return d.toAny()
		}
	case TypeMapList:
		if d.kind == kArray {
			list := make([]map[string]any, 0, len(d.items))
			for i, it := range d.items {
				if it.kind != kObject {
					p.add(fmt.Sprintf("%s[%d]", path, i), "a MapList's items are objects, not %s", it.describe())
					return nil
				}
				list = append(list, it.toAny().(map[string]any))
			}
			return list
		}
	}
	p.add(path, "%s parameter's default must be %s, not %s", article(prm.Type), typeShape(prm.Type), d.describe())
	return nil
}

func scalarOrJSON(v *value) string {
	if v.kind == kNumber || v.kind == kBool {
		return scalarText(v)
	}
	return string(v.json())
}

func typeShape(t Type) string {
	switch t {
	case TypeStringList:
		return "a list of strings"
	case TypeStringMap:
		return "an object"
	case TypeMapList:
		return "a list of objects"
	}
	return article(t)
}

// ErrInvalidParameters is matched (errors.Is) by every error about
// parameter values: a value of the wrong type, one breaking a rule, a
// required one missing, an undeclared one given. SSM's SendCommand answers
// these with InvalidParameters.
var ErrInvalidParameters = errors.New("invalid parameters")

// The rules a ParameterError names.
const (
	RuleRequired       = "required"
	RuleUndeclared     = "undeclared"
	RuleType           = "type"
	RuleAllowedValues  = "allowedValues"
	RuleAllowedPattern = "allowedPattern"
	RuleMinItems       = "minItems"
	RuleMaxItems       = "maxItems"
	RuleMinChars       = "minChars"
	RuleMaxChars       = "maxChars"
	RuleNotSupported   = "notSupported"
)

// ParameterError rejects the value of one parameter: Rule is the rule
// broken (RuleType, RuleAllowedPattern, ...), Msg says how.
type ParameterError struct {
	Parameter string
	Rule      string
	Msg       string
}

func (e *ParameterError) Error() string {
	return "parameter " + quote(e.Parameter) + ": " + e.Msg
}

// Field returns "Parameters.NAME", the value's place in a SendCommand
// request.
func (e *ParameterError) Field() string { return "Parameters." + e.Parameter }

// Is makes every ParameterError match ErrInvalidParameters.
func (e *ParameterError) Is(target error) bool { return target == ErrInvalidParameters }

// fromStrings reads a parameter's value as SendCommand gives it (a list of
// strings): one string for String, Integer, Boolean (true or false) and
// StringMap (a JSON object); the items for StringList; JSON objects for
// MapList (or one JSON list of objects).
func (p *Parameter) fromStrings(vals []string) (any, *ParameterError) {
	bad := func(format string, args ...any) (any, *ParameterError) {
		return nil, &ParameterError{Parameter: p.Name, Rule: RuleType, Msg: fmt.Sprintf(format, args...)}
	}
	for _, s := range vals {
		if strings.ContainsRune(s, 0) {
			return bad("a value has a NUL character")
		}
		if !utf8.ValidString(s) {
			return bad("a value is not valid UTF-8")
		}
	}
	if p.Type == TypeStringList {
		return slices.Clone(vals), nil
	}
	if p.Type == TypeMapList {
		if len(vals) == 1 && strings.HasPrefix(strings.TrimSpace(vals[0]), "[") {
			v, err := decodeJSON([]byte(vals[0]))
			if err != nil || v.kind != kArray {
				return bad("is a MapList: give a JSON list of objects")
			}
			vals = vals[:0:0]
			for _, it := range v.items {
				vals = append(vals, string(it.json()))
			}
		}
		list := make([]map[string]any, 0, len(vals))
		for _, s := range vals {
			v, err := decodeJSON([]byte(s))
			if err != nil || v.kind != kObject {
				return bad("is a MapList: each value must be a JSON object, not %s", quote(s))
			}
			list = append(list, v.toAny().(map[string]any))
		}
		return list, nil
	}
	if len(vals) != 1 {
		return bad("is a %s and takes one value, not %d", p.Type, len(vals))
	}
	s := vals[0]
	switch p.Type {
	case TypeInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad("is an Integer: %s is not a whole number", quote(s))
		}
		return n, nil
	case TypeBoolean:
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return bad("is a Boolean: want true or false, not %s", quote(s))
	case TypeStringMap:
		v, err := decodeJSON([]byte(s))
		if err != nil || v.kind != kObject {
			return bad("is a StringMap: give a JSON object, not %s", quote(s))
		}
		return v.toAny(), nil
	}
	return s, nil
}

// check returns the rules value (typed as Parameter.Default) breaks.
func (p *Parameter) check(v any) []*ParameterError {
	var errs []*ParameterError
	fail := func(rule, format string, args ...any) {
		errs = append(errs, &ParameterError{Parameter: p.Name, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	chars := func(s, what string) {
		n := utf8.RuneCountInString(s)
		if p.MinChars != nil && n < *p.MinChars {
			fail(RuleMinChars, "%s has %d characters; minChars is %d", what, n, *p.MinChars)
		}
		if p.MaxChars != nil && n > *p.MaxChars {
			fail(RuleMaxChars, "%s has %d characters; maxChars is %d", what, n, *p.MaxChars)
		}
	}
	text := func(s, what string) {
		if p.AllowedValues != nil && !slices.Contains(p.AllowedValues, s) {
			fail(RuleAllowedValues, "%s %s is not one of allowedValues [%s]", what, quote(s), strings.Join(p.AllowedValues, ", "))
		}
		if p.re != nil && !p.re.MatchString(s) {
			fail(RuleAllowedPattern, "%s %s does not match allowedPattern %s", what, quote(s), p.AllowedPattern)
		}
	}
	items := func(n int) {
		if p.MinItems != nil && n < *p.MinItems {
			fail(RuleMinItems, "has %d items; minItems is %d", n, *p.MinItems)
		}
		if p.MaxItems != nil && n > *p.MaxItems {
			fail(RuleMaxItems, "has %d items; maxItems is %d", n, *p.MaxItems)
		}
	}
	switch x := v.(type) {
	case string:
		chars(x, "the value")
		text(x, "the value")
	case []string:
		items(len(x))
		for i, s := range x {
			what := fmt.Sprintf("item %d", i+1)
			chars(s, what)
			text(s, what)
		}
	case int64:
		text(strconv.FormatInt(x, 10), "the value")
	case map[string]any:
		chars(jsonText(x), "the value's JSON")
	case []map[string]any:
		items(len(x))
		chars(jsonText(x), "the value's JSON")
	}
	return errs
}

// textOf renders a typed value as the text substituted into a string: a
// string as itself, others as JSON (as the SSM agent does).
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return jsonText(v)
}

// stringsOf renders a typed value as SendCommand's list of strings.
func stringsOf(v any) []string {
	switch x := v.(type) {
	case []string:
		return slices.Clone(x)
	case []map[string]any:
		out := make([]string, len(x))
		for i, m := range x {
			out[i] = jsonText(m)
		}
		return out
	}
	return []string{textOf(v)}
}

func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// quote quotes a value for a message, shortened past 80 characters.
func quote(s string) string {
	if utf8.RuneCountInString(s) > 80 {
		r := []rune(s)
		return strconv.Quote(string(r[:77])) + "..."
	}
	return strconv.Quote(s)
}
