package grafana_test

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/grafana"
)

// FuzzGrafana feeds request bodies to the receiver (the corpus in
// testdata/fuzz/FuzzGrafana holds the fixtures and edge cases) and
// checks what every answer must be: never a panic; an error or events,
// never both, never neither; errors are *ingest.FieldError; every event has
// the fixed source and detail-type, a JSON object detail, resources and a
// time the framework accepts, and nothing of the envelope the framework
// fills; an accepted body is one JSON value; receiving is deterministic.
func FuzzGrafana(f *testing.F) {
	f.Add(readFixture(f)) // as captured; the corpus has it compacted
	r, err := grafana.New("grafana", json.RawMessage(`{"Type":"grafana","ResourceLabels":["instance","job","service","alertname"]}`))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := receive(t, r, body)
		if err != nil {
			require.Nil(t, events, "both an error and events")
			var fe *ingest.FieldError
			require.True(t, errors.As(err, &fe), "error %v (%T) is not a *ingest.FieldError", err, err)
			return
		}
		require.NotEmpty(t, events, "neither an error nor events")
		require.True(t, json.Valid(body), "accepted a body that is not one JSON value: %q", body)
		for _, ev := range events {
			checkEvent(t, ev)
		}
		again, err := receive(t, r, body)
		require.NoError(t, err)
		require.Equal(t, events, again)
	})
}

// checkEvent checks an event against what the framework requires of a
// receiver's event.
func checkEvent(t *testing.T, ev *event.Event) {
	t.Helper()
	require.Equal(t, grafana.Source, ev.Source)
	require.Equal(t, grafana.DetailType, ev.DetailType)
	require.True(t, utf8.Valid(ev.Detail), "detail is not UTF-8: %q", ev.Detail)
	var detail map[string]any
	require.NoError(t, json.Unmarshal(ev.Detail, &detail), "detail is not a JSON object: %s", ev.Detail)
	require.NotNil(t, detail, "detail is null")
	require.Contains(t, []any{"firing", "resolved"}, detail["status"])
	labels, ok := detail["labels"].(map[string]any)
	require.True(t, ok, "labels is not an object: %s", ev.Detail)
	require.NotEmpty(t, labels)
	_, ok = detail["values"].(map[string]any)
	require.True(t, ok, "values is not an object: %s", ev.Detail)
	for _, k := range []string{"title", "message"} {
		s, ok := detail[k].(string)
		require.True(t, ok, "%s is not a string: %s", k, ev.Detail)
		require.LessOrEqual(t, len(s), grafana.MaxTextBytes)
	}

	require.NotNil(t, ev.Resources)
	require.LessOrEqual(t, len(ev.Resources), event.MaxResources)
	seen := map[string]bool{}
	for _, res := range ev.Resources {
		require.NotEmpty(t, res)
		require.LessOrEqual(t, utf8.RuneCountInString(res), event.MaxResourceLen)
		require.True(t, utf8.ValidString(res), "resource is not UTF-8: %q", res)
		for _, c := range res {
			require.False(t, c < 0x20 || c >= 0x7f && c <= 0x9f, "resource has a control character: %q", res)
		}
		require.False(t, seen[res], "resource %q twice", res)
		seen[res] = true
	}
	require.False(t, ev.Time.IsZero())
	require.GreaterOrEqual(t, ev.Time.UTC().Year(), 1970)
	require.LessOrEqual(t, ev.Time.UTC().Year(), 9999)
	require.Empty(t, ev.ID)
	require.Empty(t, ev.Account)
	require.Empty(t, ev.Region)
	require.Empty(t, ev.Version)
}
