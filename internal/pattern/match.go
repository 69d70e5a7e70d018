package pattern

import (
	"net/netip"
	"strings"
)

// Match reports whether the event (a JSON object) matches the pattern. It
// returns an error wrapping ErrEvent if event is not a JSON object.
func (p *Pattern) Match(event []byte) (bool, error) {
	v, err := parseEvent(event, p.keys)
	if err != nil {
		return false, err
	}
	return p.root.match(&v), nil
}

// match evaluates an object pattern against v (nil when missing).
func (o *objPat) match(v *value) bool {
	if v != nil && v.kind == kArray {
		if len(v.arr) == 0 {
			return o.match(nil)
		}
		// Every field of one element, never a mix of elements.
		for i := range v.arr {
			if o.match(&v.arr[i]) {
				return true
			}
		}
		return false
	}
	var obj *value
	if v != nil && v.kind == kObject {
		obj = v
	}
	for _, f := range o.fields {
		var fv *value
		if obj != nil {
			fv = obj.get(f.key)
		}
		if f.obj != nil {
			if !f.obj.match(fv) {
				return false
			}
		} else if !matchLeaf(f.cond, fv) {
			return false
		}
	}
	for _, alts := range o.ors {
		ok := false
		for _, a := range alts {
			if a.match(v) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// hasLeaf reports whether v holds a leaf value (a scalar, or an array
// holding one): what exists tests.
func hasLeaf(v *value) bool {
	if v == nil {
		return false
	}
	switch v.kind {
	case kObject:
		return false
	case kArray:
		for i := range v.arr {
			if hasLeaf(&v.arr[i]) {
				return true
			}
		}
		return false
	}
	return true
}

func matchLeaf(conds []cond, v *value) bool {
	for i := range conds {
		c := &conds[i]
		if c.op == opExists {
			if c.exists == hasLeaf(v) {
				return true
			}
			continue
		}
		if v != nil && c.matchValue(v) {
			return true
		}
	}
	return false
}

// matchValue tests a condition other than exists against a present value.
func (c *cond) matchValue(v *value) bool {
	switch v.kind {
	case kArray:
		for i := range v.arr {
			if c.matchValue(&v.arr[i]) {
				return true
			}
		}
		return false
	case kObject:
		return false
	}
	switch c.op {
	case opExact:
		if c.kind != v.kind {
			return false
		}
		switch c.kind {
		case kString:
			return c.s == v.str
		case kNumber:
			return c.n == v.num
		}
		return true
	case opPrefix:
		if v.kind != kString {
			return false
		}
		if c.ignoreCase {
			return strings.HasPrefix(strings.ToLower(v.str), c.s)
		}
		return strings.HasPrefix(v.str, c.s)
	case opSuffix:
		if v.kind != kString {
			return false
		}
		if c.ignoreCase {
			return strings.HasSuffix(strings.ToLower(v.str), c.s)
		}
		return strings.HasSuffix(v.str, c.s)
	case opEqualsIgnoreCase:
		return v.kind == kString && strings.ToLower(v.str) == c.s
	case opWildcard:
		return v.kind == kString && c.wild.match(v.str)
	case opNumeric:
		return v.kind == kNumber && c.num.match(v.num)
	case opCIDR:
		if v.kind != kString {
			return false
		}
		a, err := netip.ParseAddr(v.str)
		if err != nil {
			return false
		}
		return c.prefix.Contains(a.Unmap()) || c.prefix.Contains(a)
	case opAnythingBut:
		return !c.but.excludes(v)
	}
	return false
}

// excludes reports whether anything-but rules the scalar v out.
func (b *butSet) excludes(v *value) bool {
	switch b.op {
	case opPrefix, opSuffix, opEqualsIgnoreCase, opWildcard:
		if v.kind != kString {
			return false
		}
		s := v.str
		switch b.op {
		case opPrefix:
			for _, t := range b.texts {
				if strings.HasPrefix(s, t) {
					return true
				}
			}
		case opSuffix:
			for _, t := range b.texts {
				if strings.HasSuffix(s, t) {
					return true
				}
			}
		case opEqualsIgnoreCase:
			ls := strings.ToLower(s)
			for _, t := range b.texts {
				if ls == t {
					return true
				}
			}
		case opWildcard:
			for _, w := range b.wilds {
				if w.match(s) {
					return true
				}
			}
		}
		return false
	}
	switch v.kind {
	case kString:
		return b.strs[v.str]
	case kNumber:
		for _, n := range b.nums {
			if n == v.num {
				return true
			}
		}
	}
	return false
}
