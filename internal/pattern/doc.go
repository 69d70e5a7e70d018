// Package pattern compiles and matches Amazon EventBridge event patterns
// (EventBridge User Guide › Event patterns, and › Content filtering in
// event patterns), the content filter of every rule in firstline.
//
// # Patterns
//
// A pattern is a JSON object with the shape of the events it matches. Every
// leaf is a non-empty array of conditions, any of which may match (OR);
// sibling fields must all match (AND); "$or" takes an array of sub-patterns
// of which one must match. A condition is an exact value (string, number —
// compared numerically —, true, false, null) or an object with one
// operator: prefix, suffix (each a string, or {"equals-ignore-case": s}),
// equals-ignore-case, anything-but (a value, a list of strings or of
// numbers, or {"prefix"|"suffix"|"wildcard"|"equals-ignore-case": s or
// [s...]}), numeric ([op, n] or a range [">"|">=", lo, "<"|"<=", hi] with op
// one of = < <= > >=, operands within ±5e9), exists (true or false), cidr
// (an IPv4 or IPv6 prefix) and wildcard ("*" matches any run of characters;
// \* and \\ escape; "**" is rejected).
//
// Compile validates all of this and reports every problem with the path of
// the offending field and the rule it broke (*Error).
//
// # Matching
//
// An event value that is an array matches a condition if any element does;
// an array of objects matches a nested pattern only if one element matches
// all of it (fields of one element are never mixed with another's). A
// missing field matches only {"exists": false}; so does an object where a
// leaf was expected (exists applies to leaves). null is a value: it matches
// null and {"exists": true}, and differs from "" and from a missing field.
//
// # Many rules
//
// Matcher holds many compiled patterns. It parses an event once, keeping
// only the fields some pattern names (everything else is skipped without
// allocating), and looks up candidate patterns in an index of the exact
// string values they require (for most rules: their source or
// detail-type), so matching one event against 10,000 rules costs about the
// same as against one. Only the candidates and the patterns without such a
// value are evaluated.
package pattern
