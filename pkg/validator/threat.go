package validator

import (
	"encoding/json"
	"sync"
	"unicode/utf8"
)

// Limits bounds the shape of a JSON document before anything else looks at
// it, in the spirit of Apigee's JSONThreatProtection: a document that
// breaks one is refused without being decoded further. Every limit is a
// maximum; a value at the limit passes, one above fails.
type Limits struct {
	// MaxBytes is the largest document, in bytes.
	MaxBytes int
	// MaxDepth is the deepest nesting of arrays and objects; a scalar
	// document has depth 0, `[]` depth 1.
	MaxDepth int
	// MaxArrayLength is the most elements one array may hold.
	MaxArrayLength int
	// MaxObjectEntries is the most members one object may hold.
	MaxObjectEntries int
	// MaxKeyLength is the longest member name, in characters (code points)
	// after unescaping.
	MaxKeyLength int
	// MaxStringLength is the longest string value, in characters (code
	// points) after unescaping.
	MaxStringLength int
	// MaxNumberLength is the longest number literal, in bytes. Numbers
	// also may not have an exponent beyond ±maxExponent: gojsonschema
	// parses every number with big.Rat, whose cost grows with the
	// exponent.
	MaxNumberLength int
	// MaxValues is the most values (scalars, arrays and objects, the
	// document included) in the document; 0 means no limit. Schema
	// validation costs far more per violation than per valid value, so
	// this bounds what an invalid document of the largest size costs.
	MaxValues int
	// AllowDuplicateKeys lets an object name the same member twice.
	// Parsers disagree on which one wins, which is how a validated
	// document can mean something else upstream; off by default.
	AllowDuplicateKeys bool
}

// maxExponent bounds the exponent of a number literal. float64 ends near
// 1e308; anything beyond is not a number an API means.
const maxExponent = 400

// smallObject is how many members an object may have before duplicate
// detection switches from a linear scan to a map.
const smallObject = 32

// CheckJSON scans b once and reports the first limit it breaks or the first
// syntax error, as a *ThreatError; nil means b is one well-formed JSON value
// within the limits. It allocates nothing for ordinary documents.
func (l *Limits) CheckJSON(b []byte) error {
	s := getScanner(b, l, false)
	_, err := s.document()
	putScanner(s)
	return err
}

// DecodeJSON is CheckJSON that also builds the document the way
// encoding/json does with UseNumber (map[string]any, []any, string,
// json.Number, bool, nil), in the same single pass.
func (l *Limits) DecodeJSON(b []byte) (any, error) {
	s := getScanner(b, l, true)
	v, err := s.document()
	putScanner(s)
	return v, err
}

// scanners keeps the key and string buffers of finished scans.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

func getScanner(b []byte, l *Limits, build bool) *scanner {
	s := scanners.Get().(*scanner)
	s.b, s.i, s.lim, s.build, s.depth, s.values = b, 0, l, build, 0, 0
	return s
}

func putScanner(s *scanner) {
	if cap(s.keyBuf) > 64<<10 || cap(s.strBuf) > 64<<10 || cap(s.keys) > 4096 {
		return // let an outsized buffer go
	}
	s.b, s.lim = nil, nil
	s.keys, s.keyBuf, s.strBuf = s.keys[:0], s.keyBuf[:0], s.strBuf[:0]
	scanners.Put(s)
}

// keyRef is one member name seen in the object being scanned.
type keyRef struct {
	hash uint64
	off  int // into scanner.keyBuf
	n    int
}

type scanner struct {
	b      []byte
	i      int
	lim    *Limits
	build  bool
	depth  int
	values int

	keys   []keyRef
	keyBuf []byte
	strBuf []byte
}

func (s *scanner) fail(code string, limit int) error {
	return &ThreatError{Code: code, Offset: s.i, Limit: limit}
}

func (s *scanner) document() (any, error) {
	if len(s.b) > s.lim.MaxBytes {
		return nil, &ThreatError{Code: CodeJSONTooLarge, Offset: s.lim.MaxBytes, Limit: s.lim.MaxBytes}
	}
	s.skipSpace()
	v, err := s.value()
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.i != len(s.b) {
		return nil, s.fail(CodeJSONSyntax, 0)
	}
	return v, nil
}

func (s *scanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) value() (any, error) {
	if s.i >= len(s.b) {
		return nil, s.fail(CodeJSONSyntax, 0)
	}
	s.values++
	if s.lim.MaxValues > 0 && s.values > s.lim.MaxValues {
		return nil, s.fail(CodeJSONTooManyValues, s.lim.MaxValues)
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		str, err := s.str(s.lim.MaxStringLength, CodeJSONStringTooLong, s.build)
		if err != nil || !s.build {
			return nil, err
		}
		return str, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true", true)
	case c == 'f':
		return s.literal("false", false)
	case c == 'n':
		return s.literal("null", nil)
	}
	return nil, s.fail(CodeJSONSyntax, 0)
}

func (s *scanner) literal(word string, v any) (any, error) {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return nil, s.fail(CodeJSONSyntax, 0)
	}
	s.i += len(word)
	return v, nil
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > s.lim.MaxDepth {
		return s.fail(CodeJSONTooDeep, s.lim.MaxDepth)
	}
	return nil
}

func (s *scanner) array() (any, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	s.i++ // [
	var out []any
	if s.build {
		out = []any{}
	}
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return out, nil
	}
	for n := 1; ; n++ {
		if n > s.lim.MaxArrayLength {
			return nil, s.fail(CodeJSONArrayTooLong, s.lim.MaxArrayLength)
		}
		s.skipSpace()
		v, err := s.value()
		if err != nil {
			return nil, err
		}
		if s.build {
			out = append(out, v)
		}
		s.skipSpace()
		if s.i >= len(s.b) {
			return nil, s.fail(CodeJSONSyntax, 0)
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return out, nil
		default:
			return nil, s.fail(CodeJSONSyntax, 0)
		}
	}
}

func (s *scanner) object() (any, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	s.i++ // {
	var out map[string]any
	if s.build {
		out = map[string]any{}
	}
	keysStart, bufStart := len(s.keys), len(s.keyBuf)
	defer func() { s.keys, s.keyBuf = s.keys[:keysStart], s.keyBuf[:bufStart] }()
	var big map[string]struct{} // duplicate detection past smallObject members

	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return out, nil
	}
	for n := 1; ; n++ {
		if n > s.lim.MaxObjectEntries {
			return nil, s.fail(CodeJSONTooManyEntries, s.lim.MaxObjectEntries)
		}
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return nil, s.fail(CodeJSONSyntax, 0)
		}
		keyAt := s.i
		// Keys are always unescaped into keyBuf: duplicate detection
		// must see "a" and "\u0061" as the same name.
		off := len(s.keyBuf)
		if _, err := s.strInto(s.lim.MaxKeyLength, CodeJSONKeyTooLong); err != nil {
			return nil, err
		}
		key := s.keyBuf[off:]
		var k string
		if s.build {
			k = string(key)
		}
		if !s.lim.AllowDuplicateKeys {
			dup := false
			switch {
			case s.build:
				_, dup = out[k]
			case n <= smallObject:
				h := hashKey(key)
				for _, r := range s.keys[keysStart:] {
					if r.hash == h && string(s.keyBuf[r.off:r.off+r.n]) == string(key) {
						dup = true
						break
					}
				}
				s.keys = append(s.keys, keyRef{hash: h, off: off, n: len(key)})
			default:
				if big == nil {
					big = make(map[string]struct{}, 2*smallObject)
					for _, r := range s.keys[keysStart:] {
						big[string(s.keyBuf[r.off:r.off+r.n])] = struct{}{}
					}
				}
				_, dup = big[string(key)]
				big[string(key)] = struct{}{}
			}
			if dup {
				s.i = keyAt
				return nil, s.fail(CodeJSONDuplicateKey, 0)
			}
		}
		if s.build || s.lim.AllowDuplicateKeys || n > smallObject {
			s.keyBuf = s.keyBuf[:off] // not needed for later comparisons
		}
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return nil, s.fail(CodeJSONSyntax, 0)
		}
		s.i++
		s.skipSpace()
		v, err := s.value()
		if err != nil {
			return nil, err
		}
		if s.build {
			out[k] = v
		}
		s.skipSpace()
		if s.i >= len(s.b) {
			return nil, s.fail(CodeJSONSyntax, 0)
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			return out, nil
		default:
			return nil, s.fail(CodeJSONSyntax, 0)
		}
	}
}

// hashKey is FNV-1a: cheap, and only a filter before comparing bytes.
func hashKey(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// str scans a string value. When build is set it returns the unescaped
// string (sharing no memory with the input).
func (s *scanner) str(max int, code string, build bool) (string, error) {
	if !build {
		_, err := s.scanString(max, code, nil)
		return "", err
	}
	s.strBuf = s.strBuf[:0]
	start := s.i + 1
	escaped, err := s.scanString(max, code, &s.strBuf)
	if err != nil {
		return "", err
	}
	if !escaped {
		return string(s.b[start : s.i-1]), nil
	}
	return string(s.strBuf), nil
}

// strInto scans a string and appends its unescaped bytes to keyBuf.
func (s *scanner) strInto(max int, code string) (bool, error) {
	start := s.i + 1
	escaped, err := s.scanString(max, code, &s.keyBuf)
	if err == nil && !escaped {
		s.keyBuf = append(s.keyBuf, s.b[start:s.i-1]...)
	}
	return escaped, err
}

// plain marks the bytes a string may hold without further thought:
// printable ASCII other than '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString scans the string starting at s.b[s.i] (a '"'), leaving s.i
// after the closing quote. It counts characters against max, checks UTF-8
// and escapes, and, when out is not nil and the string has an escape,
// appends the whole unescaped string to *out. It reports whether the string
// had an escape (when it had none, *out is untouched).
func (s *scanner) scanString(max int, code string, out *[]byte) (escaped bool, err error) {
	start := s.i
	s.i++
	chars := 0
	seg := s.i // start of the not yet copied run, when unescaping
	for {
		for s.i < len(s.b) && plain[s.b[s.i]] {
			s.i++
			chars++
		}
		if chars > max {
			s.i = start
			return false, s.fail(code, max)
		}
		if s.i >= len(s.b) {
			return false, s.fail(CodeJSONSyntax, 0)
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			if escaped && out != nil {
				*out = append(*out, s.b[seg:s.i]...)
			}
			s.i++
			return escaped, nil
		case c == '\\':
			if !escaped && out != nil {
				*out = append(*out, s.b[start+1:s.i]...)
			} else if out != nil {
				*out = append(*out, s.b[seg:s.i]...)
			}
			escaped = true
			if err := s.escape(out); err != nil {
				return false, err
			}
			seg = s.i
			chars++
		case c < 0x20:
			return false, s.fail(CodeJSONSyntax, 0)
		default:
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size <= 1 {
				return false, s.fail(CodeJSONInvalidUTF8, 0)
			}
			s.i += size
			chars++
		}
	}
}

// escape reads one escape sequence at s.b[s.i] ('\\'), appending its
// character to *out when out is not nil. A \u escape must not leave half a
// surrogate pair: that decodes to no character at all.
func (s *scanner) escape(out *[]byte) error {
	if s.i+1 >= len(s.b) {
		return s.fail(CodeJSONSyntax, 0)
	}
	var c byte
	switch s.b[s.i+1] {
	case '"':
		c = '"'
	case '\\':
		c = '\\'
	case '/':
		c = '/'
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		r, ok := hex4(s.b[s.i+2:])
		if !ok {
			return s.fail(CodeJSONSyntax, 0)
		}
		s.i += 6
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return s.fail(CodeJSONInvalidUTF8, 0)
		case r >= 0xD800 && r <= 0xDBFF:
			if len(s.b)-s.i < 2 || s.b[s.i] != '\\' || s.b[s.i+1] != 'u' {
				return s.fail(CodeJSONInvalidUTF8, 0)
			}
			lo, ok := hex4(s.b[s.i+2:])
			if !ok {
				return s.fail(CodeJSONSyntax, 0)
			}
			if lo < 0xDC00 || lo > 0xDFFF {
				return s.fail(CodeJSONInvalidUTF8, 0)
			}
			s.i += 6
			r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
		}
		if out != nil {
			*out = utf8.AppendRune(*out, r)
		}
		return nil
	default:
		return s.fail(CodeJSONSyntax, 0)
	}
	s.i += 2
	if out != nil {
		*out = append(*out, c)
	}
	return nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number scans -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? and bounds its
// length and exponent.
func (s *scanner) number() (any, error) {
	start := s.i
	b := s.b
	if b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(b) && b[s.i] >= '0' && b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	switch {
	case s.i < len(b) && b[s.i] == '0':
		s.i++
	case digits() == 0:
		return nil, s.fail(CodeJSONSyntax, 0)
	}
	if s.i < len(b) && b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return nil, s.fail(CodeJSONSyntax, 0)
		}
	}
	if s.i < len(b) && (b[s.i] == 'e' || b[s.i] == 'E') {
		s.i++
		if s.i < len(b) && (b[s.i] == '+' || b[s.i] == '-') {
			s.i++
		}
		expAt := s.i
		if digits() == 0 {
			return nil, s.fail(CodeJSONSyntax, 0)
		}
		exp := 0
		for _, c := range b[expAt:s.i] {
			exp = exp*10 + int(c-'0')
			if exp > maxExponent {
				s.i = start
				return nil, s.fail(CodeJSONNumberTooLong, maxExponent)
			}
		}
	}
	if s.i-start > s.lim.MaxNumberLength {
		s.i = start
		return nil, s.fail(CodeJSONNumberTooLong, s.lim.MaxNumberLength)
	}
	if s.build {
		return json.Number(b[start:s.i]), nil
	}
	return nil, nil
}
