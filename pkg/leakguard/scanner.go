package leakguard

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Match is one secret a Scanner found. Offsets index the scanned input.
type Match struct {
	// Rule is the id of the rule that matched.
	Rule string
	// Confidence of the rule.
	Confidence Confidence
	// Start and End delimit the secret.
	Start, End int
}

// Scanner runs a set of rules over byte slices. It is immutable after
// NewScanner and safe for concurrent use.
type Scanner struct {
	rules []*compiledRule
	ac    *ahoCorasick
	// kwRules maps a keyword index to the rules that listed it.
	kwRules [][]int32
	// kwExact holds, per keyword, the exact-case spelling a hit must have
	// ("" = any case).
	kwExact []string
	// after holds, per rule, the bytes allowed right after a keyword hit
	// (nil = any): a one-byte check that spares the regex most hits of
	// a short keyword such as Twilio's "SK".
	after []*[256]bool
	// paired maps a rule id to the key-id rule it is paired with.
	paired map[string]string
	// fullRules run over the whole input: rules without keywords.
	fullRules []int
	global    []compiledAllowlist
}

// ScannerOptions configure NewScanner.
type ScannerOptions struct {
	// Allow are global allowlists applied to every rule's findings.
	Allow []Allowlist
}

// NewScanner compiles rules. A rule that cannot compile makes the whole
// set fail with an error naming the rule id; duplicate ids are refused.
func NewScanner(rules []Rule, opts ScannerOptions) (*Scanner, error) {
	s := &Scanner{}
	seen := map[string]bool{}
	kwIndex := map[string]int{}
	var keywords []string
	for _, r := range rules {
		if seen[r.ID] {
			return nil, fmt.Errorf("%w: duplicate rule id %s", ErrRuleInvalid, r.ID)
		}
		seen[r.ID] = true
		cr, err := compileRule(r)
		if err != nil {
			return nil, err
		}
		idx := int32(len(s.rules))
		s.rules = append(s.rules, cr)
		var after *[256]bool
		if r.after != "" {
			after = new([256]bool)
			for i := 0; i < len(r.after); i++ {
				after[r.after[i]] = true
			}
		}
		s.after = append(s.after, after)
		if r.pairedWith != "" {
			if s.paired == nil {
				s.paired = map[string]string{}
			}
			s.paired[r.ID] = r.pairedWith
		}
		if len(r.Keywords) == 0 {
			s.fullRules = append(s.fullRules, int(idx))
			continue
		}
		for _, orig := range r.Keywords {
			if orig == "" {
				continue
			}
			exact := ""
			if r.exactKeywords {
				exact = orig
			}
			key := strings.ToLower(orig) + "\x00" + exact
			ki, ok := kwIndex[key]
			if !ok {
				ki = len(keywords)
				kwIndex[key] = ki
				keywords = append(keywords, strings.ToLower(orig))
				s.kwExact = append(s.kwExact, exact)
				s.kwRules = append(s.kwRules, nil)
			}
			s.kwRules[ki] = appendUnique(s.kwRules[ki], idx)
		}
	}
	s.ac = newAhoCorasick(keywords)
	for i, a := range opts.Allow {
		ca, err := compileAllowlist(a)
		if err != nil {
			return nil, fmt.Errorf("%w: allowlist[%d]: %v", ErrRuleInvalid, i, err)
		}
		s.global = append(s.global, ca)
	}
	return s, nil
}

func appendUnique(list []int32, v int32) []int32 {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// Rules returns the ids of the scanner's rules, in order.
func (s *Scanner) Rules() []string {
	ids := make([]string, len(s.rules))
	for i, r := range s.rules {
		ids[i] = r.ID
	}
	return ids
}

// MayMatch reports whether data contains any keyword (or the scanner has
// rules without keywords). A false answer means Scan finds nothing; it is
// the cheap first look at a body.
func (s *Scanner) MayMatch(data []byte) bool {
	return len(s.fullRules) > 0 || s.ac.any(data)
}

type window struct{ start, end int }

// Scan returns the secrets in data, sorted by offset, overlaps resolved
// in favour of the more confident (then longer) finding. path is the
// request path, for path-scoped rules and allowlists. A keyword rule's
// regex runs only in windows around its keyword hits (see keyWindows),
// however many hits there are.
func (s *Scanner) Scan(data []byte, path string) []Match {
	var out []Match
	for ri, k := range s.windows(data) {
		r := s.rules[ri]
		for i := range k.list {
			w := &k.list[i]
			out = s.runRule(out, r, data, window{w.start, w.extEnd(data)}, path)
		}
	}
	for _, ri := range s.fullRules {
		out = s.runRule(out, s.rules[ri], data, window{0, len(data)}, path)
	}
	return resolve(s.pair(out), s.rules)
}

// windows returns, by rule index, the windows of each keyword rule with a
// hit in data.
func (s *Scanner) windows(data []byte) map[int32]*keyWindows {
	var wins map[int32]*keyWindows
	var ends pemEnds
	var runs runEnds
	s.ac.each(data, func(kw int32, end int) {
		kwStart := end - len(s.ac.keywords[kw])
		if exact := s.kwExact[kw]; exact != "" && string(data[kwStart:end]) != exact {
			return
		}
		for _, ri := range s.kwRules[kw] {
			if a := s.after[ri]; a != nil && (end >= len(data) || !a[data[end]]) {
				continue
			}
			r := s.rules[ri]
			w := window{start: kwStart - r.Back, end: end + r.Window}
			switch {
			case r.pem:
				e, ok := ends.after(data, end)
				if !ok {
					continue // no END line: no block
				}
				w.end = e
			case r.run:
				w.end = runs.after(data, end)
			}
			if wins == nil {
				wins = map[int32]*keyWindows{}
			}
			k := wins[ri]
			if k == nil {
				k = &keyWindows{}
				wins[ri] = k
			}
			k.add(data, w)
		}
	})
	return wins
}

// pair raises the matches of a rule paired with a key-id rule to that
// rule's confidence when the key id matched in the same input.
func (s *Scanner) pair(ms []Match) []Match {
	if len(s.paired) == 0 || len(ms) < 2 {
		return ms
	}
	found := map[string]Confidence{}
	for _, m := range ms {
		found[m.Rule] = max(found[m.Rule], m.Confidence)
	}
	for i, m := range ms {
		if id, ok := s.paired[m.Rule]; ok {
			if c, ok := found[id]; ok && c > m.Confidence {
				ms[i].Confidence = c
			}
		}
	}
	return ms
}

// ScanFull runs every rule's regex over the whole input, blind to
// keywords. It is the baseline benchmarks measure Scan against, not what
// Scan means: a rule whose keyword is context rather than part of the
// match (jwk-private-key's "kty") finds here what Scan rightly leaves.
func (s *Scanner) ScanFull(data []byte, path string) []Match {
	var out []Match
	for _, r := range s.rules {
		out = s.runRule(out, r, data, window{0, len(data)}, path)
	}
	return resolve(s.pair(out), s.rules)
}

// pemEnds finds, for a BEGIN line ending at pos, the end of the first END
// line after it. Hits come in text order, so one search serves every
// BEGIN before the END it found, and the next search starts past it: one
// pass over the data however many BEGIN lines there are.
type pemEnds struct {
	at, end int // the last END line found: its start and its end
	none    bool
	found   bool
}

var (
	pemEndLine = []byte("-----END ")
	pemDashes  = []byte("-----")
)

// maxPEMLabel bounds the label after "-----END ".
const maxPEMLabel = 64

func (p *pemEnds) after(data []byte, pos int) (int, bool) {
	if p.none {
		return 0, false
	}
	if !p.found || p.at < pos {
		i := bytes.Index(data[pos:], pemEndLine)
		if i < 0 {
			p.none = true
			return 0, false
		}
		p.at, p.found = pos+i, true
		label := p.at + len(pemEndLine)
		rest := data[label:min(len(data), label+maxPEMLabel+len(pemDashes))]
		if j := bytes.Index(rest, pemDashes); j >= 0 {
			p.end = label + j + len(pemDashes)
		} else {
			p.end = label + len(rest)
		}
	}
	return p.end, true
}

// runEnds finds the first separator at or after a position, resuming
// where the last search stopped, like pemEnds: one pass over the data
// however many hits fall inside one long run.
type runEnds struct {
	end   int
	found bool
}

func (r *runEnds) after(data []byte, pos int) int {
	if r.found && pos <= r.end {
		return r.end
	}
	r.end, r.found = pos, true
	for r.end < len(data) && !isSeparator(data[r.end]) {
		r.end++
	}
	return r.end
}

func isSeparator(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', '"', '\'', '`', ',', ';', '<', '>', '(', ')', '[', ']', '{', '}':
		return true
	}
	return false
}

// runRule appends the rule's accepted matches in data[w.start:w.end].
func (s *Scanner) runRule(out []Match, r *compiledRule, data []byte, w window, path string) []Match {
	if len(r.paths) > 0 && !matchAny(r.paths, path) {
		return out
	}
	seg := data[w.start:w.end]
	for _, m := range r.findAll(seg) {
		start, end := secretSpan(r, m)
		if start < 0 || end <= start {
			continue
		}
		secret := seg[start:end]
		if r.Entropy > 0 && entropy(secret) < r.Entropy {
			continue
		}
		if r.Check != nil && !r.Check(string(secret)) {
			continue
		}
		if r.builtin && isPlaceholder(secret) {
			continue
		}
		match := seg[m[0]:m[1]]
		if s.allowed(r, secret, match, data, w.start+start, path) {
			continue
		}
		out = append(out, Match{Rule: r.ID, Confidence: r.Confidence, Start: w.start + start, End: w.start + end})
	}
	return out
}

// secretSpan picks the secret out of a submatch index list: the rule's
// secret group, else the first non-empty group, else the whole match.
func secretSpan(r *compiledRule, m []int) (int, int) {
	if g := r.SecretGroup; g > 0 {
		return m[2*g], m[2*g+1]
	}
	for g := 1; 2*g+1 < len(m); g++ {
		if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
			return m[2*g], m[2*g+1]
		}
	}
	return m[0], m[1]
}

func (s *Scanner) allowed(r *compiledRule, secret, match, data []byte, at int, path string) bool {
	if len(r.allow) == 0 && len(s.global) == 0 {
		return false
	}
	line := lineAround(data, at)
	for i := range r.allow {
		if r.allow[i].allows(secret, match, line, path) {
			return true
		}
	}
	for i := range s.global {
		if s.global[i].allows(secret, match, line, path) {
			return true
		}
	}
	return false
}

// lineAround returns the line holding data[at], at most 4 KiB of it.
func lineAround(data []byte, at int) []byte {
	const maxLine = 4096
	lo := max(0, at-maxLine/2)
	if i := bytes.LastIndexByte(data[lo:at], '\n'); i >= 0 {
		lo += i + 1
	}
	hi := min(len(data), at+maxLine/2)
	if i := bytes.IndexByte(data[at:hi], '\n'); i >= 0 {
		hi = at + i
	}
	return data[lo:hi]
}

// resolve sorts matches by offset and, of overlapping ones, keeps the
// better: higher confidence, then longer, then the earlier rule. One sort
// and one sweep, so hostile input with many matches costs n log n.
func resolve(ms []Match, rules []*compiledRule) []Match {
	if len(ms) < 2 {
		return ms
	}
	order := make(map[string]int, len(rules))
	for i, r := range rules {
		order[r.ID] = i
	}
	better := func(a, b Match) bool {
		if a.Confidence != b.Confidence {
			return a.Confidence > b.Confidence
		}
		if la, lb := a.End-a.Start, b.End-b.Start; la != lb {
			return la > lb
		}
		return order[a.Rule] < order[b.Rule]
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Start != ms[j].Start {
			return ms[i].Start < ms[j].Start
		}
		return better(ms[i], ms[j])
	})
	kept := ms[:1]
	for _, m := range ms[1:] {
		last := &kept[len(kept)-1]
		if m.Start < last.End {
			if better(m, *last) {
				*last = m
			}
			continue
		}
		kept = append(kept, m)
	}
	return kept
}

// placeholders are substrings of documentation values, never of real
// secrets worth an alarm.
var placeholders = []string{
	"example", "xxxxxxxx", "placeholder", "your_", "your-", "yourkey", "changeme",
	"dummy", "redacted", "${", "{{", "<", "*****", "00000000", "12345678", "abcdefgh",
}

// isPlaceholder reports documentation-style values: known placeholder
// words, or eight or more bytes drawn from at most three distinct bytes.
func isPlaceholder(secret []byte) bool {
	lower := bytes.ToLower(secret)
	for _, p := range placeholders {
		if bytes.Contains(lower, []byte(p)) {
			return true
		}
	}
	if len(secret) >= 8 {
		var seen [256]bool
		distinct := 0
		for _, b := range secret {
			if !seen[b] {
				seen[b] = true
				distinct++
			}
		}
		return distinct <= 3
	}
	return false
}
