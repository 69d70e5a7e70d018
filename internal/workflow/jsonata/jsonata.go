package jsonata

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"

	lib "github.com/xiatechs/jsonata-go"
	"github.com/xiatechs/jsonata-go/jparse"
)

// ErrorName is the error Step Functions raises for every JSONata
// evaluation failure.
const ErrorName = "States.QueryEvaluationError"

// ErrUndefined is wrapped by the *Error returned when an expression yields
// no value (JSONata's "undefined"), e.g. {% $states.input.missingField %}.
// JSON has no undefined, and AWS fails such a field with
// States.QueryEvaluationError ("Failure to return a result" in the guide's
// section "Handling expression errors"); this package does the same for
// every expression and template, and callers that want another behaviour
// can test errors.Is(err, ErrUndefined).
var ErrUndefined = errors.New("the JSONata expression returned nothing (undefined)")

// Error is an evaluation failure as Step Functions reports it.
type Error struct {
	// Name is always ErrorName.
	Name string
	// Cause explains the failure, naming the expression and, within a
	// template, its location.
	Cause string
	// Expression is the expression's text without the {% %} delimiters.
	Expression string
	// Location is the JSON Pointer of the expression's string within its
	// template ("" for a lone expression or a template that is one).
	Location string

	err error
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

// Unwrap returns ErrUndefined for an undefined result, or the underlying
// failure.
func (e *Error) Unwrap() error { return e.err }

// SyntaxError is an expression that does not compile.
type SyntaxError struct {
	// Expression is the expression's text without the {% %} delimiters.
	Expression string
	// Location is the JSON Pointer of the expression's string within the
	// template being compiled ("" for a lone expression).
	Location string
	// Position is the byte offset of the problem within Expression.
	Position int
	// Msg describes the problem.
	Msg string
}

func (e *SyntaxError) Error() string {
	where := ""
	if e.Location != "" {
		where = fmt.Sprintf(" at %q", e.Location)
	}
	return fmt.Sprintf("invalid JSONata expression%s %q: %s", where, e.Expression, e.Msg)
}

// IsExpr reports whether s is a JSONata expression string as Step Functions
// writes them: the whole string is "{%" ... "%}" (no text, not even
// blanks, outside the delimiters).
func IsExpr(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// Expr is one compiled expression. It is safe for concurrent use.
type Expr struct {
	src string // as written, without delimiters and surrounding blanks
	lib *lib.Expr
}

// Compile compiles s, with or without the {% %} delimiters. Errors are
// *SyntaxError.
func Compile(s string) (*Expr, error) {
	return compile(s, "")
}

func compile(s, loc string) (*Expr, error) {
	body := s
	if IsExpr(s) {
		body = s[2 : len(s)-2]
	}
	body = strings.TrimSpace(body)
	serr := func(pos int, msg string) error {
		return &SyntaxError{Expression: body, Location: loc, Position: pos, Msg: msg}
	}
	if body == "" {
		return nil, serr(0, "the expression is empty")
	}
	rw, err := rewrite(body)
	if err != nil {
		var se *sourceError
		if errors.As(err, &se) {
			return nil, serr(se.pos, se.msg)
		}
		return nil, serr(0, err.Error())
	}
	if err := checkSource(rw.src); err != nil {
		return nil, serr(0, err.Error())
	}
	e, err := compileLib(rw.src)
	if err != nil {
		var pe *jparse.Error
		if errors.As(err, &pe) {
			mapped := *pe
			mapped.Position = rw.origPos(pe.Position)
			return nil, serr(mapped.Position, mapped.Error())
		}
		return nil, serr(0, err.Error())
	}
	return &Expr{src: body, lib: e}, nil
}

// compileLib parses src with the library's parser, checks the tree (see
// checkTree) and compiles it.
func compileLib(src string) (e *lib.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("internal error in the JSONata parser: %v", r)
		}
	}()
	node, err := jparse.Parse(src)
	if err != nil {
		return nil, err
	}
	if err := checkTree(node); err != nil {
		return nil, err
	}
	return lib.Compile(src)
}

// String returns the expression's text, without delimiters.
func (e *Expr) String() string { return e.src }

// Eval evaluates the expression. vars are the variables it can see, by name
// without the $: "states" (input, result, errorOutput, context) and the
// workflow variables, as JSON values in the Go forms this package uses
// (json.Number for numbers). The result comes back in the same forms.
// Failures, including an undefined result, are *Error.
func (e *Expr) Eval(vars map[string]any) (any, error) {
	bindings, err := convertVars(vars)
	if err != nil {
		return nil, e.fail("", err)
	}
	return e.eval(nil, bindings, "")
}

// evalMu serializes evaluations. The library's built-in functions are
// shared objects that keep per-call state (the context value and the name
// they were called by), so concurrent evaluations would race.
var evalMu sync.Mutex

// eval evaluates with the given library bindings; input is the context
// value ($), which Step Functions leaves undefined (nil here) and tests set.
func (e *Expr) eval(input any, bindings map[string]any, loc string) (out any, err error) {
	evalMu.Lock()
	defer evalMu.Unlock()
	callDepth = 0
	defer func() {
		if r := recover(); r != nil {
			if r == errCallDepth {
				out, err = nil, e.fail(loc, errCallDepth)
				return
			}
			out, err = nil, e.fail(loc, fmt.Errorf("internal error in the JSONata evaluator: %v", r))
		}
	}()

	// A shallow copy has its own registry (the compiled one has none),
	// so bindings never leak between evaluations.
	c := *e.lib
	if err := c.RegisterVars(bindings); err != nil {
		return nil, e.fail(loc, err)
	}
	res, err := c.Eval(input)
	if errors.Is(err, lib.ErrUndefined) {
		return nil, e.undefined(loc)
	}
	if err != nil {
		return nil, e.fail(loc, err)
	}
	out, err = fromLib(reflect.ValueOf(res))
	if errors.Is(err, errFunction) {
		return nil, &Error{
			Name:       ErrorName,
			Cause:      fmt.Sprintf("The JSONata expression '%s'%s returned an unsupported result type.", e.src, fieldPart(loc)),
			Expression: e.src, Location: loc, err: err,
		}
	}
	if err != nil {
		return nil, e.fail(loc, err)
	}
	return out, nil
}

func (e *Expr) undefined(loc string) error {
	return &Error{
		Name:       ErrorName,
		Cause:      fmt.Sprintf("The JSONata expression '%s'%s returned nothing (undefined).", e.src, fieldPart(loc)),
		Expression: e.src,
		Location:   loc,
		err:        ErrUndefined,
	}
}

func (e *Expr) fail(loc string, err error) error {
	return &Error{
		Name:       ErrorName,
		Cause:      fmt.Sprintf("The JSONata expression '%s'%s threw an error during evaluation. %s", e.src, fieldPart(loc), cleanMessage(err)),
		Expression: e.src,
		Location:   loc,
		err:        err,
	}
}

func fieldPart(loc string) string {
	if loc == "" {
		return ""
	}
	return fmt.Sprintf(" specified for the field '%s'", loc)
}

// positionSuffix matches what the library appends to its messages: a
// position in the rewritten source and a dump of Go argument values.
var positionSuffix = regexp.MustCompile(`(?s),? ?position: ?-?\d+.*$`)

func cleanMessage(err error) string {
	msg := strings.TrimSpace(positionSuffix.ReplaceAllString(err.Error(), ""))
	for lib, aws := range jsonataCodes {
		if strings.Contains(msg, lib) {
			return aws
		}
	}
	return msg
}

// jsonataCodes turns the library's messages into jsonata-js's, with their
// codes, as Step Functions reports them (recorded behaviour).
var jsonataCodes = map[string]string{
	"cannot call non-function": "T1006: Attempted to invoke a non-function",
}

// libFunctions are the extension functions as library values, obtained
// once by evaluating their names; they are bound with the variables on
// every evaluation.
var libFunctions = func() map[string]any {
	m := make(map[string]any, len(extensions)+len(hiddenFunctions))
	names := make([]string, 0, len(extensions))
	for name := range extensions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		e, err := lib.Compile("$" + name)
		if err != nil {
			panic(err)
		}
		if err := e.RegisterExts(map[string]lib.Extension{name: extensions[name]}); err != nil {
			panic(fmt.Sprintf("jsonata: extension %s: %v", name, err))
		}
		v, err := e.Eval(nil)
		if err != nil {
			panic(fmt.Sprintf("jsonata: extension %s: %v", name, err))
		}
		m[name] = v
	}
	for _, name := range hiddenFunctions {
		m[name] = nil // a nil binding reads as undefined
	}
	return m
}()

// convertVars builds the library bindings: the extension functions, then
// the variables (which, as in jsonata-js, shadow functions of the same
// name). Names that cannot be written as a JSONata variable are skipped.
func convertVars(vars map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(libFunctions)+len(vars))
	for k, v := range libFunctions {
		out[k] = v
	}
	for name, v := range vars {
		if !validVarName(name) {
			continue
		}
		c, err := toLib(v)
		if err != nil {
			return nil, fmt.Errorf("variable $%s: %w", name, err)
		}
		out[name] = c
	}
	return out, nil
}

func validVarName(s string) bool {
	if s == "" || strings.HasPrefix(s, reservedPrefix) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameStart(s, i) {
			return false
		}
	}
	return true
}

// Template is a JSON value in which every string that IsExpr is a compiled
// expression, at any depth of objects and arrays. Object keys are never
// evaluated. It is safe for concurrent use.
type Template struct {
	root *tnode
}

type tnode struct {
	lit   any // a JSON value without expressions
	expr  *Expr
	loc   string
	keys  []string
	vals  []*tnode
	items []*tnode
	kind  nodeKind
}

type nodeKind int

const (
	kindLiteral nodeKind = iota
	kindExpr
	kindObject
	kindArray
)

// CompileTemplate compiles every expression in v. A syntax error is a
// *SyntaxError whose Location is the JSON Pointer of the string, e.g.
// "/foo/0".
func CompileTemplate(v any) (*Template, error) {
	root, err := compileNode(v, "")
	if err != nil {
		return nil, err
	}
	return &Template{root: root}, nil
}

func compileNode(v any, loc string) (*tnode, error) {
	switch t := v.(type) {
	case string:
		if IsExpr(t) {
			e, err := compile(t, loc)
			if err != nil {
				return nil, err
			}
			return &tnode{kind: kindExpr, expr: e, loc: loc}, nil
		}
		return &tnode{kind: kindLiteral, lit: t}, nil
	case nil, bool, json.Number:
		return &tnode{kind: kindLiteral, lit: t}, nil
	case map[string]any:
		n := &tnode{kind: kindObject, keys: make([]string, 0, len(t))}
		for k := range t {
			n.keys = append(n.keys, k)
		}
		sort.Strings(n.keys)
		literal := true
		for _, k := range n.keys {
			c, err := compileNode(t[k], loc+"/"+escapePointer(k))
			if err != nil {
				return nil, err
			}
			literal = literal && c.kind == kindLiteral
			n.vals = append(n.vals, c)
		}
		if literal {
			m := make(map[string]any, len(t))
			for i, k := range n.keys {
				m[k] = n.vals[i].lit
			}
			return &tnode{kind: kindLiteral, lit: m}, nil
		}
		return n, nil
	case []any:
		n := &tnode{kind: kindArray}
		literal := true
		for i, x := range t {
			c, err := compileNode(x, fmt.Sprintf("%s/%d", loc, i))
			if err != nil {
				return nil, err
			}
			literal = literal && c.kind == kindLiteral
			n.items = append(n.items, c)
		}
		if literal {
			a := make([]any, len(n.items))
			for i, c := range n.items {
				a[i] = c.lit
			}
			return &tnode{kind: kindLiteral, lit: a}, nil
		}
		return n, nil
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		x, err := toLib(t)
		if err != nil {
			return nil, err
		}
		num, err := fromLib(reflect.ValueOf(x))
		if err != nil {
			return nil, err
		}
		return &tnode{kind: kindLiteral, lit: num}, nil
	}
	return nil, fmt.Errorf("jsonata: template value at %q has unsupported type %T", loc, v)
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// Eval evaluates every expression with vars (see Expr.Eval) and returns the
// template's value with each expression replaced by its result. Literal
// parts are copied, so the result can be modified freely. Any expression
// failure, including an undefined result, fails the whole template with an
// *Error that carries the expression's Location.
func (t *Template) Eval(vars map[string]any) (any, error) {
	var bindings map[string]any
	var convErr error
	converted := false
	get := func() (map[string]any, error) {
		if !converted {
			bindings, convErr = convertVars(vars)
			converted = true
		}
		return bindings, convErr
	}
	return t.root.eval(get)
}

func (n *tnode) eval(vars func() (map[string]any, error)) (any, error) {
	switch n.kind {
	case kindExpr:
		b, err := vars()
		if err != nil {
			return nil, n.expr.fail(n.loc, err)
		}
		return n.expr.eval(nil, b, n.loc)
	case kindObject:
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			v, err := n.vals[i].eval(vars)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case kindArray:
		out := make([]any, len(n.items))
		for i, c := range n.items {
			v, err := c.eval(vars)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return copyJSON(n.lit), nil
}

func copyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = copyJSON(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = copyJSON(x)
		}
		return s
	}
	return v
}
