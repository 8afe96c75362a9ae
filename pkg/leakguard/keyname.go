package leakguard

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// keyName is the shape of the rules that find a credential word inside a
// longer key name (keyed-secret, generic-secret-assignment): up to 32
// name characters, one of the words, up to 16 name characters, kvSep, a
// value of min to max bytes from a class, then a byte outside the class
// or the end. Go's regexp tries that regex from every byte of a window,
// and each start may run the 32-character name: 100 to 400 ns a byte on
// text full of names. matcher finds the same matches from the structure
// of the regex instead, in one pass (see findAll).
type keyName struct {
	// words are the credential words as regex alternatives: lower-case
	// letters, `[_\-]?` for an optional '_' or '-'.
	words []string
	// value is the value's byte class, as written inside [...]: ASCII,
	// no space and no quote (findAll relies on both).
	value    string
	min, max int
}

// keyNamed returns r with the regex of k and k for its matcher.
func keyNamed(r Rule, k keyName) Rule {
	r.Regex, r.keyName = k.regex(), &k
	return r
}

// Name lengths around the word, in characters.
const (
	nameBefore = 32
	nameAfter  = 16
)

// optSep is how a word writes its optional separator.
const optSep = `[_\-]?`

// regex returns the rule's regex.
func (k keyName) regex() string {
	key := `[a-z0-9_.\-]{0,` + fmt.Sprint(nameBefore) + `}(?:` + strings.Join(k.words, "|") + `)[a-z0-9_.\-]{0,` + fmt.Sprint(nameAfter) + `}`
	return kv(key, fmt.Sprintf(`[%s]{%d,%d}`, k.value, k.min, k.max)) + `(?:[^` + k.value + `]|$)`
}

// keyNameMatcher is a compiled keyName.
type keyNameMatcher struct {
	words    []string // every spelling, optional separators expanded
	maxWord  int
	value    [256]bool
	min, max int
}

// compile expands the words and tabulates the value class.
func (k keyName) compile() (*keyNameMatcher, error) {
	m := &keyNameMatcher{min: k.min, max: k.max}
	for _, w := range k.words {
		spellings := []string{w}
		if strings.Contains(w, optSep) {
			spellings = []string{strings.Replace(w, optSep, "_", 1), strings.Replace(w, optSep, "-", 1), strings.Replace(w, optSep, "", 1)}
		}
		for _, s := range spellings {
			if strings.ContainsFunc(s, func(r rune) bool { return (r < 'a' || r > 'z') && r != '_' && r != '-' }) {
				return nil, fmt.Errorf("word %q: want lower-case letters and %s", w, optSep)
			}
			m.words = append(m.words, s)
			m.maxWord = max(m.maxWord, len(s))
		}
	}
	class, err := regexp.Compile(`^[` + k.value + `]$`)
	if err != nil {
		return nil, err
	}
	for c := 0; c < utf8.RuneSelf; c++ {
		m.value[c] = class.Match([]byte{byte(c)})
	}
	for _, c := range []byte(" \t\n\f\r\"'") {
		if m.value[c] {
			return nil, fmt.Errorf("value class %q holds %q", k.value, c)
		}
	}
	return m, nil
}

// Name characters: (?i:[a-z0-9_.\-]) is ASCII letters, digits, "_.-",
// and the two runes that fold to an ASCII letter: U+017F (ſ, s) and
// U+212A (Kelvin sign, k). Neither of their lead bytes can continue
// another rune, so wherever the regex steps, it decodes them whole.
var nameByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
	}
	return t
}()

// nameLen is the length of the name character at data[i], 0 if none.
func nameLen(data []byte, i int) int {
	switch c := data[i]; {
	case nameByte[c]:
		return 1
	case c == 0xc5 && i+1 < len(data) && data[i+1] == 0xbf:
		return 2
	case c == 0xe2 && i+2 < len(data) && data[i+1] == 0x84 && data[i+2] == 0xaa:
		return 3
	}
	return 0
}

// nameBack is the length of the name character ending at data[i-1],
// inside a run of name characters.
func nameBack(data []byte, i int) int {
	switch data[i-1] {
	case 0xbf:
		return 2
	case 0xaa:
		return 3
	}
	return 1
}

// fold is the lower-case ASCII letter of the name character at data[i].
func fold(data []byte, i int) byte {
	switch c := data[i]; {
	case c == 0xc5:
		return 's'
	case c == 0xe2:
		return 'k'
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	default:
		return c
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
func isQuote(c byte) bool { return c == '"' || c == '\'' }

// findAll returns what the regex's FindAllSubmatchIndex(seg, -1) does:
// per match its start, end, and the value's start and end.
//
// The regex has no look-behind, so a match from a start depends only on
// the bytes from there on. Everything before kvSep is name characters
// and kvSep starts with none, so the key of a match is the tail of a run
// of name characters and ends where the run does (the name after the
// word takes the rest of the run, at most 16). What follows the run
// decides alone, and in one way, whether kvSep and a value follow: every
// choice kvSep offers is forced (an optional quote or a space run given
// back leaves a byte no later part accepts), but for its operators,
// tried in order; the value is a whole run of the class, as the byte
// after it must be outside the class. So every way a start can match
// gives the same match, and the leftmost start of a run is the one at
// most 32 characters before the first word that ends at most 16 before
// the run's end.
func (m *keyNameMatcher) findAll(seg []byte) [][]int {
	var out [][]int
	var vr valueRun
	for pos := 0; pos < len(seg); {
		a := pos
		for a < len(seg) && nameLen(seg, a) == 0 {
			a++
		}
		b := a
		for b < len(seg) {
			n := nameLen(seg, b)
			if n == 0 {
				break
			}
			b += n
		}
		if a == b {
			break
		}
		pos = b
		if b == len(seg) || !(isSpace(seg[b]) || isQuote(seg[b]) || seg[b] == '=' || seg[b] == ':') {
			continue
		}
		start := m.keyStart(seg, a, b)
		if start < 0 {
			continue
		}
		vs, ve, end, ok := m.sepValue(seg, b, &vr)
		if !ok {
			continue
		}
		out = append(out, []int{start, end, vs, ve})
		pos = end
	}
	return out
}

// keyStart returns the leftmost start of a key ending at b in the run of
// name characters seg[a:b], or -1 if no word ends nameAfter characters or
// fewer before b.
func (m *keyNameMatcher) keyStart(seg []byte, a, b int) int {
	// The tail of the run that can hold such a word, last character first.
	var letters [64]byte
	var offs [64]int
	n := 0
	for i := b; i > a && n < nameAfter+m.maxWord; n++ {
		i -= nameBack(seg, i)
		letters[n], offs[n] = fold(seg, i), i
	}
	// Character j of the tail, first first, is letters[n-1-j].
	for j := 0; j < n; j++ {
		for _, w := range m.words {
			e := j + len(w)
			if e > n || n-e > nameAfter || letters[n-1-j] != w[0] {
				continue
			}
			k := 1
			for k < len(w) && letters[n-1-j-k] == w[k] {
				k++
			}
			if k < len(w) {
				continue
			}
			s := offs[n-1-j]
			for c := 0; c < nameBefore && s > a; c++ {
				s -= nameBack(seg, s)
			}
			return s
		}
	}
	return -1
}

// sepValue matches kvSep, the value and its end at b: the value's start
// and end and the match's end.
func (m *keyNameMatcher) sepValue(seg []byte, b int, vr *valueRun) (vs, ve, end int, ok bool) {
	// ["']?\s*(?:=|:|=>|:=)\s*["']?
	p := b
	if isQuote(seg[p]) {
		p++
	}
	for p < len(seg) && isSpace(seg[p]) {
		p++
	}
	if p < len(seg) && (seg[p] == '=' || seg[p] == ':') {
		second := byte('>')
		if seg[p] == ':' {
			second = '='
		}
		if vs, ve, end, ok = m.afterOp(seg, p+1, vr); ok {
			return
		}
		if p+1 < len(seg) && seg[p+1] == second {
			if vs, ve, end, ok = m.afterOp(seg, p+2, vr); ok {
				return
			}
		}
	}
	// ["']\s+(?:value|content)=["']
	if !isQuote(seg[b]) {
		return 0, 0, 0, false
	}
	p = b + 1
	for p < len(seg) && isSpace(seg[p]) {
		p++
	}
	if p == b+1 {
		return 0, 0, 0, false
	}
	rest := seg[p:]
	switch {
	case len(rest) > len("value=") && string(rest[:len("value=")]) == "value=" && isQuote(rest[len("value=")]):
		p += len("value=") + 1
	case len(rest) > len("content=") && string(rest[:len("content=")]) == "content=" && isQuote(rest[len("content=")]):
		p += len("content=") + 1
	default:
		return 0, 0, 0, false
	}
	return m.valueAt(seg, p, vr)
}

// afterOp matches \s*["']? and the value from p.
func (m *keyNameMatcher) afterOp(seg []byte, p int, vr *valueRun) (vs, ve, end int, ok bool) {
	for p < len(seg) && isSpace(seg[p]) {
		p++
	}
	if p < len(seg) && isQuote(seg[p]) {
		p++
	}
	return m.valueAt(seg, p, vr)
}

// valueAt matches the value from p and the character or end after it.
func (m *keyNameMatcher) valueAt(seg []byte, p int, vr *valueRun) (vs, ve, end int, ok bool) {
	ve = vr.find(seg, p, &m.value)
	if n := ve - p; n < m.min || n > m.max {
		return 0, 0, 0, false
	}
	end = ve
	if ve < len(seg) {
		_, w := utf8.DecodeRune(seg[ve:])
		end += w
	}
	return p, ve, end, true
}

// valueRun remembers the last run of value bytes found, so that values
// tried from several places in one run cost one pass over it.
type valueRun struct{ start, end int }

// find returns the end of the run of class bytes from p.
func (v *valueRun) find(seg []byte, p int, class *[256]bool) int {
	if p >= v.start && p < v.end {
		return v.end
	}
	e := p
	for e < len(seg) && class[seg[e]] {
		e++
	}
	if e > p {
		v.start, v.end = p, e
	}
	return e
}
