// Package eventbridge is the hook type for an Amazon EventBridge API
// destination posting raw AWS events (aws.cloudwatch, aws.ssm, CloudTrail
// API calls, CloudFormation, aws.aidevops, ...): each enters the bus as it
// was — source, detail-type, account, region, time, resources and detail
// unchanged. firstline assigns its own id; the original is kept in
// resources as "eventbridge-event-id/<id>" so both can be correlated.
//
//	kind: Hook
//	name: aws
//	spec:
//	  Type: eventbridge
//	  Auth: {Bearer: "${EVENTBRIDGE_HOOK_TOKEN}"}   # the connection's API key or bearer
//
// The body is one event envelope, or an array of up to 10.
package eventbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
)

// Config is the eventbridge hook's spec: no fields of its own.
type Config struct {
	ingest.SpecBase
}

// MaxEvents bounds the events of one request.
const MaxEvents = 10

// New builds the receiver.
func New(_ string, spec json.RawMessage) (ingest.Receiver, error) {
	var c Config
	if err := ingest.DecodeSpec(spec, &c); err != nil {
		return nil, err
	}
	return ingest.ReceiverFunc(receive), nil
}

func receive(_ context.Context, req *ingest.Request) ([]*event.Event, error) {
	body := strings.TrimSpace(string(req.Body))
	var raws []json.RawMessage
	if strings.HasPrefix(body, "[") {
		if err := json.Unmarshal([]byte(body), &raws); err != nil {
			return nil, &ingest.FieldError{Msg: "body is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
		}
		if len(raws) == 0 || len(raws) > MaxEvents {
			return nil, &ingest.FieldError{Msg: fmt.Sprintf("an array body must hold 1 to %d events", MaxEvents)}
		}
	} else {
		raws = []json.RawMessage{json.RawMessage(body)}
	}
	out := make([]*event.Event, 0, len(raws))
	for i, raw := range raws {
		prefix := ""
		if len(raws) > 1 {
			prefix = fmt.Sprintf("[%d].", i)
		}
		var e event.Event
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, &ingest.FieldError{Path: strings.TrimSuffix(prefix, "."), Msg: "not an EventBridge event: " + strings.TrimPrefix(err.Error(), "json: ")}
		}
		switch {
		case e.Source == "":
			return nil, &ingest.FieldError{Path: prefix + "source", Msg: "is required"}
		case e.DetailType == "":
			return nil, &ingest.FieldError{Path: prefix + "detail-type", Msg: "is required"}
		}
		if e.ID != "" {
			e.Resources = append(e.Resources, "eventbridge-event-id/"+e.ID)
		}
		e.ID = ""
		out = append(out, &e)
	}
	return out, nil
}
