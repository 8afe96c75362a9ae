package authz

import "slices"

// trie indexes every rule's path templates by segment, so matching a
// request visits each trie node at most once (a node sits at one depth and
// is compared with the one request segment at that depth) instead of
// testing every rule: the cost grows with the path's length and the rules
// sharing its prefix, not with the size of the policy.
type trie struct {
	root node
}

type node struct {
	lit  map[string]*node
	wild *node   // * and {param}: one non-empty segment
	ends []entry // templates ending here
	rest []entry // templates ending in ** here: zero or more segments
}

// entry is one template of one rule, with the rule's method bits so the
// walk filters methods without looking the rule up, and the template's
// rank by specificity.
type entry struct {
	rule    int32
	tmpl    int32
	spec    int32
	methods uint64
}

// hit is a matched rule and the most specific of its templates that
// matched, with that template's rank by specificity: of two hits, the one
// with the greater spec is the more specific.
type hit struct {
	rule int32
	tmpl int32
	spec int32
}

// newTrie indexes the templates of rules, ranking them by specificity
// (template.key) so hits compare as integers.
func newTrie(rules []*rule) trie {
	var keys []string
	for _, r := range rules {
		for _, t := range r.templates {
			keys = append(keys, t.key)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var t trie
	for i, r := range rules {
		for j, tp := range r.templates {
			spec, _ := slices.BinarySearch(keys, tp.key)
			t.insert(tp, entry{rule: int32(i), tmpl: int32(j), spec: int32(spec), methods: r.methods})
		}
	}
	return t
}

func (t *trie) insert(tp template, e entry) {
	n := &t.root
	for _, s := range tp.segs {
		switch s.kind {
		case segGlob:
			n.rest = append(n.rest, e)
			return
		case segLit:
			if n.lit == nil {
				n.lit = map[string]*node{}
			}
			c := n.lit[s.lit]
			if c == nil {
				c = &node{}
				n.lit[s.lit] = c
			}
			n = c
		default:
			if n.wild == nil {
				n.wild = &node{}
			}
			n = n.wild
		}
	}
	n.ends = append(n.ends, e)
}

// match appends to out every entry whose template matches segs and whose
// methods include method.
func (n *node) match(segs []string, method uint64, out []hit) []hit {
	for _, e := range n.rest {
		if e.methods&method != 0 {
			out = append(out, hit{e.rule, e.tmpl, e.spec})
		}
	}
	if len(segs) == 0 {
		for _, e := range n.ends {
			if e.methods&method != 0 {
				out = append(out, hit{e.rule, e.tmpl, e.spec})
			}
		}
		return out
	}
	if c := n.lit[segs[0]]; c != nil {
		out = c.match(segs[1:], method, out)
	}
	if n.wild != nil && segs[0] != "" {
		out = n.wild.match(segs[1:], method, out)
	}
	return out
}

// dedupe sorts hits by rule and keeps each rule's most specific hit (the
// first of its templates among equally specific ones). Hits are few:
// insertion sort.
func dedupe(h []hit) []hit {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && before(h[j], h[j-1]); j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
	out := h[:0]
	for _, x := range h {
		if len(out) == 0 || x.rule != out[len(out)-1].rule {
			out = append(out, x)
		}
	}
	return out
}

// before orders hits by rule, then by descending specificity, then by
// template.
func before(a, b hit) bool {
	switch {
	case a.rule != b.rule:
		return a.rule < b.rule
	case a.spec != b.spec:
		return a.spec > b.spec
	}
	return a.tmpl < b.tmpl
}

// splitPath splits a canonical path into its segments, into dst. A
// trailing slash is an empty last segment when strict, and dropped
// otherwise.
func splitPath(path string, strict bool, dst []string) []string {
	dst = dst[:0]
	if path == "/" {
		return dst
	}
	start := 1
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			dst = append(dst, path[start:i])
			start = i + 1
		}
	}
	if start < len(path) || strict {
		dst = append(dst, path[start:])
	}
	return dst
}
