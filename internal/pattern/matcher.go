package pattern

import (
	"sort"
	"sync"
)

// Matcher matches events against many named patterns at once. Add may
// run concurrently with Match; adding a name again replaces its pattern.
type Matcher struct {
	mu      sync.RWMutex
	entries map[string]*entry
	keys    *trie
	// index: anchor path → required exact string → patterns.
	index     map[string]*pathIndex
	unindexed map[string]*entry
}

type pathIndex struct {
	path     []string
	byValue  map[string][]*entry
	byPrefix map[string][]*entry
	lengths  []int // distinct prefix lengths in byPrefix, ascending
}

func (pi *pathIndex) candidates(s string, out []*entry) []*entry {
	out = append(out, pi.byValue[s]...)
	for _, l := range pi.lengths {
		if l > len(s) {
			break
		}
		out = append(out, pi.byPrefix[s[:l]]...)
	}
	return out
}

func (pi *pathIndex) relength() {
	seen := map[int]bool{}
	pi.lengths = pi.lengths[:0]
	for p := range pi.byPrefix {
		if !seen[len(p)] {
			seen[len(p)] = true
			pi.lengths = append(pi.lengths, len(p))
		}
	}
	sort.Ints(pi.lengths)
}

type entry struct {
	name     string
	p        *Pattern
	anchor   []string // path of the anchor field, nil if unindexed
	values   []string // the anchor must equal one of these,
	prefixes []string // or start with one of these
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher {
	return &Matcher{entries: map[string]*entry{}, keys: newTrie(), index: map[string]*pathIndex{}, unindexed: map[string]*entry{}}
}

// Add adds (or replaces) the pattern under name.
func (m *Matcher) Add(name string, p *Pattern) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove(name)
	e := &entry{name: name, p: p}
	e.anchor, e.values, e.prefixes = anchorOf(p.root)
	m.entries[name] = e
	m.keys.merge(p.keys)
	if e.anchor == nil {
		m.unindexed[name] = e
		return
	}
	k := pathKey(e.anchor)
	pi := m.index[k]
	if pi == nil {
		pi = &pathIndex{path: e.anchor, byValue: map[string][]*entry{}, byPrefix: map[string][]*entry{}}
		m.index[k] = pi
	}
	for _, v := range e.values {
		pi.byValue[v] = append(pi.byValue[v], e)
	}
	for _, v := range e.prefixes {
		pi.byPrefix[v] = append(pi.byPrefix[v], e)
	}
	if len(e.prefixes) > 0 {
		pi.relength()
	}
}

func (m *Matcher) remove(name string) {
	e := m.entries[name]
	if e == nil {
		return
	}
	delete(m.entries, name)
	delete(m.unindexed, name)
	if e.anchor == nil {
		return
	}
	pi := m.index[pathKey(e.anchor)]
	drop := func(byKey map[string][]*entry, keys []string) {
		for _, v := range keys {
			list := byKey[v]
			for i, x := range list {
				if x == e {
					list = append(list[:i:i], list[i+1:]...)
					break
				}
			}
			if len(list) == 0 {
				delete(byKey, v)
			} else {
				byKey[v] = list
			}
		}
	}
	drop(pi.byValue, e.values)
	drop(pi.byPrefix, e.prefixes)
	if len(e.prefixes) > 0 {
		pi.relength()
	}
	if len(pi.byValue) == 0 && len(pi.byPrefix) == 0 {
		delete(m.index, pathKey(e.anchor))
	}
}

// Len returns the number of patterns.
func (m *Matcher) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.entries)
}

// Match returns the names of the patterns the event matches, in no
// particular order. It returns an error wrapping ErrEvent if the event is
// not a JSON object.
func (m *Matcher) Match(event []byte) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, err := parseEvent(event, m.keys)
	if err != nil {
		return nil, err
	}
	var out []string
	var tried map[*entry]bool // only when one pattern is found twice
	try := func(e *entry) {
		if tried != nil && tried[e] {
			return
		}
		if e.p.root.match(&v) {
			out = append(out, e.name)
		}
	}
	for _, pi := range m.index {
		var found []*entry
		forEachString(&v, pi.path, func(s string) {
			found = pi.candidates(s, found)
		})
		if len(found) > 1 && tried == nil {
			tried = map[*entry]bool{}
		}
		for _, e := range found {
			try(e)
			if tried != nil {
				tried[e] = true
			}
		}
	}
	for _, e := range m.unindexed {
		try(e)
	}
	return out, nil
}

// anchorOf picks a field the pattern requires to be one of a set of
// strings, or to start with one of a set of prefixes: reached through
// objects only (no $or), all of whose conditions are exact strings,
// case-sensitive prefixes, or wildcards that start with a literal. It
// prefers source, then detail-type, then exact values over prefixes, then
// the shallowest field.
func anchorOf(o *objPat) (path, values, prefixes []string) {
	best := -1
	score := func(p []string, hasPrefix bool) int {
		n := 10 * (2 + len(p))
		switch {
		case len(p) == 1 && p[0] == "source":
			n = 0
		case len(p) == 1 && p[0] == "detail-type":
			n = 10
		}
		if hasPrefix {
			n += 5
		}
		return n
	}
	var walk func(o *objPat, at []string)
	walk = func(o *objPat, at []string) {
		for _, f := range o.fields {
			p := append(append([]string(nil), at...), f.key)
			if f.obj != nil {
				walk(f.obj, p)
				continue
			}
			vals, pres, ok := anchorable(f.cond)
			if !ok {
				continue
			}
			if sc := score(p, len(pres) > 0); best < 0 || sc < best {
				best, path, values, prefixes = sc, p, vals, pres
			}
		}
	}
	walk(o, nil)
	return path, values, prefixes
}

// anchorable splits leaf conditions into exact strings and literal
// prefixes; ok is false if any condition is neither.
func anchorable(conds []cond) (values, prefixes []string, ok bool) {
	for _, c := range conds {
		switch {
		case c.op == opExact && c.kind == kString:
			values = append(values, c.s)
		case c.op == opPrefix && !c.ignoreCase && c.s != "":
			prefixes = append(prefixes, c.s)
		case c.op == opWildcard && !c.wild.leading && len(c.wild.segs) > 0 && c.wild.segs[0] != "":
			prefixes = append(prefixes, c.wild.segs[0])
		default:
			return nil, nil, false
		}
	}
	return values, prefixes, len(conds) > 0
}

// forEachString calls f with every string leaf at path in v, descending
// through arrays at any level.
func forEachString(v *value, path []string, f func(string)) {
	switch v.kind {
	case kArray:
		for i := range v.arr {
			forEachString(&v.arr[i], path, f)
		}
	case kObject:
		if len(path) == 0 {
			return
		}
		if c := v.get(path[0]); c != nil {
			forEachString(c, path[1:], f)
		}
	case kString:
		if len(path) == 0 {
			f(v.str)
		}
	}
}

func pathKey(p []string) string {
	k := ""
	for i, s := range p {
		if i > 0 {
			k += "\x00"
		}
		k += s
	}
	return k
}
