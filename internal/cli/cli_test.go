package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/firstline/firstline/internal/cli"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
)

// run executes the CLI with args against s and returns exit code, stdout
// and stderr.
func run(t *testing.T, s *servertest.Server, token string, args ...string) (int, string, string) {
	t.Helper()
	root := cli.NewRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(""))
	full := append([]string{"--url", s.URL, "--token", token}, args...)
	code := cli.Execute(context.Background(), root, full)
	return code, out.String(), errOut.String()
}

func TestEventsPutListGet(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	code, out, errOut := run(t, s, s.AdminToken, "events", "put", "--entries",
		`[{"Source":"my.app","DetailType":"Deployment","Detail":"{\"version\":\"1.2\"}","Resources":["host/web-1"]}]`, "-o", "json")
	require.Equal(t, 0, code, errOut)
	var put struct {
		FailedEntryCount int
		Entries          []struct{ EventId string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &put))
	require.Len(t, put.Entries, 1)
	id := put.Entries[0].EventId

	// file:// as the AWS CLI takes it; the example in the repository.
	example, err := filepath.Abs("../../examples/events/cloudwatch-alarm.json")
	require.NoError(t, err)
	code, out, errOut = run(t, s, s.AdminToken, "events", "put", "--entries", "file://"+example)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "EVENT ID")

	code, out, _ = run(t, s, s.AdminToken, "events", "list", "--source", "my.app")
	require.Equal(t, 0, code)
	require.Contains(t, out, "SOURCE")
	require.Contains(t, out, id)
	require.Contains(t, out, "host/web-1")
	require.NotContains(t, out, "aws.cloudwatch")

	code, out, _ = run(t, s, s.AdminToken, "events", "list", "-o", "yaml")
	require.Equal(t, 0, code)
	var list map[string][]map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(out), &list))
	require.Len(t, list["Events"], 2)
	require.Equal(t, "aws.cloudwatch", list["Events"][0]["source"])

	code, out, _ = run(t, s, s.AdminToken, "events", "get", id)
	require.Equal(t, 0, code)
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &ev))
	require.Equal(t, "Deployment", ev["detail-type"])
	require.Equal(t, map[string]any{"version": "1.2"}, ev["detail"])

	// Pagination: --limit prints the next token on stderr, --all follows it.
	code, out, errOut = run(t, s, s.AdminToken, "events", "list", "--limit", "1")
	require.Equal(t, 0, code)
	require.Contains(t, errOut, "--next-token")
	require.Equal(t, 2, strings.Count(out, "\n")) // header and one row
	code, out, _ = run(t, s, s.AdminToken, "events", "list", "--limit", "1", "--all", "-o", "json")
	require.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	require.Len(t, list["Events"], 2)
}

func TestFailuresExitNonZeroWithTheAPIMessage(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	code, out, errOut := run(t, s, s.AdminToken, "events", "put", "--entries", `[{"Source":"a","Detail":"{}"}]`)
	require.Equal(t, 1, code)
	require.Contains(t, out, "Entries[0].DetailType: is required")
	require.Contains(t, errOut, "1 of 1 entries failed")

	code, _, errOut = run(t, s, "fl_wrong", "events", "list")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "missing, unknown or revoked API token")
	require.Contains(t, errOut, "401")

	code, _, errOut = run(t, s, s.AdminToken, "events", "list", "--limit", "5000")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "limit: must be an integer from 1 to 1000")

	code, _, errOut = run(t, s, s.AdminToken, "events", "put", "--entries", "file:///does/not/exist.json")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no such file")

	code, _, errOut = run(t, s, "", "events", "list")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no API token")
}

func TestTokensAndAudit(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	code, out, errOut := run(t, s, s.AdminToken, "tokens", "create", "--name", "grafana", "--role", "viewer", "-o", "json")
	require.Equal(t, 0, code, errOut)
	var tok struct{ ID, Name, Role, Secret string }
	require.NoError(t, json.Unmarshal([]byte(out), &tok))
	require.Equal(t, "viewer", tok.Role)
	require.True(t, strings.HasPrefix(tok.Secret, "fl_"))

	code, out, _ = run(t, s, tok.Secret, "whoami")
	require.Equal(t, 0, code)
	require.Contains(t, out, "grafana")

	code, _, errOut = run(t, s, tok.Secret, "tokens", "list")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "role viewer may not call GET /api/v1/tokens; it needs admin")

	code, out, _ = run(t, s, s.AdminToken, "tokens", "list")
	require.Equal(t, 0, code)
	require.Contains(t, out, "grafana")
	require.NotContains(t, out, tok.Secret)

	code, _, _ = run(t, s, s.AdminToken, "tokens", "revoke", "grafana")
	require.Equal(t, 0, code)
	code, _, _ = run(t, s, tok.Secret, "whoami")
	require.Equal(t, 1, code)

	code, out, _ = run(t, s, s.AdminToken, "audit", "list")
	require.Equal(t, 0, code)
	require.Contains(t, out, "tokens.create")
	require.Contains(t, out, "tokens.revoke")
}

func TestHelpHasExamples(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"events", "put", "--help"}, {"events", "list", "--help"}, {"tokens", "create", "--help"}, {"audit", "list", "--help"}} {
		root := cli.NewRoot()
		var out bytes.Buffer
		root.SetOut(&out)
		require.Equal(t, 0, cli.Execute(context.Background(), root, args), args)
		require.Contains(t, out.String(), "Examples:", args)
	}
}

func TestReadArg(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "e.json")
	require.NoError(t, os.WriteFile(p, []byte(`[1]`), 0o600))
	b, err := cli.ReadArg("file://"+p, nil)
	require.NoError(t, err)
	require.Equal(t, "[1]", string(b))
	b, err = cli.ReadArg("-", strings.NewReader("[2]"))
	require.NoError(t, err)
	require.Equal(t, "[2]", string(b))
	b, err = cli.ReadArg("[3]", nil)
	require.NoError(t, err)
	require.Equal(t, "[3]", string(b))
}

func TestTestPatternWorksWithoutAServer(t *testing.T) {
	t.Parallel()
	run := runOffline
	p := filepath.Join(t.TempDir(), "p.json")
	require.NoError(t, os.WriteFile(p, []byte(`{"source":["aws.cloudwatch"],"detail":{"state":{"value":["ALARM"]}}}`), 0o600))
	event, err := filepath.Abs("../../testdata/fixtures/cloudwatch/alarm-state-change-ok-to-alarm.json")
	require.NoError(t, err)
	code, out, _ := run("events", "test-pattern", "--event-pattern", "file://"+p, "--event", "file://"+event)
	require.Equal(t, 0, code)
	require.Equal(t, "{\"Result\": true}\n", out)
	code, out, _ = run("events", "test-pattern", "--event-pattern", `{"source":["x"]}`, "--event", "file://"+event)
	require.Equal(t, 0, code)
	require.Equal(t, "{\"Result\": false}\n", out)
	code, out, errOut := run("events", "test-pattern", "--event-pattern", `{"detail":{"state":[{"wildcard":"a**"}]}}`, "--event", `{}`)
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "detail.state[0].wildcard")
	require.Contains(t, errOut, "consecutive *")
}

func TestHooksPendingAndConfirmRefusesNonSNSURLs(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	detail := `{\"TopicArn\":\"arn:aws:sns:us-east-1:123456789012:alarms\",\"SubscribeURL\":\"https://evil.example.com/?Action=ConfirmSubscription\",\"Token\":\"t\"}`
	code, out, errOut := run(t, s, s.AdminToken, "events", "put", "-o", "json", "--entries",
		`[{"Source":"aws.sns","DetailType":"SNS Subscription Confirmation","Detail":"`+detail+`"},{"Source":"my.app","DetailType":"x","Detail":"{}"}]`)
	require.Equal(t, 0, code, errOut)
	var put struct{ Entries []struct{ EventId string } }
	require.NoError(t, json.Unmarshal([]byte(out), &put))

	code, out, _ = run(t, s, s.AdminToken, "hooks", "pending")
	require.Equal(t, 0, code)
	require.Contains(t, out, put.Entries[0].EventId)
	require.Contains(t, out, "arn:aws:sns:us-east-1:123456789012:alarms")

	code, _, errOut = run(t, s, s.AdminToken, "hooks", "confirm", put.Entries[0].EventId)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "SubscribeURL")
	require.Contains(t, errOut, "502")

	code, _, errOut = run(t, s, s.AdminToken, "hooks", "confirm", put.Entries[1].EventId)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "not an SNS Subscription Confirmation event")
}
