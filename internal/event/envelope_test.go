package event_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
)

// envelopeKeys is the order EventBridge writes the envelope's fields in.
var envelopeKeys = []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}

func TestEventMarshalJSON(t *testing.T) {
	t.Parallel()
	tokyo := time.FixedZone("JST", 9*60*60)
	tests := []struct {
		name string
		ev   event.Event
		want string
	}{
		{
			name: "full envelope, time in UTC without fraction",
			ev: event.Event{
				Version: "0", ID: "6a7e8feb-b491-4cf7-a9f1-bf3703467718", DetailType: "Order Placed", Source: "app.orders",
				Account: "123456789012", Time: time.Date(2026, 1, 2, 12, 4, 5, 999_999_999, tokyo), Region: "us-east-1",
				Resources: []string{"arn:a", "arn:b"}, Detail: json.RawMessage(`{"id":1}`),
			},
			want: `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Order Placed","source":"app.orders",` +
				`"account":"123456789012","time":"2026-01-02T03:04:05Z","region":"us-east-1","resources":["arn:a","arn:b"],"detail":{"id":1}}`,
		},
		{
			name: "nil resources and detail",
			ev:   event.Event{Version: "0", ID: "x", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
			want: `{"version":"0","id":"x","detail-type":"","source":"","account":"","time":"2026-01-02T03:04:05Z","region":"","resources":[],"detail":{}}`,
		},
		{
			name: "empty resources",
			ev:   event.Event{Time: time.Unix(0, 0), Resources: []string{}, Detail: json.RawMessage(`{}`)},
			want: `{"version":"","id":"","detail-type":"","source":"","account":"","time":"1970-01-01T00:00:00Z","region":"","resources":[],"detail":{}}`,
		},
		{
			name: "detail is compacted",
			ev:   event.Event{Time: time.Unix(0, 0).UTC(), Detail: json.RawMessage("{ \"a\" :\n [1, 2] }")},
			want: `{"version":"","id":"","detail-type":"","source":"","account":"","time":"1970-01-01T00:00:00Z","region":"","resources":[],"detail":{"a":[1,2]}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(&tc.ev)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(b))
			require.Equal(t, envelopeKeys, objectKeys(t, b))

			// Inside other values (as in the List API's response) too.
			b, err = json.Marshal(map[string][]*event.Event{"Events": {&tc.ev}})
			require.NoError(t, err)
			require.Equal(t, `{"Events":[`+tc.want+`]}`, string(b))
		})
	}
}

func TestEventMarshalJSONInvalidDetail(t *testing.T) {
	t.Parallel()
	_, err := json.Marshal(&event.Event{Detail: json.RawMessage(`{"a":`)})
	require.Error(t, err)
}

func TestEventUnmarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    event.Event
		wantErr string
	}{
		{
			name: "canonical",
			in: `{"version":"0","id":"i","detail-type":"dt","source":"s","account":"123456789012",` +
				`"time":"2026-01-02T03:04:05Z","region":"r","resources":["a"],"detail":{"k":"v"}}`,
			want: event.Event{Version: "0", ID: "i", DetailType: "dt", Source: "s", Account: "123456789012",
				Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Region: "r", Resources: []string{"a"}, Detail: json.RawMessage(`{"k":"v"}`)},
		},
		{
			name: "any field order, offset time becomes UTC, fraction kept, detail kept byte for byte",
			in:   `{"detail": { "k" : 1 },"time":"2026-01-02T12:04:05.5+09:00","resources":[],"source":"s"}`,
			want: event.Event{Source: "s", Time: time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC), Resources: []string{}, Detail: json.RawMessage(`{ "k" : 1 }`)},
		},
		{
			name: "unknown fields are ignored, null resources is nil",
			in:   `{"time":"2026-01-02T03:04:05Z","resources":null,"replay-name":"r1"}`,
			want: event.Event{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		},
		{name: "missing time", in: `{"version":"0"}`, wantErr: `event time ""`},
		{name: "time not RFC 3339", in: `{"time":"02 Jan 26 03:04 UTC"}`, wantErr: `event time "02 Jan 26 03:04 UTC"`},
		{name: "time a number", in: `{"time":1767323045}`, wantErr: "cannot unmarshal number"},
		{name: "resources not strings", in: `{"time":"2026-01-02T03:04:05Z","resources":[1]}`, wantErr: "cannot unmarshal number"},
		{name: "not JSON", in: `{"time"`, wantErr: "unexpected end of JSON input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got event.Event
			err := json.Unmarshal([]byte(tc.in), &got)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestEventRoundTrip(t *testing.T) {
	t.Parallel()
	batch, err := event.ParsePutEvents([]byte(`{"Entries":[{"Source":"app.orders","DetailType":"Order Placed",`+
		`"Time":"2026-01-02T03:04:05Z","Resources":["arn:a"],"Detail":"{\"html\":\"<a href=\\\"x\\\">&amp;</a>\",\"n\":1.50,\"u\":\"\\u2028 é\"}"}]}`),
		event.Defaults{Account: "123456789012", Region: "us-east-1"}, testNow)
	require.NoError(t, err)
	ev := batch.Events[0]
	require.NotNil(t, ev)

	b, err := json.Marshal(ev)
	require.NoError(t, err)
	var back event.Event
	require.NoError(t, json.Unmarshal(b, &back))
	requireEqualEvents(t, ev, &back)
	require.Equal(t, ev.Time, back.Time)

	// A second round trip is byte for byte stable.
	b2, err := json.Marshal(&back)
	require.NoError(t, err)
	require.Equal(t, string(b), string(b2))
}

// findFixtures returns the fixtures directory: $FIRSTLINE_FIXTURES, or the
// copy of the real payload fixtures kept in the repository's
// testdata/fixtures, and whether it exists.
func findFixtures() (string, bool) {
	dir := os.Getenv("FIRSTLINE_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "..", "testdata", "fixtures")
	}
	_, err := os.Stat(dir)
	return dir, err == nil
}

// envelopeFixtures returns the paths of the real EventBridge envelopes
// among the shared fixtures in dir.
func envelopeFixtures(tb testing.TB, dir string) []string {
	tb.Helper()
	var files []string
	for _, pattern := range []string{"eventbridge/*.json", "cloudwatch/*.json"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		require.NoError(tb, err)
		require.NotEmpty(tb, m, "no fixtures match %s in %s", pattern, dir)
		files = append(files, m...)
	}
	return files
}

func TestEnvelopeFixtures(t *testing.T) {
	t.Parallel()
	dir, ok := findFixtures()
	if !ok {
		t.Fatalf("fixtures not found at %s (set FIRSTLINE_FIXTURES)", dir)
	}
	for _, file := range envelopeFixtures(t, dir) {
		t.Run(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(file)
			require.NoError(t, err)
			var ev event.Event
			require.NoError(t, json.Unmarshal(in, &ev))
			require.Equal(t, "0", ev.Version)
			require.NotEmpty(t, ev.ID)
			require.NotEmpty(t, ev.Source)
			require.NotEmpty(t, ev.DetailType)
			require.False(t, ev.Time.IsZero())
			requireJSONObject(t, ev.Detail)

			out, err := json.Marshal(&ev)
			require.NoError(t, err)
			require.Equal(t, envelopeKeys, objectKeys(t, out))
			require.Equal(t, decodeJSON(t, in), decodeJSON(t, out), "fixture and re-encoded event differ")

			var back event.Event
			require.NoError(t, json.Unmarshal(out, &back))
			requireEqualEvents(t, &ev, &back)
		})
	}
}

// objectKeys returns the top-level keys of the JSON object b, in order.
func objectKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}
