package workflow

import (
	"errors"
	"fmt"
	"strings"

	"github.com/firstline/firstline/internal/workflow/intrinsic"
)

// pnode is one node of a compiled payload template (States Language ›
// Payload Template): a static value, an object or array of nodes, or a
// ".$" field whose value is a path or an intrinsic function call.
type pnode interface {
	eval(s *scope) (any, error)
}

type staticNode struct{ v any }

func (n staticNode) eval(*scope) (any, error) { return n.v, nil }

type objectField struct {
	key  string // without ".$"
	node pnode
}

type objectNode struct{ fields []objectField }

func (n *objectNode) eval(s *scope) (any, error) {
	out := make(map[string]any, len(n.fields))
	for _, f := range n.fields {
		v, err := f.node.eval(s)
		if err != nil {
			return nil, err
		}
		out[f.key] = v
	}
	return out, nil
}

type arrayNode struct{ elems []pnode }

func (n *arrayNode) eval(s *scope) (any, error) {
	out := make([]any, len(n.elems))
	for i, e := range n.elems {
		v, err := e.eval(s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// pathNode is a "key.$": "$.path" field.
type pathNode struct {
	field string // the field name as written, with ".$"
	p     *path
}

func (n *pathNode) eval(s *scope) (any, error) {
	v, ok := n.p.eval(s)
	if !ok {
		return nil, pathFailure(n.field, n.p, s)
	}
	return v, nil
}

// pathFailure is the error of a ".$" path that selects nothing.
func pathFailure(field string, p *path, s *scope) error {
	doc := s.input
	switch p.root {
	case rootVariable:
		v, ok := s.vars.lookup(p.variable)
		if !ok {
			return fail(ErrRuntime, "The variable '$%s' referenced by the field '%s' is not defined", p.variable, field)
		}
		doc = v
	}
	// AWS reports this as States.Runtime (recorded behaviour), although
	// the specification names States.ParameterPathFailure.
	return fail(ErrRuntime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", p.src, field, compactJSON(doc))
}

// intrinsicNode is a "key.$": "States.Fn(...)" field.
type intrinsicNode struct {
	field string
	call  *intrinsic.Call
	paths map[string]*path
}

func (n *intrinsicNode) eval(s *scope) (any, error) {
	v, err := n.call.Eval(func(src string) (any, error) {
		p := n.paths[src]
		if p == nil {
			return nil, fmt.Errorf("path %q was not compiled", src)
		}
		v, ok := p.eval(s)
		if !ok {
			return nil, pathFailure(n.field, p, s)
		}
		return v, nil
	})
	if err != nil {
		var ie *intrinsic.Error
		if errors.As(err, &ie) {
			return nil, &stateError{ie.Name, ie.Cause}
		}
		var se *stateError
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, &stateError{ErrIntrinsicFailure, err.Error()}
	}
	return v, nil
}

// compileIntrinsic parses an intrinsic call and its path arguments.
func compileIntrinsic(field, src string) (*intrinsicNode, error) {
	call, err := intrinsic.Parse(src)
	if err != nil {
		return nil, err
	}
	n := &intrinsicNode{field: field, call: call, paths: map[string]*path{}}
	for _, ps := range call.Paths() {
		p, err := parsePath(ps)
		if err != nil {
			return nil, err
		}
		n.paths[ps] = p
	}
	return n, nil
}

// compilePayload compiles a payload template. Every problem is reported
// through diag with its location (loc + "/" + key).
func compilePayload(v any, loc string, diag func(loc, msg string)) pnode {
	switch x := v.(type) {
	case map[string]any:
		n := &objectNode{}
		dynamic := false
		for _, k := range sortedKeys(x) {
			val := x[k]
			kloc := loc + "/" + k
			if name, ok := strings.CutSuffix(k, ".$"); ok {
				dynamic = true
				str, isStr := val.(string)
				if !isStr {
					diag(kloc, fmt.Sprintf("the value of %q must be a string holding a path or an intrinsic function", k))
					continue
				}
				node, err := compileDynamic(k, str)
				if err != nil {
					diag(kloc, err.Error())
					continue
				}
				n.fields = append(n.fields, objectField{key: name, node: node})
				continue
			}
			kid := compilePayload(val, kloc, diag)
			if _, ok := kid.(staticNode); !ok {
				dynamic = true
			}
			n.fields = append(n.fields, objectField{key: k, node: kid})
		}
		if !dynamic {
			return staticNode{v}
		}
		return n
	case []any:
		n := &arrayNode{}
		dynamic := false
		for i, e := range x {
			kid := compilePayload(e, fmt.Sprintf("%s/%d", loc, i), diag)
			if _, ok := kid.(staticNode); !ok {
				dynamic = true
			}
			n.elems = append(n.elems, kid)
		}
		if !dynamic {
			return staticNode{v}
		}
		return n
	}
	return staticNode{v}
}

// compileDynamic compiles the value of a ".$" field: a path, or an
// intrinsic function call.
func compileDynamic(field, src string) (pnode, error) {
	if intrinsic.Looks(src) {
		return compileIntrinsic(field, src)
	}
	p, err := parsePath(src)
	if err != nil {
		return nil, err
	}
	return &pathNode{field: field, p: p}, nil
}
