package alertmanager_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/alertmanager"
)

// fixtureDir holds the captured Alertmanager 0.25 payloads.
const fixtureDir = "../../../testdata/fixtures/alertmanager"

// received is the arrival time given to every request in these tests.
var received = time.Date(2026, 11, 21, 21, 0, 0, 0, time.UTC)

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	require.NoError(tb, err)
	return b
}

func newReceiver(tb testing.TB, spec string) ingest.Receiver {
	tb.Helper()
	r, err := alertmanager.New("alertmanager", json.RawMessage(spec))
	require.NoError(tb, err)
	return r
}

func receive(tb testing.TB, r ingest.Receiver, body []byte) ([]*event.Event, error) {
	tb.Helper()
	return r.Receive(context.Background(), &ingest.Request{
		Hook:     "alertmanager",
		Header:   map[string][]string{"Content-Type": {"application/json"}},
		Body:     body,
		Received: received,
	})
}

// compact returns the compact form of a JSON text written readably in a
// test: the exact bytes a detail must have.
func compact(tb testing.TB, s string) string {
	tb.Helper()
	var buf bytes.Buffer
	require.NoError(tb, json.Compact(&buf, []byte(s)))
	return buf.String()
}

const fixtureGroup = `
	"receiver": "firstline",
	"groupKey": "{}:{alertname=\"InstanceDown\", instance=\"127.0.0.1:18081\"}",
	"groupLabels": {"alertname": "InstanceDown", "instance": "127.0.0.1:18081"},
	"commonLabels": {"alertname": "InstanceDown", "instance": "127.0.0.1:18081", "job": "web", "severity": "critical"},
	"commonAnnotations": {"description": "127.0.0.1:18081 of job web has been down.", "summary": "Instance 127.0.0.1:18081 down"},
	"externalURL": "http://vm:19093",
	"truncatedAlerts": 0`

const fixtureAlert = `
	"labels": {"alertname": "InstanceDown", "instance": "127.0.0.1:18081", "job": "web", "severity": "critical"},
	"annotations": {"description": "127.0.0.1:18081 of job web has been down.", "summary": "Instance 127.0.0.1:18081 down"},
	"fingerprint": "2f8223da4902885e",
	"startsAt": "2026-11-21T20:57:47.584Z",`

func TestReceiveFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		time   time.Time
		detail string
	}{
		{
			file: "webhook-v4-firing.json",
			time: time.Date(2026, 11, 21, 20, 57, 47, 584_000_000, time.UTC), // startsAt
			detail: `{"status": "firing",` + fixtureAlert + `
				"endsAt": "0001-01-01T00:00:00Z",
				"generatorURL": "http://vm:19090/graph?g0.expr=up%7Bjob%3D%22web%22%7D+%3D%3D+0&g0.tab=1",` + fixtureGroup + `}`,
		},
		{
			file: "webhook-v4-resolved.json",
			time: time.Date(2026, 11, 21, 20, 58, 19, 584_000_000, time.UTC), // endsAt
			detail: `{"status": "resolved",` + fixtureAlert + `
				"endsAt": "2026-11-21T20:58:19.584Z",
				"generatorURL": "http://vm:19090/graph?g0.expr=up%7Bjob%3D%22web%22%7D+%3D%3D+0&g0.tab=1",` + fixtureGroup + `}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			events, err := receive(t, newReceiver(t, `{"Type":"alertmanager"}`), readFixture(t, tc.file))
			require.NoError(t, err)
			require.Len(t, events, 1)
			ev := events[0]
			require.Equal(t, "alertmanager", ev.Source)
			require.Equal(t, "Alertmanager Alert", ev.DetailType)
			require.Equal(t, []string{"instance/127.0.0.1:18081", "job/web"}, ev.Resources)
			require.True(t, tc.time.Equal(ev.Time), "time %s, want %s", ev.Time, tc.time)
			require.Equal(t, time.UTC, ev.Time.Location())
			require.Equal(t, compact(t, tc.detail), string(ev.Detail))
			// The framework fills the rest of the envelope.
			require.Empty(t, ev.ID)
			require.Empty(t, ev.Version)
			require.Empty(t, ev.Account)
			require.Empty(t, ev.Region)
		})
	}
}

// TestReceiveGroup: one event per alert, in order; the alert's status wins
// over the group's, which fills in for an alert without one.
func TestReceiveGroup(t *testing.T) {
	t.Parallel()
	body := `{
		"version": "4", "status": "firing", "receiver": "r", "groupKey": "{}:{job=\"api\"}", "truncatedAlerts": 3,
		"groupLabels": {"job": "api"}, "commonLabels": {"job": "api"}, "externalURL": "http://am:9093",
		"alerts": [
			{"status": "firing", "labels": {"alertname": "A", "job": "api", "service": "checkout"},
			 "startsAt": "2026-01-02T03:04:05+09:00", "endsAt": "0001-01-01T00:00:00Z"},
			{"status": "resolved", "labels": {"alertname": "B", "job": "api", "instance": "web-1:9100"},
			 "startsAt": "2026-01-02T00:00:00Z", "endsAt": "2026-01-02T01:00:00Z"},
			{"labels": {"alertname": "C"}, "startsAt": "2026-01-03T00:00:00Z"}
		]}`
	events, err := receive(t, newReceiver(t, `{"Type":"alertmanager"}`), []byte(body))
	require.NoError(t, err)
	require.Len(t, events, 3)

	var got []string
	for _, ev := range events {
		var d alertmanager.Detail
		require.NoError(t, json.Unmarshal(ev.Detail, &d))
		got = append(got, d.Labels["alertname"]+" "+d.Status+" "+ev.Time.Format(time.RFC3339)+" "+strings.Join(ev.Resources, ","))
		require.Equal(t, "r", d.Receiver)
		require.Equal(t, `{}:{job="api"}`, d.GroupKey)
		require.Equal(t, uint64(3), d.TruncatedAlerts)
		require.Equal(t, map[string]string{"job": "api"}, d.GroupLabels)
		require.Equal(t, map[string]string{}, d.CommonAnnotations)
		require.Equal(t, "http://am:9093", d.ExternalURL)
	}
	require.Equal(t, []string{
		"A firing 2026-01-01T18:04:05Z job/api,service/checkout",
		"B resolved 2026-01-02T01:00:00Z instance/web-1:9100,job/api",
		"C firing 2026-01-03T00:00:00Z ",
	}, got)
}

// TestReceiveDetailShape: every key is present even when Alertmanager left
// fields out, and URLs are not HTML-escaped.
func TestReceiveDetailShape(t *testing.T) {
	t.Parallel()
	body := `{"version":"4","status":"firing","alerts":[{"labels":{"alertname":"X"},"annotations":{"runbook":"https://wiki/?a=1&b=<2>"}}]}`
	events, err := receive(t, newReceiver(t, `{"Type":"alertmanager"}`), []byte(body))
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, `{"status":"firing","labels":{"alertname":"X"},"annotations":{"runbook":"https://wiki/?a=1&b=<2>"},`+
		`"fingerprint":"","startsAt":"","endsAt":"","generatorURL":"","receiver":"","groupKey":"","groupLabels":{},`+
		`"commonLabels":{},"commonAnnotations":{},"externalURL":"","truncatedAlerts":0}`, string(events[0].Detail))
	require.Equal(t, received, events[0].Time)
	require.Equal(t, []string{}, events[0].Resources)
}

func TestReceiveTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		status           string
		startsAt, endsAt string
		want             time.Time
	}{
		{"firing uses startsAt", "firing", `"2026-03-04T05:06:07.891Z"`, `"0001-01-01T00:00:00Z"`, time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)},
		{"firing with an offset is in UTC", "firing", `"2026-03-04T05:06:07+02:00"`, `null`, time.Date(2026, 3, 4, 3, 6, 7, 0, time.UTC)},
		{"firing without startsAt", "firing", `null`, `null`, received},
		{"firing with the zero startsAt", "firing", `"0001-01-01T00:00:00Z"`, `null`, received},
		{"firing with an unparseable startsAt", "firing", `"yesterday"`, `null`, received},
		{"firing with startsAt before 1970", "firing", `"1969-12-31T23:59:59Z"`, `null`, received},
		{"firing with startsAt after 9999 in UTC", "firing", `"9999-12-31T23:59:59-01:00"`, `null`, received},
		{"resolved uses endsAt", "resolved", `"2026-03-04T05:06:07Z"`, `"2026-03-04T06:00:00Z"`, time.Date(2026, 3, 4, 6, 0, 0, 0, time.UTC)},
		{"resolved with the zero endsAt", "resolved", `"2026-03-04T05:06:07Z"`, `"0001-01-01T00:00:00Z"`, received},
		{"resolved without endsAt", "resolved", `"2026-03-04T05:06:07Z"`, `null`, received},
		{"resolved with an empty endsAt", "resolved", `"2026-03-04T05:06:07Z"`, `""`, received},
	}
	r := newReceiver(t, `{"Type":"alertmanager"}`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"version":"4","alerts":[{"status":"` + tc.status + `","labels":{"a":"b"},"startsAt":` + tc.startsAt + `,"endsAt":` + tc.endsAt + `}]}`
			events, err := receive(t, r, []byte(body))
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, tc.want, events[0].Time)
		})
	}
}

func TestReceiveResources(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", event.MaxResourceLen)
	tests := []struct {
		name   string
		spec   string
		labels string
		want   []string
	}{
		{"default labels in their order", `{"Type":"alertmanager"}`, `{"service":"s","job":"j","instance":"i","pod":"p"}`, []string{"instance/i", "job/j", "service/s"}},
		{"default labels absent", `{"Type":"alertmanager"}`, `{"alertname":"A"}`, []string{}},
		{"custom labels", `{"Type":"alertmanager","ResourceLabels":["pod","namespace"]}`, `{"instance":"i","namespace":"n","pod":"p"}`, []string{"pod/p", "namespace/n"}},
		{"no resource labels", `{"Type":"alertmanager","ResourceLabels":[]}`, `{"instance":"i"}`, []string{}},
		{"null means the default", `{"Type":"alertmanager","ResourceLabels":null}`, `{"instance":"i"}`, []string{"instance/i"}},
		{"empty value left out", `{"Type":"alertmanager"}`, `{"instance":"","job":"j"}`, []string{"job/j"}},
		{"control character left out", `{"Type":"alertmanager"}`, `{"instance":"a\nb","job":"j"}`, []string{"job/j"}},
		{"too long left out", `{"Type":"alertmanager"}`, `{"instance":"` + long + `","job":"j"}`, []string{"job/j"}},
		{"unicode kept", `{"Type":"alertmanager"}`, `{"service":"café ☕"}`, []string{"service/café ☕"}},
		{"same resource once", `{"Type":"alertmanager","ResourceLabels":["a","a/b"]}`, `{"a":"b/c","a/b":"c"}`, []string{"a/b/c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"version":"4","status":"firing","alerts":[{"labels":` + tc.labels + `}]}`
			events, err := receive(t, newReceiver(t, tc.spec), []byte(body))
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, tc.want, events[0].Resources)
		})
	}
}

func TestReceiveRejects(t *testing.T) {
	t.Parallel()
	const alert = `{"status":"firing","labels":{"alertname":"A"}}`
	tests := []struct {
		name     string
		body     string
		path     string
		contains string
	}{
		{"empty body", ``, "", "body is empty"},
		{"not JSON", `alertname=A`, "", "not valid JSON"},
		{"truncated JSON", `{"version":"4","alerts":[`, "", "not valid JSON"},
		{"trailing data", `{"version":"4","alerts":[` + alert + `]} {}`, "", "not valid JSON"},
		{"an array", `[` + alert + `]`, "", "must be a JSON object"},
		{"null", `null`, "", "must be a JSON object"},
		{"version missing", `{"alerts":[` + alert + `]}`, "version", "is missing"},
		{"version 3", `{"version":"3","alerts":[` + alert + `]}`, "version", `is "3"; want "4"`},
		{"version a number", `{"version":4,"alerts":[` + alert + `]}`, "version", `must be the string "4"`},
		{"alerts missing", `{"version":"4","status":"firing"}`, "alerts", "is missing"},
		{"alerts null", `{"version":"4","alerts":null}`, "alerts", "is missing"},
		{"alerts empty", `{"version":"4","alerts":[]}`, "alerts", "is empty"},
		{"alerts an object", `{"version":"4","alerts":` + alert + `}`, "alerts", "must be an array"},
		{"alert not an object", `{"version":"4","alerts":[` + alert + `,"x"]}`, "alerts[1]", "must be an object"},
		{"alert null", `{"version":"4","alerts":[null]}`, "alerts[0]", "must be an object"},
		{"alert without labels", `{"version":"4","alerts":[` + alert + `,` + alert + `,{"status":"firing"}]}`, "alerts[2].labels", "is missing"},
		{"alert with empty labels", `{"version":"4","alerts":[{"status":"firing","labels":{}}]}`, "alerts[0].labels", "is missing or empty"},
		{"labels not strings", `{"version":"4","alerts":[{"status":"firing","labels":{"a":1}}]}`, "alerts[0].labels", "must be an object of strings"},
		{"annotations an array", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"annotations":[]}]}`, "alerts[0].annotations", "must be an object of strings"},
		{"startsAt a number", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":1}]}`, "alerts[0].startsAt", "must be an RFC 3339 string"},
		{"bad alert status", `{"version":"4","status":"firing","alerts":[{"status":"pending","labels":{"a":"b"}}]}`, "alerts[0].status", `is "pending"; want "firing" or "resolved"`},
		{"alert status a number", `{"version":"4","alerts":[{"status":1,"labels":{"a":"b"}}]}`, "alerts[0].status", "must be a string"},
		{"bad group status", `{"version":"4","status":"FIRING","alerts":[` + alert + `]}`, "status", `is "FIRING"`},
		{"no status at all", `{"version":"4","alerts":[{"labels":{"a":"b"}}]}`, "alerts[0].status", "is missing"},
		{"groupLabels a string", `{"version":"4","groupLabels":"x","alerts":[` + alert + `]}`, "groupLabels", "must be an object of strings"},
		{"truncatedAlerts negative", `{"version":"4","truncatedAlerts":-1,"alerts":[` + alert + `]}`, "truncatedAlerts", "non-negative integer"},
		{"receiver a number", `{"version":"4","receiver":1,"alerts":[` + alert + `]}`, "receiver", "must be a string"},
	}
	r := newReceiver(t, `{"Type":"alertmanager"}`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			events, err := receive(t, r, []byte(tc.body))
			require.Nil(t, events)
			var fe *ingest.FieldError
			require.True(t, errors.As(err, &fe), "error %v (%T) is not a *ingest.FieldError", err, err)
			require.Equal(t, tc.path, fe.Field())
			require.Contains(t, fe.Msg, tc.contains)
		})
	}
}

// TestReceiveUnknownFieldsIgnored: fields a newer Alertmanager may add do
// not break the hook.
func TestReceiveUnknownFieldsIgnored(t *testing.T) {
	t.Parallel()
	body := `{"version":"4","status":"firing","future":{"x":[1]},"alerts":[{"labels":{"a":"b"},"future":true}]}`
	events, err := receive(t, newReceiver(t, `{"Type":"alertmanager"}`), []byte(body))
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.NotContains(t, string(events[0].Detail), "future")
}
