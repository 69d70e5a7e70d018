package execution

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/firstline/firstline/internal/arn"
	"github.com/firstline/firstline/internal/rule"
	"github.com/firstline/firstline/internal/store"
)

// Target delivers rule matches to state machines: a target whose Arn is
// arn:aws:states:REGION:ACCOUNT:stateMachine:NAME starts an execution of
// NAME with the shaped event as input (EventBridge User Guide › Step
// Functions state machine targets). The execution is named after the
// event, rule and target, so a delivery retried after a crash starts the
// same execution, not a second one.
type Target struct{ X *Executor }

// Deliver starts the execution.
func (t Target) Deliver(ctx context.Context, d rule.Delivery) error {
	a, err := arn.Parse(d.Target.Arn)
	if err != nil {
		return &rule.DeliveryError{Permanent: true, Err: err}
	}
	name, ok := strings.CutPrefix(a.Resource, "stateMachine:")
	if !ok || name == "" {
		return &rule.DeliveryError{Permanent: true, Err: fmt.Errorf("%s does not name a state machine (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)", d.Target.Arn)}
	}
	sum := sha256.Sum256([]byte(d.Rule + "\x00" + d.Target.Id))
	execName := d.EventID + "-" + hex.EncodeToString(sum[:4])
	if len(execName) > 80 {
		execName = execName[:80]
	}
	_, err = t.X.Start(ctx, name, execName, d.Payload)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &rule.DeliveryError{Permanent: true, Err: fmt.Errorf("state machine %q does not exist", name)}
	case errors.Is(err, ErrExecutionExists), errors.Is(err, ErrInvalidInput):
		return &rule.DeliveryError{Permanent: true, Err: err}
	}
	return err
}
