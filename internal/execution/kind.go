package execution

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/workflow"
)

// KindName is the resource kind of state machines.
const KindName = "StateMachine"

// Spec is a StateMachine resource's spec, with the property names of
// CloudFormation's AWS::StepFunctions::StateMachine: the definition as an
// object (Definition) or as JSON text (DefinitionString), and the type.
// `firstline apply` turns DefinitionFile (a path relative to the YAML file)
// into Definition before sending the document.
type Spec struct {
	// Type is STANDARD (the default); EXPRESS is not supported.
	Type string `json:"Type,omitempty"`
	// Definition is the Amazon States Language definition.
	Definition json.RawMessage `json:"Definition,omitempty"`
	// DefinitionString is the definition as a string of JSON.
	DefinitionString string `json:"DefinitionString,omitempty"`
	// DefinitionFile names a file holding the definition; only the CLI
	// reads it.
	DefinitionFile string `json:"DefinitionFile,omitempty"`
	// Comment describes the state machine.
	Comment string `json:"Comment,omitempty"`
}

// Kind is the StateMachine resource kind. With Registry set, every Task
// resource must have an integration (the server's registry); without it
// (tests, offline checks) any ARN is accepted.
type Kind struct {
	Registry *workflow.Registry
}

// Name returns "StateMachine".
func (Kind) Name() string { return KindName }

// Normalize validates a state machine spec and returns its canonical JSON:
// {"Type":"STANDARD","Definition":{...}} (and Comment when set). A
// definition that fails validation is rejected with every ERROR
// diagnostic, each with its location in the definition.
func (k Kind) Normalize(_ string, raw json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var spec Spec
	if err := dec.Decode(&spec); err != nil {
		return nil, &resource.FieldError{Path: "", Msg: "spec: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	switch spec.Type {
	case "", "STANDARD":
		spec.Type = "STANDARD"
	case "EXPRESS":
		return nil, &resource.FieldError{Path: "Type", Msg: "EXPRESS state machines are not supported: firstline runs every execution as STANDARD (exactly once, durable)"}
	default:
		return nil, &resource.FieldError{Path: "Type", Msg: fmt.Sprintf("Type must be STANDARD, not %q", spec.Type)}
	}
	if spec.DefinitionFile != "" {
		return nil, &resource.FieldError{Path: "DefinitionFile", Msg: "DefinitionFile is read by `firstline apply` from the YAML file's folder; over the API send Definition or DefinitionString"}
	}
	def := []byte(spec.Definition)
	switch {
	case len(spec.Definition) > 0 && spec.DefinitionString != "":
		return nil, &resource.FieldError{Path: "Definition", Msg: "give Definition or DefinitionString, not both"}
	case spec.DefinitionString != "":
		def = []byte(spec.DefinitionString)
	case len(def) == 0 || string(def) == "null":
		return nil, &resource.FieldError{Path: "Definition", Msg: "a state machine needs Definition (an object), DefinitionString or, with `firstline apply`, DefinitionFile"}
	}
	m, diags := workflow.Compile(def)
	if m == nil {
		return nil, &resource.FieldError{Path: "Definition", Msg: diagnosticsText(diags)}
	}
	if k.Registry != nil {
		var unknown []workflow.Diagnostic
		for _, t := range m.Tasks() {
			if _, _, ok := k.Registry.Lookup(t.Resource); !ok {
				unknown = append(unknown, workflow.Diagnostic{Severity: "ERROR", Code: "INVALID_RESOURCE", Location: t.Location,
					Message: fmt.Sprintf("no integration runs %s on this server; available: %s", t.Resource, strings.Join(k.Registry.Keys(), ", "))})
			}
		}
		if len(unknown) > 0 {
			return nil, &resource.FieldError{Path: "Definition", Msg: diagnosticsText(unknown)}
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, def); err != nil {
		return nil, &resource.FieldError{Path: "Definition", Msg: err.Error()}
	}
	out := struct {
		Type       string          `json:"Type"`
		Definition json.RawMessage `json:"Definition"`
		Comment    string          `json:"Comment,omitempty"`
	}{spec.Type, compact.Bytes(), spec.Comment}
	return json.Marshal(out)
}

// diagnosticsText lists the ERROR diagnostics of a definition.
func diagnosticsText(diags []workflow.Diagnostic) string {
	var b strings.Builder
	n := 0
	for _, d := range diags {
		if d.Severity != "ERROR" {
			continue
		}
		if n > 0 {
			b.WriteString("; ")
		}
		loc := d.Location
		if loc == "" {
			loc = "/"
		}
		fmt.Fprintf(&b, "%s at %s: %s", d.Code, loc, d.Message)
		n++
	}
	return fmt.Sprintf("the definition is invalid (%d problems, as `firstline states validate` lists them): %s", n, b.String())
}

// Machine compiles the definition of a normalized spec.
func Machine(spec json.RawMessage) (*workflow.Machine, error) {
	var s Spec
	if err := json.Unmarshal(spec, &s); err != nil {
		return nil, err
	}
	return workflow.Parse(s.Definition)
}
