package jsonscan

import "sync"

// Check scans b once and reports the first limit it breaks or the first
// syntax error, as an *Error; nil means b is one well-formed JSON value
// within the limits. It allocates nothing for ordinary documents.
func (o *Options) Check(b []byte) error {
	s := getScanner(b, o)
	_, err := s.document()
	putScanner(s)
	return err
}

// Decode is Check that also builds the document as encoding/json does
// into an interface value (map[string]any, []any, string, json.Number or
// float64, bool, nil), in the same single pass. Strings share no memory
// with b. Later members win over earlier ones of the same name, as in
// encoding/json, unless RefuseDuplicateKeys refuses them.
func (o *Options) Decode(b []byte) (any, error) {
	s := getScanner(b, o)
	s.build = true
	v, err := s.document()
	putScanner(s)
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
func (o *Options) Members(b []byte, fn func(name string, raw []byte) error) error {
	s := getScanner(b, o)
	defer putScanner(s)
	if _, err := s.document(); err != nil {
		return err
	}
	// b is well-formed and within the limits: the walk below cannot fail.
	s.i, s.depth, s.values = 0, 0, 0
	s.skipSpace()
	if s.b[s.i] != '{' {
		return &Error{Code: CodeNotObject, Offset: s.i}
	}
	s.i++
	s.skipSpace()
	if s.b[s.i] == '}' {
		return nil
	}
	var big map[string]struct{}
	keysStart := len(s.keys)
	for n := 1; ; n++ {
		keyAt, off := s.i, len(s.keyBuf)
		_, _ = s.keyInto()
		key := s.keyBuf[off:]
		if s.duplicate(keysStart, off, key, n, &big) {
			return &Error{Code: CodeDuplicateKey, Offset: keyAt}
		}
		name := string(key)
		if n > smallObject {
			s.keyBuf = s.keyBuf[:off] // in big now
		}
		s.skipSpace()
		s.i++ // :
		s.skipSpace()
		start := s.i
		_, _ = s.value(nil)
		if err := fn(name, s.b[start:s.i]); err != nil {
			return err
		}
		s.skipSpace()
		if s.b[s.i] == '}' {
			return nil
		}
		s.i++ // ,
		s.skipSpace()
	}
}

// Visit scans b as Check does and calls fn with every string, member
// names included, in document order: the shape a secret scanner needs to
// look at values and splice replacements into b at their offsets. fn is
// called as the scan reaches each string, so it may have seen some when
// Visit reports an error further on.
func (o *Options) Visit(b []byte, fn func(s *String)) error {
	s := getScanner(b, o)
	s.visit = fn
	_, err := s.document()
	putScanner(s)
	return err
}

// Unquote decodes one JSON string token (quotes included) as
// encoding/json decodes it: escapes resolved, invalid UTF-8 and lone
// surrogates as U+FFFD. It fails on anything but exactly one string.
func Unquote(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && isPlain(raw[1:len(raw)-1]) {
		return string(raw[1 : len(raw)-1]), nil
	}
	var o Options
	s := getScanner(raw, &o)
	defer putScanner(s)
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

// scanners keeps the buffers of finished scans.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

func getScanner(b []byte, o *Options) *scanner {
	s := scanners.Get().(*scanner)
	s.b, s.i, s.o, s.depth, s.values = b, 0, o.norm(), 0, 0
	return s
}

func putScanner(s *scanner) {
	if cap(s.keyBuf) > 64<<10 || cap(s.strBuf) > 64<<10 || cap(s.pairBuf) > 64<<10 || cap(s.keys) > 4096 || cap(s.path) > 4096 {
		return // let an outsized buffer go
	}
	s.b, s.build, s.visit, s.o.Pairs, s.cur, s.last = nil, false, nil, nil, String{}, nil
	s.keys, s.keyBuf, s.strBuf, s.pairBuf, s.path = s.keys[:0], s.keyBuf[:0], s.strBuf[:0], s.pairBuf[:0], s.path[:0]
	scanners.Put(s)
}
