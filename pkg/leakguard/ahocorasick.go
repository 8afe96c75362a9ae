package leakguard

// ahoCorasick is a small Aho-Corasick automaton over ASCII-case-folded
// bytes: one pass over the input reports every occurrence of every keyword.
// It is written here rather than imported because we need only this much
// (a few hundred keywords, byte-level, case-insensitive) and the hot loop
// is three lines: fold, look up a byte class, follow a dense transition
// table. A fully built DFA (failure links resolved at build time) means no
// backtracking per input byte, so a scan is O(len(input) + hits).
type ahoCorasick struct {
	classes [256]uint8 // byte (folded) → byte class; class 0 = "in no keyword"
	nclass  int
	// trans[state*nclass + class] is the next state's row offset
	// (next*nclass) shifted left once, with the low bit set when a keyword
	// ends in that state: the hot loop needs no multiply and no second
	// table lookup per byte.
	trans    []uint32
	out      [][]int32 // state → keyword indexes ending here (incl. via suffix links)
	keywords []string
}

func foldByte(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// newAhoCorasick builds the automaton. Keywords are matched
// case-insensitively (ASCII); empty keywords are ignored.
func newAhoCorasick(keywords []string) *ahoCorasick {
	ac := &ahoCorasick{keywords: keywords}
	var delta []int32 // state*nclass + class → next state, while building
	// Byte classes: every byte that occurs in a keyword gets its own class.
	next := 1
	for _, kw := range keywords {
		for i := 0; i < len(kw); i++ {
			b := foldByte(kw[i])
			if ac.classes[b] == 0 {
				ac.classes[b] = uint8(next)
				next++
			}
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		ac.classes[b] = ac.classes[b+('a'-'A')]
	}
	ac.nclass = next
	// Trie.
	type node struct {
		child map[uint8]int32
		fail  int32
		out   []int32
	}
	nodes := []node{{child: map[uint8]int32{}}}
	for i, kw := range keywords {
		if kw == "" {
			continue
		}
		s := int32(0)
		for j := 0; j < len(kw); j++ {
			c := ac.classes[foldByte(kw[j])]
			n, ok := nodes[s].child[c]
			if !ok {
				n = int32(len(nodes))
				nodes = append(nodes, node{child: map[uint8]int32{}})
				nodes[s].child[c] = n
			}
			s = n
		}
		nodes[s].out = append(nodes[s].out, int32(i))
	}
	// Breadth-first: failure links and the full transition table.
	delta = make([]int32, len(nodes)*ac.nclass)
	queue := make([]int32, 0, len(nodes))
	for c := 0; c < ac.nclass; c++ {
		if n, ok := nodes[0].child[uint8(c)]; ok {
			delta[c] = n
			nodes[n].fail = 0
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := nodes[s].fail
		nodes[s].out = append(nodes[s].out, nodes[f].out...)
		for c := 0; c < ac.nclass; c++ {
			if n, ok := nodes[s].child[uint8(c)]; ok {
				nodes[n].fail = delta[int(f)*ac.nclass+c]
				delta[int(s)*ac.nclass+c] = n
				queue = append(queue, n)
			} else {
				delta[int(s)*ac.nclass+c] = delta[int(f)*ac.nclass+c]
			}
		}
	}
	ac.out = make([][]int32, len(nodes))
	for i := range nodes {
		ac.out[i] = nodes[i].out
	}
	ac.trans = make([]uint32, len(delta))
	for i, next := range delta {
		t := uint32(next) * uint32(ac.nclass) << 1
		if len(ac.out[next]) > 0 {
			t |= 1
		}
		ac.trans[i] = t
	}
	return ac
}

// each calls fn for every keyword occurrence in data, in the order of
// the offset just past its last byte (end); keywords ending at the same
// offset come in any order. It stores nothing, so any number of hits
// costs one pass and the caller's work per hit.
func (ac *ahoCorasick) each(data []byte, fn func(kw int32, end int)) {
	trans, classes := ac.trans, &ac.classes
	nc := uint32(ac.nclass)
	row := uint32(0)
	for i, b := range data {
		t := trans[row+uint32(classes[b])]
		row = t >> 1
		if t&1 == 0 {
			continue
		}
		for _, kw := range ac.out[row/nc] {
			fn(kw, i+1)
		}
	}
}

// any reports whether data contains any keyword.
func (ac *ahoCorasick) any(data []byte) bool {
	trans, classes := ac.trans, &ac.classes
	row := uint32(0)
	for _, b := range data {
		t := trans[row+uint32(classes[b])]
		if t&1 != 0 {
			return true
		}
		row = t >> 1
	}
	return false
}
