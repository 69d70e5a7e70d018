package document_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/firstline/firstline/internal/command/document"
)

// parse parses and validates src, failing the test on any problem.
func parse(t *testing.T, src string) *document.Document {
	t.Helper()
	d, err := document.Parse([]byte(src))
	require.NoError(t, err)
	require.NoError(t, d.Validate())
	return d
}

// check parses and validates src and returns the problems, or nil.
func check(src []byte) error {
	d, err := document.Parse(src)
	if err != nil {
		return err
	}
	return d.Validate()
}

// TestInvalidDocuments runs testdata/invalid/*.txtar: each holds a
// document that Parse or Validate refuses, and the lines its error must
// contain. Every problem must be reported at once, each as a
// *document.Error.
func TestInvalidDocuments(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/invalid/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(file)
			require.NoError(t, err)
			var doc, want []byte
			for _, f := range ar.Files {
				switch f.Name {
				case "document":
					doc = f.Data
				case "error":
					want = f.Data
				}
			}
			require.NotNil(t, doc, "no -- document -- section")
			require.NotNil(t, want, "no -- error -- section")
			err = check(doc)
			require.Error(t, err)
			for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
				require.Contains(t, err.Error(), line)
			}
			for _, e := range unjoin(err) {
				var de *document.Error
				require.True(t, errors.As(e, &de), "error of another type: %T %v", e, e)
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestFixturesLoadAsIs: the shared SSM documents load unmodified. The
// package's testdata/fixtures holds copies; when the shared fixtures are
// beside the repository, the copies must be identical.
func TestFixturesLoadAsIs(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"run-shell-script.json", "restart-service.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join("testdata/fixtures", name))
			require.NoError(t, err)
			if shared, err := os.ReadFile(filepath.Join("../../../../shared/fixtures/ssm-documents", name)); err == nil {
				require.Equal(t, string(shared), string(b), "testdata/fixtures/%s differs from the shared fixture", name)
			}
			d := parse(t, string(b))
			require.Equal(t, document.FormatJSON, d.Format)
			require.Equal(t, "2.2", d.SchemaVersion)
			require.Len(t, d.Steps, 1)
			require.Equal(t, document.PlatformLinux, d.Steps[0].Platform)
		})
	}
}

// TestBuiltinRunShellScript: AWS-RunShellScript is the fixture's content,
// with AWS's parameters.
func TestBuiltinRunShellScript(t *testing.T) {
	t.Parallel()
	builtins := document.Builtins()
	require.Len(t, builtins, 1)
	d := builtins[0]
	require.Equal(t, "AWS-RunShellScript", d.Name)
	require.Equal(t, "1", d.Version)
	require.True(t, d.Builtin)
	fixture, err := os.ReadFile("testdata/fixtures/run-shell-script.json")
	require.NoError(t, err)
	require.JSONEq(t, string(fixture), string(d.Content()))

	var names []string
	for _, p := range d.Parameters {
		names = append(names, p.Name)
	}
	require.Equal(t, []string{"commands", "workingDirectory", "executionTimeout"}, names)
	commands := d.Parameter("commands")
	require.Equal(t, document.TypeStringList, commands.Type)
	require.True(t, commands.Required())
	require.Equal(t, 1, *commands.MinItems)
	require.Equal(t, "textarea", commands.DisplayType)
	require.Equal(t, "", d.Parameter("workingDirectory").Default)
	require.Equal(t, 4096, *d.Parameter("workingDirectory").MaxChars)
	require.Equal(t, "3600", d.Parameter("executionTimeout").Default)
	require.Empty(t, document.Lint(d))
}

// TestContentRoundTrip: Content is compact JSON in the order written,
// and parses back to the same content — from JSON and from YAML.
func TestContentRoundTrip(t *testing.T) {
	t.Parallel()
	yamlDoc := `# comments go
schemaVersion: "2.2"
description: |
  Two lines
  of description.
parameters:
  zeta: {type: String, default: z, allowedValues: [z, y]}
  alpha: {type: Integer, default: 0x10}
mainSteps:
- name: run
  action: aws:runShellScript
  inputs:
    runCommand: ["echo {{ zeta }} <&>"]
    timeoutSeconds: 60
`
	d := parse(t, yamlDoc)
	require.Equal(t, document.FormatYAML, d.Format)
	want := `{"schemaVersion":"2.2","description":"Two lines\nof description.\n","parameters":{"zeta":{"type":"String","default":"z","allowedValues":["z","y"]},"alpha":{"type":"Integer","default":16}},"mainSteps":[{"name":"run","action":"aws:runShellScript","inputs":{"runCommand":["echo {{ zeta }} <&>"],"timeoutSeconds":60}}]}`
	require.Equal(t, want, string(d.Content()))
	again := parse(t, string(d.Content()))
	require.Equal(t, document.FormatJSON, again.Format)
	require.Equal(t, want, string(again.Content()))
	require.Equal(t, []string{"zeta", "alpha"}, []string{again.Parameters[0].Name, again.Parameters[1].Name})
	require.Equal(t, int64(16), again.Parameter("alpha").Default)
}

// TestYAMLAndJSONAgree: the same document in both formats (SSM document
// schemas and features › Schema version 2.2 State Manager example) parses
// to the same content.
func TestYAMLAndJSONAgree(t *testing.T) {
	t.Parallel()
	y := parse(t, `---
schemaVersion: '2.2'
description: State Manager Bootstrap Example
parameters: {}
mainSteps:
- action: aws:runShellScript
  name: configureServer
  inputs:
    runCommand:
    - sudo yum install -y httpd24
    - sudo yum --enablerepo=epel install -y clamav
`)
	j := parse(t, `{
   "schemaVersion": "2.2",
   "description": "State Manager Bootstrap Example",
   "parameters": {},
   "mainSteps": [
      {
         "action": "aws:runShellScript",
         "name": "configureServer",
         "inputs": {
            "runCommand": [
               "sudo yum install -y httpd24",
               "sudo yum --enablerepo=epel install -y clamav"
            ]
         }
      }
   ]
}`)
	require.Equal(t, string(j.Content()), string(y.Content()))
	require.Equal(t, document.FormatYAML, y.Format)
	require.Equal(t, document.FormatJSON, j.Format)
	r, err := document.Resolve(y, nil)
	require.NoError(t, err)
	require.Equal(t, "sudo yum install -y httpd24\nsudo yum --enablerepo=epel install -y clamav", r.Steps[0].Script)
	require.Equal(t, document.DefaultTimeoutSeconds, r.Steps[0].TimeoutSeconds)
}

// TestParseFormat: a declared format is enforced.
func TestParseFormat(t *testing.T) {
	t.Parallel()
	src := []byte("schemaVersion: '2.2'\nmainSteps: [{action: aws:runShellScript, name: a, inputs: {runCommand: date}}]\n")
	_, err := document.ParseFormat(src, document.FormatJSON)
	require.ErrorContains(t, err, "the document is not valid JSON")
	d, err := document.ParseFormat(src, document.FormatYAML)
	require.NoError(t, err)
	require.Equal(t, document.FormatYAML, d.Format)
	_, err = document.ParseFormat(src, "TEXT")
	require.ErrorContains(t, err, `unknown document format "TEXT"`)
}

// TestLimits: content over 64 KB, deep nesting and YAML alias bombs are
// refused with bounded work.
func TestLimits(t *testing.T) {
	t.Parallel()
	big := append([]byte(`{"schemaVersion":"2.2","description":"`), bytes.Repeat([]byte("x"), document.MaxContentBytes)...)
	_, err := document.Parse(append(big, `"}`...))
	require.ErrorContains(t, err, "at most 65536 (64 KB, as in SSM)")

	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	_, err = document.Parse([]byte(`{"schemaVersion":"2.2","description":` + deep + `}`))
	require.ErrorContains(t, err, "nested deeper than 64 levels")

	var bomb strings.Builder
	bomb.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 'b'; i <= 'j'; i++ {
		prev := string(i - 1)
		bomb.WriteString(string(i) + ": &" + string(i) + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n")
	}
	_, err = document.Parse([]byte(bomb.String()))
	require.ErrorContains(t, err, "too large once YAML aliases are expanded")

	_, err = document.Parse([]byte("  \n"))
	require.ErrorContains(t, err, "the document is empty")
	_, err = document.Parse([]byte{'{', 0xff, '}'})
	require.ErrorContains(t, err, "not valid UTF-8")
}

// TestSchema12 reads SSM document schemas and features › Schema version
// 1.2 aws:runShellScript example (AWS-RunShellScript as it was, with a
// 28800-second limit in its pattern) and the plugin reference's 1.2 form
// without ids.
func TestSchema12(t *testing.T) {
	t.Parallel()
	d := parse(t, `{
    "schemaVersion":"1.2",
    "description":"Run a shell script or specify the commands to run.",
    "parameters":{
        "commands":{
            "type":"StringList",
            "description":"(Required) Specify a shell script or a command to run.",
            "minItems":1,
            "displayType":"textarea"
        },
        "workingDirectory":{
            "type":"String",
            "default":"",
            "description":"(Optional) The path to the working directory on your instance.",
            "maxChars":4096
        },
        "executionTimeout":{
            "type":"String",
            "default":"3600",
            "description":"(Optional) The time in seconds for a command to complete before it is considered to have failed. Default is 3600 (1 hour). Maximum is 172800 (48 hours).",
            "allowedPattern":"([1-9][0-9]{0,3})|(1[0-9]{1,4})|(2[0-7][0-9]{1,3})|(28[0-7][0-9]{1,2})|(28800)"
        }
    },
    "runtimeConfig":{
        "aws:runShellScript":{
            "properties":[
                {
                    "id":"0.aws:runShellScript",
                    "runCommand":"{{ commands }}",
                    "workingDirectory":"{{ workingDirectory }}",
                    "timeoutSeconds":"{{ executionTimeout }}"
                }
            ]
        }
    }
}`)
	require.Equal(t, "1.2", d.SchemaVersion)
	require.Len(t, d.Steps, 1)
	require.Equal(t, "0.aws:runShellScript", d.Steps[0].Name)
	require.Equal(t, document.ActionRunShellScript, d.Steps[0].Action)
	r, err := document.Resolve(d, map[string][]string{"commands": {"cd /var/log", "ls -l"}, "workingDirectory": {"/"}, "executionTimeout": {"600"}})
	require.NoError(t, err)
	require.Equal(t, []document.ResolvedStep{{Name: "0.aws:runShellScript", Action: "aws:runShellScript",
		Script: "cd /var/log\nls -l", WorkingDirectory: "/", TimeoutSeconds: 600}}, r.Steps)
	_, err = document.Resolve(d, map[string][]string{"commands": {"date"}, "executionTimeout": {"30000"}})
	require.ErrorContains(t, err, `parameter "executionTimeout": the value "30000" does not match allowedPattern`)

	noID := parse(t, `
schemaVersion: "1.2"
parameters:
  commands: {type: StringList}
runtimeConfig:
  aws:runShellScript:
    properties:
    - runCommand: "{{ commands }}"
    - runCommand: [uptime]
`)
	require.Equal(t, "0.aws:runShellScript", noID.Steps[0].Name)
	require.Equal(t, "1.aws:runShellScript", noID.Steps[1].Name)
}

// TestUserGuideExamples parses examples of the SSM User Guide that
// firstline runs, and resolves them.
func TestUserGuideExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, section, src string
		params             map[string][]string
		want               []document.ResolvedStep
		skipped            []document.SkippedStep
	}{{
		name:    "cross-platform",
		section: "SSM document schemas and features › Schema version 2.2 precondition parameter example",
		src: `---
schemaVersion: '2.2'
description: cross-platform sample
mainSteps:
- action: aws:runPowerShellScript
  name: PatchWindows
  precondition:
    StringEquals:
    - platformType
    - Windows
  inputs:
    runCommand:
    - cmds
- action: aws:runShellScript
  name: PatchLinux
  precondition:
    StringEquals:
    - platformType
    - Linux
  inputs:
    runCommand:
    - cmds
`,
		want:    []document.ResolvedStep{{Name: "PatchLinux", Action: "aws:runShellScript", Platform: "Linux", Script: "cmds", TimeoutSeconds: 3600}},
		skipped: []document.SkippedStep{{Name: "PatchWindows", Action: "aws:runPowerShellScript", Platform: "Windows"}},
	}, {
		name:    "String commands as a runCommand item",
		section: "Command document plugin reference › aws:runShellScript › Schema 2.2",
		src: `---
schemaVersion: '2.2'
description: aws:runShellScript
parameters:
  commands:
    type: String
    description: "(Required) The commands to run or the path to an existing script
      on the instance."
    default: echo Hello World
mainSteps:
- action: aws:runShellScript
  name: runShellScript
  inputs:
    timeoutSeconds: '60'
    runCommand:
    - "{{ commands }}"
`,
		want: []document.ResolvedStep{{Name: "runShellScript", Action: "aws:runShellScript", Script: "echo Hello World", TimeoutSeconds: 60}},
	}, {
		name:    "schema 1.2 form",
		section: "Command document plugin reference › aws:runShellScript › Schema 1.2",
		src: `---
schemaVersion: '1.2'
parameters:
  commands: {type: StringList}
  workingDirectory: {type: String, default: ""}
  executionTimeout: {type: String, default: "3600"}
runtimeConfig:
  aws:runShellScript:
    properties:
    - runCommand: "{{ commands }}"
      workingDirectory: "{{ workingDirectory }}"
      timeoutSeconds: "{{ executionTimeout }}"
`,
		params: map[string][]string{"commands": {"df -h"}},
		want:   []document.ResolvedStep{{Name: "0.aws:runShellScript", Action: "aws:runShellScript", Script: "df -h", TimeoutSeconds: 3600}},
	}, {
		name:    "interpolationType ENV_VAR",
		section: "Data elements and parameters › parameters (interpolationType)",
		src: `{
    "schemaVersion": "2.2",
    "description": "An example document.",
    "parameters": {
        "Message": {
            "type": "String",
            "description": "Message to be printed",
            "default": "Hello",
            "interpolationType" : "ENV_VAR",
            "allowedPattern": "^[^\"]*$"
        }
    },
    "mainSteps": [{
        "action": "aws:runShellScript",
        "name": "printMessage",
        "precondition" : {
           "StringEquals" : ["platformType", "Linux"]
        },
        "inputs": {
            "runCommand": [
              "echo {{Message}}"
            ]
        }
    }]
}`,
		params: map[string][]string{"Message": {"$(reboot)"}},
		want: []document.ResolvedStep{{Name: "printMessage", Action: "aws:runShellScript", Platform: "Linux",
			Script: "echo ${SSM_Message}", TimeoutSeconds: 3600, Env: map[string]string{"SSM_Message": "$(reboot)"}}},
	}, {
		name:    "shared inputs",
		section: "Command document plugin reference › Shared inputs",
		src: `---
schemaVersion: '2.2'
description: Shared inputs example
mainSteps:
- action: aws:runShellScript
  name: runCustomConfiguration
  inputs: {runCommand: [./configure], onSuccess: exit}
- action: aws:runShellScript
  name: ifConfigurationFailure
  inputs: {runCommand: [./repair], onFailure: exit}
- action: aws:runShellScript
  name: finalConfiguration
  inputs: {runCommand: [./final], finallyStep: true}
`,
		want: []document.ResolvedStep{
			{Name: "runCustomConfiguration", Action: "aws:runShellScript", Script: "./configure", TimeoutSeconds: 3600, OnSuccess: "exit"},
			{Name: "ifConfigurationFailure", Action: "aws:runShellScript", Script: "./repair", TimeoutSeconds: 3600, OnFailure: "exit"},
			{Name: "finalConfiguration", Action: "aws:runShellScript", Script: "./final", TimeoutSeconds: 3600, FinallyStep: true},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := parse(t, tc.src)
			r, err := document.Resolve(d, tc.params)
			require.NoError(t, err, tc.section)
			require.Equal(t, tc.want, r.Steps, tc.section)
			require.Equal(t, tc.skipped, r.Skipped, tc.section)
		})
	}
}
