package intrinsic

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parse parses one intrinsic function call such as
// `States.Format('Hello, {}', $.name)`.
//
// An argument is one of:
//   - a string literal in single quotes, where \' \{ \} and \\ stand for
//     ' { } and \ and any other backslash is an error (AWS guide › Reserved
//     characters in intrinsic functions); an unescaped "{}" is a
//     States.Format placeholder, a lone { or } is kept as text;
//   - a JSON number, possibly negative, integer or not ("1", "-2.5", "1e3");
//   - true, false or null;
//   - a path starting with $: "$", "$.a.b", "$[0]", "$.a['b c']",
//     "$$.Execution.Id" (the context object), "$name.x" (a workflow
//     variable); it ends at a ',', ')' or space outside brackets. Parse
//     checks only its first characters; Paths hands them to the caller;
//   - a nested call, at most 10 calls deep.
//
// Spaces, tabs and line breaks may surround the call and every argument.
// Parse returns a *SyntaxError for bad syntax, an unknown function name
// (with the nearest known one), a number of arguments the function does
// not take, and a States.Format template literal whose "{}" count differs
// from the number of arguments after it.
func Parse(expr string) (*Call, error) {
	p := &parser{src: expr}
	for i := 0; i < len(expr); {
		r, size := utf8.DecodeRuneInString(expr[i:])
		if r == utf8.RuneError && size == 1 {
			return nil, p.errorf(i, "invalid UTF-8")
		}
		i += size
	}
	p.space()
	if !strings.HasPrefix(p.src[p.pos:], statesPrefix) {
		return nil, p.errorf(p.pos, "expected an intrinsic function call such as States.Format(...)")
	}
	c, err := p.call(1)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, p.errorf(p.pos, "unexpected %s after the call", p.describe(p.pos))
	}
	return c, nil
}

const statesPrefix = "States."

type parser struct {
	src string
	pos int
}

func (p *parser) errorf(offset int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Expr: p.src, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// describe names the character at offset i for an error message.
func (p *parser) describe(i int) string {
	if i >= len(p.src) {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(p.src[i:])
	return fmt.Sprintf("%q", r)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *parser) space() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

func (p *parser) eat(c byte) bool {
	if p.pos < len(p.src) && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// call parses `States.Name(args...)` at p.pos; depth is 1 for the outermost
// call.
func (p *parser) call(depth int) (*Call, error) {
	start := p.pos
	for p.pos < len(p.src) && isWordByte(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[start:p.pos]
	if depth > maxDepth {
		return nil, p.errorf(start, "intrinsic functions are nested more than %d deep", maxDepth)
	}
	fn := lookup(name)
	if fn == nil {
		msg := fmt.Sprintf("unknown intrinsic function %s", name)
		if near := nearest(name); near != "" {
			msg += fmt.Sprintf("; did you mean %s?", near)
		}
		return nil, p.errorf(start, "%s", msg)
	}
	p.space()
	open := p.pos
	if !p.eat('(') {
		return nil, p.errorf(p.pos, "expected '(' after %s, found %s", name, p.describe(p.pos))
	}
	c := &Call{fn: fn, offset: start}
	p.space()
	if !p.eat(')') {
		for {
			a, err := p.arg(depth)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.space()
			if p.eat(',') {
				p.space()
				continue
			}
			if p.eat(')') {
				break
			}
			if p.pos >= len(p.src) {
				return nil, p.errorf(open, "missing ')' to close %s(", name)
			}
			return nil, p.errorf(p.pos, "expected ',' or ')' after an argument, found %s", p.describe(p.pos))
		}
	}
	if err := p.checkArity(c); err != nil {
		return nil, err
	}
	return c, nil
}

// checkArity reports a wrong number of arguments, and for States.Format a
// template literal whose placeholders do not match the arguments after it.
func (p *parser) checkArity(c *Call) error {
	n, fn := len(c.args), c.fn
	if n < fn.minArgs || fn.maxArgs >= 0 && n > fn.maxArgs {
		return p.errorf(c.offset, "%s takes %s, but is given %d", fn.name, fn.arity(), n)
	}
	if fn.name == "States.Format" {
		if t := c.args[0]; t.kind == argLiteral && t.parts != nil {
			if holes := len(t.parts) - 1; holes != n-1 {
				return p.errorf(t.offset, "the States.Format template has %s but %s follow it",
					plural(holes, "{} placeholder"), plural(n-1, "argument"))
			}
		}
	}
	return nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// arg parses one argument at p.pos.
func (p *parser) arg(depth int) (arg, error) {
	if p.pos >= len(p.src) {
		return arg{}, p.errorf(p.pos, "expected an argument, found end of input")
	}
	start := p.pos
	switch c := p.src[p.pos]; {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		return p.pathArg()
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		for p.pos < len(p.src) && isWordByte(p.src[p.pos]) {
			p.pos++
		}
		word := p.src[start:p.pos]
		switch word {
		case "true":
			return arg{kind: argLiteral, value: true, raw: word, offset: start}, nil
		case "false":
			return arg{kind: argLiteral, value: false, raw: word, offset: start}, nil
		case "null":
			return arg{kind: argLiteral, value: nil, raw: word, offset: start}, nil
		}
		if strings.HasPrefix(word, statesPrefix) {
			p.pos = start
			call, err := p.call(depth + 1)
			if err != nil {
				return arg{}, err
			}
			return arg{kind: argCall, call: call, offset: start}, nil
		}
		return arg{}, p.errorf(start, "unexpected %q: an argument is a 'quoted string', a number, true, false, null, a $path or a States. call", word)
	case c == ')' || c == ',':
		return arg{}, p.errorf(start, "expected an argument, found %s", p.describe(start))
	default:
		return arg{}, p.errorf(start, "unexpected %s: an argument is a 'quoted string', a number, true, false, null, a $path or a States. call", p.describe(start))
	}
}

// stringLit parses a single-quoted string literal.
func (p *parser) stringLit() (arg, error) {
	start := p.pos
	p.pos++ // the opening quote
	var b strings.Builder
	var parts []string
	for {
		if p.pos >= len(p.src) {
			return arg{}, p.errorf(start, "unterminated string literal")
		}
		switch c := p.src[p.pos]; c {
		case '\'':
			p.pos++
			parts = append(parts, b.String())
			return arg{
				kind:   argLiteral,
				value:  strings.Join(parts, "{}"),
				parts:  parts,
				raw:    p.src[start:p.pos],
				offset: start,
			}, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				return arg{}, p.errorf(p.pos, "unterminated escape '\\' at end of input")
			}
			switch n := p.src[p.pos+1]; n {
			case '\'', '{', '}', '\\':
				b.WriteByte(n)
				p.pos += 2
			default:
				r, _ := utf8.DecodeRuneInString(p.src[p.pos+1:])
				shown := string(r)
				if !unicode.IsPrint(r) {
					shown = fmt.Sprintf("%U", r)
				}
				return arg{}, p.errorf(p.pos, "invalid escape \\%s in a string literal; only \\' \\{ \\} and \\\\ are allowed", shown)
			}
		case '{':
			if p.pos+1 < len(p.src) && p.src[p.pos+1] == '}' {
				parts = append(parts, b.String())
				b.Reset()
				p.pos += 2
				continue
			}
			b.WriteByte(c)
			p.pos++
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}

// pathArg parses a path: a root ($, $$ or $name) then segments, up to a
// ',', ')', '(' or space outside brackets and quotes.
func (p *parser) pathArg() (arg, error) {
	start := p.pos
	p.pos++ // $
	if p.pos < len(p.src) && p.src[p.pos] == '$' {
		p.pos++
	} else if r, size := utf8.DecodeRuneInString(p.src[p.pos:]); r == '_' || unicode.IsLetter(r) {
		p.pos += size
		for p.pos < len(p.src) {
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			p.pos += size
		}
	}
	if p.pos < len(p.src) && !p.endsPath(p.src[p.pos]) && p.src[p.pos] != '.' && p.src[p.pos] != '[' {
		return arg{}, p.errorf(p.pos, "expected '.', '[' or the end of the path after %q, found %s",
			p.src[start:p.pos], p.describe(p.pos))
	}
	depth := 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if depth == 0 && p.endsPath(c) {
			break
		}
		switch c {
		case '[':
			depth++
		case ']':
			if depth == 0 {
				return arg{}, p.errorf(p.pos, "unmatched ']' in path")
			}
			depth--
		case '\'', '"':
			if depth > 0 {
				if err := p.skipQuoted(c); err != nil {
					return arg{}, err
				}
				continue
			}
		}
		p.pos++
	}
	if depth > 0 {
		return arg{}, p.errorf(start, "unterminated '[' in path %q", p.src[start:p.pos])
	}
	path := p.src[start:p.pos]
	return arg{kind: argPath, path: path, raw: path, offset: start}, nil
}

func (p *parser) endsPath(c byte) bool {
	return c == ',' || c == ')' || c == '(' || isSpace(c)
}

// skipQuoted moves past a quoted name inside a path's brackets, where a
// backslash escapes the next character.
func (p *parser) skipQuoted(q byte) error {
	start := p.pos
	p.pos++
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '\\':
			p.pos += 2
			continue
		case q:
			p.pos++
			return nil
		}
		p.pos++
	}
	return p.errorf(start, "unterminated quoted name in path")
}

// number parses a JSON number (RFC 8259 § 6).
func (p *parser) number() (arg, error) {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c != '+' && c != '-' && !isWordByte(c) {
			break
		}
		p.pos++
	}
	text := p.src[start:p.pos]
	if !isJSONNumber(text) {
		return arg{}, p.errorf(start, "malformed number %q", text)
	}
	return arg{kind: argLiteral, value: json.Number(text), raw: text, offset: start}, nil
}

// isJSONNumber reports whether s is exactly a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// nearest returns the known function name closest to name, or "" when
// none is close.
func nearest(name string) string {
	best, bestDist := "", 4
	lower := strings.ToLower(name)
	for _, n := range names() {
		d := distance(lower, strings.ToLower(n))
		if d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// canonical renders the call with single spaces after commas and the
// arguments as written; Parse(c.canonical()) yields an equal call.
func (c *Call) canonical() string {
	var b strings.Builder
	c.writeTo(&b)
	return b.String()
}

func (c *Call) writeTo(b *strings.Builder) {
	b.WriteString(c.fn.name)
	b.WriteByte('(')
	for i, a := range c.args {
		if i > 0 {
			b.WriteString(", ")
		}
		if a.kind == argCall {
			a.call.writeTo(b)
		} else {
			b.WriteString(a.raw)
		}
	}
	b.WriteByte(')')
}
