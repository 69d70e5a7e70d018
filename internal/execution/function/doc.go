// Package function runs the Lambda tasks of state machines on firstline's
// own functions: the `kind: Function` resource (Kind, validated on apply)
// and the task integration (Integration) for
// "arn:aws:states:::lambda:invoke" and for bare function ARNs
// ("arn:aws:lambda:REGION:ACCOUNT:function:NAME"), so runbooks written for
// Step Functions and Lambda run unmodified.
//
// Specifications followed: Step Functions Developer Guide › Invoke an AWS
// Lambda function with Step Functions (the result shape, with the Payload
// parsed from JSON), › Handle Lambda service exceptions (error names:
// Lambda.ServiceException, Lambda.TooManyRequestsException, Lambda.Unknown),
// › Handling error conditions (a function error is named by its errorType,
// its cause is the error object); Lambda API Reference › Invoke
// (FunctionName forms, InvocationType, X-Amz-Function-Error) and Lambda
// Developer Guide › Troubleshoot invocation issues (Sandbox.Timedout,
// Runtime.InvalidEntrypoint). docs/functions.md has the whole mapping.
//
// # Types and flow
//
//	Kind.Normalize   spec → canonical JSON (Http xor Command, TimeoutSeconds 1..900, default 60)
//	Integration      Invoke: FunctionName → Function resource (resource.Store) →
//	                 invokeHTTP (POST the payload) or invokeCommand (a child process)
//	                 → the result, or a *workflow.TaskError named as Step Functions names it
//
// The workflow package decides what a task error does (Retry, Catch); the
// execution package supplies the idempotency key (EXECUTION_ARN#REQUEST)
// that every invocation passes on: the Idempotency-Key header (and
// X-Firstline-Execution) for Http functions, FIRSTLINE_IDEMPOTENCY_KEY
// (and FIRSTLINE_EXECUTION_ARN) for commands. A driver that crashes and
// runs the task again passes the same key; a Retry is a new request and
// gets a new key.
//
// # Invariants and failure behaviour
//
// Nothing of the payload reaches a shell: a command is started directly
// with its configured arguments, the payload on standard input. It gets a
// minimal environment (PATH, HOME, LANG, the FIRSTLINE_* variables, its
// Env), never the server's. It runs as the leader of its own process
// group; when it exits or its time is up the whole group is killed, so no
// grandchild outlives the invocation. Output is bounded (MaxResponseBytes
// of standard output, the last MaxStderrBytes of standard error).
//
// Header and Env values may be secrets: they are never logged, and any of
// eight bytes or more is replaced by <secret> in text that becomes a
// cause. A cause quotes at most the last 4 KB of standard error, or of a
// failing response body.
//
// An invocation is bounded by the function's TimeoutSeconds (failing with
// Sandbox.Timedout) or, when shorter, by the Task's TimeoutSeconds
// (States.Timeout, as the driver reports it). When the caller's context is
// cancelled (shutdown) the command is killed and Invoke returns the
// context's cause, not a TaskError.
package function
