package pattern

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// trie holds the field names patterns use, level by level: the event
// parser keeps only those.
type trie struct {
	children map[string]*trie
	leaf     bool // some pattern tests this path with conditions
}

func newTrie() *trie { return &trie{children: map[string]*trie{}} }

func (t *trie) add(o *objPat) {
	for _, f := range o.fields {
		c := t.children[f.key]
		if c == nil {
			c = newTrie()
			t.children[f.key] = c
		}
		if f.obj != nil {
			c.add(f.obj)
		} else {
			c.leaf = true
		}
	}
	for _, alts := range o.ors {
		for _, a := range alts {
			t.add(a)
		}
	}
}

func (t *trie) merge(o *trie) {
	t.leaf = t.leaf || o.leaf
	for k, oc := range o.children {
		c := t.children[k]
		if c == nil {
			c = newTrie()
			t.children[k] = c
		}
		c.merge(oc)
	}
}

// value is a parsed event value, pruned to the fields patterns use.
type value struct {
	kind byte
	str  string  // kString
	num  float64 // kNumber
	obj  []member
	arr  []value
}

type member struct {
	key string
	val value
}

func (v *value) get(key string) *value {
	for i := range v.obj {
		if v.obj[i].key == key {
			return &v.obj[i].val
		}
	}
	return nil
}

// ErrEvent is wrapped by errors for events that are not a JSON object.
var ErrEvent = errors.New("event is not a valid JSON object")

// parser is a small JSON parser that validates everything it reads but
// builds values only for the fields in its trie.
type parser struct {
	b   []byte
	i   int
	err error
}

func parseEvent(b []byte, keys *trie) (value, error) {
	p := parser{b: b}
	p.ws()
	if p.i >= len(b) || b[p.i] != '{' {
		return value{}, ErrEvent
	}
	v := p.value(keys, 0)
	p.ws()
	if p.err == nil && p.i != len(b) {
		p.err = ErrEvent
	}
	return v, p.err
}

const maxDepth = 10000

func (p *parser) fail() {
	if p.err == nil {
		p.err = ErrEvent
	}
	p.i = len(p.b)
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses one value. keys is nil when the value is to be skipped;
// a trie node means keep it (objects keep only the trie's children).
func (p *parser) value(keys *trie, depth int) value {
	if depth > maxDepth {
		p.fail()
		return value{}
	}
	p.ws()
	if p.i >= len(p.b) {
		p.fail()
		return value{}
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(keys, depth)
	case c == '[':
		return p.array(keys, depth)
	case c == '"':
		s := p.str(keys != nil)
		return value{kind: kString, str: s}
	case c == 't':
		p.lit("true")
		return value{kind: kTrue}
	case c == 'f':
		p.lit("false")
		return value{kind: kFalse}
	case c == 'n':
		p.lit("null")
		return value{kind: kNull}
	case c == '-' || c >= '0' && c <= '9':
		return p.number(keys != nil)
	}
	p.fail()
	return value{}
}

func (p *parser) lit(s string) {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		p.fail()
		return
	}
	p.i += len(s)
}

func (p *parser) object(keys *trie, depth int) value {
	p.i++ // {
	v := value{kind: kObject}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v
	}
	for p.err == nil {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			p.fail()
			break
		}
		var child *trie
		if keys != nil && len(keys.children) > 0 {
			k := p.str(true)
			child = keys.children[k]
			p.colon()
			if child != nil {
				v.obj = append(v.obj, member{key: k, val: p.value(child, depth+1)})
			} else {
				p.value(nil, depth+1)
			}
		} else {
			p.str(false)
			p.colon()
			p.value(nil, depth+1)
		}
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			break
		}
		p.fail()
	}
	return v
}

func (p *parser) colon() {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != ':' {
		p.fail()
		return
	}
	p.i++
}

func (p *parser) array(keys *trie, depth int) value {
	p.i++ // [
	v := value{kind: kArray}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return v
	}
	for p.err == nil {
		e := p.value(keys, depth+1)
		if keys != nil {
			v.arr = append(v.arr, e)
		}
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			break
		}
		p.fail()
	}
	return v
}

// str reads a string at p.i; with keep it returns the unescaped text.
func (p *parser) str(keep bool) string {
	p.i++ // "
	start := p.i
	escaped := false
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			if !keep {
				return ""
			}
			if !escaped {
				return string(raw)
			}
			s, ok := unescape(raw)
			if !ok {
				p.fail()
			}
			return s
		case c == '\\':
			escaped = true
			p.i += 2
		case c < 0x20:
			p.fail()
			return ""
		default:
			p.i++
		}
	}
	p.fail()
	return ""
}

func unescape(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(raw) {
			return "", false
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(raw[i+1:])
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) && i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if r2, ok := hex4(raw[i+3:]); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return string(out), true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(n), err == nil
}

func (p *parser) number(keep bool) value {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		p.fail()
		return value{}
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			p.fail()
			return value{}
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			p.fail()
			return value{}
		}
	}
	if !keep {
		return value{kind: kNumber}
	}
	n, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	if err != nil {
		// Out of float64 range: keep it as a number no pattern can equal.
		n = 0
	}
	return value{kind: kNumber, num: n}
}
