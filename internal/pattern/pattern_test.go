package pattern_test

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/firstline/firstline/internal/pattern"
)

// corpusCase is one case of testdata/cases: a pattern, an event and the
// expected outcome ("match: true", "match: false" or "error: ...").
type corpusCase struct {
	name, pattern, event, want string
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.txtar"))
	require.NoError(t, err)
	var out []corpusCase
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		require.NoError(t, err)
		c := corpusCase{name: strings.TrimSuffix(filepath.Base(f), ".txtar")}
		for _, file := range a.Files {
			switch file.Name {
			case "pattern.json":
				c.pattern = string(file.Data)
			case "event.json":
				c.event = string(file.Data)
			case "want":
				c.want = strings.TrimSpace(string(file.Data))
			}
		}
		require.NotEmpty(t, c.want, "%s: no want section", f)
		out = append(out, c)
	}
	return out
}

// TestConformance runs every corpus case through Compile and Match, and
// through a Matcher holding all valid corpus patterns at once (which must
// agree with Match case by case).
func TestConformance(t *testing.T) {
	t.Parallel()
	cases := loadCorpus(t)
	if len(cases) == 0 {
		t.Skip("no corpus cases yet")
	}
	m := pattern.NewMatcher()
	for _, c := range cases {
		if p, err := pattern.Compile([]byte(c.pattern)); err == nil {
			m.Add(c.name, p)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := pattern.Compile([]byte(c.pattern))
			if strings.HasPrefix(c.want, "error") {
				require.Error(t, err, "pattern should be rejected (%s)", c.want)
				var pe *pattern.Error
				require.True(t, errors.As(err, &pe), "error is not a *pattern.Error: %v", err)
				return
			}
			require.NoError(t, err)
			got, err := p.Match([]byte(c.event))
			require.NoError(t, err)
			require.Equal(t, c.want == "match: true", got, "Match")
			names, err := m.Match([]byte(c.event))
			require.NoError(t, err)
			require.Equal(t, got, contains(names, c.name), "Matcher disagrees with Match")
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestMatcherAgreesWithPatternsOnFixtures(t *testing.T) {
	t.Parallel()
	patterns := map[string]string{
		"alarm":     `{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],"detail":{"state":{"value":["ALARM"]}}}`,
		"ok":        `{"source":["aws.cloudwatch"],"detail":{"state":{"value":["OK"]}}}`,
		"any-cw":    `{"source":[{"prefix":"aws.cloud"}]}`,
		"or":        `{"$or":[{"source":["aws.ssm"]},{"detail":{"state":{"value":["ALARM"]}}}]}`,
		"missing":   `{"detail":{"nothing":[{"exists":false}]}}`,
		"resources": `{"resources":[{"wildcard":"arn:aws:cloudwatch:*:alarm:*"}]}`,
		"not-ssm":   `{"source":[{"anything-but":["aws.ssm","aws.states"]}]}`,
		"no":        `{"source":["nothing.here"]}`,
	}
	m := pattern.NewMatcher()
	compiled := map[string]*pattern.Pattern{}
	for name, src := range patterns {
		p, err := pattern.Compile([]byte(src))
		require.NoError(t, err, name)
		compiled[name] = p
		m.Add(name, p)
	}
	files, err := filepath.Glob("../../testdata/fixtures/*/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		ev, err := os.ReadFile(f)
		require.NoError(t, err)
		var want []string
		for name, p := range compiled {
			ok, err := p.Match(ev)
			require.NoError(t, err)
			if ok {
				want = append(want, name)
			}
		}
		got, err := m.Match(ev)
		require.NoError(t, err)
		sort.Strings(want)
		sort.Strings(got)
		require.Equal(t, want, got, f)
	}
}

func TestInvalidEvents(t *testing.T) {
	t.Parallel()
	p := pattern.MustCompile(`{"a":["b"]}`)
	for _, ev := range []string{``, `[]`, `"x"`, `{`, `{"a":}`, `{"a":"b"} x`, `{"a":"b\x01"}`, `{"a":01}`, `{"a":tru}`} {
		_, err := p.Match([]byte(ev))
		require.ErrorIs(t, err, pattern.ErrEvent, ev)
	}
	ok, err := p.Match([]byte(` {"a" : "b"} `))
	require.NoError(t, err)
	require.True(t, ok)
}

func TestErrorsNamePathAndRule(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`{"detail":{"state":"ALARM"}}`:       "detail.state: must be an array",
		`{"detail":{"state":[]}}`:            "detail.state: empty array",
		`{"a":[{"wildcard":"a**b"}]}`:        "a[0].wildcard: wildcard \"a**b\": consecutive *",
		`{"a":[{"foo":1}]}`:                  `a[0].foo: unknown operator "foo"`,
		`{"a":[{"numeric":[">",10,"<",5]}]}`: "a[0].numeric: the lower bound 10 must be below the upper bound 5",
		`{"a":[{"cidr":"10.0.0.0/33"}]}`:     `a[0].cidr: "10.0.0.0/33" is not`,
		`[]`:                                 "must be a JSON object",
		`{"$or":[{"a":["b"]}]}`:              "$or: $or needs at least two",
		`{}`:                                 "empty object",
	}
	for src, want := range cases {
		_, err := pattern.Compile([]byte(src))
		require.ErrorContains(t, err, want, src)
	}
	// Every problem at once.
	_, err := pattern.Compile([]byte(`{"a":"x","b":[],"c":[{"exists":"yes"}]}`))
	require.ErrorContains(t, err, "a: must be")
	require.ErrorContains(t, err, "b: empty array")
	require.ErrorContains(t, err, "c[0].exists: exists takes true or false")
}
