package event_test

// Regression tests for bugs found while writing the event tests (fixed in
// the same change). The crasher-* files in testdata/fuzz reproduce them for
// the fuzz targets.
//
//	A  ParsePutEvents accepted a Time whose UTC year is outside 1970..9999
//	   (it checked the year in the timestamp's own offset): "9999-12-31T23:59:59-01:00"
//	   became year 10000, which the envelope cannot represent, and the stored
//	   event then made every List page that contains it fail.
//	B  ParsePutEvents accepted trailing data after the body's JSON object when
//	   it starts with } or ] (json.Decoder.More reports false for them).
//	C  An entry-level error without a field read "Entries[0].: ...".
//	D  Event.UnmarshalJSON accepted times whose UTC year is outside 0..9999,
//	   which MarshalJSON writes in a form UnmarshalJSON cannot read back.
//	E  Event.MarshalJSON had a pointer receiver, so marshalling an Event
//	   value silently used the default encoding (fractional time, null
//	   resources).
//	F  Resources were limited to 2048 bytes, while the docs and the error
//	   message say 2048 characters.

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// outsideEnvelopeYears reports whether t cannot be written as the
// envelope's four-digit year (bugs A and D).
func outsideEnvelopeYears(t time.Time) bool {
	y := t.UTC().Year()
	return y < 0 || y > 9999
}

// trailingCloser reports whether body is one JSON value followed by data
// starting with } or ] (bug B).
func trailingCloser(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return false
	}
	rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")
	return len(rest) > 0 && (rest[0] == '}' || rest[0] == ']')
}

func TestRegressionATimeOutOfRangeInUTC(t *testing.T) {
	t.Parallel()
	t.Run("rejected", func(t *testing.T) {
		t.Parallel()
		for _, tm := range []string{"9999-12-31T23:59:59-01:00", "1970-01-01T00:00:00+01:00"} {
			body := `{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}","Time":"` + tm + `"}]}`
			batch, err := event.ParsePutEvents([]byte(body), event.Defaults{}, testNow)
			require.NoError(t, err)
			require.Nil(t, batch.Events[0], "time %s is outside the documented range", tm)
			require.Equal(t, event.CodeInvalidArgument, batch.Results[0].ErrorCode)
			require.Contains(t, batch.Results[0].ErrorMessage, "Entries[0].Time: ")
		}
	})
	// What the bug costs: the event is stored, and List fails on every page
	// that holds it.
	t.Run("List survives", func(t *testing.T) {
		t.Parallel()
		storetest.Run(t, func(t *testing.T, d store.Dialect) {
			db, es := openEvents(t, d)
			body := `{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}","Time":"9999-12-31T23:59:59-01:00"}]}`
			batch, err := event.ParsePutEvents([]byte(body), event.Defaults{}, testNow)
			require.NoError(t, err)
			appendEvents(t, db, es, testNow, newEvent("s", "t", t0))
			appendEvents(t, db, es, testNow, batch.Valid()...)
			_, _, err = es.List(context.Background(), event.Filter{})
			require.NoError(t, err)
		})
	})
}

func TestRegressionBTrailingCloser(t *testing.T) {
	t.Parallel()
	for _, trailer := range []string{"}", "]", " ]garbage", "\n}}"} {
		body := `{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}"}]}` + trailer
		require.True(t, trailingCloser([]byte(body)))
		batch, err := event.ParsePutEvents([]byte(body), event.Defaults{}, testNow)
		require.Nil(t, batch, "trailer %q", trailer)
		var ve *event.ValidationError
		require.ErrorAs(t, err, &ve)
		require.Contains(t, ve.Msg, "data after the JSON object")
	}
}

func TestRegressionCEntryMessageWithoutField(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", event.MaxEntrySize)
	body := `{"Entries":[1,{"Source":"s","DetailType":"t","Detail":"{\"a\":\"` + big + `\"}"}]}`
	batch, err := event.ParsePutEvents([]byte(body), event.Defaults{}, testNow)
	require.NoError(t, err)
	require.Equal(t, "Entries[0]: must be an object, not number", batch.Results[0].ErrorMessage)
	require.True(t, strings.HasPrefix(batch.Results[1].ErrorMessage, "Entries[1]: entry is "), batch.Results[1].ErrorMessage)
}

func TestRegressionDEnvelopeTimeOutOfRange(t *testing.T) {
	t.Parallel()
	for _, tm := range []string{"0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"} {
		var ev event.Event
		if err := json.Unmarshal([]byte(`{"time":"`+tm+`"}`), &ev); err != nil {
			continue // rejecting it is fine
		}
		b, err := json.Marshal(&ev)
		if err != nil {
			continue // refusing to write it is fine too
		}
		var back event.Event
		require.NoError(t, json.Unmarshal(b, &back), "time %s: what MarshalJSON wrote does not unmarshal: %s", tm, b)
	}
}

func TestRegressionEMarshalEventValue(t *testing.T) {
	t.Parallel()
	ev := event.Event{Version: "0", ID: "x", Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	byPointer, err := json.Marshal(&ev)
	require.NoError(t, err)
	byValue, err := json.Marshal(ev)
	require.NoError(t, err)
	require.Equal(t, string(byPointer), string(byValue))
}

func TestRegressionFResourceLengthInCharacters(t *testing.T) {
	t.Parallel()
	// 1025 characters, 2050 bytes.
	body := `{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}","Resources":["` + strings.Repeat("é", 1025) + `"]}]}`
	batch, err := event.ParsePutEvents([]byte(body), event.Defaults{}, testNow)
	require.NoError(t, err)
	require.NotNil(t, batch.Events[0], "%+v", batch.Results[0])
}
