package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/cli"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
)

func runOffline(args ...string) (int, string, string) {
	root := cli.NewRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	code := cli.Execute(context.Background(), root, append([]string{"--url", "http://127.0.0.1:1", "--token", ""}, args...))
	return code, out.String(), errOut.String()
}

func TestStatesValidate(t *testing.T) {
	t.Parallel()
	seed, err := filepath.Abs("../../testdata/fixtures/states/seed-first-response.asl.json")
	require.NoError(t, err)
	code, out, _ := runOffline("states", "validate", "--definition", "file://"+seed)
	require.Equal(t, 0, code)
	var v struct {
		Result      string
		Diagnostics []struct{ Severity, Code, Message, Location string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Equal(t, "OK", v.Result)

	// Every problem is listed, not only the first; FAIL exits 1.
	code, out, _ = runOffline("states", "validate", "--definition",
		`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Gone"},"B":{"Type":"Wait","End":true},"C":{"Type":"Task","Resource":"not-an-arn","End":true}}}`)
	require.Equal(t, 1, code)
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Equal(t, "FAIL", v.Result)
	codes := map[string]string{}
	for _, d := range v.Diagnostics {
		codes[d.Location] = d.Code
	}
	require.Equal(t, "MISSING_TRANSITION_TARGET", codes["/States/A/Next"])
	require.Equal(t, "SCHEMA_VALIDATION_FAILED", codes["/States/B"], "Wait without a duration")
	require.Equal(t, "INVALID_RESOURCE", codes["/States/C/Resource"])
	require.Equal(t, "SCHEMA_VALIDATION_FAILED", codes["/States/B"])

	code, _, errOut := runOffline("states", "validate", "--definition", "file:///does/not/exist.json")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "does/not/exist.json")
}

func TestStatesRun(t *testing.T) {
	t.Parallel()
	dir, err := filepath.Abs("../../examples/first-response")
	require.NoError(t, err)
	type result struct {
		Status, Error, Cause string
		Output               json.RawMessage
		States               []string
		History              []map[string]any
	}
	// The mock config is keyed by the definition file's base name.
	code, out, errOut := runOffline("states", "run", "--definition", "file://"+dir+"/state-machine.asl.json",
		"--input", "file://"+dir+"/tests/alarm-event.json",
		"--mock-config", "file://"+dir+"/tests/mock-config.json", "--test-case", "RestartFails", "--history")
	require.Equal(t, 0, code, errOut)
	var r result
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, "FAILED", r.Status)
	require.Equal(t, []string{"Alert Count Check Invoke", "Alert Count Check Condition", "Alert Name Check Condition", "Restart Http", "Status Http", "Wait", "Status Run Commnad", "Status Check", "Send Error", "Fail"}, r.States)
	require.Equal(t, "ExecutionStarted", r.History[0]["type"])
	require.Equal(t, "ExecutionFailed", r.History[len(r.History)-1]["type"])

	// No mock for a Task: the run fails naming the state.
	code, out, _ = runOffline("states", "run", "--definition", "file://"+dir+"/state-machine.asl.json",
		"--input", "file://"+dir+"/tests/alarm-event.json")
	require.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, "FAILED", r.Status)
	require.Contains(t, r.Cause, `"Alert Count Check Invoke"`)

	// A long Wait passes on the virtual clock.
	code, out, _ = runOffline("states", "run", "--definition", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`, "--input", `{"x":1}`)
	require.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, "SUCCEEDED", r.Status)
	require.JSONEq(t, `{"x":1}`, string(r.Output))

	// An unknown test case and an invalid definition cannot run: exit 1.
	code, _, errOut = runOffline("states", "run", "--definition", "file://"+dir+"/state-machine.asl.json",
		"--mock-config", "file://"+dir+"/tests/mock-config.json", "--test-case", "Nope")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `no test case "Nope"`)
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"StartAt":"A","States":{}}`), 0o600))
	code, _, errOut = runOffline("states", "run", "--definition", "file://"+bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "SCHEMA_VALIDATION_FAILED")
}

// TestApplyStateMachine applies a StateMachine resource with
// DefinitionFile, reads it back, and sees invalid ones refused with their
// diagnostics: a broken definition, and the seed runbook while the server
// has no Run Command and SNS integrations.
func TestApplyStateMachine(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "triage.asl.json"), []byte(`{"StartAt":"Pick","States":{"Pick":{"Type":"Pass","Parameters":{"alarm.$":"$.detail.alarmName"},"End":true}}}`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "triage.yaml"), []byte("kind: StateMachine\nname: triage\nspec:\n  DefinitionFile: triage.asl.json\n"), 0o600))
	code, out, errOut := run(t, s, s.AdminToken, "apply", "-f", filepath.Join(dir, "triage.yaml"))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "triage")
	code, out, errOut = run(t, s, s.AdminToken, "get", "StateMachine", "triage", "-o", "json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `alarm.$`)
	require.NotContains(t, out, "DefinitionFile")

	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("kind: StateMachine\nname: broken\nspec:\n  Definition:\n    StartAt: A\n    States:\n      A: {Type: Pass, Next: Nowhere}\n"), 0o600))
	code, _, errOut = run(t, s, s.AdminToken, "apply", "-f", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "MISSING_TRANSITION_TARGET at /States/A/Next")

	code, _, errOut = run(t, s, s.AdminToken, "apply", "-f", "../../examples/first-response/state-machine.yaml")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "INVALID_RESOURCE at /States/Restart Http/Resource: no integration runs arn:aws:states:::aws-sdk:ssm:sendCommand")
	require.Contains(t, errOut, "available:")
}

// TestDocumentsLint lints the built-in, the example resource, a document
// open to command injection, and an invalid one.
func TestDocumentsLint(t *testing.T) {
	t.Parallel()
	code, out, _ := runOffline("documents", "lint", "AWS-RunShellScript")
	require.Equal(t, 0, code)
	require.Contains(t, out, "no warnings")
	code, out, errOut := runOffline("documents", "lint", "../../examples/documents/restart-apache.yaml")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "no warnings")
	dir := t.TempDir()
	risky := filepath.Join(dir, "risky.json")
	require.NoError(t, os.WriteFile(risky, []byte(`{"schemaVersion":"2.2","parameters":{"S":{"type":"String"}},"mainSteps":[{"action":"aws:runShellScript","name":"r","inputs":{"runCommand":["systemctl restart {{ S }}"]}}]}`), 0o600))
	code, out, _ = runOffline("documents", "lint", risky)
	require.Equal(t, 0, code)
	require.Contains(t, out, "command injection")
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"schemaVersion":"2.2","mainSteps":[{"action":"aws:runShellScript","name":"r","inputs":{"runCommand":["echo {{ X }}"]}}]}`), 0o600))
	code, _, errOut = runOffline("documents", "lint", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "{{ X }} names no parameter")
	code, _, _ = runOffline("documents", "lint", filepath.Join(dir, "missing.json"))
	require.Equal(t, 2, code)
}
