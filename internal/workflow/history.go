package workflow

import (
	"encoding/json"
	"strings"
	"time"
)

// HistoryEvent is one event of an execution's history, shaped like the
// GetExecutionHistory API's HistoryEvent (Step Functions API Reference ›
// HistoryEvent): Type is one of AWS's HistoryEventType values
// (ExecutionStarted, PassStateEntered, TaskScheduled, ...), ID counts from
// 1, PreviousEventID is the event this one follows in its branch, and
// Details is marshalled under the type's details key
// ("stateEnteredEventDetails", "taskScheduledEventDetails", ...).
type HistoryEvent struct {
	Timestamp       time.Time
	Type            string
	ID              int64
	PreviousEventID int64
	Details         map[string]any
	// Thread and ParentThread say which line of control recorded the
	// event (0 the top level, then Parallel branches and Map iterations in
	// the order they started; -1 for execution events). They are not part
	// of AWS's event and not encoded.
	Thread, ParentThread int
}

// detailsKey is the JSON member AWS puts an event's details under.
func detailsKey(typ string) string {
	switch {
	case strings.HasSuffix(typ, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(typ, "StateExited"):
		return "stateExitedEventDetails"
	}
	return lowerFirst(typ) + "EventDetails"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// MarshalJSON writes the event as AWS does.
func (h HistoryEvent) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"timestamp":       h.Timestamp.UTC().Format(time.RFC3339Nano),
		"type":            h.Type,
		"id":              h.ID,
		"previousEventId": h.PreviousEventID,
	}
	if len(h.Details) > 0 {
		m[detailsKey(h.Type)] = h.Details
	}
	return encodeJSON(m)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (h *HistoryEvent) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	var ts string
	if err := json.Unmarshal(m["timestamp"], &ts); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return err
	}
	h.Timestamp = t
	if err := json.Unmarshal(m["type"], &h.Type); err != nil {
		return err
	}
	_ = json.Unmarshal(m["id"], &h.ID)
	_ = json.Unmarshal(m["previousEventId"], &h.PreviousEventID)
	if raw, ok := m[detailsKey(h.Type)]; ok {
		v, err := decodeJSON(raw)
		if err != nil {
			return err
		}
		h.Details, _ = v.(map[string]any)
	}
	return nil
}

// stateTypeEvent is the history name of a state type's entered and exited
// events: "Pass" → PassStateEntered / PassStateExited.
func stateEvent(typ, what string) string {
	if what == "Entered" {
		return enteredEvents[typ]
	}
	return exitedEvents[typ]
}

var enteredEvents, exitedEvents = map[string]string{}, map[string]string{}

func init() {
	for typ := range stateFields {
		enteredEvents[typ] = typ + "StateEntered"
		exitedEvents[typ] = typ + "StateExited"
	}
}

// notTruncated is the inputDetails/outputDetails of every event: payloads
// are never truncated. Shared, never modified.
var notTruncated = map[string]any{"truncated": false}

// payloadDetail is a state's or task's JSON as a history event holds it:
// a string of JSON text. The text is made when the event is encoded, not
// when it is recorded: values are immutable, and most histories are
// encoded once, if at all.
func payloadDetail(v any) any { return jsonText{v} }

// jsonText encodes as a JSON string holding v's compact JSON text.
type jsonText struct{ v any }

func (j jsonText) MarshalJSON() ([]byte, error) {
	b, err := encodeJSON(j.v)
	if err != nil {
		return nil, err
	}
	return encodeJSON(string(b))
}

// String is the JSON text.
func (j jsonText) String() string { return compactJSON(j.v) }
