package jsonscan

import (
	"strconv"
	"strings"
)

// The hooks of Members, MemberValues and Visit, called by object only
// when one of them is set (state.hooked), so that Check and Decode pay
// an untaken branch or two per member for them.

// String is one string of a document, as Visit hands it over. Its
// slices and Pointer are valid only during the call.
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

	s *state
}

// segment is one step of the path to the string being visited: an
// array index, or a member name at b[start:end] or, when escaped,
// keyBuf[start:end]. Offsets, not slices: a segment holds no pointer, so
// pushing one costs no write barrier.
type segment struct {
	start, end int
	index      int
	isArr      bool
	escaped    bool
}

// frame is Visit's state for one open object.
type frame struct {
	pairStart int      // where the object's pair name is in pairBuf
	pair      []byte   // the string value of its last PairName member
	role      PairRole // the PairRole of the member being scanned
}

// Pointer is the JSON Pointer (RFC 6901) of the string's place: the
// value's own, or for a member name its object's. name renders each
// member name on the way (names can hold secrets too); nil keeps them.
func (str String) Pointer(name func(string) string) string {
	var b strings.Builder
	s := str.s
	for _, seg := range s.path {
		b.WriteByte('/')
		if seg.isArr {
			b.WriteString(strconv.Itoa(seg.index))
			continue
		}
		var k string
		if seg.escaped {
			k = string(s.keyBuf[seg.start:seg.end])
		} else {
			k = string(s.b[seg.start:seg.end])
		}
		if name != nil {
			k = name(k)
		}
		k = strings.ReplaceAll(k, "~", "~0")
		b.WriteString(strings.ReplaceAll(k, "/", "~1"))
	}
	return b.String()
}

// enterObject and leaveObject bracket an object; a member's value that
// is an object (or an array) has no String.Member for its strings.
func (s *state) enterObject() {
	if s.visit != nil {
		s.next = nil
		s.frames = append(s.frames, frame{pairStart: len(s.pairBuf)})
	}
}

func (s *state) leaveObject() {
	if s.visit != nil {
		f := &s.frames[len(s.frames)-1]
		s.pairBuf = s.pairBuf[:f.pairStart]
		f.pair = nil
		s.frames = s.frames[:len(s.frames)-1]
	}
}

// name is called with a member name just scanned (from keyAt; unescaped
// at keyBuf[off:] when escaped), before its value. Visit: the name goes
// to the visitor, onto the path, and becomes what a string value of the
// member belongs to (or, for a PairValue member, the object's pair name).
func (s *state) name(keyAt, off int, escaped bool) {
	if s.visit == nil {
		return
	}
	seg := segment{start: keyAt + 1, end: s.i - 1}
	name := s.b[seg.start:seg.end]
	if escaped {
		seg = segment{start: off, end: len(s.keyBuf), escaped: true}
		name = s.keyBuf[off:]
	}
	s.visit(String{Value: name, IsKey: true, Start: keyAt, End: s.i, s: s})
	s.path = append(s.path, seg)
	f := &s.frames[len(s.frames)-1]
	f.role, s.next = NotPaired, name
	if s.pairs != nil {
		if f.role = s.pairs(name); f.role == PairValue && f.pair != nil {
			s.next = f.pair
		}
	}
}

// member is called after a member's value, b[valAt:s.i], was scanned
// (and built as v, when building); its name is still at keyBuf[off:] for
// Members (which refuses duplicates, so keeps names there).
func (s *state) member(off, valAt int, v any) error {
	if s.depth == 1 && s.visit == nil {
		if s.members != nil {
			return s.members(string(s.keyBuf[off:]), s.b[valAt:s.i])
		}
		return s.memberValues(string(s.keyBuf[off:]), v)
	}
	if s.visit == nil {
		return nil
	}
	s.next = nil
	s.path = s.path[:len(s.path)-1]
	if f := &s.frames[len(s.frames)-1]; f.role == PairName && s.b[valAt] == '"' {
		f.pair = s.last // in the input
		if s.lastEsc {
			s.pairBuf = append(s.pairBuf[:f.pairStart], s.last...)
			f.pair = s.pairBuf[f.pairStart:]
		}
	}
	return nil
}

// visitString scans a string value and hands it to the visitor: a
// member's value with s.next as its Member, which it clears.
func (s *state) visitString() error {
	at := s.i
	s.strBuf = s.strBuf[:0]
	escaped, err := s.scanString(s.o.MaxStringLength, CodeStringTooLong, &s.strBuf)
	if err != nil {
		return err
	}
	v := s.b[at+1 : s.i-1]
	if escaped {
		v = s.strBuf
	}
	member := s.next
	s.next, s.last, s.lastEsc = nil, v, escaped
	s.visit(String{Value: v, Member: member, Start: at, End: s.i, s: s})
	return nil
}
