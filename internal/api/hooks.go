package api

import (
	"encoding/json"
	"net/http"

	"github.com/firstline/firstline/internal/ingest/sns"
)

// ConfirmRequest is the body of POST /api/v1/hooks/confirm.
type ConfirmRequest struct {
	// EventId is the "SNS Subscription Confirmation" event to confirm.
	EventId string `json:"EventId"` //nolint:revive // AWS-style field name
}

// ConfirmResult says which topic was confirmed.
type ConfirmResult struct {
	Confirmed bool   `json:"Confirmed"`
	TopicArn  string `json:"TopicArn"`
}

func (a *API) confirmSubscription(w http.ResponseWriter, r *http.Request) error {
	var req ConfirmRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.EventId == "" {
		return errField("EventId", "is required")
	}
	ev, err := a.Events.Get(r.Context(), req.EventId)
	if err != nil {
		return err
	}
	if ev.Source != sns.Source || ev.DetailType != sns.DetailTypeSubscriptionConfirmation {
		return errField("EventId", "is not an SNS Subscription Confirmation event")
	}
	var d struct{ TopicArn, SubscribeURL string }
	if err := json.Unmarshal(ev.Detail, &d); err != nil || d.SubscribeURL == "" {
		return errField("EventId", "the event has no SubscribeURL")
	}
	p := a.pending(r)
	p.Resource = "hooks/sns/" + d.TopicArn
	p.Detail = map[string]string{"eventId": req.EventId, "topicArn": d.TopicArn}
	confirm := a.ConfirmSNS
	if confirm == nil {
		confirm = sns.ConfirmURL
	}
	if err := confirm(r.Context(), d.SubscribeURL); err != nil {
		return errStatus(http.StatusBadGateway, CodeServiceUnavailable, err.Error())
	}
	writeJSON(w, http.StatusOK, ConfirmResult{Confirmed: true, TopicArn: d.TopicArn})
	return nil
}
