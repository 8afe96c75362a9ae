package leakguard

import (
	"bytes"
	"sort"
	"strings"
)

// referenceScan is what Scan means, done the obvious way: for each
// keyword rule, every occurrence of every keyword (rules, in the
// scanner's order, give their spelling) found by a plain search, its raw
// window, extended, sorted and merged where windows overlap or touch,
// and the regex run over each merged window; rules without keywords run
// over the whole input. It shares with Scan only the per-window regex
// and checks (runRule), pairing and overlap resolution.
func referenceScan(s *Scanner, rules []Rule, data []byte, path string) []Match {
	folded := asciiLower(data)
	var out []Match
	for ri, r := range s.rules {
		if len(rules[ri].Keywords) == 0 {
			out = s.runRule(out, r, data, window{0, len(data)}, path)
			continue
		}
		var wins []window
		for _, kw := range rules[ri].Keywords {
			if kw == "" {
				continue
			}
			hay, needle := folded, asciiLower([]byte(kw))
			if r.exactKeywords {
				hay, needle = data, []byte(kw)
			}
			for at := 0; ; at++ {
				i := bytes.Index(hay[at:], needle)
				if i < 0 {
					break
				}
				at += i
				end := at + len(needle)
				if r.after != "" && (end >= len(data) || !strings.Contains(r.after, string(data[end]))) {
					continue
				}
				w := window{start: at - r.Back, end: end + r.Window}
				switch {
				case r.pem:
					e, ok := referencePEMEnd(data, end)
					if !ok {
						continue
					}
					w.end = e
				case r.run:
					w.end = end
					for w.end < len(data) && !isSeparator(data[w.end]) {
						w.end++
					}
				}
				wins = append(wins, extendWindow(data, w))
			}
		}
		for _, w := range mergeWindows(wins) {
			out = s.runRule(out, r, data, w, path)
		}
	}
	return resolve(s.pair(out), s.rules)
}

// mergeWindows sorts windows by start and merges those that overlap or
// touch.
func mergeWindows(wins []window) []window {
	sort.Slice(wins, func(i, j int) bool { return wins[i].start < wins[j].start })
	var merged []window
	for _, w := range wins {
		if n := len(merged); n > 0 && w.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, w.end)
			continue
		}
		merged = append(merged, w)
	}
	return merged
}

// referencePEMEnd is the end of the first END line starting at or after
// pos: its label and closing dashes, or maxPEMLabel+5 bytes of label.
func referencePEMEnd(data []byte, pos int) (int, bool) {
	i := bytes.Index(data[pos:], []byte("-----END "))
	if i < 0 {
		return 0, false
	}
	label := pos + i + len("-----END ")
	rest := data[label:min(len(data), label+maxPEMLabel+len("-----"))]
	if j := bytes.Index(rest, []byte("-----")); j >= 0 {
		return label + j + len("-----"), true
	}
	return label + len(rest), true
}

// asciiLower folds A-Z only, as the keyword automaton does.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = foldByte(c)
	}
	return out
}

// extendWindow extends both edges of w at once, as the reference does
// window by window.
func extendWindow(data []byte, w window) window {
	return window{start: extendStart(data, w.start, 0), end: extendEnd(data, w.end)}
}
