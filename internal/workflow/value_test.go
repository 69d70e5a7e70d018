package workflow

import (
	"testing"
)

func TestJSONSizeMatchesEncoding(t *testing.T) {
	for _, src := range []string{
		`{}`, `[]`, `null`, `true`, `false`, `1.50`, `-0`, `"a\"b\\c\n\t\u0001"`, `"日本語 \u2028 <>&"`,
		`{"a":[1,2,{"b":null}],"c":"d","e":{"f":[]}}`, `[[],{},"",0]`,
	} {
		v, err := decodeJSON([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := encodeJSON(v)
		if got := jsonSize(v); got != len(b) {
			t.Errorf("jsonSize(%s) = %d, encoding is %d bytes (%s)", src, got, len(b), b)
		}
	}
}
