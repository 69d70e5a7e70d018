package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firstline/firstline/internal/jpath"
)

// Limits from the EventBridge API Reference (Target, InputTransformer).
const (
	MaxInputLength    = 8192 // Target.Input characters
	MaxPathLength     = 256  // Target.InputPath and each InputPathsMap value
	MaxPaths          = 100  // InputPathsMap entries
	MaxKeyLength      = 256  // InputPathsMap key characters
	MaxTemplateLength = 8192 // InputTemplate characters
)

// Predefined variables (User Guide › Input transformation › Predefined
// variables), usable in InputTemplate without an InputPathsMap entry.
const (
	VarRuleARN       = "aws.events.rule-arn"
	VarRuleName      = "aws.events.rule-name"
	VarIngestionTime = "aws.events.event.ingestion-time"
	VarEvent         = "aws.events.event"      // the event without detail; JSON field values only
	VarEventJSON     = "aws.events.event.json" // the whole event; JSON field values only
)

// ErrPathNotFound is wrapped by Shape when InputPath selects nothing.
var ErrPathNotFound = errors.New("path matched nothing in the event")

// Config is how a target shapes its input (API Reference › Target); at most
// one of Input, InputPath, InputTransformer may be set (Validate reports a
// *FieldError otherwise).
type Config struct {
	// Input is constant JSON text sent as is, at most 8192 characters.
	Input string `json:"Input,omitempty" yaml:"Input,omitempty"`
	// InputPath is a JSONPath selecting the part of the event sent, e.g.
	// $.detail or $.resources[0], at most 256 characters.
	InputPath string `json:"InputPath,omitempty" yaml:"InputPath,omitempty"`
	// InputTransformer builds the input from a template.
	InputTransformer *Transformer `json:"InputTransformer,omitempty" yaml:"InputTransformer,omitempty"`
}

// Transformer is an EventBridge InputTransformer (API Reference ›
// InputTransformer; User Guide › Input transformation).
type Transformer struct {
	// InputPathsMap names variables, each a JSONPath into the event: at
	// most 100 entries, keys of 1-256 letters, digits, "_" or "-".
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty" yaml:"InputPathsMap,omitempty"`
	// InputTemplate is the text sent, with <name> placeholders replaced
	// (see the package documentation for quoting); 1-8192 characters.
	InputTemplate string `json:"InputTemplate" yaml:"InputTemplate"`
}

// Rule identifies the rule for the predefined variables <aws.events.rule-name>
// and <aws.events.rule-arn>.
type Rule struct{ Name, ARN string }

// FieldError rejects a field of a Config. Path is relative to the Config,
// e.g. "InputTransformer.InputPathsMap.alarm".
type FieldError struct{ Path, Msg string }

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Field returns the path of the rejected field.
func (e *FieldError) Field() string { return e.Path }

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Validate reports every problem at once, as errors.Join of *FieldError
// values, or returns nil. See the package documentation for the rules.
func (c Config) Validate() error {
	_, errs := c.compile()
	return errors.Join(errs...)
}

// compiled is a validated Config, ready to shape events.
type compiled struct {
	path  *path            // InputPath
	paths map[string]*path // InputPathsMap
	tmpl  *template
}

func (c Config) compile() (*compiled, []error) {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Path: field, Msg: fmt.Sprintf(format, args...)})
	}
	var set []string
	if c.Input != "" {
		set = append(set, "Input")
	}
	if c.InputPath != "" {
		set = append(set, "InputPath")
	}
	if c.InputTransformer != nil {
		set = append(set, "InputTransformer")
	}
	for _, f := range set[min(1, len(set)):] {
		fail(f, "only one of Input, InputPath or InputTransformer may be set (%s is also set)", set[0])
	}
	cc := &compiled{}
	if c.Input != "" {
		if n := utf8.RuneCountInString(c.Input); n > MaxInputLength {
			fail("Input", "is %d characters, more than %d", n, MaxInputLength)
		}
		if !json.Valid([]byte(c.Input)) {
			fail("Input", "is not valid JSON")
		}
	}
	if c.InputPath != "" {
		p, err := parsePath(c.InputPath)
		if err != nil {
			fail("InputPath", "%s", err)
		}
		cc.path = p
	}
	if t := c.InputTransformer; t != nil {
		const field = "InputTransformer.InputPathsMap"
		if len(t.InputPathsMap) > MaxPaths {
			fail(field, "has %d entries, more than %d", len(t.InputPathsMap), MaxPaths)
		}
		cc.paths = make(map[string]*path, len(t.InputPathsMap))
		keys := make([]string, 0, len(t.InputPathsMap))
		for k := range t.InputPathsMap {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if utf8.RuneCountInString(k) > MaxKeyLength || !keyPattern.MatchString(k) {
				fail(field+"."+k, "variable name must be 1-%d letters, digits, '_' or '-'", MaxKeyLength)
				continue
			}
			p, err := parsePath(t.InputPathsMap[k])
			if err != nil {
				fail(field+"."+k, "%s", err)
				continue
			}
			cc.paths[k] = p
		}
		tm, terrs := parseTemplate(t.InputTemplate, t.InputPathsMap)
		for _, e := range terrs {
			fail("InputTransformer.InputTemplate", "%s", e)
		}
		cc.tmpl = tm
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return cc, nil
}

// Shape returns the bytes the target receives for event, the full
// EventBridge envelope JSON ingested at ingestion (for
// <aws.events.event.ingestion-time>): Input as is; the InputPath value as
// minified JSON (an error wrapping ErrPathNotFound when it selects
// nothing); the filled InputTransformer template; or, with nothing set, a
// copy of event. An invalid Config yields Validate's error; an event that
// is not valid JSON yields an error unless nothing or Input is set.
func (c Config) Shape(event []byte, rule Rule, ingestion time.Time) ([]byte, error) {
	cc, errs := c.compile()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	switch {
	case c.Input != "":
		return []byte(c.Input), nil
	case cc.path == nil && cc.tmpl == nil:
		return bytes.Clone(event), nil
	}
	doc, err := newDocument(event)
	if err != nil {
		return nil, err
	}
	if cc.path != nil {
		v, err := doc.eval(cc.path)
		if err != nil {
			return nil, err
		}
		if v.kind == missing {
			return nil, fmt.Errorf("InputPath %s: %w", c.InputPath, ErrPathNotFound)
		}
		return v.raw, nil
	}
	vars := make(map[string]value, len(cc.tmpl.names))
	for name := range cc.tmpl.names {
		var v value
		switch name {
		case VarRuleARN:
			v = stringValue(rule.ARN)
		case VarRuleName:
			v = stringValue(rule.Name)
		case VarIngestionTime:
			v = stringValue(ingestion.UTC().Format(time.RFC3339))
		case VarEvent:
			raw, err := withoutDetail(doc.raw)
			if err != nil {
				return nil, err
			}
			v = rawValue(raw)
		case VarEventJSON:
			v = rawValue(doc.raw)
		default:
			v, err = doc.eval(cc.paths[name])
			if err != nil {
				return nil, err
			}
		}
		vars[name] = v
	}
	return cc.tmpl.render(vars)
}

// withoutDetail returns the compact JSON object raw without its top-level
// "detail" member, other members in their order.
func withoutDetail(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("<%s>: the event is not a JSON object", VarEvent)
	}
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, err
		}
		if key == "detail" {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(jpath.AppendString(nil, key))
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
