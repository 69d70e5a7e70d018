// Package execution runs state machines on the server: the StateMachine
// resource kind (validated on apply with the diagnostics of
// `firstline states validate`) and, as it grows, durable executions that
// drive the pure interpreter of package workflow, checkpointing each
// execution where it waits or calls out (Step Functions Developer Guide ›
// State machines in Step Functions; API Reference › CreateStateMachine).
//
// The interpreter itself (validation, states, paths, intrinsics, history)
// is workflow's; this package adds storage, jobs and the API.
package execution
