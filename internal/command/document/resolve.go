package document

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// MaxScriptBytes bounds one step's script once parameters are substituted
// (4 MiB), so that a small document with many references to a large value
// cannot build an unbounded script.
const MaxScriptBytes = 4 << 20

// Resolved is a document with its parameters applied: what an agent runs.
type Resolved struct {
	// DocumentName and DocumentVersion identify the document (empty for a
	// document that did not come from a Store).
	DocumentName    string `json:"documentName,omitempty"`
	DocumentVersion string `json:"documentVersion,omitempty"`
	// Parameters are the effective values of every declared parameter,
	// defaults included, in SendCommand's form (a list of strings; an
	// Integer or Boolean as its text, a StringMap or MapList item as
	// JSON).
	Parameters map[string][]string `json:"parameters"`
	// Steps are the aws:runShellScript steps, in order.
	Steps []ResolvedStep `json:"steps"`
	// Skipped are the steps of other plugins that a precondition limits
	// to another platform: no firstline agent runs them.
	Skipped []SkippedStep `json:"skipped,omitempty"`
}

// ResolvedStep is an aws:runShellScript step ready to run.
type ResolvedStep struct {
	Name   string `json:"name"`
	Action string `json:"action"` // aws:runShellScript
	// Platform is the platformType the step's precondition requires, or
	// "" (any platform that runs shell scripts).
	Platform string `json:"platform,omitempty"`
	// Script is runCommand with parameters substituted, its lines joined
	// with "\n" (no trailing newline). A StringList that is a whole
	// runCommand item contributes one line per item.
	Script string `json:"script"`
	// WorkingDirectory is where the script runs; "" means the agent's
	// default.
	WorkingDirectory string `json:"workingDirectory,omitempty"`
	// TimeoutSeconds is the step's timeout: 1 to 172800, default 3600.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// Env holds SSM_<name> for each parameter with interpolationType
	// ENV_VAR the script references; the script refers to it as
	// ${SSM_<name>} rather than holding the value.
	Env map[string]string `json:"env,omitempty"`
	// OnFailure ("exit", "successAndExit"), OnSuccess ("exit") and
	// FinallyStep are SSM's shared inputs: what happens to the remaining
	// steps after this one.
	OnFailure   string `json:"onFailure,omitempty"`
	OnSuccess   string `json:"onSuccess,omitempty"`
	FinallyStep bool   `json:"finallyStep,omitempty"`
}

// RunsOn reports whether the step runs on a host of platformType
// platform (Linux, MacOS): it has no precondition, or one naming it.
func (s ResolvedStep) RunsOn(platform string) bool { return s.Platform == "" || s.Platform == platform }

// SkippedStep is a step no firstline agent runs.
type SkippedStep struct {
	Name     string `json:"name"`
	Action   string `json:"action"`
	Platform string `json:"platform"`
}

// Resolve validates params against doc and substitutes them into its
// steps. params is SendCommand's Parameters: each declared parameter's
// value as a list of strings (see Parameter for each type's form).
//
// Every value is checked before anything is returned — type, allowedValues,
// allowedPattern, minChars/maxChars, minItems/maxItems — defaults
// included; a required parameter without a value and a value for a
// parameter the document does not declare are errors too. All problems are
// returned at once, each a *ParameterError (errors.Is(err,
// ErrInvalidParameters)). A document that fails Validate is refused with
// its *Error values.
//
// Substitution follows the SSM agent: an input that is exactly one
// reference takes the parameter's value itself (a StringList in runCommand
// becomes one line per item); a reference inside a longer string is
// replaced by the value's text (a StringList's as a JSON list).
func Resolve(doc *Document, params map[string][]string) (*Resolved, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	values, err := doc.values(params)
	if err != nil {
		return nil, err
	}
	r := &Resolved{DocumentName: doc.Name, DocumentVersion: doc.Version, Parameters: map[string][]string{}, Steps: []ResolvedStep{}}
	for name, v := range values {
		r.Parameters[name] = stringsOf(v)
	}
	var errs []error
	for _, s := range doc.Steps {
		if s.Action != ActionRunShellScript {
			r.Skipped = append(r.Skipped, SkippedStep{Name: s.Name, Action: s.Action, Platform: s.Platform})
			continue
		}
		rs, err := doc.resolveStep(s, values)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.Steps = append(r.Steps, rs)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// values reads, defaults and checks every parameter value.
func (d *Document) values(params map[string][]string) (map[string]any, error) {
	var errs []error
	values := make(map[string]any, len(d.Parameters))
	for _, p := range d.Parameters {
		raw, given := params[p.Name]
		var v any
		switch {
		case given:
			x, perr := p.fromStrings(raw)
			if perr != nil {
				errs = append(errs, perr)
				continue
			}
			v = x
		case p.Default != nil:
			v = p.Default
		default:
			errs = append(errs, &ParameterError{Parameter: p.Name, Rule: RuleRequired, Msg: fmt.Sprintf("is required: the document gives it no default (%s)", p.Type)})
			continue
		}
		for _, e := range p.check(v) {
			if !given {
				e.Msg = "the default: " + e.Msg
			}
			errs = append(errs, e)
		}
		values[p.Name] = v
	}
	var unknown []string
	for name := range params {
		if d.Parameter(name) == nil {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	declared := make([]string, len(d.Parameters))
	for i, p := range d.Parameters {
		declared[i] = p.Name
	}
	for i, name := range unknown {
		msg := "is not declared by the document"
		switch {
		case len(declared) == 0:
			msg += ", which takes no parameters"
		case len(declared) <= 50:
			msg += "; it declares " + strings.Join(declared, ", ")
		}
		if i < 10 { // a few suggestions: each costs an edit distance per name
			if near := nearest(name, declared); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			}
		}
		errs = append(errs, &ParameterError{Parameter: name, Rule: RuleUndeclared, Msg: msg})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return values, nil
}

// resolveStep substitutes values into an aws:runShellScript step.
func (d *Document) resolveStep(s *Step, values map[string]any) (ResolvedStep, error) {
	in := s.inputs
	rs := ResolvedStep{Name: s.Name, Action: s.Action, Platform: s.Platform, TimeoutSeconds: DefaultTimeoutSeconds}
	env := map[string]string{}
	// shell renders a reference inside a command: the value's text, or
	// ${SSM_name} for ENV_VAR parameters.
	shell := func(name string) string {
		t := textOf(values[name])
		if d.Parameter(name).InterpolationType == InterpolationEnvVar {
			env["SSM_"+name] = t
			return "${SSM_" + name + "}"
		}
		return t
	}
	var lines []string
	size := 0
	emit := func(l string) {
		size += len(l) + 1
		lines = append(lines, l)
	}
	rc := in.get("runCommand")
	items := rc.items
	if rc.kind == kString {
		items = []*value{rc}
	}
	for _, it := range items {
		if name, ok := whole(it.s); ok {
			if list, ok := values[name].([]string); ok {
				for _, l := range list {
					emit(l)
				}
				continue
			}
		}
		emit(replace(it.s, shell))
		if size > MaxScriptBytes {
			break
		}
	}
	if size > MaxScriptBytes {
		return rs, &Error{Path: s.inputPath() + ".runCommand", Msg: fmt.Sprintf("step %q: the script is over %d bytes once parameters are substituted", s.Name, MaxScriptBytes)}
	}
	rs.Script = strings.Join(lines, "\n")
	if len(env) > 0 {
		rs.Env = env
	}
	if wd := in.get("workingDirectory"); wd != nil {
		rs.WorkingDirectory = replace(wd.s, func(name string) string { return textOf(values[name]) })
		if strings.ContainsAny(rs.WorkingDirectory, "\x00\n") {
			return rs, d.inputError(s, wd.s, "workingDirectory", "has a NUL or newline character")
		}
	}
	if ts := in.get("timeoutSeconds"); ts != nil {
		text := ts.s
		if ts.kind == kString {
			text = replace(ts.s, func(name string) string { return textOf(values[name]) })
		}
		n, err := timeout(text)
		if err != nil {
			return rs, d.inputError(s, ts.s, "timeoutSeconds", err.Error())
		}
		rs.TimeoutSeconds = n
	}
	if v := in.get("onFailure"); v != nil {
		rs.OnFailure = v.s
	}
	if v := in.get("onSuccess"); v != nil {
		rs.OnSuccess = v.s
	}
	if v := in.get("finallyStep"); v != nil {
		rs.FinallyStep = v.b
	}
	return rs, nil
}

// inputError reports an input that is invalid once substituted: against
// the parameter it references (a *ParameterError), or the document.
func (d *Document) inputError(s *Step, raw, input, msg string) error {
	msg = fmt.Sprintf("gives step %q %s %s", s.Name, input, msg)
	var names []string
	for _, r := range refs(raw) {
		if !slices.Contains(names, r.name) {
			names = append(names, r.name)
		}
	}
	if len(names) == 0 {
		return &Error{Path: s.inputPath() + "." + input, Msg: msg}
	}
	errs := make([]error, len(names))
	for i, n := range names {
		errs[i] = &ParameterError{Parameter: n, Rule: RuleType, Msg: "the value " + msg}
	}
	return errors.Join(errs...)
}
