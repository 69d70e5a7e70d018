package event_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
)

var update = flag.Bool("update", false, "rewrite the expect sections of testdata/putevents/*.txtar with the actual results")

// testNow is the ingest time of every parse in these tests; an entry without
// Time gets it, truncated to the second.
var testNow = time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

// TestPutEventsTxtar runs the cases in testdata/putevents/*.txtar. Each
// archive has the body in request.json (or request.json.tmpl, a text/template
// with the functions repeat and seq, for bodies too large to write out) and
// the outcome in expect:
//
//	error: <Field()>: <substring of Msg>      whole request rejected
//
// or one line per entry:
//
//	ok [time=<RFC 3339>]                      accepted, with that event time
//	<ErrorCode> <substring of ErrorMessage>   rejected
//
// With -update the expect sections are rewritten from the actual results.
func TestPutEventsTxtar(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "putevents", "*.txtar"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			a := parseArchive(data)
			body := requestBody(t, a)
			batch, err := event.ParsePutEvents(body, event.Defaults{}, testNow)
			checkParseResult(t, batch, err)

			want, ok := a.file("expect")
			if *update {
				a.setFile("expect", describeResult(batch, err, string(want)))
				require.NoError(t, os.WriteFile(file, a.format(), 0o644))
				return
			}
			require.True(t, ok, "%s has no expect section", file)
			matchExpect(t, string(want), batch, err)
		})
	}
}

// requestBody returns the request body of a case: request.json as is, or
// request.json.tmpl expanded.
func requestBody(t *testing.T, a *archive) []byte {
	t.Helper()
	if body, ok := a.file("request.json"); ok {
		return body
	}
	src, ok := a.file("request.json.tmpl")
	require.True(t, ok, "no request.json or request.json.tmpl section")
	tmpl, err := template.New("request").Funcs(template.FuncMap{
		"repeat": strings.Repeat,
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i
			}
			return s
		},
	}).Parse(string(src))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, tmpl.Execute(&buf, nil))
	require.True(t, json.Valid(buf.Bytes()), "request.json.tmpl does not expand to valid JSON")
	return buf.Bytes()
}

func matchExpect(t *testing.T, expect string, batch *event.Batch, err error) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(expect, "\n"), "\n")
	if rest, ok := strings.CutPrefix(lines[0], "error: "); ok {
		require.Len(t, lines, 1, "an error expectation is one line")
		field, msg, ok := strings.Cut(rest, ": ")
		require.True(t, ok, "malformed expectation %q: want error: <field>: <message>", lines[0])
		require.Nil(t, batch)
		var ve *event.ValidationError
		require.ErrorAs(t, err, &ve)
		require.Equal(t, field, ve.Field(), "field of %v", err)
		require.Contains(t, ve.Msg, msg)
		return
	}
	require.NoError(t, err)
	require.Len(t, batch.Results, len(lines), "one expect line per entry")
	for i, line := range lines {
		code, rest, _ := strings.Cut(line, " ")
		if code == "ok" {
			ev := batch.Events[i]
			require.NotNil(t, ev, "entry %d: want accepted, got %+v", i, batch.Results[i])
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "time":
					want, err := time.Parse(time.RFC3339, v)
					require.NoError(t, err)
					require.Equal(t, want.UTC(), ev.Time, "entry %d time", i)
				default:
					t.Fatalf("entry %d: unknown check %q", i, kv)
				}
			}
			continue
		}
		require.Nil(t, batch.Events[i], "entry %d: want %s, got accepted", i, line)
		require.Equal(t, code, batch.Results[i].ErrorCode, "entry %d: %s", i, batch.Results[i].ErrorMessage)
		require.Contains(t, batch.Results[i].ErrorMessage, rest, "entry %d", i)
	}
}

// describeResult writes the expect section for a result; ok lines keep a
// time check where the previous expectation had one.
func describeResult(batch *event.Batch, err error, prev string) []byte {
	var buf bytes.Buffer
	if err != nil {
		var ve *event.ValidationError
		if errors.As(err, &ve) {
			fmt.Fprintf(&buf, "error: %s: %s\n", ve.Field(), ve.Msg)
		} else {
			fmt.Fprintf(&buf, "error: : %s\n", err)
		}
		return buf.Bytes()
	}
	prevLines := strings.Split(prev, "\n")
	for i, ev := range batch.Events {
		if ev == nil {
			fmt.Fprintf(&buf, "%s %s\n", batch.Results[i].ErrorCode, batch.Results[i].ErrorMessage)
			continue
		}
		buf.WriteString("ok")
		if i < len(prevLines) && strings.Contains(prevLines[i], " time=") {
			buf.WriteString(" time=" + ev.Time.Format(time.RFC3339))
		}
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// checkParseResult checks what must hold for any result of ParsePutEvents,
// whatever the body: exactly one of batch and err; a *ValidationError with
// a code; one slot per entry, each accepted or failed with a code and a
// message naming the entry; a response consistent with the slots; accepted
// events well formed and surviving a JSON round trip.
func checkParseResult(t *testing.T, batch *event.Batch, err error) {
	t.Helper()
	require.True(t, (err == nil) != (batch == nil), "want exactly one of batch and error; got %v, %v", batch, err)
	if err != nil {
		var ve *event.ValidationError
		require.ErrorAs(t, err, &ve)
		require.NotEmpty(t, ve.Code, "ValidationError %q has no code", err)
		require.Equal(t, ve.Code, ve.ErrorCode())
		require.NotEmpty(t, ve.Msg)
		return
	}
	require.Len(t, batch.Results, len(batch.Events))
	require.NotEmpty(t, batch.Events)
	require.LessOrEqual(t, len(batch.Events), event.MaxEntries)

	failed := 0
	ids := map[string]bool{}
	for i, ev := range batch.Events {
		r := batch.Results[i]
		require.True(t, (ev == nil) != (r.ErrorCode == ""), "slot %d: want exactly one of event and error code; got %v, %+v", i, ev, r)
		if ev == nil {
			failed++
			require.Contains(t, []string{event.CodeInvalidArgument, event.CodeMalformedDetail}, r.ErrorCode, "slot %d", i)
			require.True(t, strings.HasPrefix(r.ErrorMessage, fmt.Sprintf("Entries[%d]", i)), "slot %d: message %q does not name the entry", i, r.ErrorMessage)
			require.Empty(t, r.EventId, "slot %d", i)
			continue
		}
		require.False(t, ids[ev.ID], "slot %d: duplicate id %s", i, ev.ID)
		ids[ev.ID] = true
		checkAcceptedEvent(t, ev)
	}

	resp := batch.Response()
	require.Equal(t, failed, resp.FailedEntryCount)
	require.Len(t, resp.Entries, len(batch.Events))
	for i, r := range resp.Entries {
		if ev := batch.Events[i]; ev != nil {
			require.Equal(t, event.ResultEntry{EventId: ev.ID}, r, "response slot %d", i)
		} else {
			require.Equal(t, batch.Results[i], r, "response slot %d", i)
		}
	}
	require.Len(t, batch.Valid(), len(batch.Events)-failed)
}

// checkAcceptedEvent checks an event ParsePutEvents accepted (with default
// Defaults): its fields are within the documented limits, its Detail is a
// JSON object, and it marshals to JSON that unmarshals to an equal event.
func checkAcceptedEvent(t *testing.T, ev *event.Event) {
	t.Helper()
	require.Equal(t, "0", ev.Version)
	require.NotEmpty(t, ev.ID)
	require.Equal(t, "000000000000", ev.Account)
	require.Equal(t, "local-1", ev.Region)
	for _, s := range []string{ev.Source, ev.DetailType} {
		require.NotEmpty(t, s)
		require.True(t, utf8.ValidString(s))
	}
	require.LessOrEqual(t, utf8.RuneCountInString(ev.Source), event.MaxSourceLen)
	require.LessOrEqual(t, utf8.RuneCountInString(ev.DetailType), event.MaxDetailTypeLen)
	require.NotNil(t, ev.Resources)
	require.LessOrEqual(t, len(ev.Resources), event.MaxResources)
	require.Equal(t, time.UTC, ev.Time.Location())
	require.Zero(t, ev.Time.Nanosecond())
	requireJSONObject(t, ev.Detail)

	require.False(t, outsideEnvelopeYears(ev.Time), "accepted an unwritable time: %s", ev.Time)
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	var back event.Event
	require.NoError(t, json.Unmarshal(b, &back), "accepted event does not survive a round trip: %s", b)
	requireEqualEvents(t, ev, &back)
}

// requireJSONObject checks b is one valid JSON object.
func requireJSONObject(t *testing.T, b []byte) {
	t.Helper()
	require.True(t, json.Valid(b), "not valid JSON: %q", b)
	require.Equal(t, byte('{'), bytes.TrimLeft(b, " \t\r\n")[0], "not a JSON object: %q", b)
}

// requireEqualEvents compares events field by field; Detail is compared as
// decoded JSON, since encoding may change escaping but not meaning.
func requireEqualEvents(t *testing.T, want, got *event.Event) {
	t.Helper()
	require.Equal(t, want.Version, got.Version)
	require.Equal(t, want.ID, got.ID)
	require.Equal(t, want.DetailType, got.DetailType)
	require.Equal(t, want.Source, got.Source)
	require.Equal(t, want.Account, got.Account)
	require.True(t, want.Time.Equal(got.Time), "time: want %s, got %s", want.Time, got.Time)
	require.Equal(t, want.Region, got.Region)
	require.Equal(t, want.Resources, got.Resources)
	require.Equal(t, decodeJSON(t, want.Detail), decodeJSON(t, got.Detail))
}

// decodeJSON decodes b keeping numbers exact.
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "%q", b)
	return v
}

func TestParsePutEventsFillsEnvelope(t *testing.T) {
	t.Parallel()
	body := `{"Entries":[
		{"Source":"app.orders","DetailType":"Order Placed","Detail":" { \"id\" : 1,\n \"tags\" : [ \"a\", \"<b>\" ] } ","Resources":["arn:a","arn:b"]},
		{"Source":"app.orders","DetailType":"Order Placed","Detail":"{}"}
	]}`
	tests := []struct {
		name            string
		defaults        event.Defaults
		account, region string
	}{
		{"defaults", event.Defaults{}, "000000000000", "local-1"},
		{"configured", event.Defaults{Account: "123456789012", Region: "eu-west-1"}, "123456789012", "eu-west-1"},
		{"half configured", event.Defaults{Region: "eu-west-1"}, "000000000000", "eu-west-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			batch, err := event.ParsePutEvents([]byte(body), tc.defaults, testNow)
			require.NoError(t, err)
			require.Len(t, batch.Events, 2)
			ev := batch.Events[0]
			require.Equal(t, "0", ev.Version)
			require.Equal(t, "app.orders", ev.Source)
			require.Equal(t, "Order Placed", ev.DetailType)
			require.Equal(t, tc.account, ev.Account)
			require.Equal(t, tc.region, ev.Region)
			require.Equal(t, testNow.Truncate(time.Second), ev.Time)
			require.Equal(t, []string{"arn:a", "arn:b"}, ev.Resources)
			// Detail is compacted but otherwise kept as sent.
			require.Equal(t, `{"id":1,"tags":["a","<b>"]}`, string(ev.Detail))
			// Resources is never nil, and ids are distinct UUIDs.
			require.Equal(t, []string{}, batch.Events[1].Resources)
			require.Len(t, ev.ID, 36)
			require.NotEqual(t, ev.ID, batch.Events[1].ID)
		})
	}
}

func TestPutEventsResponseJSON(t *testing.T) {
	t.Parallel()
	body := `{"Entries":[
		{"Source":"s","DetailType":"t","Detail":"{}"},
		{"Source":"s","DetailType":"t","Detail":"[]"},
		{"Source":"","DetailType":"t","Detail":"{}"}
	]}`
	batch, err := event.ParsePutEvents([]byte(body), event.Defaults{}, testNow)
	require.NoError(t, err)
	b, err := json.Marshal(batch.Response())
	require.NoError(t, err)
	want := fmt.Sprintf(`{"FailedEntryCount":2,"Entries":[{"EventId":%q},`+
		`{"ErrorCode":"MalformedDetail","ErrorMessage":"Entries[1].Detail: must be a JSON object"},`+
		`{"ErrorCode":"InvalidArgument","ErrorMessage":"Entries[2].Source: is required"}]}`, batch.Events[0].ID)
	require.JSONEq(t, want, string(b))
	require.Equal(t, []*event.Event{batch.Events[0]}, batch.Valid())
}

func TestBatchFail(t *testing.T) {
	t.Parallel()
	body := `{"Entries":[
		{"Source":"s","DetailType":"t","Detail":"{}"},
		{"Source":"s","DetailType":"t","Detail":"[]"},
		{"Source":"s","DetailType":"t","Detail":"{}"}
	]}`
	batch, err := event.ParsePutEvents([]byte(body), event.Defaults{}, testNow)
	require.NoError(t, err)
	batch.Fail(event.CodeInternalFailure, "commit failed")
	require.Empty(t, batch.Valid())
	resp := batch.Response()
	require.Equal(t, 3, resp.FailedEntryCount)
	require.Equal(t, event.ResultEntry{ErrorCode: event.CodeInternalFailure, ErrorMessage: "commit failed"}, resp.Entries[0])
	require.Equal(t, event.CodeMalformedDetail, resp.Entries[1].ErrorCode, "an entry that already failed keeps its error")
	require.Equal(t, event.ResultEntry{ErrorCode: event.CodeInternalFailure, ErrorMessage: "commit failed"}, resp.Entries[2])
}

func TestValidationError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *event.ValidationError
		want string
	}{
		{"with path", &event.ValidationError{Path: "Entries", Code: "ValidationException", Msg: "at least 1 entry is required"}, "Entries: at least 1 entry is required"},
		{"without path", &event.ValidationError{Code: "SerializationException", Msg: "request body is not valid JSON"}, "request body is not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.err.Error())
			require.Equal(t, tc.err.Path, tc.err.Field())
			require.Equal(t, tc.err.Code, tc.err.ErrorCode())
		})
	}
}

func TestDefaultsWithDefaults(t *testing.T) {
	t.Parallel()
	require.Equal(t, event.Defaults{Account: "000000000000", Region: "local-1"}, event.Defaults{}.WithDefaults())
	d := event.Defaults{Account: "123456789012", Region: "us-east-1"}
	require.Equal(t, d, d.WithDefaults())
}
