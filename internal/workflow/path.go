package workflow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/spec"

	"github.com/firstline/firstline/internal/jpath"
)

// root says what a path is evaluated against.
type root uint8

const (
	rootInput    root = iota // $ — the state's input (or whatever the field defines as $)
	rootContext              // $$ — the context object
	rootVariable             // $name — a workflow variable
)

// step is one selector of a singular path: a member name or an index.
type step struct {
	name  string
	index int
	isIdx bool
}

// path is a compiled JSONPath as the States Language writes it (Step
// Functions Developer Guide › Paths): $ for the input, $$ for the context
// object, $name for a workflow variable; the rest is Jayway-style JSONPath
// that jpath rewrites to RFC 9535. A singular path (names and indexes only)
// is walked directly; any other goes through the library and yields an
// array of what it selects.
type path struct {
	src      string
	root     root
	variable string
	steps    []step         // singular paths
	q        *jsonpath.Path // other paths
}

// parsePath compiles src. Errors describe the syntax problem.
func parsePath(src string) (*path, error) {
	if !strings.HasPrefix(src, "$") {
		return nil, fmt.Errorf("%q is not a JSONPath: it must start with $", src)
	}
	p := &path{src: src}
	rest := src[1:]
	switch {
	case strings.HasPrefix(rest, "$"):
		p.root = rootContext
		rest = rest[1:]
	case rest != "" && rest[0] != '.' && rest[0] != '[':
		p.root = rootVariable
		i := strings.IndexAny(rest, ".[")
		if i < 0 {
			i = len(rest)
		}
		p.variable = rest[:i]
		if !validVariableName(p.variable) {
			return nil, fmt.Errorf("%q is not a JSONPath: %q is not a valid variable name", src, p.variable)
		}
		rest = rest[i:]
	}
	if rest == "" {
		return p, nil
	}
	rfc, err := jpath.Rewrite("$" + rest)
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %w", src, err)
	}
	q, err := jsonpath.Parse(rfc)
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %s", src, strings.TrimPrefix(err.Error(), "jsonpath: "))
	}
	if steps, ok := singularSteps(q.Query()); ok {
		p.steps = steps
	} else {
		p.q = q
	}
	return p, nil
}

// singularSteps returns the names and indexes of q when q selects at most
// one node.
func singularSteps(q *spec.PathQuery) ([]step, bool) {
	if q.Singular() == nil {
		return nil, false
	}
	var steps []step
	for _, seg := range q.Segments() {
		sels := seg.Selectors()
		if seg.IsDescendant() || len(sels) != 1 {
			return nil, false
		}
		switch s := sels[0].(type) {
		case spec.Name:
			steps = append(steps, step{name: string(s)})
		case spec.Index:
			steps = append(steps, step{index: int(s), isIdx: true})
		default:
			return nil, false
		}
	}
	return steps, true
}

// singular reports whether the path selects at most one value.
func (p *path) singular() bool { return p.q == nil }

// normalized writes a singular path as AWS's causes show it: $['a'][0].
func (p *path) normalized() string {
	if p.q != nil || p.root != rootInput {
		return p.src
	}
	var b strings.Builder
	b.WriteByte('$')
	for _, st := range p.steps {
		if st.isIdx {
			fmt.Fprintf(&b, "[%d]", st.index)
		} else {
			b.WriteString("['" + st.name + "']")
		}
	}
	return b.String()
}

// String returns the path as written.
func (p *path) String() string { return p.src }

// scope is what paths are evaluated against.
type scope struct {
	input   any
	context any
	vars    *varScope
}

// eval returns the value p selects. For a singular path, ok is false when
// nothing is there; any other path yields the (possibly empty) array of
// what it selects, ordered by location.
func (p *path) eval(s *scope) (v any, ok bool) {
	var doc any
	switch p.root {
	case rootInput:
		doc = s.input
	case rootContext:
		doc = s.contextValue()
	case rootVariable:
		doc, ok = s.vars.lookup(p.variable)
		if !ok {
			return nil, false
		}
	}
	if p.q == nil {
		return walk(doc, p.steps)
	}
	nodes := p.q.SelectLocated(doc)
	nodes.Sort()
	out := make([]any, len(nodes))
	for i, n := range nodes {
		out[i] = n.Node
	}
	return out, true
}

// walk follows steps from doc.
func walk(doc any, steps []step) (any, bool) {
	for _, st := range steps {
		if st.isIdx {
			arr, ok := doc.([]any)
			if !ok {
				return nil, false
			}
			i := st.index
			if i < 0 {
				i += len(arr)
			}
			if i < 0 || i >= len(arr) {
				return nil, false
			}
			doc = arr[i]
			continue
		}
		obj, ok := doc.(map[string]any)
		if !ok {
			return nil, false
		}
		doc, ok = obj[st.name]
		if !ok {
			return nil, false
		}
	}
	return doc, true
}

// refPath is a reference path (States Language › Reference Paths): $
// followed by names and indexes only, used by ResultPath to say where the
// result goes.
type refPath struct {
	src   string
	steps []step
}

func parseRefPath(src string) (*refPath, error) {
	p, err := parsePath(src)
	if err != nil {
		return nil, err
	}
	if p.root != rootInput || !p.singular() {
		return nil, fmt.Errorf("%q is not a reference path: only $ followed by names and array indexes is allowed", src)
	}
	for _, st := range p.steps {
		if st.isIdx && st.index < 0 {
			return nil, fmt.Errorf("%q is not a reference path: negative index", src)
		}
	}
	return &refPath{src: src, steps: p.steps}, nil
}

// set returns doc with v placed at the path, copying the containers on the
// way so that doc itself is left unchanged (values are shared with the
// history). Missing members on the way are created as objects; it fails
// when the way crosses a value that is not an object, or an array index
// that is not there (States.ResultPathMatchFailure).
func (r *refPath) set(doc, v any) (any, error) {
	out, ok := setAt(doc, true, r.steps, v)
	if !ok {
		return nil, fmt.Errorf("Unable to apply ResultPath %q to input %s", r.src, compactJSON(doc))
	}
	return out, nil
}

func setAt(doc any, present bool, steps []step, v any) (any, bool) {
	if len(steps) == 0 {
		return v, true
	}
	st := steps[0]
	if st.isIdx {
		arr, ok := doc.([]any)
		if !ok || st.index >= len(arr) {
			return nil, false
		}
		kid, ok := setAt(arr[st.index], true, steps[1:], v)
		if !ok {
			return nil, false
		}
		cp := slices.Clone(arr)
		cp[st.index] = kid
		return cp, true
	}
	obj, ok := doc.(map[string]any)
	if !ok && present {
		return nil, false
	}
	old, had := obj[st.name]
	kid, ok := setAt(old, had, steps[1:], v)
	if !ok {
		return nil, false
	}
	cp := make(map[string]any, len(obj)+1)
	for k, x := range obj {
		cp[k] = x
	}
	cp[st.name] = kid
	return cp, true
}
