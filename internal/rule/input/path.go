package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/theory/jsonpath"

	"github.com/firstline/firstline/internal/jpath"
	"github.com/theory/jsonpath/spec"
)

// path is a parsed EventBridge JSONPath.
type path struct {
	src      string
	q        *jsonpath.Path
	singular bool // selects at most one value
}

// parsePath checks an EventBridge path and compiles it as RFC 9535
// JSONPath. EventBridge writes names with dashes and slashes in dot
// notation ($.detail-type), which RFC 9535 shorthand does not allow, so
// every dot name is rewritten as a bracket name first.
func parsePath(src string) (*path, error) {
	if n := utf8.RuneCountInString(src); n > MaxPathLength {
		return nil, fmt.Errorf("path is %d characters, more than %d", n, MaxPathLength)
	}
	if !strings.HasPrefix(src, "$") {
		return nil, fmt.Errorf("path %q must start with $", src)
	}
	rfc, err := jpath.Rewrite(src)
	if err != nil {
		return nil, fmt.Errorf("invalid path %q: %w", src, err)
	}
	q, err := jsonpath.Parse(rfc)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "jsonpath: ")
		return nil, fmt.Errorf("invalid path %q: %s", src, msg)
	}
	return &path{src: src, q: q, singular: q.Query().Singular() != nil}, nil
}

// document is an event ready for path evaluation.
type document struct {
	raw  []byte     // compact JSON
	tree any        // decoded, numbers as json.Number
	root *container // decoded as needed by rawAt
}

func newDocument(event []byte) (*document, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, event); err != nil {
		return nil, fmt.Errorf("event is not valid JSON: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("event is not valid JSON: %w", err)
	}
	return &document{raw: buf.Bytes(), tree: tree}, nil
}

// eval selects p from the document. A singular path yields its value or a
// missing value; any other path yields the array of what it selects, in
// document order. The values are cut from the raw event so that they keep
// its key order and number text.
func (d *document) eval(p *path) (value, error) {
	nodes := p.q.SelectLocated(d.tree)
	if p.singular {
		if len(nodes) == 0 {
			return value{}, nil
		}
		raw, _, err := d.rawAt(nodes[0].Path)
		if err != nil {
			return value{}, err
		}
		return rawValue(raw), nil
	}
	type located struct {
		raw []byte
		pos []int
	}
	found := make([]located, len(nodes))
	for i, n := range nodes {
		raw, pos, err := d.rawAt(n.Path)
		if err != nil {
			return value{}, err
		}
		found[i] = located{raw, pos}
	}
	// Objects are Go maps to the JSONPath library, so members come in no
	// particular order: put them back in the event's.
	slices.SortStableFunc(found, func(a, b located) int { return slices.Compare(a.pos, b.pos) })
	var b bytes.Buffer
	b.WriteByte('[')
	for i, f := range found {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(f.raw)
	}
	b.WriteByte(']')
	return rawValue(b.Bytes()), nil
}

var errNotFound = errors.New("no value at normalized path")

// container is a decoded object or array of the raw event.
type container struct {
	array bool
	keys  map[string]int    // object: member index by key; of duplicates the last, as when decoding
	vals  []json.RawMessage // members or elements, in order
	kids  []*container      // vals decoded, as needed
}

// rawAt returns the JSON text of the event at normalized path np, and its
// position: at each level, the index of the member or element in the
// text. Containers are decoded once per document.
func (d *document) rawAt(np spec.NormalizedPath) ([]byte, []int, error) {
	if len(np) == 0 {
		return d.raw, nil, nil
	}
	if d.root == nil {
		root, err := decodeContainer(d.raw)
		if err != nil {
			return nil, nil, err
		}
		d.root = root
	}
	c := d.root
	pos := make([]int, 0, len(np))
	for k, sel := range np {
		at := -1
		switch s := sel.(type) {
		case spec.Name:
			if i, ok := c.keys[string(s)]; ok {
				at = i
			}
		case spec.Index:
			i := int(s)
			if i < 0 {
				i += len(c.vals)
			}
			if c.array && i >= 0 && i < len(c.vals) {
				at = i
			}
		default:
			return nil, nil, fmt.Errorf("unexpected selector %T in %s", sel, np)
		}
		if at < 0 {
			return nil, nil, fmt.Errorf("%w %s", errNotFound, np)
		}
		pos = append(pos, at)
		if k == len(np)-1 {
			return c.vals[at], pos, nil
		}
		if c.kids == nil {
			c.kids = make([]*container, len(c.vals))
		}
		if c.kids[at] == nil {
			kid, err := decodeContainer(c.vals[at])
			if err != nil {
				return nil, nil, err
			}
			c.kids[at] = kid
		}
		c = c.kids[at]
	}
	panic("unreachable")
}

// decodeContainer splits the JSON object or array raw into its members or
// elements; any other value gives an empty container.
func decodeContainer(raw []byte) (*container, error) {
	c := &container{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		c.keys = map[string]int{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			k, _ := tok.(string)
			c.keys[k] = len(c.vals)
			c.vals = append(c.vals, v)
		}
	case json.Delim('['):
		c.array = true
		for dec.More() {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			c.vals = append(c.vals, v)
		}
	}
	return c, nil
}

// kind classifies a value for substitution.
type kind uint8

const (
	missing   kind = iota // the path matched nothing
	str                   // a JSON string
	scalar                // a number, true, false or null
	composite             // an object or array
)

// value is a variable's value.
type value struct {
	kind kind
	raw  []byte // compact JSON text
	text string // the decoded string, for str
}

func stringValue(s string) value {
	return value{kind: str, raw: jpath.AppendString(nil, s), text: s}
}

// rawValue classifies compact JSON text.
func rawValue(raw []byte) value {
	if len(raw) == 0 {
		return value{}
	}
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return value{kind: str, raw: raw, text: s}
	case '{', '[':
		return value{kind: composite, raw: raw}
	default:
		return value{kind: scalar, raw: raw}
	}
}
