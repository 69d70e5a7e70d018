// Package intrinsic parses and evaluates the Amazon States Language
// intrinsic functions: the States.Format(...)-style calls a JSONPath state
// may write as the value of a ".$" field in Parameters, ResultSelector and
// Credentials (Step Functions Developer Guide › Intrinsic functions for
// JSONPath states in Step Functions,
// https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html).
//
// # Responsibility
//
// The package knows the call syntax and the eighteen functions: Format,
// StringToJson, JsonToString, Array, ArrayPartition, ArrayContains,
// ArrayRange, ArrayGetItem, ArrayLength, ArrayUnique, Base64Encode,
// Base64Decode, Hash, JsonMerge, MathRandom, MathAdd, StringSplit and
// UUID, each with the argument rules of its section of the guide. It does
// not know what a path selects: package workflow validates the paths a
// call contains (Call.Paths) when it checks a definition, and resolves them
// against the state input ($), the context object ($$) and workflow
// variables ($name) through the Resolver it passes to Eval.
//
// # Flow
//
// Validation calls Looks on each ".$" value; if it looks like a call,
// Parse turns it into a *Call or a *SyntaxError (bad syntax, an unknown
// function, a wrong number of arguments, a States.Format template literal
// whose placeholders do not match, calls nested more than 10 deep — the
// guide's limit). The interpreter keeps the *Call and runs Eval for each
// execution of the state: arguments are evaluated left to right, nested
// calls first, then the function runs over their values.
//
// # Values and failures
//
// Values are the Go forms of JSON that encoding/json produces with
// UseNumber: map[string]any, []any, string, bool, nil and json.Number.
// Results follow suit; integers are written without a fraction
// (States.MathAdd(1, 2) is json.Number("3")).
//
// An argument a function rejects (wrong type, out of range, a limit such as
// the 10,000-character input of States.Hash or the 1,000 elements of
// States.ArrayRange) is an *Error named States.IntrinsicFailure, whose Cause
// names the function, the argument and the rule, as AWS reports it. An
// error returned by the Resolver passes through unchanged for the caller to
// report (a path that selects nothing is States.Runtime in Step Functions).
// Eval never panics on any value a Resolver returns.
//
// Where the guide is silent, the package follows what Step Functions was
// observed to do (LocalStack's AWS-recorded snapshot tests) or the
// stricter reading; each function's comment says which. A *Call is
// immutable: concurrent Evals are safe.
package intrinsic
