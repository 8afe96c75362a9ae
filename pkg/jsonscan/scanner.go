package jsonscan

import (
	"encoding/json"
	"strconv"
)

// state is one scan's working state: input, place, settings, and the
// buffers kept from scan to scan (states pools it).
type state struct {
	b     []byte
	i     int
	o     settings
	build bool
	// invalid: the last string scanned held invalid UTF-8 (scanString).
	invalid bool
	depth   int
	values  int

	keys   []keyRef // member names of the objects being scanned
	keyBuf []byte   // their unescaped bytes
	strBuf []byte   // the last unescaped string

	// The hooks' state (hooks.go); hooked: members, memberValues or
	// visit is set.
	hooked       bool
	members      func(name string, raw []byte) error // Members' fn, in its second pass
	memberValues func(name string, v any) error      // MemberValues' fn, likewise
	visit        func(String)
	pairs        func([]byte) PairRole
	path         []segment // where the scan is, for String.Pointer
	frames       []frame   // Visit: per open object, innermost last
	pairBuf      []byte    // unescaped pair names, one per open object at most
	next         []byte    // String.Member of the string value being scanned
	last         []byte    // Value of the last string visited
	lastEsc      bool      // last is in strBuf, not in b
}

func (s *state) fail(code string, limit int) error {
	return &Error{Code: code, Offset: s.i, Limit: limit}
}

func (s *state) document() (any, error) {
	if len(s.b) > s.o.MaxBytes {
		return nil, &Error{Code: CodeTooLarge, Offset: s.o.MaxBytes, Limit: s.o.MaxBytes}
	}
	s.skipSpace()
	v, err := s.value()
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.i != len(s.b) {
		return nil, s.fail(CodeSyntax, 0)
	}
	return v, nil
}

func (s *state) skipSpace() {
	i := s.i
	for i < len(s.b) {
		switch s.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		}
		break
	}
	s.i = i
}

// value scans one value.
func (s *state) value() (any, error) {
	if s.i >= len(s.b) {
		return nil, s.fail(CodeSyntax, 0)
	}
	s.values++
	if s.values > s.o.MaxValues {
		return nil, s.fail(CodeTooManyValues, s.o.MaxValues)
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		if s.visit != nil {
			return nil, s.visitString()
		}
		str, err := s.str(s.o.MaxStringLength, CodeStringTooLong, s.build)
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
	return nil, s.fail(CodeSyntax, 0)
}

func (s *state) literal(word string, v any) (any, error) {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return nil, s.fail(CodeSyntax, 0)
	}
	s.i += len(word)
	return v, nil
}

func (s *state) enter() error {
	s.depth++
	if s.depth > s.o.MaxDepth {
		return s.fail(CodeTooDeep, s.o.MaxDepth)
	}
	return nil
}

func (s *state) array() (any, error) {
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
	visiting := s.visit != nil
	if visiting {
		s.next = nil // elements belong to no member
		s.path = append(s.path, segment{index: 0, isArr: true})
	}
	for n := 1; ; n++ {
		if n > s.o.MaxArrayLength {
			return nil, s.fail(CodeArrayTooLong, s.o.MaxArrayLength)
		}
		if visiting {
			s.path[len(s.path)-1].index = n - 1
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
			return nil, s.fail(CodeSyntax, 0)
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			if visiting {
				s.path = s.path[:len(s.path)-1]
			}
			return out, nil
		default:
			return nil, s.fail(CodeSyntax, 0)
		}
	}
}

func (s *state) object() (any, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	s.i++ // {
	// top: the document's object, whose members Members hands over (and
	// whose duplicate names it refuses) instead of building it.
	top := s.hooked && s.depth == 1 && s.visit == nil
	var out map[string]any
	if s.build && !top {
		out = map[string]any{}
	}
	keysStart, bufStart := len(s.keys), len(s.keyBuf)
	defer func() { s.keys, s.keyBuf = s.keys[:keysStart], s.keyBuf[:bufStart] }()
	refuse := s.o.RefuseDuplicateKeys || top
	needKey := s.build || refuse
	var big map[string]struct{} // duplicate detection past smallObject members
	if s.hooked {
		s.enterObject()
	}

	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		if s.hooked {
			s.leaveObject()
		}
		return out, nil
	}
	for n := 1; ; n++ {
		if n > s.o.MaxObjectEntries {
			return nil, s.fail(CodeTooManyEntries, s.o.MaxObjectEntries)
		}
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return nil, s.fail(CodeSyntax, 0)
		}
		keyAt := s.i
		// Keys are unescaped into keyBuf: duplicate detection must see
		// "a" and "\u0061" as the same name. Visit alone needs only the
		// escaped ones there.
		off := len(s.keyBuf)
		escaped, err := s.keyInto(needKey)
		if err != nil {
			return nil, err
		}
		key := s.keyBuf[off:]
		var k string
		if out != nil {
			k = string(key)
		}
		if refuse {
			dup := false
			switch {
			case out != nil:
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
				dup = s.duplicateBig(keysStart, key, &big)
			}
			if dup {
				s.i = keyAt
				return nil, s.fail(CodeDuplicateKey, 0)
			}
		}
		if s.hooked {
			s.name(keyAt, off, escaped)
		}
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return nil, s.fail(CodeSyntax, 0)
		}
		s.i++
		s.skipSpace()
		valAt := s.i
		v, err := s.value()
		if err != nil {
			return nil, err
		}
		if out != nil {
			out[k] = v
		}
		if s.hooked {
			if err := s.member(off, valAt, v); err != nil {
				return nil, err
			}
		}
		if out != nil || !refuse || n > smallObject {
			s.keyBuf = s.keyBuf[:off] // not needed for later comparisons
		}
		s.skipSpace()
		if s.i >= len(s.b) {
			return nil, s.fail(CodeSyntax, 0)
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			if s.hooked {
				s.leaveObject()
			}
			return out, nil
		default:
			return nil, s.fail(CodeSyntax, 0)
		}
	}
}

// number scans -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? and bounds its
// length and exponent.
func (s *state) number() (any, error) {
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
		return nil, s.fail(CodeSyntax, 0)
	}
	if s.i < len(b) && b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return nil, s.fail(CodeSyntax, 0)
		}
	}
	if s.i < len(b) && (b[s.i] == 'e' || b[s.i] == 'E') {
		s.i++
		if s.i < len(b) && (b[s.i] == '+' || b[s.i] == '-') {
			s.i++
		}
		expAt := s.i
		if digits() == 0 {
			return nil, s.fail(CodeSyntax, 0)
		}
		if max := s.o.MaxExponent; max > 0 {
			exp := 0
			for _, c := range b[expAt:s.i] {
				exp = exp*10 + int(c-'0')
				if exp > max {
					s.i = start
					return nil, s.fail(CodeNumberTooLong, max)
				}
			}
		}
	}
	if s.i-start > s.o.MaxNumberLength {
		s.i = start
		return nil, s.fail(CodeNumberTooLong, s.o.MaxNumberLength)
	}
	if !s.build {
		return nil, nil
	}
	if !s.o.Float64 {
		return json.Number(b[start:s.i]), nil
	}
	return s.float(start)
}

// float converts the number b[start:s.i] as encoding/json does
// (strconv.ParseFloat), with a short path for small integers, which are
// exact in a float64.
func (s *state) float(start int) (any, error) {
	raw := s.b[start:s.i]
	if len(raw) <= 15 {
		n, ok := int64(0), true
		for _, c := range raw {
			if c < '0' || c > '9' {
				ok = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if ok {
			return float64(n), nil
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil { // out of range: encoding/json refuses it too
		s.i = start
		return nil, s.fail(CodeNumberTooLong, 0)
	}
	return f, nil
}
