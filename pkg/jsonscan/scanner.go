package jsonscan

import (
	"encoding/json"
	"strconv"
)

type scanner struct {
	b      []byte
	i      int
	o      Options // normalised: no zero limits
	build  bool
	depth  int
	values int

	keys   []keyRef // member names of the objects being scanned
	keyBuf []byte   // their unescaped bytes
	strBuf []byte   // the last unescaped string

	// Visit's state.
	visit   func(*String)
	cur     String
	path    []segment // where the scan is, for String.Pointer
	pairBuf []byte    // unescaped pair names, one per open object at most
	last    []byte    // Value of the last string visited
	lastEsc bool      // last is in strBuf, not in b
}

func (s *scanner) fail(code string, limit int) error {
	return &Error{Code: code, Offset: s.i, Limit: limit}
}

func (s *scanner) document() (any, error) {
	if len(s.b) > s.o.MaxBytes {
		return nil, &Error{Code: CodeTooLarge, Offset: s.o.MaxBytes, Limit: s.o.MaxBytes}
	}
	s.skipSpace()
	v, err := s.value(nil)
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.i != len(s.b) {
		return nil, s.fail(CodeSyntax, 0)
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

// value scans one value. member is what a visited string value belongs
// to (String.Member).
func (s *scanner) value(member []byte) (any, error) {
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
			return nil, s.visitString(member)
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

func (s *scanner) literal(word string, v any) (any, error) {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return nil, s.fail(CodeSyntax, 0)
	}
	s.i += len(word)
	return v, nil
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > s.o.MaxDepth {
		return s.fail(CodeTooDeep, s.o.MaxDepth)
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
	visiting := s.visit != nil
	if visiting {
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
		v, err := s.value(nil)
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

func (s *scanner) object() (any, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	s.i++ // {
	var out map[string]any
	if s.build {
		out = map[string]any{}
	}
	keysStart, bufStart, pairStart := len(s.keys), len(s.keyBuf), len(s.pairBuf)
	defer func() {
		s.keys, s.keyBuf, s.pairBuf = s.keys[:keysStart], s.keyBuf[:bufStart], s.pairBuf[:pairStart]
	}()
	var big map[string]struct{} // duplicate detection past smallObject members
	var pair []byte             // Visit: the string value of this object's last PairName member

	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
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
		// Keys are always unescaped into keyBuf: duplicate detection
		// must see "a" and "\u0061" as the same name.
		off := len(s.keyBuf)
		escaped, err := s.keyInto()
		if err != nil {
			return nil, err
		}
		key := s.keyBuf[off:]
		var k string
		if s.build {
			k = string(key)
		}
		if s.o.RefuseDuplicateKeys {
			var dup bool
			if s.build {
				_, dup = out[k]
			} else {
				dup = s.duplicate(keysStart, off, key, n, &big)
			}
			if dup {
				s.i = keyAt
				return nil, s.fail(CodeDuplicateKey, 0)
			}
		}
		// Visit: the name as a visitor sees it, and what its value
		// belongs to.
		var member []byte
		role := NotPaired
		if s.visit != nil {
			name := key
			if !escaped {
				name = s.b[keyAt+1 : s.i-1]
			}
			s.visitKey(keyAt, name)
			s.path = append(s.path, segment{key: name})
			member = name
			if s.o.Pairs != nil {
				if role = s.o.Pairs(name); role == PairValue && pair != nil {
					member = pair
				}
			}
		}
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return nil, s.fail(CodeSyntax, 0)
		}
		s.i++
		s.skipSpace()
		valAt := s.i
		v, err := s.value(member)
		if err != nil {
			return nil, err
		}
		if s.build {
			out[k] = v
		}
		if s.visit != nil {
			s.path = s.path[:len(s.path)-1]
			if role == PairName && s.b[valAt] == '"' {
				pair = s.keepPair(pairStart)
			}
		}
		if s.build || !s.o.RefuseDuplicateKeys || n > smallObject {
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
			return out, nil
		default:
			return nil, s.fail(CodeSyntax, 0)
		}
	}
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
func (s *scanner) float(start int) (any, error) {
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
