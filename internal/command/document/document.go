package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format is how a document's content is written: JSON or YAML, as SSM's
// DocumentFormat names them.
type Format string

// The formats.
const (
	FormatJSON Format = "JSON"
	FormatYAML Format = "YAML"
)

// MaxContentBytes bounds a document's content: 64 KB, SSM's quota on the
// size of a document.
const MaxContentBytes = 64 * 1024

// The schema versions of Command documents (SSM User Guide › SSM document
// schemas and features).
const (
	Schema12 = "1.2" // runtimeConfig: plugins, each with a list of properties
	Schema20 = "2.0" // mainSteps, run in order
	Schema22 = "2.2" // mainSteps with preconditions (platformType)
)

// The platforms a step's precondition may name (StringEquals
// [platformType, X]).
const (
	PlatformLinux   = "Linux"
	PlatformWindows = "Windows"
	PlatformMacOS   = "MacOS"
)

// ActionRunShellScript is the one plugin firstline's agent runs.
const ActionRunShellScript = "aws:runShellScript"

// Document is a parsed SSM Command document.
//
// Parse checks what SSM checks when a document is created (its schema);
// Validate adds what firstline's agent needs to run it. A Document is not
// modified after Parse and may be shared between goroutines.
type Document struct {
	// Name and Version are set by Store: the document's name
	// ("AWS-RunShellScript" or a Document resource's name) and version
	// ("1" for built-ins, the resource version otherwise). Parse leaves
	// them empty.
	Name    string
	Version string
	// Builtin is true for documents that ship with firstline.
	Builtin bool
	// SchemaVersion is "1.2", "2.0" or "2.2".
	SchemaVersion string
	// Description is the document's description.
	Description string
	// Parameters are the declared parameters, in document order.
	Parameters []*Parameter
	// Steps are the plugins to run, in order: mainSteps (2.x), or each
	// property set of each runtimeConfig plugin in document order (1.2).
	Steps []*Step
	// Format is the format the content was written in.
	Format Format

	root *value
}

// Step is one step of a document: a plugin (Action) with its inputs.
type Step struct {
	// Name is the step's name (mainSteps[].name). For schema 1.2 it is the
	// property set's id, or "N.PLUGIN" when the id is absent.
	Name string
	// Action is the plugin, e.g. "aws:runShellScript".
	Action string
	// Platform is the platformType the step's precondition requires
	// (Linux, Windows or MacOS), or "" when it has none.
	Platform string
	// Inputs are the step's inputs as written (1.2: the property set), as
	// compact JSON.
	Inputs json.RawMessage

	path       string // where the step is, e.g. "mainSteps[0]"
	actionPath string // where its action is named
	inputs     *value // nil when absent
}

// Parameter returns the declared parameter name, or nil.
func (d *Document) Parameter(name string) *Parameter {
	for _, p := range d.Parameters {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Content returns the document as compact JSON, keys in the order they
// were written. It parses back to the same Document.
func (d *Document) Content() json.RawMessage { return d.root.json() }

// Error is a problem in a document's content; Path locates it
// ("mainSteps[0].inputs.runCommand", "parameters.Service.allowedPattern").
// Parse, Validate and Kind.Normalize return every problem at once, joined
// with errors.Join.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Field returns the path of the problem, for the API's error "field".
func (e *Error) Field() string { return e.Path }

// problems collects errors.
type problems struct{ errs []error }

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, &Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error { return errors.Join(p.errs...) }

// Parse parses a Command document written in JSON or YAML (the format is
// detected: content starting with "{" that is valid JSON is JSON). It
// returns the document or an error joining every problem found, each an
// *Error; never both.
func Parse(content []byte) (*Document, error) { return ParseFormat(content, "") }

// ParseFormat parses content written in format (FormatJSON or FormatYAML;
// "" detects it).
func ParseFormat(content []byte, format Format) (*Document, error) {
	root, format, err := decode(content, format)
	if err != nil {
		return nil, err
	}
	d, err := build(root)
	if err != nil {
		return nil, err
	}
	d.Format = format
	return d, nil
}

// decode reads content in format, or in the format detected.
func decode(content []byte, format Format) (*value, Format, error) {
	if len(content) > MaxContentBytes {
		return nil, "", &Error{Msg: fmt.Sprintf("the document has %d bytes; at most %d (64 KB, as in SSM)", len(content), MaxContentBytes)}
	}
	if !utf8.Valid(content) {
		return nil, "", &Error{Msg: "the document is not valid UTF-8"}
	}
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) == 0 {
		return nil, "", &Error{Msg: "the document is empty"}
	}
	switch format {
	case FormatJSON:
		v, err := decodeJSON(trimmed)
		if err != nil {
			return nil, "", &Error{Msg: "the document is not valid JSON: " + err.Error()}
		}
		return v, FormatJSON, nil
	case FormatYAML:
		v, err := decodeYAML(content)
		if err != nil {
			return nil, "", &Error{Msg: "the document is not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		return v, FormatYAML, nil
	case "":
		if trimmed[0] == '{' {
			v, jerr := decodeJSON(trimmed)
			if jerr == nil {
				return v, FormatJSON, nil
			}
			if v, err := decodeYAML(content); err == nil {
				return v, FormatYAML, nil
			}
			return nil, "", &Error{Msg: "the document is not valid JSON: " + jerr.Error()}
		}
		return decode(content, FormatYAML)
	}
	return nil, "", &Error{Msg: fmt.Sprintf("unknown document format %q; want JSON or YAML", format)}
}

var (
	topKeys2x  = []string{"schemaVersion", "description", "parameters", "mainSteps"}
	topKeys12  = []string{"schemaVersion", "description", "parameters", "runtimeConfig"}
	stepKeys   = []string{"action", "name", "precondition", "inputs"}
	maxNameLen = 128
)

// build interprets a decoded document.
func build(root *value) (*Document, error) {
	var p problems
	if root.kind != kObject {
		return nil, &Error{Msg: fmt.Sprintf("a document is an object with schemaVersion, parameters and mainSteps; this is %s", root.describe())}
	}
	d := &Document{root: root}
	sv := root.get("schemaVersion")
	switch {
	case sv == nil:
		return nil, &Error{Path: "schemaVersion", Msg: "is required: 2.2 for Command documents (1.2 and 2.0 are read too)"}
	case sv.kind == kString || sv.kind == kNumber:
		d.SchemaVersion = sv.s
	default:
		return nil, &Error{Path: "schemaVersion", Msg: "must be a string such as \"2.2\""}
	}
	switch d.SchemaVersion {
	case Schema12, Schema20, Schema22:
	case "0.3":
		return nil, &Error{Path: "schemaVersion", Msg: "0.3 is the schema of Automation runbooks; firstline runs Command documents (schemaVersion 2.2, 2.0 or 1.2)"}
	case "1.0":
		return nil, &Error{Path: "schemaVersion", Msg: "1.0 is the schema of Session documents; firstline runs Command documents (schemaVersion 2.2, 2.0 or 1.2)"}
	default:
		return nil, &Error{Path: "schemaVersion", Msg: fmt.Sprintf("%q is not a Command document schema; use 2.2 (or 2.0, 1.2)", d.SchemaVersion)}
	}
	allowed := topKeys2x
	if d.SchemaVersion == Schema12 {
		allowed = topKeys12
	}
	for _, k := range root.keys {
		if !slices.Contains(allowed, k) {
			hint := ""
			switch k {
			case "mainSteps":
				hint = "; schemaVersion 1.2 documents use runtimeConfig"
			case "runtimeConfig":
				hint = "; schemaVersion " + d.SchemaVersion + " documents use mainSteps"
			case "assumeRole", "outputs", "files", "variables":
				hint = "; it belongs to Automation runbooks (schemaVersion 0.3)"
			}
			p.add(k, "unknown key%s; a schemaVersion %s document has %s", hint, d.SchemaVersion, strings.Join(allowed, ", "))
		}
	}
	if desc := root.get("description"); desc != nil {
		if desc.kind != kString {
			p.add("description", "must be a string, not %s", desc.describe())
		} else {
			d.Description = desc.s
		}
	}
	d.Parameters = parseParameters(root.get("parameters"), &p)
	if d.SchemaVersion == Schema12 {
		d.Steps = parseRuntimeConfig(root.get("runtimeConfig"), &p)
	} else {
		d.Steps = parseMainSteps(root.get("mainSteps"), d.SchemaVersion, &p)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return d, nil
}

func parseMainSteps(v *value, schema string, p *problems) []*Step {
	if v == nil {
		p.add("mainSteps", "is required: the list of steps to run")
		return nil
	}
	if v.kind != kArray || len(v.items) == 0 {
		p.add("mainSteps", "must be a list of one or more steps, not %s", v.describe())
		return nil
	}
	var steps []*Step
	seen := map[string]bool{}
	for i, sv := range v.items {
		path := fmt.Sprintf("mainSteps[%d]", i)
		if sv.kind != kObject {
			p.add(path, "a step is an object with action, name and inputs, not %s", sv.describe())
			continue
		}
		s := &Step{path: path, actionPath: path + ".action"}
		for _, k := range sv.keys {
			if !slices.Contains(stepKeys, k) {
				p.add(path+"."+k, "unknown key; a step has %s", strings.Join(stepKeys, ", "))
			}
		}
		s.Action = requiredString(sv.get("action"), path+".action", "the plugin to run, e.g. aws:runShellScript", p)
		s.Name = requiredString(sv.get("name"), path+".name", "a name unique in the document", p)
		if s.Name != "" {
			if msg := checkStepName(s.Name); msg != "" {
				p.add(path+".name", "%s", msg)
			} else if seen[s.Name] {
				p.add(path+".name", "%q names another step too; step names are unique", s.Name)
			}
			seen[s.Name] = true
		}
		if pre := sv.get("precondition"); pre != nil {
			if schema != Schema22 {
				p.add(path+".precondition", "preconditions need schemaVersion 2.2")
			} else {
				s.Platform = parsePrecondition(pre, path+".precondition", p)
			}
		}
		if in := sv.get("inputs"); in != nil {
			if in.kind != kObject {
				p.add(path+".inputs", "must be an object, not %s", in.describe())
			} else {
				s.inputs = in
				s.Inputs = in.json()
			}
		}
		steps = append(steps, s)
	}
	return steps
}

func requiredString(v *value, path, what string, p *problems) string {
	switch {
	case v == nil:
		p.add(path, "is required: %s", what)
	case v.kind != kString:
		p.add(path, "must be a string, not %s", v.describe())
	case v.s == "":
		p.add(path, "must not be empty: %s", what)
	default:
		return v.s
	}
	return ""
}

// checkStepName reports what is wrong with a step name, or "".
func checkStepName(name string) string {
	if utf8.RuneCountInString(name) > maxNameLen {
		return fmt.Sprintf("has %d characters; at most %d", utf8.RuneCountInString(name), maxNameLen)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Sprintf("has the control character %q", r)
		}
	}
	return ""
}

// parsePrecondition reads {"StringEquals": ["platformType", X]}, the one
// precondition schema 2.2 defines, and returns X.
func parsePrecondition(v *value, path string, p *problems) string {
	const want = `{"StringEquals": ["platformType", "Linux"]} (or Windows, MacOS)`
	if v.kind != kObject || len(v.keys) != 1 || v.keys[0] != "StringEquals" {
		p.add(path, "must be %s", want)
		return ""
	}
	eq := v.vals[0]
	if eq.kind != kArray || len(eq.items) != 2 || eq.items[0].kind != kString || eq.items[1].kind != kString {
		p.add(path+".StringEquals", "must be a list of two strings: %s", want)
		return ""
	}
	if eq.items[0].s != "platformType" {
		p.add(path+".StringEquals[0]", "%q: firstline supports preconditions on platformType only", eq.items[0].s)
		return ""
	}
	switch x := eq.items[1].s; x {
	case PlatformLinux, PlatformWindows, PlatformMacOS:
		return x
	default:
		p.add(path+".StringEquals[1]", "%q is not a platformType; want Linux, Windows or MacOS", x)
		return ""
	}
}

// parseRuntimeConfig reads a schema 1.2 runtimeConfig: plugin name →
// {"properties": [ {...}, ... ]} (or one object). Each property set is a
// step, in document order.
func parseRuntimeConfig(v *value, p *problems) []*Step {
	if v == nil {
		p.add("runtimeConfig", "is required in a schemaVersion 1.2 document: the plugins to run")
		return nil
	}
	if v.kind != kObject || len(v.keys) == 0 {
		p.add("runtimeConfig", "must be an object of one or more plugins, not %s", v.describe())
		return nil
	}
	var steps []*Step
	seen := map[string]bool{}
	for i, plugin := range v.keys {
		path := "runtimeConfig." + plugin
		cfg := v.vals[i]
		if cfg.kind != kObject {
			p.add(path, "must be an object with properties, not %s", cfg.describe())
			continue
		}
		for _, k := range cfg.keys {
			if k != "properties" && k != "settings" {
				p.add(path+"."+k, "unknown key; a plugin has properties (and settings)")
			}
		}
		props := cfg.get("properties")
		var sets []*value
		switch {
		case props == nil:
			p.add(path+".properties", "is required")
		case props.kind == kArray:
			sets = props.items
		case props.kind == kObject:
			sets = []*value{props}
		default:
			// A parameter reference ("{{ properties }}") or a
			// mistake; runShellScript needs objects (checked by
			// Validate), other plugins are refused there anyway.
			steps = append(steps, &Step{Name: plugin, Action: plugin, path: path + ".properties", actionPath: path})
			continue
		}
		for j, set := range sets {
			spath := fmt.Sprintf("%s.properties[%d]", path, j)
			if props.kind == kObject {
				spath = path + ".properties"
			}
			if set.kind != kObject {
				p.add(spath, "must be an object, not %s", set.describe())
				continue
			}
			s := &Step{Action: plugin, path: spath, actionPath: path, inputs: set, Inputs: set.json()}
			s.Name = fmt.Sprintf("%d.%s", j, plugin)
			if id := set.get("id"); id != nil {
				if id.kind != kString || id.s == "" {
					p.add(spath+".id", "must be a non-empty string")
				} else {
					s.Name = id.s
				}
			}
			if msg := checkStepName(s.Name); msg != "" {
				p.add(spath+".id", "%s", msg)
			} else if seen[s.Name] {
				p.add(spath+".id", "%q names another property set too; ids are unique", s.Name)
			}
			seen[s.Name] = true
			steps = append(steps, s)
		}
	}
	return steps
}
