package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem with a pattern: the path of the field (for example
// detail.state[0]) and the rule it broke.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "event pattern: " + e.Reason
	}
	return "event pattern: " + e.Path + ": " + e.Reason
}

// Field returns the path of the offending field.
func (e *Error) Field() string { return e.Path }

// Numeric operands are limited as EventBridge documents (User Guide ›
// Content filtering › Numeric matching).
const maxNumeric = 5e9

// Pattern is a compiled event pattern. It is safe for concurrent use.
type Pattern struct {
	root *objPat
	keys *trie
}

// objPat is an object in a pattern: all fields must match, and in each
// $or group one alternative.
type objPat struct {
	fields []*fieldPat
	ors    [][]*objPat
}

type fieldPat struct {
	key  string
	obj  *objPat // a nested object, or
	cond []cond  // a leaf: any condition matches
}

type opKind uint8

const (
	opExact opKind = iota
	opPrefix
	opSuffix
	opEqualsIgnoreCase
	opAnythingBut
	opNumeric
	opExists
	opCIDR
	opWildcard
)

// value kinds, shared with events.
const (
	kString byte = 's'
	kNumber byte = 'n'
	kTrue   byte = 't'
	kFalse  byte = 'f'
	kNull   byte = 'z'
	kObject byte = 'o'
	kArray  byte = 'a'
)

type cond struct {
	op         opKind
	kind       byte    // opExact: the value's kind
	s          string  // exact string; prefix/suffix/equals-ignore-case text (lowered if ignoreCase)
	n          float64 // exact number
	ignoreCase bool
	exists     bool
	wild       *wildcard
	prefix     netip.Prefix
	num        numRange
	but        *butSet
}

type numRange struct {
	lo, hi         float64
	hasLo, hasHi   bool
	loIncl, hiIncl bool
}

func (r numRange) match(x float64) bool {
	if r.hasLo && (x < r.lo || x == r.lo && !r.loIncl) {
		return false
	}
	if r.hasHi && (x > r.hi || x == r.hi && !r.hiIncl) {
		return false
	}
	return true
}

// butSet is what anything-but excludes.
type butSet struct {
	strs  map[string]bool
	nums  []float64
	op    opKind // 0 (values), opPrefix, opSuffix, opEqualsIgnoreCase, opWildcard
	texts []string
	wilds []*wildcard
}

// Compile parses and validates a pattern given as JSON text. It returns an
// error joining every *Error found.
func Compile(src []byte) (*Pattern, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, &Error{Reason: "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	if _, err := dec.Token(); err == nil {
		return nil, &Error{Reason: "not valid JSON: data after the pattern object"}
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, &Error{Reason: "must be a JSON object"}
	}
	c := &compiler{}
	root := c.object(obj, "")
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	p := &Pattern{root: root, keys: newTrie()}
	p.keys.add(root)
	return p, nil
}

// MustCompile is Compile that panics on error, for patterns in code.
func MustCompile(src string) *Pattern {
	p, err := Compile([]byte(src))
	if err != nil {
		panic(err)
	}
	return p
}

type compiler struct{ errs []error }

// operators are the condition names; inside $or they cannot be field names
// (event-ruler README › The "$or" primitive).
var operators = map[string]bool{"prefix": true, "suffix": true, "equals-ignore-case": true, "anything-but": true,
	"numeric": true, "exists": true, "cidr": true, "wildcard": true}

func (c *compiler) fail(path, format string, args ...any) {
	c.errs = append(c.errs, &Error{Path: path, Reason: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (c *compiler) object(obj map[string]any, path string) *objPat {
	if len(obj) == 0 {
		c.fail(path, "empty object; a pattern object needs at least one field")
		return &objPat{}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := &objPat{}
	for _, k := range keys {
		v := obj[k]
		p := join(path, k)
		if k == "$or" {
			o.ors = append(o.ors, c.or(v, p))
			continue
		}
		switch v := v.(type) {
		case map[string]any:
			o.fields = append(o.fields, &fieldPat{key: k, obj: c.object(v, p)})
		case []any:
			o.fields = append(o.fields, &fieldPat{key: k, cond: c.leaf(v, p)})
		default:
			c.fail(p, "must be an array of values or conditions, or an object; got %s", describe(v))
		}
	}
	return o
}

func (c *compiler) or(v any, path string) []*objPat {
	arr, ok := v.([]any)
	if !ok {
		c.fail(path, "$or must be an array of pattern objects")
		return nil
	}
	if len(arr) < 2 {
		c.fail(path, "$or needs at least two pattern objects")
	}
	var alts []*objPat
	for i, a := range arr {
		obj, ok := a.(map[string]any)
		if !ok {
			c.fail(fmt.Sprintf("%s[%d]", path, i), "each $or element must be a pattern object; got %s", describe(a))
			continue
		}
		for k := range obj {
			if operators[k] {
				c.fail(fmt.Sprintf("%s[%d].%s", path, i, k), "%q is an operator name, reserved as a field name inside $or", k)
			}
		}
		alts = append(alts, c.object(obj, fmt.Sprintf("%s[%d]", path, i)))
	}
	return alts
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func (c *compiler) leaf(arr []any, path string) []cond {
	if len(arr) == 0 {
		c.fail(path, "empty array; list at least one value or condition")
		return nil
	}
	conds := make([]cond, 0, len(arr))
	for i, v := range arr {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch v := v.(type) {
		case string:
			conds = append(conds, cond{op: opExact, kind: kString, s: v})
		case json.Number:
			if n, ok := c.number(v, p, false); ok {
				conds = append(conds, cond{op: opExact, kind: kNumber, n: n})
			}
		case bool:
			k := kFalse
			if v {
				k = kTrue
			}
			conds = append(conds, cond{op: opExact, kind: k})
		case nil:
			conds = append(conds, cond{op: opExact, kind: kNull})
		case map[string]any:
			if cd, ok := c.operator(v, p); ok {
				conds = append(conds, cd)
			}
		case []any:
			c.fail(p, "arrays inside a value list are not allowed")
		}
	}
	return conds
}

func (c *compiler) number(v json.Number, path string, limited bool) (float64, bool) {
	n, err := strconv.ParseFloat(v.String(), 64)
	if err != nil || math.IsInf(n, 0) {
		c.fail(path, "number %s is out of range", v)
		return 0, false
	}
	if limited && (n < -maxNumeric || n > maxNumeric) {
		c.fail(path, "numeric operand %s is outside -5e9..5e9", v)
		return 0, false
	}
	return n, true
}

func (c *compiler) operator(m map[string]any, path string) (cond, bool) {
	if len(m) != 1 {
		c.fail(path, "a condition object must have exactly one operator; got %d keys", len(m))
		return cond{}, false
	}
	for op, arg := range m {
		p := join(path, op)
		switch op {
		case "prefix", "suffix":
			kind := opPrefix
			if op == "suffix" {
				kind = opSuffix
			}
			switch a := arg.(type) {
			case string:
				return cond{op: kind, s: a}, true
			case map[string]any:
				s, ok := a["equals-ignore-case"].(string)
				if len(a) != 1 || !ok {
					c.fail(p, "%s takes a string or {\"equals-ignore-case\": string}", op)
					return cond{}, false
				}
				return cond{op: kind, s: strings.ToLower(s), ignoreCase: true}, true
			}
			c.fail(p, "%s takes a string or {\"equals-ignore-case\": string}; got %s", op, describe(arg))
		case "equals-ignore-case":
			if s, ok := arg.(string); ok {
				return cond{op: opEqualsIgnoreCase, s: strings.ToLower(s)}, true
			}
			c.fail(p, "equals-ignore-case takes a string; got %s", describe(arg))
		case "exists":
			if b, ok := arg.(bool); ok {
				return cond{op: opExists, exists: b}, true
			}
			c.fail(p, "exists takes true or false; got %s", describe(arg))
		case "cidr":
			s, ok := arg.(string)
			if !ok {
				c.fail(p, "cidr takes a string such as 10.0.0.0/24; got %s", describe(arg))
				return cond{}, false
			}
			pfx, err := parsePrefix(s)
			if err != nil {
				c.fail(p, "%q is not an IPv4 or IPv6 CIDR block with a mask shorter than the address (e.g. 10.0.0.0/24)", s)
				return cond{}, false
			}
			return cond{op: opCIDR, prefix: pfx}, true
		case "wildcard":
			s, ok := arg.(string)
			if !ok {
				c.fail(p, "wildcard takes a string; got %s", describe(arg))
				return cond{}, false
			}
			w, err := compileWildcard(s)
			if err != nil {
				c.fail(p, "%s", err)
				return cond{}, false
			}
			return cond{op: opWildcard, wild: w}, true
		case "numeric":
			return c.numeric(arg, p)
		case "anything-but":
			return c.anythingBut(arg, p)
		default:
			c.fail(p, "unknown operator %q; want prefix, suffix, equals-ignore-case, anything-but, numeric, exists, cidr or wildcard", op)
		}
	}
	return cond{}, false
}

// parsePrefix parses a CIDR block as event-ruler does: a mask is required
// and must leave at least one host bit (/32 and /128 are rejected; match a
// single address exactly instead); host bits are cleared.
func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, err
	}
	if p.Bits() >= p.Addr().BitLen() {
		return p, fmt.Errorf("mask /%d leaves no host bits", p.Bits())
	}
	return p.Masked(), nil
}

func (c *compiler) numeric(arg any, path string) (cond, bool) {
	arr, ok := arg.([]any)
	if !ok || (len(arr) != 2 && len(arr) != 4) {
		c.fail(path, "numeric takes [op, number] or [lower-op, number, upper-op, number]")
		return cond{}, false
	}
	var r numRange
	for i := 0; i < len(arr); i += 2 {
		op, ok := arr[i].(string)
		if !ok {
			c.fail(fmt.Sprintf("%s[%d]", path, i), "operator must be one of =, <, <=, >, >=; got %s", describe(arr[i]))
			return cond{}, false
		}
		num, ok := arr[i+1].(json.Number)
		if !ok {
			c.fail(fmt.Sprintf("%s[%d]", path, i+1), "operand must be a number; got %s", describe(arr[i+1]))
			return cond{}, false
		}
		n, ok := c.number(num, fmt.Sprintf("%s[%d]", path, i+1), true)
		if !ok {
			return cond{}, false
		}
		switch op {
		case "=":
			if len(arr) != 2 {
				c.fail(path, "= cannot be combined with another operator")
				return cond{}, false
			}
			r = numRange{lo: n, hi: n, hasLo: true, hasHi: true, loIncl: true, hiIncl: true}
		case ">", ">=":
			if r.hasLo {
				c.fail(path, "two lower bounds")
				return cond{}, false
			}
			r.lo, r.hasLo, r.loIncl = n, true, op == ">="
		case "<", "<=":
			if len(arr) == 4 && i == 0 {
				c.fail(path, "a range starts with its lower bound (> or >=), then the upper (< or <=)")
				return cond{}, false
			}
			if r.hasHi {
				c.fail(path, "two upper bounds")
				return cond{}, false
			}
			r.hi, r.hasHi, r.hiIncl = n, true, op == "<="
		default:
			c.fail(fmt.Sprintf("%s[%d]", path, i), "unknown numeric operator %q; want =, <, <=, >, >=", op)
			return cond{}, false
		}
	}
	if len(arr) == 4 && (!r.hasLo || !r.hasHi) {
		c.fail(path, "a range needs one lower (> or >=) and one upper (< or <=) bound")
		return cond{}, false
	}
	if r.hasLo && r.hasHi && len(arr) == 4 && r.lo >= r.hi {
		c.fail(path, "the lower bound %v must be below the upper bound %v", r.lo, r.hi)
		return cond{}, false
	}
	return cond{op: opNumeric, num: r}, true
}

func (c *compiler) anythingBut(arg any, path string) (cond, bool) {
	b := &butSet{}
	switch a := arg.(type) {
	case string:
		b.strs = map[string]bool{a: true}
	case json.Number:
		n, ok := c.number(a, path, false)
		if !ok {
			return cond{}, false
		}
		b.nums = []float64{n}
	case []any:
		if len(a) == 0 {
			c.fail(path, "anything-but list is empty")
			return cond{}, false
		}
		for i, v := range a {
			switch v := v.(type) {
			case string:
				if len(b.nums) > 0 {
					c.fail(fmt.Sprintf("%s[%d]", path, i), "anything-but list mixes strings and numbers")
					return cond{}, false
				}
				if b.strs == nil {
					b.strs = map[string]bool{}
				}
				b.strs[v] = true
			case json.Number:
				if len(b.strs) > 0 {
					c.fail(fmt.Sprintf("%s[%d]", path, i), "anything-but list mixes strings and numbers")
					return cond{}, false
				}
				n, ok := c.number(v, fmt.Sprintf("%s[%d]", path, i), false)
				if !ok {
					return cond{}, false
				}
				b.nums = append(b.nums, n)
			default:
				c.fail(fmt.Sprintf("%s[%d]", path, i), "anything-but lists take strings or numbers; got %s", describe(v))
				return cond{}, false
			}
		}
	case map[string]any:
		if len(a) != 1 {
			c.fail(path, "anything-but object takes exactly one of prefix, suffix, wildcard, equals-ignore-case")
			return cond{}, false
		}
		for op, v := range a {
			p := join(path, op)
			var texts []string
			switch v := v.(type) {
			case string:
				texts = []string{v}
			case []any:
				if len(v) == 0 {
					c.fail(p, "empty list")
					return cond{}, false
				}
				for i, x := range v {
					s, ok := x.(string)
					if !ok {
						c.fail(fmt.Sprintf("%s[%d]", p, i), "must be a string; got %s", describe(x))
						return cond{}, false
					}
					texts = append(texts, s)
				}
			default:
				c.fail(p, "takes a string or a list of strings; got %s", describe(v))
				return cond{}, false
			}
			switch op {
			case "prefix", "suffix":
				b.op = opPrefix
				if op == "suffix" {
					b.op = opSuffix
				}
				for _, t := range texts {
					if t == "" {
						c.fail(p, "anything-but %s cannot be empty", op)
						return cond{}, false
					}
				}
				b.texts = texts
			case "equals-ignore-case":
				b.op = opEqualsIgnoreCase
				for _, t := range texts {
					b.texts = append(b.texts, strings.ToLower(t))
				}
			case "wildcard":
				b.op = opWildcard
				for _, t := range texts {
					w, err := compileWildcard(t)
					if err != nil {
						c.fail(p, "%s", err)
						return cond{}, false
					}
					b.wilds = append(b.wilds, w)
				}
			default:
				c.fail(p, "anything-but takes prefix, suffix, wildcard or equals-ignore-case here, not %q", op)
				return cond{}, false
			}
		}
	default:
		c.fail(path, "anything-but takes a string, a number, a list, or an object; got %s", describe(arg))
		return cond{}, false
	}
	return cond{op: opAnythingBut, but: b}, true
}

// wildcard is a compiled wildcard: literal segments between stars.
type wildcard struct {
	segs              []string
	leading, trailing bool // a star before the first / after the last segment
}

func compileWildcard(s string) (*wildcard, error) {
	w := &wildcard{}
	var cur strings.Builder
	prevStar := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch ch {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, fmt.Errorf("wildcard %q: \\ may only escape * or \\", s)
			}
			i++
			cur.WriteByte(s[i])
			prevStar = false
		case '*':
			if prevStar {
				return nil, fmt.Errorf("wildcard %q: consecutive * are not allowed", s)
			}
			if cur.Len() == 0 && len(w.segs) == 0 {
				w.leading = true
			} else {
				w.segs = append(w.segs, cur.String())
				cur.Reset()
			}
			prevStar = true
		default:
			cur.WriteByte(ch)
			prevStar = false
		}
	}
	if prevStar {
		w.trailing = true
	} else {
		w.segs = append(w.segs, cur.String())
	}
	return w, nil
}

func (w *wildcard) match(s string) bool {
	segs := w.segs
	if len(segs) == 0 { // only stars
		return true
	}
	if !w.leading {
		if !strings.HasPrefix(s, segs[0]) {
			return false
		}
		s = s[len(segs[0]):]
		segs = segs[1:]
		if len(segs) == 0 {
			return w.trailing || s == ""
		}
	}
	last := len(segs) - 1
	for i, seg := range segs {
		if i == last && !w.trailing {
			return strings.HasSuffix(s, seg)
		}
		j := strings.Index(s, seg)
		if j < 0 {
			return false
		}
		s = s[j+len(seg):]
	}
	return true
}
