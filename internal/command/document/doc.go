// Package document reads SSM Command documents — the scripts Run Command
// sends to hosts — and turns one, with the parameters of a command, into
// the steps an agent runs. It also holds the built-in documents
// (AWS-RunShellScript), the `kind: Document` resource and the lookup of a
// document by name, ARN and version.
//
// It decides what a document means and whether a command's parameters are
// acceptable, before any invocation exists. Sending commands to hosts,
// their statuses and output belong to package command; running a step's
// script (/bin/sh, process group, timeout) to the agent; storing Document
// resources to package resource.
//
// # Specifications followed
//
// AWS Systems Manager User Guide:
//   - › SSM document schemas and features: schema versions 1.2
//     (runtimeConfig, properties) and 2.0/2.2 (mainSteps, inputs), and the
//     precondition StringEquals [platformType, Linux|Windows|MacOS] of 2.2;
//   - › Data elements and parameters: the parameter fields (type, default,
//     allowedValues, allowedPattern, displayType, minItems, maxItems,
//     minChars, maxChars, interpolationType), the six types and the rule
//     that a plugin input takes parameters of its own type only;
//     {{ssm:name}} Parameter Store references (recognised, not supported
//     yet);
//   - › Command document plugin reference › aws:runShellScript (runCommand,
//     workingDirectory, timeoutSeconds) and › Shared inputs (onFailure,
//     onSuccess, finallyStep).
//
// Where the guide is silent, the SSM agent's source is the reference:
// parameter names are letters and digits; "{{ name }}" with optional
// spaces is substituted; an input that is exactly one reference takes the
// value itself (a list stays a list), a reference inside a longer string
// takes the value's text (JSON for lists and maps); runCommand items are
// flattened and written to the script one per line.
//
// allowedPattern: SSM checks it with Java's regex library against the
// whole value, and again in the agent with Go's regexp. firstline compiles
// it with Go's regexp (RE2) anchored as ^(?:pattern)$, so an unanchored
// pattern still constrains the whole value. Java-only syntax (lookaround,
// backreferences, possessive quantifiers, atomic groups, \p{Alpha}-style
// POSIX classes, \Z) does not compile and is reported when the document is
// applied; docs/documents.md lists the differences.
//
// # Types and flow
//
//	Parse / ParseFormat   JSON or YAML → *Document (SSM's schema checks)       errors: *Error, joined
//	Document.Validate     what firstline's agent can run                      errors: *Error, joined
//	Resolve(doc, params)  values checked, defaults applied, {{ }} substituted   errors: *ParameterError (ErrInvalidParameters)
//	                      → *Resolved{Steps: []ResolvedStep{Script, WorkingDirectory, TimeoutSeconds, Env, ...}}
//	Lint                  warnings (command injection through String parameters, ...)
//	Kind                  `kind: Document` resources: Content | ContentString → canonical spec
//	Store / Lookup        built-ins, then Document resources; name or ARN; $LATEST, $DEFAULT, N
//
// # Invariants and failure behaviour
//
// Nothing reaches an agent unless Resolve succeeded: every value — given
// or default — has passed its type, allowedValues, allowedPattern and
// length rules, every reference names a declared parameter of a type its
// input takes, and every step is an aws:runShellScript step (or one a
// precondition limits to another platform, listed in Resolved.Skipped).
// Resolve reports every problem at once. A parameter with interpolationType
// ENV_VAR never has its value pasted into a script: the script refers to
// ${SSM_<name>} and Env carries the value.
//
// Parse never panics on any input and bounds its work: content at most
// MaxContentBytes (64 KB, SSM's quota), nesting at most 64 levels, at most
// 100,000 values after YAML aliases are expanded; a resolved script is at
// most MaxScriptBytes. Parse returns a document or an error, never both.
package document
