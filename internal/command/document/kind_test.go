package document_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/firstline/firstline/internal/command/document"
	"github.com/firstline/firstline/internal/envvar"
	"github.com/firstline/firstline/internal/resource"
)

func TestKindNormalize(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("testdata/fixtures/restart-service.json")
	require.NoError(t, err)
	compact := string(parse(t, string(fixture)).Content())
	asString, _ := json.Marshal(string(fixture))
	yamlText, _ := json.Marshal("schemaVersion: '2.2'\nmainSteps:\n- {action: aws:runShellScript, name: a, inputs: {runCommand: [date]}}\n")
	const yamlContent = `{"schemaVersion":"2.2","mainSteps":[{"action":"aws:runShellScript","name":"a","inputs":{"runCommand":["date"]}}]}`
	for _, tc := range []struct {
		name, docName, spec, want, err string
	}{
		{name: "Content object", spec: `{"Content":` + string(fixture) + `}`,
			want: `{"DocumentType":"Command","DocumentFormat":"JSON","Content":` + compact + `}`},
		{name: "Content object written in YAML", spec: `{"DocumentType":"Command","DocumentFormat":"YAML","Content":` + string(fixture) + `}`,
			want: `{"DocumentType":"Command","DocumentFormat":"YAML","Content":` + compact + `}`},
		{name: "ContentString JSON", spec: `{"ContentString":` + string(asString) + `}`,
			want: `{"DocumentType":"Command","DocumentFormat":"JSON","Content":` + compact + `}`},
		{name: "ContentString YAML", spec: `{"ContentString":` + string(yamlText) + `,"DocumentFormat":"YAML"}`,
			want: `{"DocumentType":"Command","DocumentFormat":"YAML","Content":` + yamlContent + `}`},
		{name: "ContentString YAML detected", spec: `{"ContentString":` + string(yamlText) + `}`,
			want: `{"DocumentType":"Command","DocumentFormat":"YAML","Content":` + yamlContent + `}`},
		{name: "Content as text", spec: `{"Content":` + string(yamlText) + `}`,
			want: `{"DocumentType":"Command","DocumentFormat":"YAML","Content":` + yamlContent + `}`},
		{name: "format mismatch", spec: `{"ContentString":` + string(yamlText) + `,"DocumentFormat":"JSON"}`, err: "ContentString: the document is not valid JSON"},
		{name: "both", spec: `{"Content":{},"ContentString":"{}"}`, err: "Content: give Content or ContentString, not both"},
		{name: "neither", spec: `{"DocumentType":"Command"}`, err: "Content: a document needs Content (an object) or ContentString"},
		{name: "Automation", spec: `{"DocumentType":"Automation","Content":{}}`, err: `DocumentType: "Automation" is not supported: firstline runs Command documents`},
		{name: "TEXT", spec: `{"DocumentFormat":"TEXT","ContentString":"x"}`, err: `DocumentFormat: "TEXT": want JSON or YAML`},
		{name: "unknown field", spec: `{"Content":{},"TargetType":"/AWS::EC2::Instance"}`, err: `unknown field "TargetType"; a Document spec has Content (or ContentString), DocumentType and DocumentFormat`},
		{name: "reserved name", docName: "AWS-RunShellScript", spec: `{"Content":` + string(fixture) + `}`,
			err: "the name AWS-RunShellScript is reserved: names starting with AWS- belong to built-in documents (firstline has AWS-RunShellScript)"},
		{name: "reserved in any case", docName: "aws-mine", spec: `{"Content":` + string(fixture) + `}`, err: "is reserved"},
		{name: "every problem with its path", spec: `{"Content":{"schemaVersion":"2.2","parameters":{"x":{"type":"String"}},"mainSteps":[
			{"action":"aws:runPowerShellScript","name":"a","inputs":{"runCommand":["{{ y }}"]}}]}}`,
			err: "Content.mainSteps[0].inputs.runCommand[0]: {{ y }} names no parameter of the document (did you mean x?)\nContent.mainSteps[0].action: aws:runPowerShellScript is an SSM plugin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := tc.docName
			if name == "" {
				name = "my-doc"
			}
			got, err := document.Kind{}.Normalize(name, json.RawMessage(tc.spec))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				for _, e := range unjoin(err) {
					var fe *resource.FieldError
					require.True(t, errors.As(e, &fe), "%T", e)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			again, err := document.Kind{}.Normalize(name, got)
			require.NoError(t, err)
			require.Equal(t, string(got), string(again), "Normalize is not idempotent")
		})
	}
	require.Equal(t, "Document", document.Kind{}.Name())
}

// TestExampleRestartApache: examples/documents/restart-apache.yaml applies
// (through apply's ${VAR} expansion), lints clean, and refuses a value
// outside its allowedValues and allowedPattern.
func TestExampleRestartApache(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../../examples/documents/restart-apache.yaml")
	require.NoError(t, err)
	text, err := envvar.Expand(string(b))
	require.NoError(t, err)
	var res struct {
		Kind string
		Name string
		Spec map[string]any
	}
	require.NoError(t, yaml.Unmarshal([]byte(text), &res))
	require.Equal(t, document.KindName, res.Kind)
	spec, err := json.Marshal(res.Spec)
	require.NoError(t, err)
	canonical, err := document.Kind{}.Normalize(res.Name, spec)
	require.NoError(t, err)
	require.Contains(t, string(canonical), `"DocumentFormat":"YAML"`)

	var s document.Spec
	require.NoError(t, json.Unmarshal(canonical, &s))
	d := parse(t, string(s.Content))
	require.Empty(t, document.Lint(d))
	require.Equal(t, []string{"graceful", "restart"}, d.Parameter("Action").AllowedValues)
	require.NotEmpty(t, d.Parameter("Unit").AllowedPattern)

	r, err := document.Resolve(d, map[string][]string{"Action": {"restart"}, "Unit": {"apache2"}})
	require.NoError(t, err)
	require.Equal(t, strings.Join([]string{
		"set -eu",
		"if [ restart = graceful ]; then systemctl reload apache2; else systemctl restart apache2; fi",
		"systemctl is-active apache2",
		"journalctl -u apache2 -n 20 --no-pager",
	}, "\n"), r.Steps[0].Script)
	require.Equal(t, 120, r.Steps[0].TimeoutSeconds)

	_, err = document.Resolve(d, map[string][]string{"Action": {"stop"}, "Unit": {"httpd; reboot"}})
	require.ErrorContains(t, err, `parameter "Action": the value "stop" is not one of allowedValues [graceful, restart]`)
	require.ErrorContains(t, err, `parameter "Unit": the value "httpd; reboot" does not match allowedPattern ^[A-Za-z0-9@_.-]{1,64}$`)
}
