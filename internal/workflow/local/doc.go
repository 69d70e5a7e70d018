// Package local runs a state machine in-process for runbook authors —
// `firstline states run` — with Task states answered by a mock config in
// the AWS Step Functions Local format (Developer Guide › Using mocked
// service integrations for testing in Step Functions Local) and Wait
// states, retry intervals and timeouts on a virtual clock.
//
// Run drives workflow.Machine: it answers each task request at once from
// the test case's mocked responses (keyed by invocation number, retries
// included), so Parallel branches and Map iterations run one after the
// other and the printed list of states is deterministic; when every
// thread waits it fires the earliest timer, moving the clock to it (or
// sleeping until it with RealTime). A Task without a mock fails the run
// with States.Runtime and a cause naming the state; a run entering more
// than MaxTransitions states is stopped as an endless loop.
package local
