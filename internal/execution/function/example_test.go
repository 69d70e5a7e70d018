//go:build unix

package function_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/firstline/firstline/internal/envvar"
	"github.com/firstline/firstline/internal/execution/function"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
)

// TestAlertCountExample runs examples/functions/alert-count.sh as the
// Function examples/functions/alert-count.yaml defines, against a real
// server holding two FAILED executions of first-response, through the
// real CLI: the seed's FunctionName gets {"failed_count": 2, "event": ...}.
// Not parallel: apply's ${VAR} expansion reads the environment.
func TestAlertCountExample(t *testing.T) {
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	srv := servertest.Start(t, store.SQLite)
	bin := servertest.BuildBinary(t)
	cli := func(token string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "FIRSTLINE_URL="+srv.URL, "FIRSTLINE_TOKEN="+token)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "firstline %s: %s", strings.Join(args, " "), stderr.String())
		return string(out)
	}

	// first-response, failing at once, run twice.
	machine := filepath.Join(t.TempDir(), "first-response.yaml")
	require.NoError(t, os.WriteFile(machine, []byte(`kind: StateMachine
name: first-response
spec:
  Definition: {StartAt: Fail, States: {Fail: {Type: Fail, Error: Broken}}}
`), 0o644))
	cli(srv.AdminToken, "apply", "-f", machine)
	for _, name := range []string{"fail-1", "fail-2"} {
		cli(srv.AdminToken, "executions", "start", "--state-machine", "first-response", "--name", name, "--input", "{}")
	}
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(cli(srv.AdminToken, "executions", "list", "--state-machine", "first-response", "--status-filter", "FAILED", "-o", "json"), `"executionArn"`) < 2 {
		require.True(t, time.Now().Before(deadline), "the executions did not fail")
		time.Sleep(50 * time.Millisecond)
	}

	// The Function as `firstline apply` reads it, pointed at this server.
	viewer := strings.TrimSpace(cli(srv.AdminToken, "tokens", "create", "--name", "alert-count", "--role", "viewer"))
	viewer = viewer[strings.LastIndexByte(viewer, '\n')+1:]
	t.Setenv("PWD", root)
	t.Setenv("ALERT_COUNT_TOKEN", viewer)
	text, err := os.ReadFile(filepath.Join(root, "examples/functions/alert-count.yaml"))
	require.NoError(t, err)
	expanded, err := envvar.Expand(string(text))
	require.NoError(t, err)
	var doc struct {
		Kind string         `yaml:"kind"`
		Name string         `yaml:"name"`
		Spec map[string]any `yaml:"spec"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(expanded), &doc))
	require.Equal(t, function.KindName, doc.Kind)
	require.Equal(t, "Alert_count", doc.Name)
	command := doc.Spec["Command"].(map[string]any)
	require.Equal(t, filepath.Join(root, "examples/functions/alert-count.sh"), command["Path"])
	env := command["Env"].(map[string]any)
	require.Equal(t, viewer, env["FIRSTLINE_TOKEN"])
	env["FIRSTLINE_URL"], env["FIRSTLINE_BIN"] = srv.URL, bin

	f := setup(t)
	f.apply(t, doc.Name, doc.Spec)
	alarm, err := os.ReadFile(seedTests + "alarm-event.json")
	require.NoError(t, err)
	out, err := f.invoke(t, seedFunctionName, string(alarm))
	require.NoError(t, err)
	payload := out.(map[string]any)["Payload"].(map[string]any)
	require.Equal(t, json.Number("2"), payload["failed_count"])
	require.Equal(t, value(t, string(alarm)), payload["event"])
}
