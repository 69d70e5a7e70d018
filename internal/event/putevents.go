package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits from the EventBridge API Reference (PutEvents, PutEventsRequestEntry)
// and User Guide (Calculating PutEvents event entry size).
const (
	MaxEntries        = 10
	MaxEntrySize      = 256 * 1024
	MaxSourceLen      = 256
	MaxDetailTypeLen  = 128
	MaxResources      = 100
	MaxResourceLen    = 2048
	MaxDetailDepth    = 1100
	timeFieldSizeCost = 14
)

// PutEvents error codes written into a failed result entry, as EventBridge's
// PutEventsResultEntry.ErrorCode.
const (
	CodeInvalidArgument = "InvalidArgument"
	CodeMalformedDetail = "MalformedDetail"
	CodeInternalFailure = "InternalFailure"
)

// ValidationError rejects a whole request. Path names the offending field
// (for example "Entries"), Code is the API error code.
type ValidationError struct {
	Path string
	Code string
	Msg  string
}

func (e *ValidationError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Field returns the path of the rejected field.
func (e *ValidationError) Field() string { return e.Path }

// ErrorCode returns the API error code.
func (e *ValidationError) ErrorCode() string { return e.Code }

// ResultEntry is one slot of a PutEvents response: EventId on success,
// ErrorCode and ErrorMessage on failure.
type ResultEntry struct {
	EventId      string `json:"EventId,omitempty"` //nolint:revive // AWS field name
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// PutEventsResponse is the body of a PutEvents response.
type PutEventsResponse struct {
	FailedEntryCount int           `json:"FailedEntryCount"`
	Entries          []ResultEntry `json:"Entries"`
}

// Batch is a parsed PutEvents request: Events[i] is the event built from
// entry i, or nil if entry i failed, in which case Results[i] says why.
type Batch struct {
	Events  []*Event
	Results []ResultEntry
}

// Valid returns the events of the entries that passed validation.
func (b *Batch) Valid() []*Event {
	out := make([]*Event, 0, len(b.Events))
	for _, e := range b.Events {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// Response builds the PutEvents response, setting EventId for every
// accepted entry.
func (b *Batch) Response() PutEventsResponse {
	resp := PutEventsResponse{Entries: make([]ResultEntry, len(b.Results))}
	for i, r := range b.Results {
		if b.Events[i] != nil {
			r = ResultEntry{EventId: b.Events[i].ID}
		} else {
			resp.FailedEntryCount++
		}
		resp.Entries[i] = r
	}
	return resp
}

// Fail marks every accepted entry as failed with code and message (used
// when the commit fails).
func (b *Batch) Fail(code, msg string) {
	for i, e := range b.Events {
		if e != nil {
			b.Events[i] = nil
			b.Results[i] = ResultEntry{ErrorCode: code, ErrorMessage: msg}
		}
	}
}

type putEventsRequest struct {
	Entries    []json.RawMessage `json:"Entries"`
	EndpointId string            `json:"EndpointId"` //nolint:revive // AWS field name
}

type requestEntry struct {
	Source       *string         `json:"Source"`
	DetailType   *string         `json:"DetailType"`
	Detail       *string         `json:"Detail"`
	Resources    []string        `json:"Resources"`
	Time         json.RawMessage `json:"Time"`
	EventBusName string          `json:"EventBusName"`
	TraceHeader  string          `json:"TraceHeader"`
}

// ParsePutEvents parses and validates a PutEvents request body. It returns a
// *ValidationError if the body as a whole is unusable (not JSON, no
// Entries, more than MaxEntries); otherwise every entry has its slot in the
// Batch, accepted or failed. now is the ingest time: it fills Time when an
// entry has none.
func ParsePutEvents(body []byte, d Defaults, now time.Time) (*Batch, error) {
	var req putEventsRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, requestJSONError(err)
	}
	// dec.More would miss a trailing } or ]: it reports the end of a
	// container, not of the input.
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, &ValidationError{Code: "SerializationException", Msg: "request body has data after the JSON object"}
	}
	if len(req.Entries) == 0 {
		return nil, &ValidationError{Path: "Entries", Code: "ValidationException", Msg: "at least 1 entry is required"}
	}
	if len(req.Entries) > MaxEntries {
		return nil, &ValidationError{Path: "Entries", Code: "ValidationException",
			Msg: fmt.Sprintf("has %d entries; PutEvents takes at most %d", len(req.Entries), MaxEntries)}
	}
	d = d.WithDefaults()
	b := &Batch{Events: make([]*Event, len(req.Entries)), Results: make([]ResultEntry, len(req.Entries))}
	for i, raw := range req.Entries {
		ev, code, err := parseEntry(raw, d, now)
		if err != nil {
			var ee entryError
			if !errors.As(err, &ee) {
				ee = entryError{msg: err.Error()}
			}
			b.Results[i] = ResultEntry{ErrorCode: code, ErrorMessage: ee.at(i)}
			continue
		}
		b.Events[i] = ev
	}
	return b, nil
}

func requestJSONError(err error) error {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return &ValidationError{Path: ute.Field, Code: "SerializationException", Msg: fmt.Sprintf("must be %s, not %s", jsonKind(ute.Type.Kind().String()), ute.Value)}
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &ValidationError{Path: strings.Trim(f, `"`), Code: "SerializationException", Msg: "unknown field; a PutEvents request has Entries and EndpointId"}
	}
	return &ValidationError{Code: "SerializationException", Msg: "request body is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "string":
		return "a string"
	default:
		return k
	}
}

// entryError is an entry-level failure: the message starts with the field.
type entryError struct{ field, msg string }

func (e entryError) Error() string { return e.field + ": " + e.msg }

// at returns the message for entry i: "Entries[i].Field: msg", or
// "Entries[i]: msg" when the error is about the entry as a whole.
func (e entryError) at(i int) string {
	if e.field == "" {
		return fmt.Sprintf("Entries[%d]: %s", i, e.msg)
	}
	return fmt.Sprintf("Entries[%d].%s: %s", i, e.field, e.msg)
}

func parseEntry(raw json.RawMessage, d Defaults, now time.Time) (*Event, string, error) {
	var in requestEntry
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, CodeInvalidArgument, entryError{ute.Field, "must be " + jsonKind(ute.Type.Kind().String()) + ", not " + ute.Value}
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, CodeInvalidArgument, entryError{strings.Trim(f, `"`), "unknown field; an entry has Source, DetailType, Detail, Resources, Time, EventBusName, TraceHeader"}
		}
		return nil, CodeInvalidArgument, entryError{"", "entry is not a JSON object"}
	}
	size := 0
	switch {
	case in.Source == nil || *in.Source == "":
		return nil, CodeInvalidArgument, entryError{"Source", "is required"}
	case utf8.RuneCountInString(*in.Source) > MaxSourceLen:
		return nil, CodeInvalidArgument, entryError{"Source", fmt.Sprintf("is longer than %d characters", MaxSourceLen)}
	case !printable(*in.Source):
		return nil, CodeInvalidArgument, entryError{"Source", "must be valid UTF-8 without control characters"}
	case in.DetailType == nil || *in.DetailType == "":
		return nil, CodeInvalidArgument, entryError{"DetailType", "is required"}
	case utf8.RuneCountInString(*in.DetailType) > MaxDetailTypeLen:
		return nil, CodeInvalidArgument, entryError{"DetailType", fmt.Sprintf("is longer than %d characters", MaxDetailTypeLen)}
	case !printable(*in.DetailType):
		return nil, CodeInvalidArgument, entryError{"DetailType", "must be valid UTF-8 without control characters"}
	case in.Detail == nil:
		return nil, CodeInvalidArgument, entryError{"Detail", "is required (a JSON object as a string, for example \"{}\")"}
	case len(in.Resources) > MaxResources:
		return nil, CodeInvalidArgument, entryError{"Resources", fmt.Sprintf("has %d items; at most %d are allowed", len(in.Resources), MaxResources)}
	}
	if in.EventBusName != "" && in.EventBusName != "default" && !strings.HasSuffix(in.EventBusName, ":event-bus/default") {
		return nil, CodeInvalidArgument, entryError{"EventBusName", fmt.Sprintf("event bus %q does not exist; firstline has one event bus, default", in.EventBusName)}
	}
	size += len(*in.Source) + len(*in.DetailType) + len(*in.Detail)
	for j, r := range in.Resources {
		if utf8.RuneCountInString(r) > MaxResourceLen {
			return nil, CodeInvalidArgument, entryError{fmt.Sprintf("Resources[%d]", j), fmt.Sprintf("is longer than %d characters", MaxResourceLen)}
		}
		if !printable(r) {
			return nil, CodeInvalidArgument, entryError{fmt.Sprintf("Resources[%d]", j), "must be valid UTF-8 without control characters"}
		}
		size += len(r)
	}
	t := now.UTC()
	if len(in.Time) > 0 && string(in.Time) != "null" {
		size += timeFieldSizeCost
		var err error
		if t, err = parseTime(in.Time); err != nil {
			return nil, CodeInvalidArgument, entryError{"Time", err.Error()}
		}
	}
	if size > MaxEntrySize {
		return nil, CodeInvalidArgument, entryError{"", fmt.Sprintf("entry is %d bytes; the limit is %d bytes (256 KB) counting Time, Source, DetailType, Detail and Resources", size, MaxEntrySize)}
	}
	detail := []byte(*in.Detail)
	if msg := checkDetail(detail); msg != "" {
		return nil, CodeMalformedDetail, entryError{"Detail", msg}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, detail); err != nil {
		return nil, CodeMalformedDetail, entryError{"Detail", "is not valid JSON"}
	}
	res := in.Resources
	if res == nil {
		res = []string{}
	}
	return &Event{
		Version:    "0",
		ID:         newID(),
		DetailType: *in.DetailType,
		Source:     *in.Source,
		Account:    d.Account,
		Time:       t.Truncate(time.Second),
		Region:     d.Region,
		Resources:  res,
		Detail:     compact.Bytes(),
	}, "", nil
}

// checkDetail reports why detail is not an acceptable event detail, or "".
func checkDetail(detail []byte) string {
	trimmed := bytes.TrimSpace(detail)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return "must be a JSON object"
	}
	if !utf8.Valid(detail) {
		return "must be valid UTF-8"
	}
	if !json.Valid(detail) {
		return "is not valid JSON"
	}
	if depth(detail) > MaxDetailDepth {
		return fmt.Sprintf("nests deeper than %d levels", MaxDetailDepth)
	}
	return ""
}

// depth returns the maximum nesting of objects and arrays in valid JSON.
func depth(b []byte) int {
	d, maxD, inStr, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			d++
			maxD = max(maxD, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return maxD
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r >= 0x7f && r <= 0x9f { // C0, DEL and C1 controls
			return false
		}
	}
	return true
}

// parseTime accepts RFC 3339 strings and epoch seconds (the AWS JSON
// protocol's timestamp form), returning UTC.
func parseTime(raw json.RawMessage) (time.Time, error) {
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, errors.New("must be an RFC 3339 string or epoch seconds")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp (for example 2026-01-02T15:04:05Z)", s)
		}
		// Check the year in UTC, the zone the envelope is written in:
		// 9999-12-31T23:59:59-01:00 is in year 10000.
		t = t.UTC()
		if t.Year() < 1970 || t.Year() > 9999 {
			return time.Time{}, fmt.Errorf("%q is out of range", s)
		}
		return t, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || math.IsNaN(f) || f < 0 || f > 253402300799 {
		return time.Time{}, errors.New("must be an RFC 3339 string or epoch seconds between 0 and 253402300799")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// newID returns a random, time-ordered UUID (version 7): ids of new events
// sort after older ones, so the id index grows at its right edge instead of
// dirtying random pages on every commit.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// NewID returns a new event id: a random, time-ordered UUID.
func NewID() string { return newID() }

// Finish completes an event built by a receiver (a hook) and checks it
// against the same limits as a PutEvents entry: it fills version, id (if
// empty), account and region (if empty), time (now if zero) and resources,
// compacts the detail, and returns a *ValidationError naming the field it
// rejects.
func Finish(e *Event, d Defaults, now time.Time) error {
	d = d.WithDefaults()
	fail := func(field, msg string) error {
		return &ValidationError{Path: field, Code: CodeInvalidArgument, Msg: msg}
	}
	switch {
	case e.Source == "" || utf8.RuneCountInString(e.Source) > MaxSourceLen || !printable(e.Source):
		return fail("source", fmt.Sprintf("must be 1 to %d printable characters", MaxSourceLen))
	case e.DetailType == "" || utf8.RuneCountInString(e.DetailType) > MaxDetailTypeLen || !printable(e.DetailType):
		return fail("detail-type", fmt.Sprintf("must be 1 to %d printable characters", MaxDetailTypeLen))
	case len(e.Resources) > MaxResources:
		return fail("resources", fmt.Sprintf("has %d items; at most %d", len(e.Resources), MaxResources))
	}
	size := len(e.Source) + len(e.DetailType) + len(e.Detail)
	for i, r := range e.Resources {
		if utf8.RuneCountInString(r) > MaxResourceLen || !printable(r) {
			return fail(fmt.Sprintf("resources[%d]", i), fmt.Sprintf("must be at most %d printable characters", MaxResourceLen))
		}
		size += len(r)
	}
	if size > MaxEntrySize {
		return fail("", fmt.Sprintf("event is %d bytes; the limit is %d bytes (256 KB)", size, MaxEntrySize))
	}
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage("{}")
	}
	if msg := checkDetail(e.Detail); msg != "" {
		return fail("detail", msg)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, e.Detail); err != nil {
		return fail("detail", "is not valid JSON")
	}
	e.Detail = compact.Bytes()
	e.Version = "0"
	if e.ID == "" {
		e.ID = newID()
	}
	if e.Account == "" {
		e.Account = d.Account
	}
	if e.Region == "" {
		e.Region = d.Region
	}
	if e.Time.IsZero() {
		e.Time = now
	}
	e.Time = e.Time.UTC().Truncate(time.Second)
	if y := e.Time.Year(); y < 1970 || y > 9999 {
		return fail("time", "is out of range")
	}
	if e.Resources == nil {
		e.Resources = []string{}
	}
	return nil
}
