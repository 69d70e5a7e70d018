// Package alertmanager is the hook receiver for Prometheus Alertmanager's
// webhook (a receiver's webhook_configs; payload version "4"). Register New
// as hook type "alertmanager".
//
// A request is one notification for an alert group. It becomes one event
// per alert in the group, firing and resolved alike, in the order of the
// payload's alerts:
//
//	source       "alertmanager"                  (Source)
//	detail-type  "Alertmanager Alert"            (DetailType)
//	resources    "<label>/<value>" for each label of the spec's
//	             ResourceLabels (default instance, job, service) that the
//	             alert carries with a non-empty value, in that order; a value
//	             that cannot be a resource (control characters, over 2048
//	             characters) is left out
//	time         startsAt of a firing alert, endsAt of a resolved one; the
//	             time the request arrived when that is missing, not RFC 3339,
//	             the zero time 0001-01-01T00:00:00Z, or outside 1970 to 9999
//	detail       the alert's fields, then the group's:
//	             {
//	               "status": "firing" | "resolved",  the alert's (the group's if the alert has none)
//	               "labels": {...},
//	               "annotations": {...},
//	               "fingerprint": "...",
//	               "startsAt": "...",                as sent
//	               "endsAt": "...",                  as sent ("0001-01-01T00:00:00Z" while firing)
//	               "generatorURL": "...",
//	               "receiver": "...",
//	               "groupKey": "...",
//	               "groupLabels": {...},
//	               "commonLabels": {...},
//	               "commonAnnotations": {...},
//	               "externalURL": "...",
//	               "truncatedAlerts": 0
//	             }
//
// Every key is always present: a string Alertmanager left out is "", a map
// is {}, truncatedAlerts is 0. Unknown payload fields are ignored.
//
// Receive rejects a request with an *ingest.FieldError naming the field
// (paths into the body, such as alerts[2].labels) when the body is not a
// JSON object, version is not "4", alerts is missing or empty, an alert is
// not an object or has no labels, a status is neither "firing" nor
// "resolved", or a field has the wrong JSON type. A time that does not
// parse is not an error: the event gets the arrival time.
//
// A hook using it, and the Alertmanager side:
//
//	kind: Hook
//	name: alertmanager
//	spec:
//	  Type: alertmanager
//	  Auth: {Bearer: "${ALERTMANAGER_HOOK_TOKEN}"}
//	  ResourceLabels: [instance, job, service, namespace]   # optional
//
//	receivers:
//	  - name: firstline
//	    webhook_configs:
//	      - url: http://127.0.0.1:8642/hooks/alertmanager
//	        send_resolved: true
//	        http_config:
//	          authorization: {credentials: <the token>}
package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/alert"
)

const (
	// Source is the source of every event this receiver makes.
	Source = "alertmanager"
	// DetailType is the detail-type of every event this receiver makes.
	DetailType = "Alertmanager Alert"
	// Version is the only webhook payload version accepted.
	Version = "4"
)

// New builds the receiver of an alertmanager hook from its spec (see
// Config). It is an ingest.Factory.
func New(hook string, spec json.RawMessage) (ingest.Receiver, error) {
	c, err := alert.DecodeConfig(spec)
	if err != nil {
		return nil, err
	}
	return &receiver{resourceLabels: c.ResourceLabels}, nil
}

type receiver struct {
	resourceLabels []string
}

// payload is the webhook body, each field kept raw so that a wrong type is
// reported with its path.
type payload struct {
	Version           json.RawMessage `json:"version"`
	GroupKey          json.RawMessage `json:"groupKey"`
	TruncatedAlerts   json.RawMessage `json:"truncatedAlerts"`
	Status            json.RawMessage `json:"status"`
	Receiver          json.RawMessage `json:"receiver"`
	GroupLabels       json.RawMessage `json:"groupLabels"`
	CommonLabels      json.RawMessage `json:"commonLabels"`
	CommonAnnotations json.RawMessage `json:"commonAnnotations"`
	ExternalURL       json.RawMessage `json:"externalURL"`
	Alerts            json.RawMessage `json:"alerts"`
}

type rawAlert struct {
	Status       json.RawMessage `json:"status"`
	Labels       json.RawMessage `json:"labels"`
	Annotations  json.RawMessage `json:"annotations"`
	StartsAt     json.RawMessage `json:"startsAt"`
	EndsAt       json.RawMessage `json:"endsAt"`
	GeneratorURL json.RawMessage `json:"generatorURL"`
	Fingerprint  json.RawMessage `json:"fingerprint"`
}

// group holds the group-level fields, decoded; they are copied into every
// event's detail.
type group struct {
	Receiver          string
	GroupKey          string
	GroupLabels       map[string]string
	CommonLabels      map[string]string
	CommonAnnotations map[string]string
	ExternalURL       string
	TruncatedAlerts   uint64
}

// Detail is the detail of an "Alertmanager Alert" event, in key order.
type Detail struct {
	Status            string            `json:"status"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
	Fingerprint       string            `json:"fingerprint"`
	StartsAt          string            `json:"startsAt"`
	EndsAt            string            `json:"endsAt"`
	GeneratorURL      string            `json:"generatorURL"`
	Receiver          string            `json:"receiver"`
	GroupKey          string            `json:"groupKey"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
}

// Receive turns one webhook notification into one event per alert.
func (r *receiver) Receive(_ context.Context, req *ingest.Request) ([]*event.Event, error) {
	if !alert.IsObject(req.Body) {
		return nil, notObject(req.Body)
	}
	var p payload
	if err := json.Unmarshal(req.Body, &p); err != nil {
		return nil, &ingest.FieldError{Msg: "body is not valid JSON: " + err.Error()}
	}

	var version string
	switch {
	case alert.IsNull(p.Version):
		return nil, &ingest.FieldError{Path: "version", Msg: `is missing; want "4" (the Alertmanager webhook payload version)`}
	case json.Unmarshal(p.Version, &version) != nil:
		return nil, &ingest.FieldError{Path: "version", Msg: `must be the string "4"`}
	case version != Version:
		return nil, &ingest.FieldError{Path: "version", Msg: fmt.Sprintf(`is %q; want "4" (the Alertmanager webhook payload version)`, version)}
	}

	var g group
	var groupStatus string
	for _, f := range []struct {
		raw        json.RawMessage
		path, want string
		v          any
	}{
		{p.Status, "status", "a string", &groupStatus},
		{p.Receiver, "receiver", "a string", &g.Receiver},
		{p.GroupKey, "groupKey", "a string", &g.GroupKey},
		{p.GroupLabels, "groupLabels", "an object of strings", &g.GroupLabels},
		{p.CommonLabels, "commonLabels", "an object of strings", &g.CommonLabels},
		{p.CommonAnnotations, "commonAnnotations", "an object of strings", &g.CommonAnnotations},
		{p.ExternalURL, "externalURL", "a string", &g.ExternalURL},
		{p.TruncatedAlerts, "truncatedAlerts", "a non-negative integer", &g.TruncatedAlerts},
	} {
		if err := alert.Decode(f.raw, f.path, f.want, f.v); err != nil {
			return nil, err
		}
	}
	if groupStatus != "" {
		if err := alert.CheckStatus("status", groupStatus); err != nil {
			return nil, err
		}
	}

	alerts, err := alert.Split(p.Alerts)
	if err != nil {
		return nil, err
	}
	return alert.Events(alerts, func(path string, raw json.RawMessage) (*event.Event, error) {
		return r.alertEvent(path, raw, groupStatus, &g, req.Received)
	})
}

// alertEvent makes the event of one alert; path is the alert's path in the
// body.
func (r *receiver) alertEvent(path string, raw json.RawMessage, groupStatus string, g *group, received time.Time) (*event.Event, error) {
	if !alert.IsObject(raw) {
		return nil, &ingest.FieldError{Path: path, Msg: "must be an object"}
	}
	var a rawAlert
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, &ingest.FieldError{Path: path, Msg: "must be an object"}
	}
	d := Detail{
		Receiver:          g.Receiver,
		GroupKey:          g.GroupKey,
		GroupLabels:       g.GroupLabels,
		CommonLabels:      g.CommonLabels,
		CommonAnnotations: g.CommonAnnotations,
		ExternalURL:       g.ExternalURL,
		TruncatedAlerts:   g.TruncatedAlerts,
	}
	for _, f := range []struct {
		raw        json.RawMessage
		name, want string
		v          any
	}{
		{a.Status, "status", "a string", &d.Status},
		{a.Labels, "labels", "an object of strings", &d.Labels},
		{a.Annotations, "annotations", "an object of strings", &d.Annotations},
		{a.StartsAt, "startsAt", "an RFC 3339 string", &d.StartsAt},
		{a.EndsAt, "endsAt", "an RFC 3339 string", &d.EndsAt},
		{a.GeneratorURL, "generatorURL", "a string", &d.GeneratorURL},
		{a.Fingerprint, "fingerprint", "a string", &d.Fingerprint},
	} {
		if err := alert.Decode(f.raw, path+"."+f.name, f.want, f.v); err != nil {
			return nil, err
		}
	}
	if len(d.Labels) == 0 {
		return nil, &ingest.FieldError{Path: path + ".labels", Msg: "is missing or empty; every alert has labels"}
	}
	switch {
	case d.Status != "":
		if err := alert.CheckStatus(path+".status", d.Status); err != nil {
			return nil, err
		}
	case groupStatus != "":
		d.Status = groupStatus
	default:
		return nil, &ingest.FieldError{Path: path + ".status", Msg: `is missing (and so is the group's status); want "firing" or "resolved"`}
	}

	at := d.StartsAt
	if d.Status == "resolved" {
		at = d.EndsAt
	}
	detail, err := alert.Marshal(d.normalized())
	if err != nil {
		return nil, &ingest.FieldError{Path: path, Msg: "cannot be encoded: " + err.Error()}
	}
	return &event.Event{
		Source:     Source,
		DetailType: DetailType,
		Detail:     detail,
		Resources:  alert.Resources(r.resourceLabels, d.Labels),
		Time:       alert.Time(at, received),
	}, nil
}

// normalized returns d with nil maps as empty ones, so that every key of
// the detail always holds an object.
func (d Detail) normalized() Detail {
	for _, m := range []*map[string]string{&d.Labels, &d.Annotations, &d.GroupLabels, &d.CommonLabels, &d.CommonAnnotations} {
		if *m == nil {
			*m = map[string]string{}
		}
	}
	return d
}

// notObject explains why a body that is not a JSON object is rejected.
func notObject(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &ingest.FieldError{Msg: "body is empty; want the Alertmanager webhook JSON object"}
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return &ingest.FieldError{Msg: "body is not valid JSON: " + err.Error()}
	}
	return &ingest.FieldError{Msg: "body must be a JSON object (the Alertmanager webhook payload)"}
}
