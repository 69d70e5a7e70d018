package document

import "fmt"

// Warning is something in a document that works but is risky or likely a
// mistake. Lint returns them; nothing refuses a document for them.
type Warning struct {
	// Path locates the problem in the content
	// ("mainSteps[0].inputs.runCommand[1]").
	Path string `json:"path"`
	// Step and Parameter name the step and the parameter concerned, when
	// there is one.
	Step      string `json:"step,omitempty"`
	Parameter string `json:"parameter,omitempty"`
	Message   string `json:"message"`
}

func (w Warning) String() string { return w.Path + ": " + w.Message }

// Lint returns the warnings for doc, in document order:
//
//   - a String parameter without allowedPattern or allowedValues (and
//     without interpolationType ENV_VAR) pasted into the shell commands of
//     a step: whoever sends the command can run anything (command
//     injection), naming the parameter and the step;
//   - a StringList referenced inside a longer command, where it becomes
//     its JSON text (["a","b"]) rather than one line per item;
//   - a default that breaks its own parameter's rules: commands that rely
//     on it are refused;
//   - a parameter no step references;
//   - a step that firstline's Linux agents skip (another plugin limited
//     to Windows or macOS).
func Lint(doc *Document) []Warning {
	var ws []Warning
	for _, p := range doc.Parameters {
		if p.Default == nil {
			continue
		}
		for _, e := range p.check(p.Default) {
			ws = append(ws, Warning{Path: "parameters." + p.Name + ".default", Parameter: p.Name,
				Message: fmt.Sprintf("the default breaks %s (%s): commands that leave %s out will be refused", e.Rule, e.Msg, p.Name)})
		}
	}
	used := map[string]bool{}
	for _, s := range doc.Steps {
		walkStrings(s.inputs, s.inputPath(), func(_, str string) {
			for _, r := range refs(str) {
				used[r.name] = true
			}
		})
		if s.Action != ActionRunShellScript {
			if s.Platform != "" && s.Platform != PlatformLinux {
				ws = append(ws, Warning{Path: s.path, Step: s.Name,
					Message: fmt.Sprintf("%s runs on %s only: firstline's agents (Linux) skip this step", s.Action, s.Platform)})
			}
			continue
		}
		ws = append(ws, doc.lintCommands(s)...)
	}
	for _, p := range doc.Parameters {
		if !used[p.Name] {
			ws = append(ws, Warning{Path: "parameters." + p.Name, Parameter: p.Name, Message: "no step references this parameter"})
		}
	}
	return ws
}

// lintCommands checks the references in a shell step's runCommand.
func (d *Document) lintCommands(s *Step) []Warning {
	var ws []Warning
	warned := map[string]bool{}
	walkStrings(s.inputs.get("runCommand"), s.inputPath()+".runCommand", func(path, str string) {
		name, isWhole := whole(str)
		for _, r := range refs(str) {
			p := d.Parameter(r.name)
			if p == nil || warned[p.Name] {
				continue
			}
			switch {
			case p.Type == TypeString && p.AllowedPattern == "" && p.AllowedValues == nil && p.InterpolationType != InterpolationEnvVar:
				warned[p.Name] = true
				ws = append(ws, Warning{Path: path, Step: s.Name, Parameter: p.Name, Message: fmt.Sprintf(
					"String parameter %s goes into the shell commands of step %s with neither allowedPattern nor allowedValues: "+
						"a value such as \"x; rm -rf /\" would run as a command (command injection). Restrict it with allowedPattern "+
						"(e.g. ^[A-Za-z0-9_.-]+$) or allowedValues, or set interpolationType: ENV_VAR and quote the reference (\"{{ %s }}\")",
					p.Name, s.Name, p.Name)})
			case p.Type == TypeStringList && !(isWhole && name == p.Name):
				warned[p.Name] = true
				ws = append(ws, Warning{Path: path, Step: s.Name, Parameter: p.Name, Message: fmt.Sprintf(
					"StringList parameter %s is inside a longer command of step %s, where it becomes its JSON text ([\"a\",\"b\"]); "+
						"make {{ %s }} a whole runCommand item to run one line per item", p.Name, s.Name, p.Name)})
			}
		}
	})
	return ws
}
