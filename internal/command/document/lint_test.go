package document_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/command/document"
)

func TestLint(t *testing.T) {
	t.Parallel()
	d := parse(t, `
schemaVersion: "2.2"
parameters:
  Service: {type: String}
  Unit: {type: String, allowedPattern: "^[a-z]+$"}
  Action: {type: String, allowedValues: [restart, status]}
  Message: {type: String, interpolationType: ENV_VAR}
  Dir: {type: String}
  Hosts: {type: StringList, default: [a, b]}
  Commands: {type: StringList, default: [uptime]}
  Instance: {type: String, default: "", allowedPattern: "^i-[a-z0-9]{8,17}$"}
  Spare: {type: String, default: x, allowedValues: [x]}
mainSteps:
- action: aws:runShellScript
  name: restart
  inputs:
    workingDirectory: "{{ Dir }}"
    runCommand:
    - systemctl {{ Action }} {{ Service }}
    - journalctl -u {{ Unit }} -n 20 | grep {{ Service }}
    - echo "{{ Message }}"
    - for h in {{ Hosts }}; do ping -c1 $h; done
    - "{{ Commands }}"
    - echo {{ Instance }}
- action: aws:runPowerShellScript
  name: windows
  precondition: {StringEquals: [platformType, Windows]}
  inputs: {runCommand: [dir]}
`)
	var got []document.Warning
	for _, w := range document.Lint(d) {
		w.Message = w.Message[:min(len(w.Message), 60)]
		got = append(got, w)
	}
	require.Equal(t, []document.Warning{
		{Path: "parameters.Instance.default", Parameter: "Instance", Message: `the default breaks allowedPattern (the value "" does not mat`},
		{Path: "mainSteps[0].inputs.runCommand[0]", Step: "restart", Parameter: "Service", Message: "String parameter Service goes into the shell commands of ste"},
		{Path: "mainSteps[0].inputs.runCommand[3]", Step: "restart", Parameter: "Hosts", Message: "StringList parameter Hosts is inside a longer command of ste"},
		{Path: "mainSteps[1]", Step: "windows", Message: "aws:runPowerShellScript runs on Windows only: firstline's ag"},
		{Path: "parameters.Spare", Parameter: "Spare", Message: "no step references this parameter"},
	}, got)
	full := document.Lint(d)[1].Message
	require.Contains(t, full, "with neither allowedPattern nor allowedValues")
	require.Contains(t, full, "command injection")
	require.Contains(t, full, "step restart")
	require.Equal(t, `mainSteps[0].inputs.runCommand[0]: `+full, document.Lint(d)[1].String())
}

// TestLintFixtures: the shared documents restrict what reaches the shell,
// so they lint clean; the plugin reference's String commands parameter
// does not.
func TestLintFixtures(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"run-shell-script.json", "restart-service.json"} {
		b, err := os.ReadFile("testdata/fixtures/" + name)
		require.NoError(t, err)
		require.Empty(t, document.Lint(parse(t, string(b))), name)
	}
	d := parse(t, `{"schemaVersion":"2.2","parameters":{"commands":{"type":"String","default":"echo Hello World"}},
		"mainSteps":[{"action":"aws:runShellScript","name":"runShellScript","inputs":{"timeoutSeconds":"60","runCommand":["{{ commands }}"]}}]}`)
	ws := document.Lint(d)
	require.Len(t, ws, 1)
	require.Equal(t, "commands", ws[0].Parameter)
	require.Equal(t, "runShellScript", ws[0].Step)
}
