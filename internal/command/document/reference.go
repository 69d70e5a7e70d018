package document

import (
	"regexp"
	"strconv"
	"strings"
)

// reference matches a parameter reference, {{ name }} with optional
// spaces, where name is a parameter name (letters and digits, as the SSM
// agent substitutes) or a Parameter Store reference (ssm:, ssm-secure:).
// Other text in double braces, such as docker's --format '{{.State}}', is
// not a reference and stays as written, as it does on SSM.
var reference = regexp.MustCompile(`\{\{\s*([A-Za-z0-9]+|ssm:[^{}]*?|ssm-secure:[^{}]*?)\s*\}\}`)

// ref is one reference in a string: the name and its byte range.
type ref struct {
	name       string
	start, end int
}

// refs returns the references in s, in order.
func refs(s string) []ref {
	if !strings.Contains(s, "{{") {
		return nil
	}
	var out []ref
	for _, m := range reference.FindAllStringSubmatchIndex(s, -1) {
		out = append(out, ref{name: s[m[2]:m[3]], start: m[0], end: m[1]})
	}
	return out
}

// whole returns the name when s is exactly one reference ("{{ name }}"),
// the case where the SSM agent substitutes the value itself (a list stays
// a list) rather than its text.
func whole(s string) (string, bool) {
	r := refs(s)
	if len(r) == 1 && r[0].start == 0 && r[0].end == len(s) {
		return r[0].name, true
	}
	return "", false
}

// isStoreRef reports a Parameter Store reference ({{ssm:name}},
// {{ssm-secure:name}}).
func isStoreRef(name string) bool {
	return strings.HasPrefix(name, "ssm:") || strings.HasPrefix(name, "ssm-secure:")
}

// replace replaces every reference in s by text(name).
func replace(s string, text func(name string) string) string {
	rs := refs(s)
	if len(rs) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, r := range rs {
		b.WriteString(s[last:r.start])
		b.WriteString(text(r.name))
		last = r.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// walkStrings calls fn for every string in v (object keys excluded), with
// its path below path.
func walkStrings(v *value, path string, fn func(path, s string)) {
	if v == nil {
		return
	}
	switch v.kind {
	case kString:
		fn(path, v.s)
	case kArray:
		for i, it := range v.items {
			walkStrings(it, path+"["+strconv.Itoa(i)+"]", fn)
		}
	case kObject:
		for i, k := range v.keys {
			walkStrings(v.vals[i], path+"."+k, fn)
		}
	}
}

// nearest returns the name in names closest to s (case-insensitive, at
// most two edits), or "".
func nearest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if len(n)-len(s) >= bestD || len(s)-len(n) >= bestD {
			continue // the distance is at least the difference in length
		}
		if d := distance(strings.ToLower(s), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
