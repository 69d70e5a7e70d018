// Package workflow is firstline's Amazon States Language interpreter: it
// validates state machine definitions and runs executions as a pure step
// function — no database, no network, no goroutines, no timers. The
// server (durable executions) and the local runner (workflow/local, behind
// `firstline states run`) drive it.
//
// Specifications followed: the Amazon States Language specification
// (states-language.net) and the AWS Step Functions Developer Guide
// (› States, › Processing input and output, › Intrinsic functions,
// › Handling errors, › Passing data between states with variables,
// › Transforming data with JSONata), and where the two differ from what
// Step Functions does, its recorded behaviour (see
// testdata/conformance/README.md for every case and its source).
//
// # Types and flow
//
//	Compile / Validate  definition JSON → *Machine (+ []Diagnostic, AWS codes)
//	Machine.Start       input → *Execution (ExecutionStarted)
//	Machine.Advance     runs runnable threads until each waits → []*Request
//	Machine.Deliver     a task result or a fired timer → the thread runs on
//	Machine.Stop        StopExecution; Terminate for a driver giving up
//
// An Execution is plain data: threads (the top level, each Parallel branch,
// each Map iteration) with their current state, input, variables and retry
// counters; the pending requests (tasks to run, timers to fire); the
// history (HistoryEvent, typed as GetExecutionHistory types them). Encode
// it with MarshalExecution whenever Advance has returned and resume it with
// UnmarshalExecution, in this process or another: that is how the server
// checkpoints an execution at every state that waits or calls out.
//
// States that neither wait nor call out (Pass, Choice, Succeed, Fail,
// intrinsic and JSONata work) run within one Advance; Advance stops after
// AdvanceBudget states so that an endless loop cannot hold a driver.
//
// Task resources resolve through a Registry of Integrations keyed by
// resource ARN with region and account ignored
// ("arn:aws:states:::lambda:invoke", "arn:aws:lambda:::function:*",
// "arn:aws:states:::aws-sdk:ssm:sendCommand"); the .sync and
// .waitForTaskToken suffixes select the integration pattern.
//
// # Invariants
//
// Values are the Go forms of JSON with json.Number numbers and are never
// modified in place: ResultPath and Assign copy what they change, so the
// history and the next state can share them. Paths go through jpath and
// github.com/theory/jsonpath (RFC 9535); intrinsic functions through
// workflow/intrinsic; JSONata through workflow/jsonata.
//
// # Failure behaviour
//
// A definition with any ERROR diagnostic does not compile. At run time
// every problem becomes a named error (States.Runtime,
// States.IntrinsicFailure, States.DataLimitExceeded, ...) that Retry and
// Catch handle as Step Functions does: States.Runtime is never caught,
// States.TaskFailed matches every error but States.Timeout.
package workflow
