package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/firstline/firstline/internal/resource"
)

// KindName is the resource kind of documents.
const KindName = "Document"

// DocumentTypeCommand is the one document type firstline runs.
const DocumentTypeCommand = "Command"

// Spec is a Document resource's spec, with the property names of
// CloudFormation's AWS::SSM::Document: the content as an object (Content,
// which a YAML resource file writes as YAML) or as text (ContentString,
// JSON or YAML), the document type and the format.
type Spec struct {
	// Content is the document as an object. A string is read as
	// ContentString.
	Content json.RawMessage `json:"Content,omitempty"`
	// ContentString is the document as JSON or YAML text, as `aws ssm
	// create-document --content` takes it.
	ContentString string `json:"ContentString,omitempty"`
	// DocumentType is Command, the default; other types are refused.
	DocumentType string `json:"DocumentType,omitempty"`
	// DocumentFormat is JSON or YAML: the format of ContentString
	// (detected when absent), and the one to show the document in.
	DocumentFormat string `json:"DocumentFormat,omitempty"`
}

// Kind is the Document resource kind.
type Kind struct{}

// Name returns "Document".
func (Kind) Name() string { return KindName }

// Normalize validates a Document spec — Parse and Validate of its content
// — and returns the canonical spec:
// {"DocumentType":"Command","DocumentFormat":F,"Content":{...}} with the
// content as compact JSON in the order written. Names starting with
// "AWS-" are reserved for built-in documents. Every problem is returned,
// each with its path below the spec ("Content.mainSteps[0].action").
func (Kind) Normalize(name string, raw json.RawMessage) (json.RawMessage, error) {
	if IsReserved(name) {
		return nil, &resource.FieldError{Path: "", Msg: fmt.Sprintf("the name %s is reserved: names starting with AWS- belong to built-in documents (firstline has %s)", name, strings.Join(builtinNames(), ", "))}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var spec Spec
	if err := dec.Decode(&spec); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if strings.HasPrefix(msg, "unknown field") {
			msg += "; a Document spec has Content (or ContentString), DocumentType and DocumentFormat"
		}
		return nil, &resource.FieldError{Path: "", Msg: msg}
	}
	if dec.More() {
		return nil, &resource.FieldError{Path: "", Msg: "unexpected data after the spec"}
	}
	switch spec.DocumentType {
	case "", DocumentTypeCommand:
	default:
		return nil, &resource.FieldError{Path: "DocumentType", Msg: fmt.Sprintf("%q is not supported: firstline runs Command documents", spec.DocumentType)}
	}
	format := Format(spec.DocumentFormat)
	switch format {
	case "", FormatJSON, FormatYAML:
	default:
		return nil, &resource.FieldError{Path: "DocumentFormat", Msg: fmt.Sprintf("%q: want JSON or YAML", spec.DocumentFormat)}
	}
	content, field := []byte(spec.ContentString), "ContentString"
	hasContent := len(bytes.TrimSpace(spec.Content)) > 0 && string(bytes.TrimSpace(spec.Content)) != "null"
	switch {
	case hasContent && spec.ContentString != "":
		return nil, &resource.FieldError{Path: "Content", Msg: "give Content or ContentString, not both"}
	case hasContent:
		var text string
		if json.Unmarshal(spec.Content, &text) == nil {
			content, field = []byte(text), "Content" // Content: "..." is text, as ContentString
		} else {
			content, field, format = spec.Content, "Content", FormatJSON
		}
	case spec.ContentString == "":
		return nil, &resource.FieldError{Path: "Content", Msg: "a document needs Content (an object) or ContentString (JSON or YAML text)"}
	}
	doc, err := ParseFormat(content, format)
	if err == nil {
		err = doc.Validate()
	}
	if err != nil {
		return nil, fieldErrors(field, err)
	}
	if field == "Content" && spec.DocumentFormat != "" {
		doc.Format = Format(spec.DocumentFormat)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"DocumentType":"Command","DocumentFormat":`)
	writeString(&buf, string(doc.Format))
	buf.WriteString(`,"Content":`)
	doc.root.encode(&buf)
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// fieldErrors turns document errors into field errors below field.
func fieldErrors(field string, err error) error {
	var errs []error
	var joined interface{ Unwrap() []error }
	list := []error{err}
	if errors.As(err, &joined) {
		list = joined.Unwrap()
	}
	for _, e := range list {
		var de *Error
		if errors.As(e, &de) {
			path := field
			if de.Path != "" {
				path += "." + de.Path
			}
			errs = append(errs, &resource.FieldError{Path: path, Msg: de.Msg})
			continue
		}
		errs = append(errs, &resource.FieldError{Path: field, Msg: e.Error()})
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// fromSpec reads the document of a normalized spec.
func fromSpec(spec json.RawMessage) (*Document, error) {
	var s Spec
	if err := json.Unmarshal(spec, &s); err != nil {
		return nil, err
	}
	doc, err := ParseFormat(s.Content, FormatJSON)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	if s.DocumentFormat != "" {
		doc.Format = Format(s.DocumentFormat)
	}
	return doc, nil
}

func builtinNames() []string {
	var names []string
	for _, d := range Builtins() {
		names = append(names, d.Name)
	}
	return names
}

// Interface guard.
var _ resource.Kind = Kind{}
