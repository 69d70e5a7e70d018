package rule_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/cli"
	"github.com/firstline/firstline/internal/server"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// received is what a test target got.
type received struct {
	Method, Path string
	Query        string
	Header       http.Header
	Body         string
}

// target is an httptest server whose answers the test scripts.
type target struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status []int // answered in turn; 200 once exhausted
	signal chan struct{}
}

func newTarget(t *testing.T, statuses ...int) *target {
	tg := &target{status: statuses, signal: make(chan struct{}, 1000)}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.got = append(tg.got, received{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(b)})
		code := 200
		if len(tg.status) > 0 {
			code, tg.status = tg.status[0], tg.status[1:]
		}
		tg.mu.Unlock()
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"answer":"from test target"}`)
		tg.signal <- struct{}{}
	}))
	t.Cleanup(tg.Close)
	return tg
}

// wait blocks until the target has been called n times in all.
func (tg *target) wait(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		tg.mu.Lock()
		got := append([]received(nil), tg.got...)
		tg.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-tg.signal:
		case <-deadline:
			t.Fatalf("target called %d times, want %d", len(got), n)
		}
	}
}

func start(t *testing.T, d store.Dialect) *servertest.Server {
	return servertest.Start(t, d, func(c *server.Config) { c.DeliveryRetryBase = 20 * time.Millisecond })
}

// cliRun runs the CLI in-process against s.
func cliRun(t *testing.T, s *servertest.Server, stdin string, args ...string) (int, string, string) {
	t.Helper()
	root := cli.NewRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	code := cli.Execute(context.Background(), root, append([]string{"--url", s.URL, "--token", s.AdminToken}, args...))
	return code, out.String(), errOut.String()
}

// exampleRule returns examples/rules/alarm-to-webhook.yaml pointed at url.
func exampleRule(t *testing.T, url string) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/rules/alarm-to-webhook.yaml")
	require.NoError(t, err)
	return strings.Replace(string(b), "http://127.0.0.1:9999/alarms", url+"/alarms", 1)
}

func putFixture(t *testing.T, s *servertest.Server, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata/fixtures/cloudwatch", name))
	require.NoError(t, err)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(b, &ev))
	detail, _ := json.Marshal(ev["detail"])
	entry := map[string]any{"Source": ev["source"], "DetailType": ev["detail-type"], "Resources": ev["resources"], "Detail": string(detail)}
	status, body := s.Do(t, http.MethodPost, "/api/v1/events", s.AdminToken, map[string]any{"Entries": []any{entry}})
	require.Equal(t, http.StatusOK, status, string(body))
	var resp struct{ Entries []struct{ EventId string } }
	require.NoError(t, json.Unmarshal(body, &resp))
	return resp.Entries[0].EventId
}

func alarmName(t *testing.T) string {
	b, err := os.ReadFile("../../testdata/fixtures/cloudwatch/alarm-state-change-ok-to-alarm.json")
	require.NoError(t, err)
	var ev struct {
		Detail struct{ AlarmName string } `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(b, &ev))
	return ev.Detail.AlarmName
}

// TestExampleRuleDelivers applies the example rule from YAML, puts a real
// CloudWatch alarm event and checks what the webhook receives; an OK event
// does not match; get -o yaml applies back as unchanged.
func TestExampleRuleDelivers(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := start(t, d)
		tg := newTarget(t)
		code, out, errOut := cliRun(t, s, exampleRule(t, tg.URL), "apply", "-f", "-")
		require.Equal(t, 0, code, errOut)
		require.Equal(t, "Rule/alarm-to-webhook created\n", out)
		code, out, _ = cliRun(t, s, exampleRule(t, tg.URL), "apply", "-f", "-")
		require.Equal(t, 0, code)
		require.Equal(t, "Rule/alarm-to-webhook unchanged\n", out)

		putFixture(t, s, "alarm-state-change-alarm-to-ok.json") // state OK: no match
		id := putFixture(t, s, "alarm-state-change-ok-to-alarm.json")
		got := tg.wait(t, 1)
		require.Equal(t, "POST", got[0].Method)
		require.Equal(t, "/alarms", got[0].Path)
		require.Equal(t, "ops", got[0].Header.Get("X-Team"))
		require.Equal(t, id, got[0].Header.Get("X-Firstline-Event-Id"))
		require.JSONEq(t, `{"text": "`+alarmName(t)+` is now ALARM"}`, got[0].Body)

		// get -o yaml round-trips through apply as unchanged.
		code, yamlOut, _ := cliRun(t, s, "", "get", "Rule", "alarm-to-webhook", "-o", "yaml")
		require.Equal(t, 0, code)
		require.Contains(t, yamlOut, "kind: Rule")
		code, out, errOut = cliRun(t, s, yamlOut, "apply", "-f", "-")
		require.Equal(t, 0, code, errOut)
		require.Equal(t, "Rule/alarm-to-webhook unchanged\n", out)

		// DISABLED: nothing more is delivered.
		disabled := strings.Replace(exampleRule(t, tg.URL), "State: ENABLED", "State: DISABLED", 1)
		code, out, _ = cliRun(t, s, disabled, "apply", "-f", "-")
		require.Equal(t, 0, code)
		require.Equal(t, "Rule/alarm-to-webhook updated\n", out)
		putFixture(t, s, "alarm-state-change-ok-to-alarm.json")
		// A log rule proves the event was routed after the disabled one.
		code, _, errOut = cliRun(t, s, "", "apply", "-f", "../../examples/rules/all-events-to-log.yaml")
		require.Equal(t, 0, code, errOut)
		putFixture(t, s, "alarm-state-change-ok-to-alarm.json")
		require.Eventually(t, func() bool { return strings.Contains(s.Logs.String(), "event delivered to log target") }, 10*time.Second, 10*time.Millisecond)
		tg.mu.Lock()
		require.Len(t, tg.got, 1, "a DISABLED rule delivered")
		tg.mu.Unlock()
	})
}

// TestRetriesThenDeadLetterThenRedrive: 5xx and 429 are retried until a
// 2xx; a 4xx goes to the dead-letter list at once and redrive delivers it.
func TestRetriesThenDeadLetterThenRedrive(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := start(t, d)
		tg := newTarget(t, 500, 429, 503) // then 200
		code, _, errOut := cliRun(t, s, exampleRule(t, tg.URL), "apply", "-f", "-")
		require.Equal(t, 0, code, errOut)
		putFixture(t, s, "alarm-state-change-ok-to-alarm.json")
		got := tg.wait(t, 4)
		require.Len(t, got, 4)
		for _, g := range got {
			require.Equal(t, got[0].Body, g.Body)
		}

		// Permanent failure.
		tg.mu.Lock()
		tg.status = []int{400}
		tg.mu.Unlock()
		id := putFixture(t, s, "alarm-state-change-ok-to-alarm.json")
		tg.wait(t, 5)
		var list struct {
			DeadLetters []struct {
				EventID  string `json:"eventId"`
				Status   int    `json:"status"`
				Response string `json:"response"`
				Attempts int    `json:"attempts"`
			} `json:"deadLetters"`
		}
		require.Eventually(t, func() bool {
			status, b := s.Do(t, http.MethodGet, "/api/v1/dead-letters?rule=alarm-to-webhook", s.AdminToken, nil)
			require.Equal(t, http.StatusOK, status)
			require.NoError(t, json.Unmarshal(b, &list))
			return len(list.DeadLetters) == 1
		}, 10*time.Second, 20*time.Millisecond)
		require.Equal(t, id, list.DeadLetters[0].EventID)
		require.Equal(t, 400, list.DeadLetters[0].Status)
		require.Contains(t, list.DeadLetters[0].Response, "from test target")
		require.Equal(t, 1, list.DeadLetters[0].Attempts)

		code, out, _ := cliRun(t, s, "", "dead-letters", "redrive", "--rule", "alarm-to-webhook")
		require.Equal(t, 0, code)
		require.Equal(t, "1 deliveries enqueued again\n", out)
		got = tg.wait(t, 6)
		require.Equal(t, id, got[5].Header.Get("X-Firstline-Event-Id"))
		code, out, _ = cliRun(t, s, "", "dead-letters", "list")
		require.Equal(t, 0, code)
		require.NotContains(t, out, id, "a redriven dead letter is still listed")
	})
}

// TestRetriesExhausted: with MaximumRetryAttempts 2 a target that keeps
// failing is tried 3 times, then dead-lettered.
func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	s := start(t, store.SQLite)
	tg := newTarget(t, 500, 500, 500, 500)
	rule := strings.Replace(exampleRule(t, tg.URL), "MaximumRetryAttempts: 5", "MaximumRetryAttempts: 2", 1)
	code, _, errOut := cliRun(t, s, rule, "apply", "-f", "-")
	require.Equal(t, 0, code, errOut)
	putFixture(t, s, "alarm-state-change-ok-to-alarm.json")
	tg.wait(t, 3)
	require.Eventually(t, func() bool {
		_, b := s.Do(t, http.MethodGet, "/api/v1/dead-letters", s.AdminToken, nil)
		return strings.Contains(string(b), "gave up after 3 attempts")
	}, 10*time.Second, 20*time.Millisecond)
	tg.mu.Lock()
	require.Len(t, tg.got, 3)
	tg.mu.Unlock()
}

func TestApplyValidationNamesTheField(t *testing.T) {
	t.Parallel()
	s := start(t, store.SQLite)
	bad := `kind: Rule
name: bad
spec:
  State: ON
  EventPattern: {source: "aws.ec2"}
  Targets:
    - Id: a
      Http: {Endpoint: "ftp://x"}
    - Id: a
      Arn: arn:aws:sqs:us-east-1:1:q
      Input: '{"x"'
      InputPath: $.detail
`
	code, _, errOut := cliRun(t, s, bad, "apply", "-f", "-", "--dry-run")
	require.Equal(t, 1, code)
	for _, want := range []string{"spec.State", "spec.EventPattern.source", "spec.Targets[0].Http.Endpoint", "spec.Targets[1].Id", `ARN service "sqs"`} {
		require.Contains(t, errOut, want)
	}
	code, _, errOut = cliRun(t, s, "kind: Rul\nname: x\nspec: {}\n", "apply", "-f", "-")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "did you mean Rule?")
}

// TestReplay replays stored events through one rule: the target receives
// each matching event again, marked with replay-name, and only that rule's
// targets are called.
func TestReplay(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := start(t, d)
		whole, shaped := newTarget(t), newTarget(t)
		doc := `kind: Rule
name: whole-event
spec:
  EventPattern: {source: [aws.cloudwatch]}
  Targets:
    - Id: t
      Http: {Endpoint: "` + whole.URL + `"}
`
		code, _, errOut := cliRun(t, s, doc+"---\n"+exampleRule(t, shaped.URL), "apply", "-f", "-")
		require.Equal(t, 0, code, errOut)
		id := putFixture(t, s, "alarm-state-change-ok-to-alarm.json")
		whole.wait(t, 1)
		shaped.wait(t, 1)

		code, out, errOut := cliRun(t, s, "", "events", "replay", "--since", "1h", "--rule", "whole-event", "--name", "r1", "-o", "json")
		require.Equal(t, 0, code, errOut)
		require.Contains(t, errOut, "replay r1 started")
		var rep struct {
			State          string
			EventsReplayed int
			Deliveries     int
		}
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		require.Equal(t, "COMPLETED", rep.State)
		require.Equal(t, 1, rep.EventsReplayed)
		require.Equal(t, 1, rep.Deliveries)
		got := whole.wait(t, 2)
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(got[1].Body), &ev))
		require.Equal(t, "r1", ev["replay-name"])
		require.Equal(t, id, ev["id"])
		require.NotContains(t, got[0].Body, "replay-name")
		shaped.mu.Lock()
		require.Len(t, shaped.got, 1, "replay through whole-event called another rule's target")
		shaped.mu.Unlock()

		code, _, errOut = cliRun(t, s, "", "events", "replay", "--since", "1h", "--name", "r1")
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "409")
	})
}

// TestInputShapingModesAndAuth delivers one event to four targets: a
// constant Input, an InputPath, the whole event, and an authenticated
// one whose bearer token comes from the server's environment.
func TestInputShapingModesAndAuth(t *testing.T) {
	t.Parallel()
	require.NoError(t, os.Setenv("FIRSTLINE_TEST_RULE_TOKEN", "s3cret"))
	t.Cleanup(func() { _ = os.Unsetenv("FIRSTLINE_TEST_RULE_TOKEN") })
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := start(t, d)
		tg := newTarget(t)
		doc := `kind: Rule
name: shapes
spec:
  EventPattern: {source: [aws.cloudwatch], detail: {state: {value: [ALARM]}}}
  Targets:
    - {Id: constant, Http: {Endpoint: "` + tg.URL + `/constant"}, Input: '{"page": true}'}
    - {Id: path, Http: {Endpoint: "` + tg.URL + `/path"}, InputPath: $.detail.state}
    - {Id: whole, Http: {Endpoint: "` + tg.URL + `/whole", QueryStringParameters: {team: ops}}}
    - Id: auth
      Http:
        Endpoint: "` + tg.URL + `/auth"
        HttpMethod: PUT
        Auth: {BearerTokenEnv: FIRSTLINE_TEST_RULE_TOKEN}
      InputTransformer:
        InputPathsMap: {id: $.id}
        InputTemplate: '{"rule": "<aws.events.rule-name>", "event": "<id>"}'
`
		code, _, errOut := cliRun(t, s, doc, "apply", "-f", "-")
		require.Equal(t, 0, code, errOut)
		id := putFixture(t, s, "alarm-state-change-ok-to-alarm.json")
		byPath := map[string]received{}
		for _, g := range tg.wait(t, 4) {
			byPath[g.Path] = g
		}
		require.JSONEq(t, `{"page": true}`, byPath["/constant"].Body)
		var state map[string]any
		require.NoError(t, json.Unmarshal([]byte(byPath["/path"].Body), &state))
		require.Equal(t, "ALARM", state["value"])
		var whole map[string]any
		require.NoError(t, json.Unmarshal([]byte(byPath["/whole"].Body), &whole))
		require.Equal(t, id, whole["id"])
		require.Equal(t, "CloudWatch Alarm State Change", whole["detail-type"])
		require.Equal(t, "team=ops", byPath["/whole"].Query)
		require.Equal(t, "PUT", byPath["/auth"].Method)
		require.Equal(t, "Bearer s3cret", byPath["/auth"].Header.Get("Authorization"))
		require.JSONEq(t, `{"rule": "shapes", "event": "`+id+`"}`, byPath["/auth"].Body)
		// The secret is not stored: the rule holds the variable's name.
		_, out, _ := cliRun(t, s, "", "get", "Rule", "shapes", "-o", "yaml")
		require.NotContains(t, out, "s3cret")
		require.Contains(t, out, "BearerTokenEnv: FIRSTLINE_TEST_RULE_TOKEN")
	})
}
