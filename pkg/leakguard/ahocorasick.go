package leakguard

// ahoCorasick is a small Aho-Corasick automaton over ASCII-case-folded
// bytes: one pass over the input reports every occurrence of every keyword.
// It is written here rather than imported because we need only this much
// (a few hundred keywords, byte-level, case-insensitive) and the hot loop
// is three lines: fold, look up a byte class, follow a dense transition
// table. A fully built DFA (failure links resolved at build time) means no
// backtracking per input byte, so a scan is O(len(input) + hits).
type ahoCorasick struct {
	classes  [256]uint8 // byte (folded) → byte class; class 0 = "in no keyword"
	nclass   int
	delta    []int32   // state*nclass + class → next state
	out      [][]int32 // state → keyword indexes ending here (incl. via suffix links)
	keywords []string
}

// acHit is one keyword occurrence: keyword index and the offset just past
// its last byte.
type acHit struct {
	kw  int32
	end int32
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
	ac.delta = make([]int32, len(nodes)*ac.nclass)
	queue := make([]int32, 0, len(nodes))
	for c := 0; c < ac.nclass; c++ {
		if n, ok := nodes[0].child[uint8(c)]; ok {
			ac.delta[c] = n
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
				nodes[n].fail = ac.delta[int(f)*ac.nclass+c]
				ac.delta[int(s)*ac.nclass+c] = n
				queue = append(queue, n)
			} else {
				ac.delta[int(s)*ac.nclass+c] = ac.delta[int(f)*ac.nclass+c]
			}
		}
	}
	ac.out = make([][]int32, len(nodes))
	for i := range nodes {
		ac.out[i] = nodes[i].out
	}
	return ac
}

// scan appends every keyword occurrence in data to hits. It stops adding
// after limit hits (the caller then falls back to scanning everything).
func (ac *ahoCorasick) scan(data []byte, hits []acHit, limit int) ([]acHit, bool) {
	s := int32(0)
	nc := int32(ac.nclass)
	for i := 0; i < len(data); i++ {
		s = ac.delta[s*nc+int32(ac.classes[data[i]])]
		if out := ac.out[s]; len(out) > 0 {
			for _, kw := range out {
				if len(hits) >= limit {
					return hits, false
				}
				hits = append(hits, acHit{kw: kw, end: int32(i + 1)})
			}
		}
	}
	return hits, true
}

// any reports whether data contains any keyword.
func (ac *ahoCorasick) any(data []byte) bool {
	s := int32(0)
	nc := int32(ac.nclass)
	for i := 0; i < len(data); i++ {
		s = ac.delta[s*nc+int32(ac.classes[data[i]])]
		if len(ac.out[s]) > 0 {
			return true
		}
	}
	return false
}
