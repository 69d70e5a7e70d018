package generic_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/generic"
)

const spec = `{"Type":"generic","Auth":{"Bearer":"x"},"SourcePath":"$.service","DetailTypePath":"$.action","ResourcesPath":"$.hosts[*]","TimePath":"$.at"}`

func TestMapping(t *testing.T) {
	t.Parallel()
	r, err := generic.New("deploys", json.RawMessage(spec))
	require.NoError(t, err)
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	evs, err := r.Receive(context.Background(), &ingest.Request{Received: now, Body: []byte(`[{"service":"a","action":"Deploy","hosts":["h1",2,"h2"],"at":1764000000},{"x":1}]`)})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, "a", evs[0].Source)
	require.Equal(t, "Deploy", evs[0].DetailType)
	require.Equal(t, []string{"h1", "h2"}, evs[0].Resources)
	require.Equal(t, time.Unix(1764000000, 0).UTC(), evs[0].Time)
	require.Equal(t, "firstline.hook.deploys", evs[1].Source)
	require.Equal(t, "Generic Event", evs[1].DetailType)
	require.Equal(t, now, evs[1].Time)
	require.JSONEq(t, `{"x":1}`, string(evs[1].Detail))
	for _, bad := range []string{`1`, `[]`, `[1]`, `"x"`, `{`} {
		_, err := r.Receive(context.Background(), &ingest.Request{Body: []byte(bad)})
		require.Error(t, err, bad)
	}
}

// FuzzGeneric: no panics; events and error never both set; every event
// has a source, a detail-type and an object detail.
func FuzzGeneric(f *testing.F) {
	for _, s := range []string{`{"service":"a","hosts":["h"],"at":"2026-01-01T00:00:00Z"}`, `[{"a":1},{"b":[1,2]}]`, `{"at":-1}`, `null`} {
		f.Add([]byte(s))
	}
	r, err := generic.New("h", json.RawMessage(spec))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := r.Receive(context.Background(), &ingest.Request{Body: body})
		if err != nil {
			require.Nil(t, evs)
			return
		}
		for _, e := range evs {
			require.NotEmpty(t, e.Source)
			require.NotEmpty(t, e.DetailType)
			var m map[string]any
			require.NoError(t, json.Unmarshal(e.Detail, &m))
		}
	})
}
