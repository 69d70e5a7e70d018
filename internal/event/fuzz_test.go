package event_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
)

// maxSeedSize keeps the multi-hundred-kilobyte size-limit cases out of the
// fuzzing seeds (they are covered by TestPutEventsTxtar); mutating them is
// slow and finds nothing the small ones do not.
const maxSeedSize = 64 << 10

// FuzzParsePutEvents checks the properties every ParsePutEvents result must
// have (see checkParseResult), and in addition that a body is only accepted
// if it is one JSON value, and that parsing is deterministic apart from the
// generated ids.
func FuzzParsePutEvents(f *testing.F) {
	for _, body := range seedPutEventsBodies(f) {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		batch, err := event.ParsePutEvents(body, event.Defaults{}, testNow)
		checkParseResult(t, batch, err)
		if err != nil {
			return
		}
		require.False(t, trailingCloser(body), "accepted trailing data: %q", body)
		require.True(t, json.Valid(body), "accepted a body that is not one JSON value: %q", body)

		again, err := event.ParsePutEvents(body, event.Defaults{}, testNow)
		require.NoError(t, err)
		require.Equal(t, batch.Results, again.Results)
		for i, ev := range batch.Events {
			if ev == nil {
				require.Nil(t, again.Events[i])
				continue
			}
			other := *again.Events[i]
			other.ID = ev.ID
			require.Equal(t, *ev, other)
		}
	})
}

// FuzzEventUnmarshal checks that any envelope UnmarshalJSON accepts
// survives marshalling: the re-encoded envelope unmarshals, keeps the
// meaning of the original (modulo the documented normalisation: time to
// the second in UTC, null resources as [], absent detail as {}), and is a
// fixed point of marshal→unmarshal.
func FuzzEventUnmarshal(f *testing.F) {
	for _, b := range seedEnvelopes(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e1 event.Event
		if err := json.Unmarshal(data, &e1); err != nil {
			return
		}
		require.False(t, outsideEnvelopeYears(e1.Time), "accepted an unwritable time: %s", e1.Time)
		b1, err := json.Marshal(&e1)
		require.NoError(t, err)
		var e2 event.Event
		require.NoError(t, json.Unmarshal(b1, &e2), "re-encoded envelope does not unmarshal: %s", b1)

		require.Equal(t, e1.Version, e2.Version)
		require.Equal(t, e1.ID, e2.ID)
		require.Equal(t, e1.DetailType, e2.DetailType)
		require.Equal(t, e1.Source, e2.Source)
		require.Equal(t, e1.Account, e2.Account)
		require.Equal(t, e1.Region, e2.Region)
		require.Equal(t, e1.Time.Format(event.TimeLayout), e2.Time.Format(event.TimeLayout))
		if e1.Resources == nil {
			require.Equal(t, []string{}, e2.Resources)
		} else {
			require.Equal(t, e1.Resources, e2.Resources)
		}
		if len(e1.Detail) == 0 {
			require.Equal(t, "{}", string(e2.Detail))
		} else {
			require.Equal(t, decodeJSON(t, e1.Detail), decodeJSON(t, e2.Detail))
		}

		b2, err := json.Marshal(&e2)
		require.NoError(t, err)
		require.Equal(t, string(b1), string(b2), "marshal→unmarshal→marshal is not stable")
		var e3 event.Event
		require.NoError(t, json.Unmarshal(b2, &e3))
		require.Equal(t, e2, e3)
	})
}

// seedPutEventsBodies returns the request bodies of the txtar cases and
// PutEvents bodies carrying the shared fixture events.
func seedPutEventsBodies(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	files, err := filepath.Glob(filepath.Join("testdata", "putevents", "*.txtar"))
	require.NoError(tb, err)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(tb, err)
		a := parseArchive(data)
		if body, ok := a.file("request.json"); ok && len(body) <= maxSeedSize {
			seeds = append(seeds, body)
		}
	}
	dir, ok := findFixtures()
	if !ok {
		return seeds
	}
	for _, file := range envelopeFixtures(tb, dir) {
		data, err := os.ReadFile(file)
		require.NoError(tb, err)
		var ev event.Event
		require.NoError(tb, json.Unmarshal(data, &ev))
		body, err := json.Marshal(map[string]any{"Entries": []map[string]any{{
			"Source": ev.Source, "DetailType": ev.DetailType, "Detail": string(ev.Detail),
			"Resources": ev.Resources, "Time": ev.Time.Format(event.TimeLayout),
		}}})
		require.NoError(tb, err)
		seeds = append(seeds, body)
	}
	return seeds
}

// seedEnvelopes returns the shared fixture envelopes and the envelopes of
// the events the txtar cases accept.
func seedEnvelopes(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	for _, body := range seedPutEventsBodies(tb) {
		batch, err := event.ParsePutEvents(body, event.Defaults{}, testNow)
		if err != nil {
			continue
		}
		for _, ev := range batch.Valid() {
			b, err := json.Marshal(ev)
			require.NoError(tb, err)
			seeds = append(seeds, b)
		}
	}
	dir, ok := findFixtures()
	if !ok {
		return seeds
	}
	for _, file := range envelopeFixtures(tb, dir) {
		data, err := os.ReadFile(file)
		require.NoError(tb, err)
		// Compact: the fuzzer mutates a short input faster.
		var buf bytes.Buffer
		require.NoError(tb, json.Compact(&buf, data))
		seeds = append(seeds, buf.Bytes())
	}
	return seeds
}
