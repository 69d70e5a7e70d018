package execution

import (
	"context"
	"encoding/json"
	"time"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/rule"
	"github.com/firstline/firstline/internal/store"
)

// StatusChangeEvent is the "Step Functions Execution Status Change" event
// for s, as Step Functions sends it to EventBridge (source aws.states;
// detail with executionArn, stateMachineArn, name, status, startDate and
// stopDate in epoch milliseconds, input and output as JSON strings).
func StatusChangeEvent(s *Summary, account, region string) *event.Event {
	type details struct {
		Included bool `json:"included"`
	}
	str := func(raw json.RawMessage) *string {
		if len(raw) == 0 {
			return nil
		}
		v := string(raw)
		return &v
	}
	var stop *int64
	if s.StopDate != nil {
		ms := s.StopDate.UnixMilli()
		stop = &ms
	}
	var outDetails *details
	if len(s.Output) > 0 {
		outDetails = &details{true}
	}
	optional := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	detail, _ := json.Marshal(struct {
		ExecutionArn    string   `json:"executionArn"`
		StateMachineArn string   `json:"stateMachineArn"`
		Name            string   `json:"name"`
		Status          string   `json:"status"`
		StartDate       int64    `json:"startDate"`
		StopDate        *int64   `json:"stopDate"`
		Input           *string  `json:"input"`
		InputDetails    details  `json:"inputDetails"`
		Output          *string  `json:"output"`
		OutputDetails   *details `json:"outputDetails"`
		Error           *string  `json:"error"`
		Cause           *string  `json:"cause"`
	}{s.ExecutionArn, s.StateMachineArn, s.Name, s.Status, s.StartDate.UnixMilli(), stop,
		str(s.Input), details{true}, str(s.Output), outDetails, optional(s.Error), optional(s.Cause)})
	return &event.Event{
		Version: "0", ID: event.NewID(), Time: time.Now().UTC().Truncate(time.Second),
		Source: "aws.states", DetailType: "Step Functions Execution Status Change",
		Account: account, Region: region, Resources: []string{s.ExecutionArn}, Detail: detail,
	}
}

// Publisher returns a Publish function that appends the status change
// event to the bus in the step's transaction and routes it to matching
// rules, so rules can react to failed runbooks.
func Publisher(events *event.Store, rules *rule.Engine) func(ctx context.Context, tx store.Tx, s *Summary, account, region string) error {
	return func(ctx context.Context, tx store.Tx, s *Summary, account, region string) error {
		ev := StatusChangeEvent(s, account, region)
		ev.Time = s.StartDate.Truncate(time.Second)
		if s.StopDate != nil {
			ev.Time = s.StopDate.Truncate(time.Second)
		}
		return appendEvents(ctx, tx, events, rules, []*event.Event{ev})
	}
}
