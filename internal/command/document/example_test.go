package document_test

import (
	"errors"
	"fmt"

	"github.com/firstline/firstline/internal/command/document"
)

// Resolve checks the values of a command against the document before
// anything runs, then substitutes them: here AWS-RunShellScript with two
// commands, and one with a timeout its allowedPattern refuses.
func ExampleResolve() {
	doc := document.Builtins()[0] // AWS-RunShellScript
	r, err := document.Resolve(doc, map[string][]string{
		"commands": {"systemctl status httpd", "uptime"},
	})
	if err != nil {
		panic(err)
	}
	s := r.Steps[0]
	fmt.Printf("%s (%ds):\n%s\n", s.Name, s.TimeoutSeconds, s.Script)

	_, err = document.Resolve(doc, map[string][]string{"commands": {"uptime"}, "executionTimeout": {"999999"}})
	var pe *document.ParameterError
	if errors.As(err, &pe) {
		fmt.Println(pe.Parameter, pe.Rule, errors.Is(err, document.ErrInvalidParameters))
	}
	// Output:
	// runShellScript (3600s):
	// systemctl status httpd
	// uptime
	// executionTimeout allowedPattern true
}

// Lint warns where a String parameter reaches the shell unrestricted.
func ExampleLint() {
	doc, err := document.Parse([]byte(`
schemaVersion: "2.2"
parameters:
  Service: {type: String}
mainSteps:
- action: aws:runShellScript
  name: restart
  inputs:
    runCommand:
    - systemctl restart {{ Service }}
`))
	if err != nil {
		panic(err)
	}
	for _, w := range document.Lint(doc) {
		fmt.Println(w.Path, w.Step, w.Parameter)
	}
	// Output:
	// mainSteps[0].inputs.runCommand[0] restart Service
}
