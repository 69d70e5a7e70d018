package document_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/command/document"
)

// TestSubstitution checks {{ }} substitution into aws:runShellScript
// steps, as the SSM agent substitutes: a whole input or item takes the
// value itself (a StringList splices one line per item), a reference in a
// longer string takes the value's text.
func TestSubstitution(t *testing.T) {
	t.Parallel()
	const params = `"parameters": {
		"commands": {"type": "StringList", "default": ["echo one", "echo two"]},
		"name": {"type": "String", "default": "web", "allowedPattern": "^[a-z]+$"},
		"safe": {"type": "String", "default": "it's $(x)", "interpolationType": "ENV_VAR"},
		"dir": {"type": "String", "default": "/srv/app"},
		"seconds": {"type": "String", "default": "90"},
		"limit": {"type": "Integer", "default": 120}
	}`
	for _, tc := range []struct {
		name, inputs string
		params       map[string][]string
		want         document.ResolvedStep
		err          string
	}{
		{name: "StringList as the whole input", inputs: `{"runCommand": "{{ commands }}"}`,
			want: document.ResolvedStep{Script: "echo one\necho two"}},
		{name: "StringList as a whole item among others", inputs: `{"runCommand": ["set -e", "{{commands}}", "echo done"]}`,
			want: document.ResolvedStep{Script: "set -e\necho one\necho two\necho done"}},
		{name: "StringList given", inputs: `{"runCommand": "{{ commands }}"}`, params: map[string][]string{"commands": {"uptime", "multi\nline", ""}},
			want: document.ResolvedStep{Script: "uptime\nmulti\nline\n"}},
		{name: "StringList inside a longer string is JSON", inputs: `{"runCommand": ["printf '%s\\n' {{ commands }}"]}`,
			want: document.ResolvedStep{Script: `printf '%s\n' ["echo one","echo two"]`}},
		{name: "String in a command, with or without spaces", inputs: `{"runCommand": ["ping {{name}}", "host {{   name   }}.example.com"]}`,
			want: document.ResolvedStep{Script: "ping web\nhost web.example.com"}},
		{name: "String as the whole input", inputs: `{"runCommand": "echo {{ name }}; echo {{ name }}"}`,
			want: document.ResolvedStep{Script: "echo web; echo web"}},
		{name: "ENV_VAR keeps the value out of the script", inputs: `{"runCommand": ["echo \"{{ safe }}\"", "{{ safe }}"]}`,
			want: document.ResolvedStep{Script: "echo \"${SSM_safe}\"\n${SSM_safe}", Env: map[string]string{"SSM_safe": "it's $(x)"}}},
		{name: "not a reference", inputs: `{"runCommand": ["docker inspect --format '{{.State.Running}}' web", "echo {{ name_x }} {{}} {{ name"]}`,
			want: document.ResolvedStep{Script: "docker inspect --format '{{.State.Running}}' web\necho {{ name_x }} {{}} {{ name"}},
		{name: "workingDirectory", inputs: `{"runCommand": "ls", "workingDirectory": "{{ dir }}/current"}`,
			want: document.ResolvedStep{Script: "ls", WorkingDirectory: "/srv/app/current"}},
		{name: "timeoutSeconds from a String", inputs: `{"runCommand": "ls", "timeoutSeconds": "{{ seconds }}"}`,
			want: document.ResolvedStep{Script: "ls", TimeoutSeconds: 90}},
		{name: "timeoutSeconds from an Integer", inputs: `{"runCommand": "ls", "timeoutSeconds": "{{ limit }}"}`,
			want: document.ResolvedStep{Script: "ls", TimeoutSeconds: 120}},
		{name: "timeoutSeconds empty is the default", inputs: `{"runCommand": "ls", "timeoutSeconds": "{{ seconds }}"}`, params: map[string][]string{"seconds": {""}},
			want: document.ResolvedStep{Script: "ls", TimeoutSeconds: 3600}},
		{name: "timeoutSeconds number", inputs: `{"runCommand": "ls", "timeoutSeconds": 172800}`,
			want: document.ResolvedStep{Script: "ls", TimeoutSeconds: 172800}},
		{name: "timeoutSeconds out of range", inputs: `{"runCommand": "ls", "timeoutSeconds": "{{ seconds }}"}`, params: map[string][]string{"seconds": {"172801"}},
			err: `parameter "seconds": the value gives step "s" timeoutSeconds 172801 seconds is out of range; want 1 to 172800 (48 hours)`},
		{name: "timeoutSeconds not a number", inputs: `{"runCommand": "ls", "timeoutSeconds": "{{ limit }}0"}`, params: map[string][]string{"limit": {"-1"}},
			err: `parameter "limit": the value gives step "s" timeoutSeconds -10 seconds is out of range`},
		{name: "workingDirectory with a newline", inputs: `{"runCommand": "ls", "workingDirectory": "{{ dir }}"}`, params: map[string][]string{"dir": {"/tmp\nrm"}},
			err: `parameter "dir": the value gives step "s" workingDirectory has a NUL or newline character`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := parse(t, `{"schemaVersion": "2.2", `+params+`, "mainSteps": [{"action": "aws:runShellScript", "name": "s", "inputs": `+tc.inputs+`}]}`)
			r, err := document.Resolve(d, tc.params)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.True(t, errors.Is(err, document.ErrInvalidParameters))
				return
			}
			require.NoError(t, err)
			tc.want.Name, tc.want.Action = "s", document.ActionRunShellScript
			if tc.want.TimeoutSeconds == 0 {
				tc.want.TimeoutSeconds = document.DefaultTimeoutSeconds
			}
			require.Equal(t, []document.ResolvedStep{tc.want}, r.Steps)
		})
	}
}

// TestResolveRunShellScript resolves AWS-RunShellScript as `firstline
// commands send --parameters commands="systemctl status httpd"` sends it.
func TestResolveRunShellScript(t *testing.T) {
	t.Parallel()
	d := document.Builtins()[0]
	r, err := document.Resolve(d, map[string][]string{"commands": {"systemctl status httpd"}})
	require.NoError(t, err)
	require.Equal(t, "AWS-RunShellScript", r.DocumentName)
	require.Equal(t, "1", r.DocumentVersion)
	require.Equal(t, map[string][]string{"commands": {"systemctl status httpd"}, "workingDirectory": {""}, "executionTimeout": {"3600"}}, r.Parameters)
	require.Equal(t, []document.ResolvedStep{{Name: "runShellScript", Action: "aws:runShellScript", Platform: "Linux",
		Script: "systemctl status httpd", TimeoutSeconds: 3600}}, r.Steps)
	require.True(t, r.Steps[0].RunsOn(document.PlatformLinux))
	require.False(t, r.Steps[0].RunsOn(document.PlatformMacOS))

	r, err = document.Resolve(d, map[string][]string{"commands": {"sleep 5"}, "executionTimeout": {"172800"}, "workingDirectory": {"/tmp"}})
	require.NoError(t, err)
	require.Equal(t, 172800, r.Steps[0].TimeoutSeconds)
	require.Equal(t, "/tmp", r.Steps[0].WorkingDirectory)

	for _, bad := range []string{"0", "172801", "999999", "10s", "-1", "3600 ; reboot"} {
		_, err = document.Resolve(d, map[string][]string{"commands": {"sleep 5"}, "executionTimeout": {bad}})
		var pe *document.ParameterError
		require.True(t, errors.As(err, &pe), "executionTimeout %q: %v", bad, err)
		require.Equal(t, document.RuleAllowedPattern, pe.Rule, bad)
	}
	_, err = document.Resolve(d, map[string][]string{"commands": {}})
	require.ErrorContains(t, err, `parameter "commands": has 0 items; minItems is 1`)
	_, err = document.Resolve(d, map[string][]string{"commands": {"ls"}, "workingDirectory": {strings.Repeat("d", 4097)}})
	require.ErrorContains(t, err, `parameter "workingDirectory": the value has 4097 characters; maxChars is 4096`)
}

// TestResolveRefusesInvalidDocuments: a document that fails Validate is
// not resolved.
func TestResolveRefusesInvalidDocuments(t *testing.T) {
	t.Parallel()
	d, err := document.Parse([]byte(`{"schemaVersion":"2.2","mainSteps":[{"action":"aws:runPowerShellScript","name":"w","inputs":{"runCommand":["dir"]}}]}`))
	require.NoError(t, err)
	_, err = document.Resolve(d, nil)
	var de *document.Error
	require.True(t, errors.As(err, &de))
	require.False(t, errors.Is(err, document.ErrInvalidParameters))
}

// TestScriptLimit: a small document cannot build an unbounded script.
func TestScriptLimit(t *testing.T) {
	t.Parallel()
	refs := strings.Repeat(`"{{ x }}",`, 20)
	d := parse(t, `{"schemaVersion":"2.2","parameters":{"x":{"type":"String"}},
		"mainSteps":[{"action":"aws:runShellScript","name":"s","inputs":{"runCommand":[`+refs+`"end"]}}]}`)
	_, err := document.Resolve(d, map[string][]string{"x": {strings.Repeat("y", 300_000)}})
	require.ErrorContains(t, err, `step "s": the script is over 4194304 bytes once parameters are substituted`)
}
