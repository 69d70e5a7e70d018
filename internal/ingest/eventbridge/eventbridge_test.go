package eventbridge_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/eventbridge"
)

func receiver(t testing.TB) ingest.Receiver {
	r, err := eventbridge.New("aws", json.RawMessage(`{"Type":"eventbridge","Auth":{"Bearer":"x"}}`))
	require.NoError(t, err)
	return r
}

func TestArraysAndErrors(t *testing.T) {
	t.Parallel()
	r := receiver(t)
	ev := `{"version":"0","id":"abc","detail-type":"D","source":"s","account":"1","time":"2026-01-01T00:00:00Z","region":"r","resources":[],"detail":{}}`
	evs, err := r.Receive(context.Background(), &ingest.Request{Body: []byte("[" + ev + "," + ev + "]")})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, []string{"eventbridge-event-id/abc"}, evs[0].Resources)
	require.Empty(t, evs[0].ID)
	for body, field := range map[string]string{
		`{"detail-type":"D","time":"2026-01-01T00:00:00Z"}`:         "source",
		`[{"source":"s","time":"2026-01-01T00:00:00Z"},` + ev + `]`: "[0].detail-type",
	} {
		_, err := r.Receive(context.Background(), &ingest.Request{Body: []byte(body)})
		var fe *ingest.FieldError
		require.ErrorAs(t, err, &fe, body)
		require.Equal(t, field, fe.Field())
	}
	_, err = r.Receive(context.Background(), &ingest.Request{Body: []byte(`[]`)})
	require.Error(t, err)
	_, err = eventbridge.New("aws", json.RawMessage(`{"Type":"eventbridge","Auth":{"Bearer":"x"},"Extra":1}`))
	require.ErrorContains(t, err, "Extra")
}

// FuzzEventBridge: no panics; events and error never both set.
func FuzzEventBridge(f *testing.F) {
	files, _ := filepath.Glob("../../../testdata/fixtures/eventbridge/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`[{"source":"s","detail-type":"d","time":"2026-01-01T00:00:00Z"}]`))
	r := receiver(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := r.Receive(context.Background(), &ingest.Request{Body: body})
		if err != nil {
			require.Nil(t, evs)
			return
		}
		require.NotEmpty(t, evs)
		for _, e := range evs {
			require.NotEmpty(t, e.Source)
			require.NotEmpty(t, e.DetailType)
		}
	})
}
