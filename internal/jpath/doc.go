// Package jpath adapts the JSONPath that AWS services accept to RFC 9535
// JSONPath as implemented by github.com/theory/jsonpath.
//
// EventBridge input transformers (EventBridge User Guide › Transforming
// target input) and the Amazon States Language (Step Functions Developer
// Guide › Paths) write paths in Jayway's dialect: dot names may contain
// dashes, slashes and spaces ($.detail-type), which RFC 9535 shorthand
// does not allow. Rewrite turns such a path into bracket notation; the
// caller parses the result with the library. Callers: rule/input and
// workflow.
package jpath
