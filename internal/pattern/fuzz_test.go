package pattern_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/pattern"
)

func seedFuzz(f *testing.F) {
	for _, c := range loadCorpus(f) {
		f.Add([]byte(c.pattern), []byte(c.event))
	}
	files, _ := filepath.Glob("../../testdata/fixtures/*/*.json")
	for _, file := range files {
		ev, err := os.ReadFile(file)
		if err == nil {
			f.Add([]byte(`{"source":["aws.cloudwatch"],"detail":{"state":{"value":[{"anything-but":"OK"}]}}}`), ev)
		}
	}
	f.Add([]byte(`{"a":[{"wildcard":"x\\*y*"}],"$or":[{"b":[{"exists":false}]},{"c":[{"cidr":"::1/128"}]}]}`), []byte(`{"a":"x*yz","c":"::1"}`))
	f.Add([]byte(`{"n":[{"numeric":[">=",-1.5,"<",3e3]}]}`), []byte(`{"n":[1,"2",{"x":3}]}`))
}

// FuzzCompile: Compile never panics; it returns a pattern or an error made
// of *pattern.Error values, never both; a compiled pattern never fails on
// a valid event object.
func FuzzCompile(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, src, _ []byte) {
		p, err := pattern.Compile(src)
		if err != nil {
			require.Nil(t, p)
			var pe *pattern.Error
			require.True(t, errors.As(err, &pe), "error of another type: %v", err)
			return
		}
		require.NotNil(t, p)
		_, err = p.Match([]byte(`{"source":"x","detail":{"a":[1,"b",null,{"c":true}]}}`))
		require.NoError(t, err)
	})
}

// FuzzMatch: matching never panics or hangs; an event rejected by Match is
// rejected by the Matcher too, and both agree on the result.
func FuzzMatch(f *testing.F) {
	seedFuzz(f)
	f.Fuzz(func(t *testing.T, src, event []byte) {
		p, err := pattern.Compile(src)
		if err != nil {
			return
		}
		ok, err := p.Match(event)
		m := pattern.NewMatcher()
		m.Add("p", p)
		names, merr := m.Match(event)
		if err != nil {
			require.ErrorIs(t, err, pattern.ErrEvent)
			require.Error(t, merr)
			require.False(t, ok)
			return
		}
		require.NoError(t, merr)
		require.Equal(t, ok, len(names) == 1, "Matcher and Match disagree")
	})
}
