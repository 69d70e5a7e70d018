package jsonata

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits applied to expression source before the library sees it. The
// library's parser and evaluator are recursive and a Go stack overflow is
// fatal to the whole process, so the nesting that source text can produce is
// bounded here (recursion through lambdas is bounded at run time, see
// enterFunction).
const (
	// maxSourceLen bounds the length of one expression (without the {% %}
	// delimiters). Step Functions documents no limit of its own; real
	// expressions are a few hundred bytes.
	maxSourceLen = 64 << 10
	// maxNesting bounds how deeply (), [] and {} may nest.
	maxNesting = 200
)

// The rewriter turns every lambda body B into
//
//	($__sfnenter(); $__sfnr := (B); $__sfnexit(); $__sfnr)
//
// so that the nesting of function calls is counted (see enterFunction) and
// bounded. Variables with the reserved prefix cannot be written by users, so
// none of this can be shadowed.
const (
	reservedPrefix = "__sfn"
	enterName      = reservedPrefix + "enter"
	exitName       = reservedPrefix + "exit"
	resultName     = reservedPrefix + "r"
	bodyPrefix     = "($" + enterName + "();$" + resultName + ":=("
	bodySuffix     = ");$" + exitName + "();$" + resultName + ")"
)

// rewritten is an expression ready for the library, plus what is needed to
// map positions in library errors back to the text the user wrote.
type rewritten struct {
	src  string
	segs []segment
}

// segment maps output text starting at out to input text starting at in. If
// verbatim, the bytes correspond one to one; otherwise every byte of the
// segment maps to in.
type segment struct {
	out, in  int
	verbatim bool
}

// origPos maps a byte offset in the rewritten text back to the user's text.
func (r *rewritten) origPos(p int) int {
	in := 0
	for _, s := range r.segs {
		if s.out > p {
			break
		}
		if s.verbatim {
			in = s.in + (p - s.out)
		} else {
			in = s.in
		}
	}
	return in
}

// sourceError is a problem the rewriter found itself, at a byte offset of
// the user's text.
type sourceError struct {
	msg string
	pos int
}

func (e *sourceError) Error() string { return fmt.Sprintf("%s, position: %d", e.msg, e.pos) }

// rewrite prepares an expression for github.com/xiatechs/jsonata-go:
//
//   - Comments (/* */) become blanks of the same length, and string literals
//     are re-escaped so that none of '.', '*' or '/' appears raw inside
//     them. The library rewrites its source text with regular expressions
//     before parsing (to support comments and quoted path steps) and those
//     regular expressions do not know about string literals: without this,
//     "Mr." & "Smith" evaluates to "Mr.` & `Smith" and a literal containing
//     "/*" loses text.
//   - A string literal used as a path step ($states.input.'my key') becomes
//     a backtick name, which is what JSONata does with it.
//   - The positional (#) and context (@) binding operators, which the library
//     does not implement (it would silently return nothing), are rejected,
//     and so are variables with the reserved prefix.
//   - Every lambda body counts its calls (see bodyPrefix).
//   - A function call on the right of ~> gets a placeholder for its first
//     argument (x ~> $f(a) becomes x ~> $f(?, a), which JSONata defines as
//     the same): for a call the library inserts the left side into the
//     call's argument list in the syntax tree, at every evaluation, so a
//     compiled expression broke from its second evaluation on.
//   - Nesting and length are bounded.
//
// Text the scanner does not understand is copied unchanged: the library's
// parser reports the error.
func rewrite(src string) (*rewritten, error) {
	if len(src) > maxSourceLen {
		return nil, &sourceError{msg: fmt.Sprintf("expression is longer than %d bytes", maxSourceLen), pos: maxSourceLen}
	}
	s := &scanner{src: src}
	if err := s.run(); err != nil {
		return nil, err
	}
	return &rewritten{src: s.out.String(), segs: s.segs}, nil
}

type bracket struct {
	ch     byte
	lambda bool
}

type scanner struct {
	src  string
	pos  int
	out  strings.Builder
	segs []segment

	// operand is true when the last token ended an operand, so that a
	// following '/' is division rather than the start of a regex.
	operand bool
	// dot is true when the last token was a single '.'.
	dot bool

	stack []bracket
	// lambda tracks a lambda definition being read: 0 none, 1 seen
	// "function", 2 inside the parameter list, 3 after the parameter list
	// (a signature or the body follows).
	lambda      int
	lambdaDepth int
	sigDepth    int

	// apply tracks "~> $name(": 0 none, 1 after ~>, 2 after ~> $name.
	apply int
}

// emit copies src[from:to] to the output unchanged.
func (s *scanner) emit(from, to int) {
	if from >= to {
		return
	}
	s.segs = append(s.segs, segment{out: s.out.Len(), in: from, verbatim: true})
	s.out.WriteString(s.src[from:to])
}

// emitText writes generated text standing for the input at in.
func (s *scanner) emitText(text string, in int) {
	if text == "" {
		return
	}
	s.segs = append(s.segs, segment{out: s.out.Len(), in: in})
	s.out.WriteString(text)
}

func (s *scanner) errorf(pos int, format string, args ...any) error {
	return &sourceError{msg: fmt.Sprintf(format, args...), pos: pos}
}

func (s *scanner) run() error {
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		start := s.pos
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v':
			s.pos++
			s.emit(start, s.pos)
			continue
		case c == '/' && s.peek(1) == '*':
			end := strings.Index(s.src[s.pos+2:], "*/")
			if end < 0 {
				return s.errorf(start, "comment has no closing '*/'")
			}
			s.pos += 2 + end + 2
			s.emitText(blank(s.src[start:s.pos]), start)
			continue
		case c == '"' || c == '\'':
			if err := s.stringLiteral(); err != nil {
				return err
			}
			s.token(true)
			continue
		case c == '`':
			end := strings.IndexByte(s.src[s.pos+1:], '`')
			if end < 0 {
				s.pos = len(s.src)
			} else {
				s.pos += 1 + end + 1
			}
			s.emit(start, s.pos)
			s.token(true)
			continue
		case c == '/' && !s.operand:
			s.regex()
			s.emit(start, s.pos)
			s.token(true)
			continue
		case c >= '0' && c <= '9':
			s.number()
			s.emit(start, s.pos)
			s.token(true)
			continue
		case c == '$':
			s.pos++
			{
				name := s.name()
				if strings.HasPrefix(name, reservedPrefix) {
					return s.errorf(start, "variable names starting with $%s are reserved", reservedPrefix)
				}
				if i := strings.IndexByte(name, '#'); i >= 0 {
					return s.errorf(start+1+i, "the positional variable binding operator '#' is not supported")
				}
			}
			s.emit(start, s.pos)
			applied := s.apply == 1 && s.pos-start > 1 && s.src[start+1] != '$'
			s.token(true)
			if applied {
				s.apply = 2
			}
			continue
		case c == '#':
			return s.errorf(start, "the positional variable binding operator '#' is not supported")
		case c == '@':
			return s.errorf(start, "the context variable binding operator '@' is not supported")
		}

		if isNameStart(s.src, s.pos) {
			name := s.name()
			if i := strings.IndexByte(name, '#'); i >= 0 {
				return s.errorf(start+i, "the positional variable binding operator '#' is not supported")
			}
			s.emit(start, s.pos)
			switch name {
			case "function", "λ":
				s.token(false)
				s.lambda = 1
			case "and", "or", "in":
				s.token(false)
			default:
				s.token(true)
			}
			continue
		}

		// Operators and brackets.
		if err := s.punct(); err != nil {
			return err
		}
	}
	return nil
}

// token records that a token was read; operand tells whether it ends an
// operand. It also advances the lambda state machine for tokens that are not
// part of a lambda's head.
func (s *scanner) token(operand bool) {
	s.operand = operand
	s.dot = false
	s.apply = 0
	switch s.lambda {
	case 1:
		// "function" not followed by '(' is not a lambda head.
		s.lambda = 0
	case 3:
		if s.sigDepth == 0 {
			s.lambda = 0
		}
	}
}

func (s *scanner) punct() error {
	start := s.pos
	c := s.src[s.pos]
	two := ""
	if s.pos+1 < len(s.src) {
		two = s.src[s.pos : s.pos+2]
	}
	switch two {
	case "..", "!=", "<=", ">=", "~>", ":=", "**":
		s.pos += 2
		s.emit(start, s.pos)
		s.token(false)
		if two == "~>" {
			s.apply = 1
		}
		return nil
	}
	s.pos++
	switch c {
	case '(', '[', '{':
		if len(s.stack) >= maxNesting {
			return s.errorf(start, "expression nests more than %d levels deep", maxNesting)
		}
		b := bracket{ch: c}
		switch {
		case c == '(' && s.lambda == 1:
			s.lambda = 2
			s.lambdaDepth = len(s.stack) + 1
		case c == '{' && s.lambda == 3 && s.sigDepth == 0:
			b.lambda = true
			s.lambda = 0
		case s.lambda == 3 && s.sigDepth == 0:
			s.lambda = 0
		}
		s.stack = append(s.stack, b)
		s.emit(start, s.pos)
		if b.lambda {
			s.emitText(bodyPrefix, s.pos)
		}
		if c == '(' && s.apply == 2 && !s.callHasPlaceholder() {
			if s.nextSignificant() == ')' {
				s.emitText("?", s.pos)
			} else {
				s.emitText("?,", s.pos)
			}
		}
		s.operand = false
		s.dot = false
		s.apply = 0
		return nil
	case ')', ']', '}':
		var b bracket
		if n := len(s.stack); n > 0 {
			b = s.stack[n-1]
			s.stack = s.stack[:n-1]
		}
		if b.lambda && c == '}' {
			s.emitText(bodySuffix, start)
		}
		s.emit(start, s.pos)
		if c == ')' && s.lambda == 2 && len(s.stack)+1 == s.lambdaDepth {
			s.lambda = 3
			s.sigDepth = 0
			s.operand = true
			s.dot = false
			return nil
		}
		s.token(true)
		return nil
	case '<':
		if s.lambda == 3 {
			s.sigDepth++
			s.emit(start, s.pos)
			s.operand = false
			return nil
		}
	case '>':
		if s.lambda == 3 && s.sigDepth > 0 {
			s.sigDepth--
			s.emit(start, s.pos)
			s.operand = false
			return nil
		}
	case '.':
		s.emit(start, s.pos)
		s.token(false)
		s.dot = true
		return nil
	}
	s.emit(start, s.pos)
	if s.lambda == 3 && s.sigDepth > 0 {
		// Inside a type signature such as <n-n:n>.
		s.operand = false
		return nil
	}
	s.token(false)
	return nil
}

func (s *scanner) peek(n int) byte {
	if s.pos+n < len(s.src) {
		return s.src[s.pos+n]
	}
	return 0
}

// name reads a name (the library's rule: anything up to whitespace or an
// operator character) and returns it.
func (s *scanner) name() string {
	start := s.pos
	for s.pos < len(s.src) && isNameStart(s.src, s.pos) {
		_, w := utf8.DecodeRuneInString(s.src[s.pos:])
		s.pos += w
	}
	return s.src[start:s.pos]
}

// isNameStart reports whether src[pos] continues a name. Like the library's
// lexer, a name runs up to whitespace or an operator character (quotes, $
// and # included in the name).
func isNameStart(src string, pos int) bool {
	c := src[pos]
	if c >= utf8.RuneSelf {
		return true
	}
	switch c {
	case ' ', '\t', '\n', '\r', '\v',
		'[', ']', '{', '}', '(', ')', '.', ',', ';', ':', '?', '+', '-', '*', '/', '%',
		'|', '=', '<', '>', '^', '&', '@', '!', '~':
		return false
	}
	return true
}

// number reads a JSON-style number literal.
func (s *scanner) number() {
	for s.pos < len(s.src) && isDigit(s.src[s.pos]) {
		s.pos++
	}
	if s.peek(0) == '.' && isDigit(s.peek(1)) {
		s.pos++
		for s.pos < len(s.src) && isDigit(s.src[s.pos]) {
			s.pos++
		}
	}
	if c := s.peek(0); c == 'e' || c == 'E' {
		n := 1
		if c := s.peek(1); c == '+' || c == '-' {
			n = 2
		}
		if isDigit(s.peek(n)) {
			s.pos += n
			for s.pos < len(s.src) && isDigit(s.src[s.pos]) {
				s.pos++
			}
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// regex skips a regular expression literal the way the library's lexer
// reads it (brackets nest, backslash escapes the next character), including
// its flags.
func (s *scanner) regex() {
	s.pos++
	depth := 0
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		s.pos++
		switch c {
		case '/':
			if depth == 0 {
				for s.pos < len(s.src) && s.src[s.pos] >= 'a' && s.src[s.pos] <= 'z' {
					s.pos++
				}
				return
			}
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '\\':
			if s.pos < len(s.src) && s.src[s.pos] != '\n' {
				s.pos++
			}
		case '\n':
			return
		}
	}
}

// stringLiteral reads a quoted string literal and writes it out, either as
// a backtick name (when it is a path step) or re-escaped.
func (s *scanner) stringLiteral() error {
	start := s.pos
	quote := s.src[s.pos]
	i := s.pos + 1
	for i < len(s.src) && s.src[i] != quote {
		if s.src[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(s.src) {
		// Unterminated: let the library report it.
		s.pos = len(s.src)
		s.emit(start, s.pos)
		return nil
	}
	body := s.src[start+1 : i]
	s.pos = i + 1

	if s.dot || s.nextIsDot() {
		if name, ok := unescapeString(body); ok && !strings.ContainsRune(name, '`') && name != "" {
			s.emitText("`"+name+"`", start)
			return nil
		}
	}

	var b strings.Builder
	b.WriteByte(quote)
	for j := 0; j < len(body); j++ {
		c := body[j]
		switch c {
		case '\\':
			b.WriteByte(c)
			if j+1 < len(body) {
				j++
				b.WriteByte(body[j])
			}
		case '.':
			b.WriteString(`\u002e`)
		case '*':
			b.WriteString(`\u002a`)
		case '/':
			b.WriteString(`\u002f`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	if b.Len() == s.pos-start {
		s.emit(start, s.pos)
	} else {
		s.emitText(b.String(), start)
	}
	return nil
}

// callHasPlaceholder reports whether the argument list that starts at the
// current position (after its '(') has a ? placeholder argument, which
// makes the call a partial application.
func (s *scanner) callHasPlaceholder() bool {
	depth := 0
	var prev byte = '('
	for i := s.pos; i < len(s.src); i++ {
		c := s.src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == '/' && i+1 < len(s.src) && s.src[i+1] == '*':
			end := strings.Index(s.src[i+2:], "*/")
			if end < 0 {
				return false
			}
			i += 2 + end + 1
			continue
		case c == '"' || c == '\'' || c == '`':
			for i++; i < len(s.src) && s.src[i] != c; i++ {
				if s.src[i] == '\\' && c != '`' {
					i++
				}
			}
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			if depth == 0 {
				return false
			}
			depth--
		case c == '?' && depth == 0 && (prev == '(' || prev == ','):
			s2 := &scanner{src: s.src, pos: i + 1}
			if n := s2.nextSignificant(); n == ',' || n == ')' {
				return true
			}
		}
		prev = c
	}
	return false
}

// nextSignificant returns the next character that is not blank or in a
// comment (0 at the end).
func (s *scanner) nextSignificant() byte {
	i := s.pos
	for i < len(s.src) {
		switch c := s.src[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(s.src) && s.src[i+1] == '*':
			end := strings.Index(s.src[i+2:], "*/")
			if end < 0 {
				return 0
			}
			i += 2 + end + 2
		default:
			return c
		}
	}
	return 0
}

// nextIsDot reports whether the next token (after blanks and comments) is a
// single '.'.
func (s *scanner) nextIsDot() bool {
	i := s.pos
	for i < len(s.src) {
		switch c := s.src[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(s.src) && s.src[i+1] == '*':
			end := strings.Index(s.src[i+2:], "*/")
			if end < 0 {
				return false
			}
			i += 2 + end + 2
		case c == '.':
			return i+1 >= len(s.src) || s.src[i+1] != '.'
		default:
			return false
		}
	}
	return false
}

// blank returns s with every character but line breaks replaced by spaces,
// keeping byte offsets.
func blank(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c != '\n' && c != '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}

var errBadEscape = errors.New("bad escape")

// unescapeString decodes the JSON escapes JSONata string literals use.
func unescapeString(s string) (string, bool) {
	if !strings.ContainsRune(s, '\\') {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch s[i] {
		case '"', '\\', '/', '\'':
			b.WriteByte(s[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, err := hexRune(s[i+1:])
			if err != nil {
				return "", false
			}
			i += n
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// hexRune decodes the XXXX of a \uXXXX escape (and a following low
// surrogate escape, if the first is a high surrogate).
func hexRune(s string) (rune, int, error) {
	if len(s) < 4 {
		return 0, 0, errBadEscape
	}
	v, err := strconv.ParseUint(s[:4], 16, 32)
	if err != nil {
		return 0, 0, errBadEscape
	}
	r := rune(v)
	if !utf16.IsSurrogate(r) {
		return r, 4, nil
	}
	if len(s) >= 10 && s[4] == '\\' && s[5] == 'u' {
		if v2, err := strconv.ParseUint(s[6:10], 16, 32); err == nil {
			if d := utf16.DecodeRune(r, rune(v2)); d != utf8.RuneError {
				return d, 10, nil
			}
		}
	}
	return 0, 0, errBadEscape
}
