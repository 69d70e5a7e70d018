package pattern

import (
	"fmt"
	"sync"
)

// Matcher matches events against many named patterns at once. Add and
// Remove may run concurrently with Match.
type Matcher struct {
	mu      sync.RWMutex
	entries map[string]*entry
	keys    *trie
	// index: anchor path → required exact string → patterns.
	index     map[string]*pathIndex
	unindexed map[string]*entry
}

type pathIndex struct {
	path    []string
	byValue map[string][]*entry
}

type entry struct {
	name   string
	p      *Pattern
	anchor []string // path of the anchor field, nil if unindexed
	values []string
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
	e.anchor, e.values = anchorOf(p.root)
	m.entries[name] = e
	m.keys.merge(p.keys)
	if e.anchor == nil {
		m.unindexed[name] = e
		return
	}
	k := pathKey(e.anchor)
	pi := m.index[k]
	if pi == nil {
		pi = &pathIndex{path: e.anchor, byValue: map[string][]*entry{}}
		m.index[k] = pi
	}
	for _, v := range e.values {
		pi.byValue[v] = append(pi.byValue[v], e)
	}
}

// Remove removes the pattern named name, if any.
func (m *Matcher) Remove(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove(name)
	// The key trie keeps the removed pattern's fields: harmless (they are
	// parsed and unused) and rebuilt by the next NewMatcher.
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
	byValue := pi.byValue
	for _, v := range e.values {
		list := byValue[v]
		for i, x := range list {
			if x == e {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(byValue, v)
		} else {
			byValue[v] = list
		}
	}
	if len(byValue) == 0 {
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
			found = append(found, pi.byValue[s]...)
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

// anchorOf picks a field the pattern requires to equal one of a set of
// strings: reached through objects only (no $or), all of whose conditions
// are exact strings. It prefers source, then detail-type, then the
// shallowest such field.
func anchorOf(o *objPat) ([]string, []string) {
	var best []string
	var bestVals []string
	score := func(path []string) int {
		switch {
		case len(path) == 1 && path[0] == "source":
			return 0
		case len(path) == 1 && path[0] == "detail-type":
			return 1
		}
		return 1 + len(path)
	}
	var walk func(o *objPat, path []string)
	walk = func(o *objPat, path []string) {
		for _, f := range o.fields {
			p := append(append([]string(nil), path...), f.key)
			if f.obj != nil {
				walk(f.obj, p)
				continue
			}
			vals, ok := exactStrings(f.cond)
			if !ok {
				continue
			}
			if best == nil || score(p) < score(best) {
				best, bestVals = p, vals
			}
		}
	}
	walk(o, nil)
	return best, bestVals
}

func exactStrings(conds []cond) ([]string, bool) {
	vals := make([]string, 0, len(conds))
	for _, c := range conds {
		if c.op != opExact || c.kind != kString {
			return nil, false
		}
		vals = append(vals, c.s)
	}
	return vals, len(vals) > 0
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

// String describes the matcher (for logs).
func (m *Matcher) String() string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return fmt.Sprintf("pattern.Matcher{%d patterns, %d indexed paths, %d unindexed}", len(m.entries), len(m.index), len(m.unindexed))
}
