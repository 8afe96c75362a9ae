package jsonscan

import (
	"strconv"
	"strings"
)

// String is one string of a document, as Visit hands it over. It and
// its slices are valid only during the call.
type String struct {
	// Value is the string with its escapes decoded (as encoding/json
	// decodes them); a string without escapes is its bytes as they are in
	// the input, invalid UTF-8 included.
	Value []byte
	// Member is, for a member's string value, the member's name; in a
	// name/value pair object (Options.Pairs), the PairValue member's is
	// the string value of the PairName member before it. Nil for member
	// names, array elements and the document itself.
	Member []byte
	// IsKey is true when the string is a member name.
	IsKey bool
	// Start and End are the token's offsets in the input, quotes
	// included.
	Start, End int

	s *scanner
}

// segment is one step of the path to the string being visited.
type segment struct {
	key   []byte
	index int
	isArr bool
}

// Pointer is the JSON Pointer (RFC 6901) of the string's place: the
// value's own, or for a member name its object's. name renders each
// member name on the way (names can hold secrets too); nil keeps them.
func (str *String) Pointer(name func(string) string) string {
	var b strings.Builder
	for _, seg := range str.s.path {
		b.WriteByte('/')
		if seg.isArr {
			b.WriteString(strconv.Itoa(seg.index))
			continue
		}
		k := string(seg.key)
		if name != nil {
			k = name(k)
		}
		k = strings.ReplaceAll(k, "~", "~0")
		b.WriteString(strings.ReplaceAll(k, "/", "~1"))
	}
	return b.String()
}

// visitKey hands the member name just scanned, starting at at, to the
// visitor.
func (s *scanner) visitKey(at int, name []byte) {
	s.cur = String{Value: name, IsKey: true, Start: at, End: s.i, s: s}
	s.visit(&s.cur)
}

// visitString scans a string value and hands it to the visitor.
func (s *scanner) visitString(member []byte) error {
	at := s.i
	s.strBuf = s.strBuf[:0]
	escaped, _, err := s.scanString(s.o.MaxStringLength, CodeStringTooLong, &s.strBuf)
	if err != nil {
		return err
	}
	v := s.b[at+1 : s.i-1]
	if escaped {
		v = s.strBuf
	}
	s.last, s.lastEsc = v, escaped
	s.cur = String{Value: v, Member: member, Start: at, End: s.i, s: s}
	s.visit(&s.cur)
	return nil
}

// keepPair keeps the last string visited as the pair name of the object
// whose pair names start at pairBuf[at].
func (s *scanner) keepPair(at int) []byte {
	if !s.lastEsc {
		return s.last // in the input
	}
	s.pairBuf = append(s.pairBuf[:at], s.last...)
	return s.pairBuf[at:]
}
