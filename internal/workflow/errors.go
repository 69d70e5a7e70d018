package workflow

import (
	"errors"
	"fmt"
)

// Error names the States Language predefines (States Language › Errors;
// Step Functions Developer Guide › Handling errors in Step Functions
// workflows).
const (
	ErrALL                    = "States.ALL"
	ErrTaskFailed             = "States.TaskFailed"
	ErrTimeout                = "States.Timeout"
	ErrHeartbeatTimeout       = "States.HeartbeatTimeout"
	ErrRuntime                = "States.Runtime"
	ErrDataLimitExceeded      = "States.DataLimitExceeded"
	ErrIntrinsicFailure       = "States.IntrinsicFailure"
	ErrResultPathMatchFailure = "States.ResultPathMatchFailure"
	ErrParameterPathFailure   = "States.ParameterPathFailure"
	ErrNoChoiceMatched        = "States.NoChoiceMatched"
	ErrBranchFailed           = "States.BranchFailed"
	ErrPermissions            = "States.Permissions"
	ErrExceedToleratedFailure = "States.ExceedToleratedFailureThreshold"
	ErrQueryEvaluationError   = "States.QueryEvaluationError"
	ErrItemReaderFailed       = "States.ItemReaderFailed"
	ErrResultWriterFailed     = "States.ResultWriterFailed"
)

// MaxPayloadBytes is the largest input, output or result a state may
// pass on: 256 KiB of UTF-8 JSON text (Step Functions quotas › maximum
// input or output size for a task, state, or execution). More fails the
// state with States.DataLimitExceeded.
const MaxPayloadBytes = 256 * 1024

// Failure is a named error with a cause, as states, tasks and executions
// fail with it.
type Failure struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// stateError is a Failure travelling as a Go error inside the interpreter.
type stateError struct{ name, cause string }

func (e *stateError) Error() string { return e.name + ": " + e.cause }

// fail makes a stateError.
func fail(name, format string, args ...any) error {
	if len(args) == 0 {
		return &stateError{name, format}
	}
	return &stateError{name, fmt.Sprintf(format, args...)}
}

// asFailure turns any error into a Failure: a stateError keeps its name,
// anything else is States.Runtime.
func asFailure(err error) *Failure {
	var se *stateError
	if errors.As(err, &se) {
		return &Failure{Error: se.name, Cause: se.cause}
	}
	return &Failure{Error: ErrRuntime, Cause: err.Error()}
}

// terminal reports whether no Retry or Catch can handle the error:
// States.Runtime (Developer Guide › Error names). The guide says the same
// of States.DataLimitExceeded, but Step Functions catches it with
// States.ALL (recorded behaviour), and so does firstline.
func terminalError(name string) bool {
	return name == ErrRuntime
}

// matches reports whether a retrier's or catcher's ErrorEquals list
// matches error name (States Language › Retrying after error, Fallback
// states): exact names, States.ALL for any error except the terminal
// ones, States.TaskFailed for any error except States.Timeout.
func matches(equals []string, name string) bool {
	for _, e := range equals {
		switch {
		case name == ErrRuntime:
			return false
		case e == name:
			return true
		case terminalError(name):
			// only an exact name catches these
		case e == ErrALL:
			return true
		case e == ErrTaskFailed && name != ErrTimeout:
			return true
		}
	}
	return false
}
