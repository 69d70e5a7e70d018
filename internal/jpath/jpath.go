package jpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Rewrite turns a path as AWS writes it (Jayway-style dot notation, in
// which names may hold dashes, slashes and spaces: $.detail-type) into
// RFC 9535 JSONPath by writing every dot name as a quoted bracket name;
// bracket segments are kept as they are. src must start with "$". Errors
// name the position of an empty name, an unexpected character or an
// unclosed bracket.
func Rewrite(src string) (string, error) {
	var b strings.Builder
	b.WriteByte('$')
	for i := 1; i < len(src); {
		switch src[i] {
		case '.':
			i++
			if i < len(src) && src[i] == '.' {
				b.WriteString("..")
				i++
				if i < len(src) && src[i] == '[' {
					continue
				}
			}
			j := i
			for j < len(src) && src[j] != '.' && src[j] != '[' && src[j] != ']' {
				j++
			}
			name := src[i:j]
			switch name {
			case "":
				return "", fmt.Errorf("empty name at position %d", i)
			case "*":
				b.WriteString("[*]")
			default:
				b.WriteByte('[')
				b.Write(AppendString(nil, name))
				b.WriteByte(']')
			}
			i = j
		case '[':
			j, err := bracketEnd(src, i)
			if err != nil {
				return "", err
			}
			b.WriteString(literalBackslashes(src[i:j]))
			i = j
		default:
			return "", fmt.Errorf("unexpected %q at position %d", src[i], i)
		}
	}
	return b.String(), nil
}

// literalBackslashes keeps a backslash that starts no RFC 9535 escape
// inside a quoted name as a literal backslash (Jayway, and so AWS, read
// $['a\"b'] as the name a\"b), instead of failing to parse.
func literalBackslashes(seg string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case quote == 0:
			if c == '\'' || c == '"' {
				quote = c
			}
		case c == '\\':
			if i+1 < len(seg) && strings.IndexByte("\\/bfnrtu", seg[i+1]) < 0 && seg[i+1] != quote {
				b.WriteString(`\\`)
				continue
			}
			b.WriteByte(c)
			i++
			if i < len(seg) {
				b.WriteByte(seg[i])
			}
			continue
		case c == quote:
			quote = 0
		}
		b.WriteByte(c)
	}
	return b.String()
}

// bracketEnd returns the index just past the "]" closing the "[" at
// src[i], skipping quoted strings and nested brackets.
func bracketEnd(src string, i int) (int, error) {
	depth := 0
	var quote byte
	for j := i; j < len(src); j++ {
		c := src[j]
		switch {
		case quote != 0:
			if c == '\\' {
				j++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("unclosed [ at position %d", i)
}

// AppendString appends s as a quoted JSON string, without HTML escaping.
func AppendString(dst []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
