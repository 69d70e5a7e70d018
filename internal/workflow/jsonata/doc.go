// Package jsonata evaluates the JSONata expressions of Amazon States
// Language state machines that use "QueryLanguage": "JSONata", as AWS Step
// Functions does (guide: "Transforming data with JSONata in Step
// Functions", https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
//
// # Responsibility
//
// The package recognizes expression strings ("{% ... %}", IsExpr),
// compiles them once (Compile, CompileTemplate for a JSON value containing
// them at any depth) and evaluates them against the variables the
// interpreter supplies: $states (input, result, errorOutput, context) and
// the workflow variables. Values go in and come out in the Go forms the
// interpreter uses for JSON (map[string]any, []any, string, bool, nil,
// json.Number; numbers print as JavaScript prints them, so 3 and not 3.0).
// Every evaluation failure is an *Error named States.QueryEvaluationError;
// an expression that yields nothing (JSONata "undefined", e.g. a missing
// field) is one too, wrapping ErrUndefined, as AWS fails such a field
// ("Failure to return a result" in "Handling expression errors"). Compile
// errors are *SyntaxError, naming the expression and its JSON Pointer in
// the template.
//
// It also provides the functions Step Functions adds ("JSONata functions
// provided by Step Functions"): $partition, $range, $hash, $random with an
// optional seed, $uuid and $parse; $eval is refused, as on AWS.
//
// # Library
//
// Evaluation is done by github.com/xiatechs/jsonata-go v1.8.8. The Go
// module proxy offers two Go JSONata implementations: that one and
// github.com/blues/jsonata-go v1.5.4, which it forks. Neither implements
// JSONata 2.x (both are ports of jsonata-js 1.5 with a few later
// functions; the fork's version numbers are its own, not JSONata's) and
// neither is well kept: blues/jsonata-go has been untouched since 2021,
// the fork was last changed in December 2024 with its maintainer's own
// additions. On the jsonata-js 2.0.6 test suite (the version AWS runs) the
// fork passes 1265 and blues/jsonata-go 1242 of the 1620 cases outside the
// tail-recursion group, which neither survives (a Go stack overflow ends
// the process). The fork was chosen because it is the
// more complete (comments, quoted path steps, empty arrays kept as
// JSONata 2 keeps them, a few crash fixes); its regressions are worked
// around here, except its arithmetic (see below). With this package's
// fixes it passes 1288 of the 1625 cases (79%); most of the rest are the
// missing features listed below.
//
// What the package adds around the library:
//   - Source rewriting before compilation (source.go): string literals are
//     escaped so that the library's regular-expression preprocessing
//     cannot alter them ("Mr." & "Smith" came out as "Mr.` & `Smith"),
//     quoted path steps become backtick names, comments become blanks,
//     "x ~> $f(a)" becomes "x ~> $f(?, a)" (the library edits its syntax
//     tree when evaluating the former, so a compiled expression broke from
//     its second evaluation), and every lambda body counts call depth so
//     that runaway recursion fails the evaluation (over 2000 levels)
//     instead of the process. Source length (64 KiB) and bracket nesting
//     (200) are bounded for the same reason. The result is then parsed
//     with the library's parser and the tree checked for what the rewriting
//     must guarantee (every lambda counted, no "~>" onto a call), so that a
//     disagreement between this package's scanner and the library's lexer
//     fails compilation rather than evaluation or the process.
//   - JSON null: the library reads a Go nil inside data as undefined, so
//     nulls are passed as its own null value.
//   - Replacements for library functions that differ from JSONata 2.0.6:
//     $string (15 significant digits, JavaScript number format, prettify),
//     $toMillis (ISO 8601 offsets were ignored), $number (0x/0o/0b forms),
//     $encodeUrl and $encodeUrlComponent (a space was encoded as "+"),
//     $keys (sorted, not Go's random order), and $assert, which it lacks.
//     Functions the library adds that JSONata does not have ($hashmd5,
//     $objmerge, ...) are hidden.
//   - Evaluations are serialized by a mutex: the library's built-in
//     functions are shared objects that keep per-call state.
//   - Panics in the library are recovered into *Error.
//
// # Known gaps against JSONata 2.0.6 as AWS runs it
//
//   - Arithmetic: the library computes + - * / % in decimal rounded to 8
//     decimal places (1/3 gives 0.33333334, 0.1+0.2 gives 0.3, 1e-9+0
//     gives 1e-8), not in IEEE doubles.
//   - The positional (#) and context (@) binding operators are rejected at
//     compile time; the parent operator (%) is not supported.
//   - Missing functions: $formatInteger, $parseInteger. $fromMillis and
//     $toMillis pictures support a subset of the XPath picture syntax
//     (ordinals, words, ISO week dates and some timezone forms fail); a
//     timestamp without offset is taken as UTC.
//   - Object key order is not kept (Go maps): object results are
//     unordered, $keys is sorted, and $each, $spread and the * and **
//     paths visit keys in an unspecified order.
//   - Tail calls are not optimized: recursion deeper than 2000 calls
//     fails even where jsonata-js would run it.
//   - String concatenation (&) prints numbers with all 17 digits where
//     JSONata rounds to 15 (masked in practice by the decimal arithmetic).
//   - Numbers are float64 as in JavaScript: integers beyond 2^53 lose
//     precision.
//   - Error messages are the library's, not JSONata's (no codes such as
//     T2001); $string's second argument is ignored unless it is a boolean.
//   - A string literal adjacent to a '.' is always taken as a path step
//     (as JSONata does); a regular expression or backtick name containing
//     ".'" or "/*" may still be altered by the library's preprocessing.
package jsonata
