package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// kind is the JSON type of a value.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kArray
	kObject
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}[k]
}

// value is a decoded JSON or YAML value that keeps the order of object
// keys, so a document's canonical JSON lists parameters and inputs in the
// order their author wrote them.
type value struct {
	kind  kind
	b     bool
	s     string   // a string, or a number's literal in JSON syntax
	items []*value // array
	keys  []string // object keys, in order
	vals  []*value // object values, parallel to keys
}

// get returns the member key of an object, or nil.
func (v *value) get(key string) *value {
	if v == nil || v.kind != kObject {
		return nil
	}
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return nil
}

// Limits on decoding, so that hostile content costs bounded work.
const (
	maxDepth  = 64
	maxValues = 100_000 // after YAML alias expansion
)

var errBudget = errors.New("the document is too large once YAML aliases are expanded")

// decodeJSON decodes one JSON value, refusing duplicate keys and trailing
// data.
func decodeJSON(b []byte) (*value, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n := 0
	v, err := readJSON(dec, 0, &n)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the document")
	}
	return v, nil
}

func readJSON(dec *json.Decoder, depth int, n *int) (*value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	if *n++; *n > maxValues {
		return nil, errBudget
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonSyntax(err)
	}
	switch t := tok.(type) {
	case nil:
		return &value{kind: kNull}, nil
	case bool:
		return &value{kind: kBool, b: t}, nil
	case json.Number:
		return &value{kind: kNumber, s: t.String()}, nil
	case string:
		return &value{kind: kString, s: t}, nil
	case json.Delim:
		switch t {
		case '[':
			v := &value{kind: kArray, items: []*value{}}
			for dec.More() {
				item, err := readJSON(dec, depth+1, n)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, item)
			}
			_, err := dec.Token() // ]
			return v, jsonSyntax(err)
		case '{':
			v := &value{kind: kObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, jsonSyntax(err)
				}
				key, _ := kt.(string)
				if v.get(key) != nil {
					return nil, fmt.Errorf("duplicate key %q", key)
				}
				val, err := readJSON(dec, depth+1, n)
				if err != nil {
					return nil, err
				}
				v.keys, v.vals = append(v.keys, key), append(v.vals, val)
			}
			_, err := dec.Token() // }
			return v, jsonSyntax(err)
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func jsonSyntax(err error) error {
	if err == io.EOF {
		return errors.New("unexpected end of JSON")
	}
	return err
}

// decodeYAML decodes a YAML stream holding one document.
func decodeYAML(b []byte) (*value, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, errors.New("the document is empty")
		}
		return nil, err
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, errors.New("the YAML holds more than one document (---); put one document in each resource")
	}
	n := 0
	return fromYAML(&doc, 0, &n)
}

func fromYAML(node *yaml.Node, depth int, n *int) (*value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	if *n++; *n > maxValues {
		return nil, errBudget
	}
	switch node.Kind {
	case yaml.DocumentNode:
		if len(node.Content) == 0 {
			return nil, errors.New("the document is empty")
		}
		return fromYAML(node.Content[0], depth, n)
	case yaml.AliasNode:
		if node.Alias == nil {
			return nil, errors.New("unknown YAML alias")
		}
		return fromYAML(node.Alias, depth+1, n)
	case yaml.SequenceNode:
		v := &value{kind: kArray, items: make([]*value, 0, len(node.Content))}
		for _, c := range node.Content {
			item, err := fromYAML(c, depth+1, n)
			if err != nil {
				return nil, err
			}
			v.items = append(v.items, item)
		}
		return v, nil
	case yaml.MappingNode:
		v := &value{kind: kObject}
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, val := node.Content[i], node.Content[i+1]
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: YAML merge keys (<<) are not supported; write the keys out", k.Line)
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key must be a plain string", k.Line)
			}
			if v.get(k.Value) != nil {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			x, err := fromYAML(val, depth+1, n)
			if err != nil {
				return nil, err
			}
			v.keys, v.vals = append(v.keys, k.Value), append(v.vals, x)
		}
		return v, nil
	case yaml.ScalarNode:
		return yamlScalar(node)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", node.Line)
}

func yamlScalar(node *yaml.Node) (*value, error) {
	switch tag := node.ShortTag(); tag {
	case "!!null":
		return &value{kind: kNull}, nil
	case "!!bool":
		var b bool
		if err := node.Decode(&b); err != nil {
			return nil, err
		}
		return &value{kind: kBool, b: b}, nil
	case "!!int":
		var i int64
		if err := node.Decode(&i); err != nil {
			return nil, fmt.Errorf("line %d: integer %s is out of range", node.Line, node.Value)
		}
		return &value{kind: kNumber, s: strconv.FormatInt(i, 10)}, nil
	case "!!float":
		var f float64
		if err := node.Decode(&f); err != nil {
			return nil, err
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("line %d: %s is not a JSON number", node.Line, node.Value)
		}
		// Keep the author's literal ("2.0" stays "2.0") when it is JSON.
		if json.Valid([]byte(node.Value)) && !strings.ContainsAny(node.Value, "+_") {
			return &value{kind: kNumber, s: node.Value}, nil
		}
		return &value{kind: kNumber, s: strconv.FormatFloat(f, 'g', -1, 64)}, nil
	case "!!str", "!!timestamp":
		return &value{kind: kString, s: node.Value}, nil
	default:
		return nil, fmt.Errorf("line %d: YAML tag %s is not supported (SSM documents hold plain JSON values)", node.Line, tag)
	}
}

// encode writes v as compact JSON without HTML escaping, keys in order.
func (v *value) encode(buf *bytes.Buffer) {
	switch v.kind {
	case kNull:
		buf.WriteString("null")
	case kBool:
		buf.WriteString(strconv.FormatBool(v.b))
	case kNumber:
		buf.WriteString(v.s)
	case kString:
		writeString(buf, v.s)
	case kArray:
		buf.WriteByte('[')
		for i, it := range v.items {
			if i > 0 {
				buf.WriteByte(',')
			}
			it.encode(buf)
		}
		buf.WriteByte(']')
	case kObject:
		buf.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			v.vals[i].encode(buf)
		}
		buf.WriteByte('}')
	}
}

func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // strings always encode
	buf.Truncate(buf.Len() - 1)
}

// json returns v as compact JSON.
func (v *value) json() json.RawMessage {
	var buf bytes.Buffer
	v.encode(&buf)
	return buf.Bytes()
}

// toAny converts v to the generic form encoding/json produces (numbers as
// json.Number), for parameter values.
func (v *value) toAny() any {
	switch v.kind {
	case kBool:
		return v.b
	case kNumber:
		return json.Number(v.s)
	case kString:
		return v.s
	case kArray:
		out := make([]any, len(v.items))
		for i, it := range v.items {
			out[i] = it.toAny()
		}
		return out
	case kObject:
		out := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			out[k] = v.vals[i].toAny()
		}
		return out
	}
	return nil
}

// describe names the type of v for messages.
func (v *value) describe() string {
	if v == nil {
		return "missing"
	}
	return v.kind.String()
}
