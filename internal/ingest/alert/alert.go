// Package alert holds what the alert-shaped webhook receivers
// (alertmanager, grafana) share: status checks, resources from labels,
// alert times, and JSON helpers.
package alert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
)

// CheckStatus rejects a status other than firing and resolved.
func CheckStatus(path, s string) error {
	if s == "firing" || s == "resolved" {
		return nil
	}
	return &ingest.FieldError{Path: path, Msg: fmt.Sprintf(`is %q; want "firing" or "resolved"`, s)}
}

// Resources returns "<label>/<value>" for each of names the labels carry
// with a value that can be a resource.
func Resources(names []string, labels map[string]string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, n := range names {
		v := labels[n]
		if v == "" {
			continue
		}
		res := n + "/" + v
		if seen[res] || utf8.RuneCountInString(res) > event.MaxResourceLen || !Printable(res) {
			continue
		}
		seen[res] = true
		out = append(out, res)
	}
	return out
}

// Time parses an RFC 3339 alert time; when it is empty, does not
// parse, is the zero time Alertmanager sends for "not set", or lies outside
// the years an envelope can hold, the event gets the arrival time.
func Time(s string, received time.Time) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.IsZero() {
		return received
	}
	t = t.UTC()
	if y := t.Year(); y < 1970 || y > 9999 {
		return received
	}
	return t
}

// Printable reports whether s is valid UTF-8 without control characters,
// as an event resource must be.
func Printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c >= 0x7f && c <= 0x9f {
			return false
		}
	}
	return true
}

// Decode decodes raw into v; an absent or null value leaves v as it is.
func Decode(raw json.RawMessage, path, want string, v any) error {
	if IsNull(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return &ingest.FieldError{Path: path, Msg: "must be " + want}
	}
	return nil
}

// Marshal encodes v without escaping <, > and & (URLs stay readable).
func Marshal(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func IsNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func IsObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// Split returns the alerts of a group payload's "alerts" field, rejecting a
// missing, non-array or empty one with the field named.
func Split(raw json.RawMessage) ([]json.RawMessage, error) {
	var alerts []json.RawMessage
	switch {
	case IsNull(raw):
		return nil, &ingest.FieldError{Path: "alerts", Msg: "is missing; want the group's alerts"}
	case json.Unmarshal(raw, &alerts) != nil:
		return nil, &ingest.FieldError{Path: "alerts", Msg: "must be an array of alerts"}
	case len(alerts) == 0:
		return nil, &ingest.FieldError{Path: "alerts", Msg: "is empty; want at least one alert"}
	}
	return alerts, nil
}

// Events makes one event per alert with build, which gets the alert's path
// in the body (alerts[i]) and its raw JSON; the first error stops.
func Events(alerts []json.RawMessage, build func(path string, raw json.RawMessage) (*event.Event, error)) ([]*event.Event, error) {
	events := make([]*event.Event, 0, len(alerts))
	for i, raw := range alerts {
		ev, err := build(fmt.Sprintf("alerts[%d]", i), raw)
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}
