package jpath_test

import (
	"testing"

	"github.com/firstline/firstline/internal/jpath"
)

func TestRewrite(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`$.detail-type`, `$["detail-type"]`},
		{`$.a.b[0]`, `$["a"]["b"][0]`},
		{`$..name`, `$..["name"]`},
		{`$.a[*]`, `$["a"][*]`},
		{`$['it\'s']`, `$['it\'s']`},
		// A backslash before a character that starts no RFC 9535 escape is
		// a literal backslash, as Jayway (and AWS) read it.
		{`$['Test\"Name']`, `$['Test\\"Name']`},
		{`$["a\nb"]`, `$["a\nb"]`},
	} {
		got, err := jpath.Rewrite(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Rewrite(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`$.`, `$.a[`, `$x`} {
		if _, err := jpath.Rewrite(bad); err == nil {
			t.Errorf("Rewrite(%s) succeeded", bad)
		}
	}
}
