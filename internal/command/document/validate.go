package document

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Timeouts of an aws:runShellScript step, in seconds (SSM Command document
// plugin reference › aws:runShellScript › timeoutSeconds, and
// AWS-RunShellScript's executionTimeout: default 3600, at most 172800).
const (
	DefaultTimeoutSeconds = 3600
	MaxTimeoutSeconds     = 172800
)

// plugins are the Command document plugins SSM defines (Command document
// plugin reference). Only aws:runShellScript runs on firstline's agent.
var plugins = []string{
	"aws:applications", "aws:cloudWatch", "aws:configureDocker", "aws:configurePackage", "aws:domainJoin",
	"aws:downloadContent", "aws:psModule", "aws:refreshAssociation", "aws:runDockerAction", "aws:runDocument",
	"aws:runPowerShellScript", "aws:runShellScript", "aws:softwareInventory", "aws:updateAgent", "aws:updateSsmAgent",
}

var (
	shellInputs2x = []string{"runCommand", "workingDirectory", "timeoutSeconds", "onFailure", "onSuccess", "finallyStep"}
	shellInputs12 = []string{"id", "runCommand", "workingDirectory", "timeoutSeconds"}
)

// Validate reports what keeps firstline's agent from running the
// document, every problem at once (each an *Error):
//
//   - a step whose plugin is not aws:runShellScript, unless its
//     precondition limits it to Windows or MacOS (firstline's agents run
//     on Linux and skip it, as SSM Agent skips steps for other platforms);
//   - a {{ name }} reference to a parameter the document does not declare,
//     or one whose type the input does not take (runCommand takes String
//     and StringList, workingDirectory String, timeoutSeconds String and
//     Integer);
//   - a {{ssm:...}} Parameter Store reference (not supported yet);
//   - aws:runShellScript inputs that are missing, unknown or malformed,
//     and a literal timeoutSeconds outside 1 to 172800.
func (d *Document) Validate() error {
	var p problems
	for _, prm := range d.Parameters {
		if prm.ssm != "" {
			p.add("parameters."+prm.Name+".default", "%s: Parameter Store references ({{ssm:...}}) are not supported yet; give the value itself", prm.ssm)
		}
	}
	names := make([]string, len(d.Parameters))
	for i, prm := range d.Parameters {
		names[i] = prm.Name
	}
	suggestions := 20 // "did you mean" costs an edit distance per name: a few suffice
	for i, s := range d.Steps {
		d.checkReferences(s, names, &suggestions, &p)
		switch {
		case s.Action == ActionRunShellScript:
			d.checkShellInputs(s, i == len(d.Steps)-1, &p)
		case s.Platform != "" && s.Platform != PlatformLinux:
			// Skipped on firstline's Linux agents.
		case slices.Contains(plugins, s.Action):
			p.add(s.actionPath, "%s is an SSM plugin that firstline's agent does not run; it runs aws:runShellScript "+
				"(a step meant for Windows or macOS only may stay, with a precondition StringEquals [platformType, Windows])", s.Action)
		default:
			p.add(s.actionPath, "%q is not a Command document plugin; firstline's agent runs aws:runShellScript", s.Action)
		}
	}
	return p.err()
}

// checkReferences reports undeclared and Parameter Store references in a
// step's inputs.
func (d *Document) checkReferences(s *Step, names []string, suggestions *int, p *problems) {
	walkStrings(s.inputs, s.inputPath(), func(path, str string) {
		for _, r := range refs(str) {
			switch {
			case isStoreRef(r.name):
				p.add(path, "{{%s}}: Parameter Store references are not supported yet", r.name)
			case d.Parameter(r.name) == nil:
				msg := fmt.Sprintf("{{ %s }} names no parameter of the document", r.name)
				near := ""
				if *suggestions > 0 {
					*suggestions--
					near = nearest(r.name, names)
				}
				switch {
				case near != "":
					msg += fmt.Sprintf(" (did you mean %s?)", near)
				case len(names) > 0 && len(names) <= 20:
					msg += "; it declares " + strings.Join(names, ", ")
				}
				p.add(path, "%s", msg)
			}
		}
	})
}

// inputPath is the path of a step's inputs.
func (s *Step) inputPath() string {
	if strings.HasPrefix(s.path, "runtimeConfig") {
		return s.path
	}
	return s.path + ".inputs"
}

// checkShellInputs checks the inputs of an aws:runShellScript step.
func (d *Document) checkShellInputs(s *Step, last bool, p *problems) {
	path := s.inputPath()
	if s.inputs == nil {
		p.add(path, "aws:runShellScript needs its inputs (properties in schema 1.2), with runCommand")
		return
	}
	allowed := shellInputs2x
	if d.SchemaVersion == Schema12 {
		allowed = shellInputs12
	}
	for _, k := range s.inputs.keys {
		if !slices.Contains(allowed, k) {
			p.add(path+"."+k, "unknown input of aws:runShellScript; it takes %s", strings.Join(allowed, ", "))
		}
	}
	rc := s.inputs.get("runCommand")
	switch {
	case rc == nil:
		p.add(path+".runCommand", "is required: the commands to run, a string or a list of strings")
	case rc.kind == kString:
		d.checkTypes(path+".runCommand", rc.s, []Type{TypeString, TypeStringList}, p)
	case rc.kind == kArray:
		for i, it := range rc.items {
			ipath := fmt.Sprintf("%s.runCommand[%d]", path, i)
			if it.kind != kString {
				p.add(ipath, "must be a string, not %s", it.describe())
				continue
			}
			d.checkTypes(ipath, it.s, []Type{TypeString, TypeStringList}, p)
		}
	default:
		p.add(path+".runCommand", "must be a string or a list of strings, not %s", rc.describe())
	}
	if wd := s.inputs.get("workingDirectory"); wd != nil {
		if wd.kind != kString {
			p.add(path+".workingDirectory", "must be a string, not %s", wd.describe())
		} else {
			d.checkTypes(path+".workingDirectory", wd.s, []Type{TypeString}, p)
		}
	}
	if ts := s.inputs.get("timeoutSeconds"); ts != nil {
		switch ts.kind {
		case kString:
			if len(refs(ts.s)) > 0 {
				d.checkTypes(path+".timeoutSeconds", ts.s, []Type{TypeString, TypeInteger}, p)
			} else if _, err := timeout(ts.s); err != nil {
				p.add(path+".timeoutSeconds", "%v", err)
			}
		case kNumber:
			if _, err := timeout(ts.s); err != nil {
				p.add(path+".timeoutSeconds", "%v", err)
			}
		default:
			p.add(path+".timeoutSeconds", "must be a number of seconds (a string or a number), not %s", ts.describe())
		}
	}
	if v := s.inputs.get("onFailure"); v != nil && (v.kind != kString || (v.s != "exit" && v.s != "successAndExit")) {
		p.add(path+".onFailure", "must be exit or successAndExit")
	}
	if v := s.inputs.get("onSuccess"); v != nil && (v.kind != kString || v.s != "exit") {
		p.add(path+".onSuccess", "must be exit")
	}
	if v := s.inputs.get("finallyStep"); v != nil {
		switch {
		case v.kind != kBool:
			p.add(path+".finallyStep", "must be true or false")
		case v.b && !last:
			p.add(path+".finallyStep", "the finally step must be the last of mainSteps")
		}
	}
}

// checkTypes reports references in s to parameters of a type the input
// does not take.
func (d *Document) checkTypes(path, s string, accept []Type, p *problems) {
	for _, r := range refs(s) {
		prm := d.Parameter(r.name)
		if prm == nil || slices.Contains(accept, prm.Type) {
			continue
		}
		want := make([]string, len(accept))
		for i, t := range accept {
			want[i] = string(t)
		}
		input := path[strings.LastIndex(path, ".")+1:]
		if i := strings.IndexByte(input, '['); i >= 0 {
			input = input[:i]
		}
		p.add(path, "{{ %s }} is %s parameter; %s takes %s (SSM: a parameter's type must match the input's)", r.name, article(prm.Type), input, strings.Join(want, " or "))
	}
}

// timeout reads a timeoutSeconds: "" is the default; otherwise a whole
// number from 1 to MaxTimeoutSeconds.
func timeout(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultTimeoutSeconds, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s is not a whole number of seconds", quote(s))
	}
	if n < 1 || n > MaxTimeoutSeconds {
		return 0, fmt.Errorf("%d seconds is out of range; want 1 to %d (48 hours)", n, MaxTimeoutSeconds)
	}
	return n, nil
}

// article returns t with its indefinite article ("an Integer").
func article(t Type) string {
	if t == TypeInteger {
		return "an " + string(t)
	}
	return "a " + string(t)
}
