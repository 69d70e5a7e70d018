package event

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is the canonical event: the EventBridge envelope. Detail is the raw
// JSON object, kept byte for byte as it was received.
type Event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// TimeLayout is the format of the envelope's time field (RFC 3339, UTC,
// seconds), as EventBridge writes it.
const TimeLayout = "2006-01-02T15:04:05Z"

// MarshalJSON writes the envelope with EventBridge's field order and time
// format; resources is always an array.
//
// It has a value receiver so that an Event value, not only a pointer,
// marshals as an envelope.
func (e Event) MarshalJSON() ([]byte, error) {
	res := e.Resources
	if res == nil {
		res = []string{}
	}
	detail := e.Detail
	if len(detail) == 0 {
		detail = json.RawMessage("{}")
	}
	return json.Marshal(struct {
		Version    string          `json:"version"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
	}{e.Version, e.ID, e.DetailType, e.Source, e.Account, e.Time.UTC().Format(TimeLayout), e.Region, res, detail})
}

// UnmarshalJSON reads an envelope; time must be RFC 3339.
func (e *Event) UnmarshalJSON(b []byte) error {
	var raw struct {
		Version    string          `json:"version"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, raw.Time)
	if err != nil {
		return fmt.Errorf("event time %q: %w", raw.Time, err)
	}
	// MarshalJSON writes a four-digit UTC year; refuse what it cannot write.
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return fmt.Errorf("event time %q: year %d in UTC is outside 0000 to 9999", raw.Time, y)
	}
	*e = Event{raw.Version, raw.ID, raw.DetailType, raw.Source, raw.Account, t, raw.Region, raw.Resources, raw.Detail}
	return nil
}

// Defaults holds the envelope fields the server fills in.
type Defaults struct {
	// Account is the 12-digit account id written into every event
	// (default "000000000000").
	Account string `yaml:"account" json:"account"`
	// Region is the region written into every event (default "local-1").
	Region string `yaml:"region" json:"region"`
}

// WithDefaults returns d with empty fields set to their defaults.
func (d Defaults) WithDefaults() Defaults {
	if d.Account == "" {
		d.Account = "000000000000"
	}
	if d.Region == "" {
		d.Region = "local-1"
	}
	return d
}
