package jsonscan

import "sync"

// Scanner reads JSON as the Options it was made from say. It is
// immutable and safe for concurrent use.
type Scanner struct {
	set   settings
	pairs func([]byte) PairRole
}

// New compiles o into a Scanner, once rather than per document.
func New(o Options) Scanner {
	return Scanner{set: o.settings(), pairs: o.Pairs}
}

// Check scans b once and reports the first limit it breaks or the first
// syntax error, as an *Error; nil means b is one well-formed JSON value
// within the limits. It allocates nothing for ordinary documents.
func (sc *Scanner) Check(b []byte) error {
	s := getState(b, sc)
	_, err := s.document()
	putState(s)
	return err
}

// Decode is Check that also builds the document as encoding/json does
// into an interface value (map[string]any, []any, string, json.Number or
// float64, bool, nil), in the same single pass. Strings share no memory
// with b. Later members win over earlier ones of the same name, as in
// encoding/json, unless RefuseDuplicateKeys refuses them.
func (sc *Scanner) Decode(b []byte) (any, error) {
	s := getState(b, sc)
	s.build = true
	v, err := s.document()
	putState(s)
	return v, err
}

// Members checks b as Check does, then calls fn with the name and the
// raw value (a subslice of b) of each member of the object b, in order.
// It refuses anything but an object (CodeNotObject) and a member name
// that occurs twice among b's members (CodeDuplicateKey), whatever
// RefuseDuplicateKeys says; names are decoded as encoding/json decodes
// them, so "a", "\u0061" and, without StrictUTF8, two different invalid
// bytes (both U+FFFD) are one name. Errors come in that order: the whole
// document's, then for each member its duplicate or fn's error.
func (sc *Scanner) Members(b []byte, fn func(name string, raw []byte) error) error {
	return sc.members(b, fn, nil)
}

// MemberValues is Members handing fn each member's value decoded as
// Decode decodes it (a number out of float64's range, with Float64, is
// CodeNumberTooLong, in that member's turn).
func (sc *Scanner) MemberValues(b []byte, fn func(name string, v any) error) error {
	return sc.members(b, nil, fn)
}

// members is Members with raw, MemberValues with values.
func (sc *Scanner) members(b []byte, raw func(string, []byte) error, values func(string, any) error) error {
	s := getState(b, sc)
	defer putState(s)
	if _, err := s.document(); err != nil {
		return err
	}
	// b is well-formed and within the limits: walked again, it fails only
	// on a duplicate name, a float out of range or with fn's error.
	s.i, s.depth, s.values = 0, 0, 0
	s.skipSpace()
	if s.b[s.i] != '{' {
		return &Error{Code: CodeNotObject, Offset: s.i}
	}
	s.hooked, s.members, s.memberValues, s.build = true, raw, values, values != nil
	_, err := s.value()
	return err
}

// Visit scans b as Check does and calls fn with every string, member
// names included, in document order: the shape a secret scanner needs to
// look at values and splice replacements into b at their offsets. fn is
// called as the scan reaches each string, so it may have seen some when
// Visit reports an error further on.
func (sc *Scanner) Visit(b []byte, fn func(s String)) error {
	s := getState(b, sc)
	s.hooked, s.visit, s.pairs = fn != nil, fn, sc.pairs
	_, err := s.document()
	putState(s)
	return err
}

// Unquote decodes one JSON string token (quotes included) as
// encoding/json decodes it: escapes resolved, invalid UTF-8 and lone
// surrogates as U+FFFD. It fails on anything but exactly one string.
func Unquote(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && isPlain(raw[1:len(raw)-1]) {
		return string(raw[1 : len(raw)-1]), nil
	}
	s := getState(raw, &plainJSON)
	defer putState(s)
	if len(raw) == 0 || raw[0] != '"' {
		return "", s.fail(CodeSyntax, 0)
	}
	str, err := s.str(s.o.MaxStringLength, CodeStringTooLong, true)
	if err == nil && s.i != len(raw) {
		err = s.fail(CodeSyntax, 0)
	}
	if err != nil {
		return "", err
	}
	return str, nil
}

// plainJSON reads JSON as encoding/json does, without limits.
var plainJSON = New(Options{})

// states keeps the buffers of finished scans.
var states = sync.Pool{New: func() any { return new(state) }}

func getState(b []byte, sc *Scanner) *state {
	s := states.Get().(*state)
	s.b, s.i, s.o, s.depth, s.values = b, 0, sc.set, 0, 0
	return s
}

func putState(s *state) {
	if cap(s.keyBuf) > 64<<10 || cap(s.strBuf) > 64<<10 || cap(s.pairBuf) > 64<<10 || cap(s.keys) > 4096 || cap(s.path) > 4096 || cap(s.frames) > 4096 {
		return // let an outsized buffer go
	}
	s.b, s.build = nil, false
	if s.hooked {
		s.hooked, s.visit, s.pairs, s.members, s.memberValues, s.next, s.last = false, nil, nil, nil, nil, nil, nil
	}
	s.keys, s.keyBuf, s.strBuf, s.pairBuf, s.path, s.frames = s.keys[:0], s.keyBuf[:0], s.strBuf[:0], s.pairBuf[:0], s.path[:0], s.frames[:0]
	states.Put(s)
}
