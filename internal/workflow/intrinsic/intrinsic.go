package intrinsic

import (
	"fmt"
	"strings"
)

// failureName is the ASL error name of every failure Eval detects itself
// (Step Functions Developer Guide › Error handling in Step Functions).
const failureName = "States.IntrinsicFailure"

// maxDepth is how deeply calls may be nested inside each other: the
// outermost call is depth 1. The AWS guide allows nesting "up to 10
// intrinsic functions within a field"; Parse rejects deeper nesting.
const maxDepth = 10

// Looks reports whether s is written as an intrinsic function call: it
// starts with "States." (no leading space) and contains a "(". Validation
// uses it to decide whether a ".$" value is parsed with Parse or as a path.
func Looks(s string) bool {
	return strings.HasPrefix(s, "States.") && strings.Contains(s, "(")
}

// Call is a parsed intrinsic function call. It is immutable once Parse
// returns it, so one Call may be evaluated by many goroutines at once.
type Call struct {
	fn     *function
	args   []arg
	offset int // of the function name in the parsed expression
}

// argKind says what an argument is written as.
type argKind int

const (
	argLiteral argKind = iota // a string, number, true, false or null
	argPath                   // a path starting with $
	argCall                   // a nested intrinsic call
)

// arg is one argument of a Call as written.
type arg struct {
	kind argKind
	// value is the literal's Go form: string, json.Number, bool or nil.
	value any
	// raw is the argument's source text (literals and paths).
	raw string
	// parts holds, for a string literal, the text between its unescaped
	// "{}" placeholders (len(parts) = placeholders + 1); States.Format uses
	// it so that an escaped \{\} stays literal text.
	parts []string
	path  string
	call  *Call
	// offset is where the argument starts in the parsed expression.
	offset int
}

// Paths returns every path argument of the call and of its nested calls,
// depth first in the order written, for the caller to validate. Each is the
// path as written: "$", "$.a.b", "$[0]", "$$.Execution.Id", "$var.x".
func (c *Call) Paths() []string {
	var out []string
	c.collectPaths(&out)
	return out
}

func (c *Call) collectPaths(out *[]string) {
	for _, a := range c.args {
		switch a.kind {
		case argPath:
			*out = append(*out, a.path)
		case argCall:
			a.call.collectPaths(out)
		}
	}
}

// Resolver returns the value a path argument selects; the caller
// interprets "$" (the state's input), "$$" (the context object) and "$name"
// (a workflow variable). Values are the Go forms of JSON: map[string]any,
// []any, string, bool, nil and json.Number for numbers (float64 and Go
// integers are accepted too). A Resolver's error is returned by Eval
// unchanged, for the caller to wrap (AWS reports a path that selects
// nothing as States.Runtime, not as an intrinsic failure).
type Resolver func(path string) (any, error)

// Eval evaluates the call: arguments left to right (nested calls first),
// then the function. The result uses the Go forms described at Resolver,
// with json.Number for numbers (integers written without a fraction). A
// result may share maps and slices with values the resolver returned;
// neither side may modify them afterwards.
//
// An argument or input that the function rejects is reported as *Error
// with Name "States.IntrinsicFailure" and a Cause saying which argument and
// why; an error from resolve is returned as is.
func (c *Call) Eval(resolve Resolver) (any, error) {
	vals := make([]any, len(c.args))
	for i, a := range c.args {
		switch a.kind {
		case argLiteral:
			vals[i] = a.value
		case argPath:
			v, err := resolve(a.path)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		case argCall:
			v, err := a.call.Eval(resolve)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
	}
	return c.fn.eval(c, vals)
}

// Error is a runtime failure of an intrinsic function, as AWS reports it:
// Name is the ASL error name (always "States.IntrinsicFailure") and Cause the human-readable reason, suitable for the
// execution history and a Catch's ResultPath.
type Error struct {
	Name, Cause string
}

// Error returns "Name: Cause".
func (e *Error) Error() string { return e.Name + ": " + e.Cause }

// failf returns an intrinsic failure with a formatted cause.
func failf(format string, args ...any) *Error {
	return &Error{Name: failureName, Cause: fmt.Sprintf(format, args...)}
}

// SyntaxError reports an expression Parse rejects: bad syntax, an unknown
// function name, a wrong number of arguments, a States.Format template
// literal whose placeholders do not match its arguments, or nesting deeper
// than 10 calls. Offset is the 0-based byte offset in Expr where the
// problem was found.
type SyntaxError struct {
	Expr   string
	Offset int
	Msg    string
}

// Error returns the message with the offset and the expression, such as
// `offset 14 in "States.Array(1 2)": expected ',' or ')' after an argument`.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("offset %d in %q: %s", e.Offset, e.Expr, e.Msg)
}
