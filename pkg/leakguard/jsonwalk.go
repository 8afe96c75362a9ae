package leakguard

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// errNotJSON makes a body that does not parse as JSON fall back to text
// scanning.
var errNotJSON = errors.New("not JSON")

// maxJSONDepth bounds nesting; deeper documents are scanned as text.
const maxJSONDepth = 512

// jsonString is one string token handed to a visitor.
type jsonString struct {
	// Value is the decoded string (it aliases the input when the token has
	// no escapes; visitors must not modify it).
	Value []byte
	// Key is the member name when the string is an object member's value.
	Key []byte
	// IsKey is true when the string is itself a member name.
	IsKey bool
}

// jsonVisitor inspects one string. It returns the replacement decoded
// value, or nil to keep the token as it is.
type jsonVisitor func(s jsonString, pointer func() string) []byte

// jsonEdit replaces raw[start:end] (a whole string token, quotes
// included) with repl.
type jsonEdit struct {
	start, end int
	repl       []byte
}

type pathSeg struct {
	key   string
	index int
	isArr bool
}

// jsonWalker parses a JSON document strictly (RFC 8259) and visits every
// string. It edits nothing itself: replaced strings are re-encoded and
// spliced in by apply, so numbers, spacing and key order stay as the
// upstream wrote them.
type jsonWalker struct {
	data  []byte
	pos   int
	depth int
	path  []pathSeg
	visit jsonVisitor
	edits []jsonEdit
	// safeKey renders a member name for a JSON pointer (names can hold
	// secrets too).
	safeKey func(string) string
	// pointerFn is w.pointer, bound once: a method value made per visit
	// is an allocation per string.
	pointerFn func() string
}

// walkJSON visits every string of data and returns the edits the visitor
// asked for, or errNotJSON.
func walkJSON(data []byte, visit jsonVisitor, safeKey func(string) string) ([]jsonEdit, error) {
	w := &jsonWalker{data: data, visit: visit, safeKey: safeKey}
	w.pointerFn = w.pointer
	w.ws()
	if err := w.value(nil); err != nil {
		return nil, err
	}
	w.ws()
	if w.pos != len(w.data) {
		return nil, errNotJSON
	}
	return w.edits, nil
}

func (w *jsonWalker) ws() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

func (w *jsonWalker) pointer() string {
	var b strings.Builder
	for _, s := range w.path {
		b.WriteByte('/')
		if s.isArr {
			b.WriteString(strconv.Itoa(s.index))
			continue
		}
		k := s.key
		if w.safeKey != nil {
			k = w.safeKey(k)
		}
		k = strings.ReplaceAll(k, "~", "~0")
		b.WriteString(strings.ReplaceAll(k, "/", "~1"))
	}
	return b.String()
}

// value parses one value; key is the member name it belongs to, if any.
func (w *jsonWalker) value(key []byte) error {
	if w.pos >= len(w.data) {
		return errNotJSON
	}
	switch c := w.data[w.pos]; {
	case c == '{':
		return w.object()
	case c == '[':
		return w.array()
	case c == '"':
		_, err := w.str(key, false)
		return err
	case c == 't':
		return w.literal("true")
	case c == 'f':
		return w.literal("false")
	case c == 'n':
		return w.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return w.number()
	}
	return errNotJSON
}

func (w *jsonWalker) literal(lit string) error {
	if !bytes.HasPrefix(w.data[w.pos:], []byte(lit)) {
		return errNotJSON
	}
	w.pos += len(lit)
	return nil
}

func (w *jsonWalker) number() error {
	d, p := w.data, w.pos
	if p < len(d) && d[p] == '-' {
		p++
	}
	switch {
	case p < len(d) && d[p] == '0':
		p++
	case p < len(d) && d[p] >= '1' && d[p] <= '9':
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
	default:
		return errNotJSON
	}
	if p < len(d) && d[p] == '.' {
		p++
		q := p
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
		if p == q {
			return errNotJSON
		}
	}
	if p < len(d) && (d[p] == 'e' || d[p] == 'E') {
		p++
		if p < len(d) && (d[p] == '+' || d[p] == '-') {
			p++
		}
		q := p
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
		}
		if p == q {
			return errNotJSON
		}
	}
	w.pos = p
	return nil
}

func (w *jsonWalker) enter() error {
	w.depth++
	if w.depth > maxJSONDepth {
		return errNotJSON
	}
	w.pos++
	w.ws()
	return nil
}

func (w *jsonWalker) object() error {
	if err := w.enter(); err != nil {
		return err
	}
	if w.pos < len(w.data) && w.data[w.pos] == '}' {
		w.pos++
		w.depth--
		return nil
	}
	// sibling is the string value of a name member ("k", "key", "name"):
	// in [{"k":"aws_secret_access_key","v":"..."}] it names the value
	// member that follows, so key-value rules see the pair.
	var sibling []byte
	for {
		if w.pos >= len(w.data) || w.data[w.pos] != '"' {
			return errNotJSON
		}
		name, err := w.str(nil, true)
		if err != nil {
			return err
		}
		w.ws()
		if w.pos >= len(w.data) || w.data[w.pos] != ':' {
			return errNotJSON
		}
		w.pos++
		w.ws()
		w.path = append(w.path, pathSeg{key: string(name)})
		key := name
		if sibling != nil && isValueMember(name) {
			key = sibling
		}
		if w.pos < len(w.data) && w.data[w.pos] == '"' && isNameMember(name) {
			v, err := w.str(key, false)
			if err != nil {
				return err
			}
			sibling = v
		} else if err := w.value(key); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
		w.ws()
		if w.pos >= len(w.data) {
			return errNotJSON
		}
		switch w.data[w.pos] {
		case ',':
			w.pos++
			w.ws()
		case '}':
			w.pos++
			w.depth--
			return nil
		default:
			return errNotJSON
		}
	}
}

// isNameMember and isValueMember recognise the members of name/value
// pair objects: AWS tags and parameters, Kubernetes env, settings APIs.
func isNameMember(n []byte) bool {
	switch string(n) {
	case "k", "key", "Key", "name", "Name", "ParameterKey", "OptionName":
		return true
	}
	return false
}

func isValueMember(n []byte) bool {
	switch string(n) {
	case "v", "value", "Value", "ParameterValue":
		return true
	}
	return false
}

func (w *jsonWalker) array() error {
	if err := w.enter(); err != nil {
		return err
	}
	if w.pos < len(w.data) && w.data[w.pos] == ']' {
		w.pos++
		w.depth--
		return nil
	}
	for i := 0; ; i++ {
		w.path = append(w.path, pathSeg{index: i, isArr: true})
		if err := w.value(nil); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
		w.ws()
		if w.pos >= len(w.data) {
			return errNotJSON
		}
		switch w.data[w.pos] {
		case ',':
			w.pos++
			w.ws()
		case ']':
			w.pos++
			w.depth--
			return nil
		default:
			return errNotJSON
		}
	}
}

// str parses a string token at w.pos, visits it, and returns its decoded
// value.
func (w *jsonWalker) str(key []byte, isKey bool) ([]byte, error) {
	start := w.pos
	p := start + 1
	escaped := false
	for {
		if p >= len(w.data) {
			return nil, errNotJSON
		}
		c := w.data[p]
		if c == '"' {
			break
		}
		if c < 0x20 {
			return nil, errNotJSON
		}
		if c == '\\' {
			escaped = true
			if p+1 >= len(w.data) {
				return nil, errNotJSON
			}
			switch w.data[p+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p += 2
			case 'u':
				if p+6 > len(w.data) || !isHex4(w.data[p+2:p+6]) {
					return nil, errNotJSON
				}
				p += 6
			default:
				return nil, errNotJSON
			}
			continue
		}
		p++
	}
	end := p + 1
	w.pos = end
	raw := w.data[start:end]
	value := raw[1 : len(raw)-1]
	if escaped {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errNotJSON
		}
		value = []byte(s)
	}
	if w.visit != nil {
		if repl := w.visit(jsonString{Value: value, Key: key, IsKey: isKey}, w.pointerFn); repl != nil {
			w.edits = append(w.edits, jsonEdit{start: start, end: end, repl: encodeJSONString(repl)})
		}
	}
	return value, nil
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// encodeJSONString encodes s as a JSON string token. HTML characters are
// left alone; invalid UTF-8 becomes U+FFFD, as encoding/json does.
func encodeJSONString(s []byte) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(string(s)) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// applyEdits splices edits (in order, non-overlapping) into data.
func applyEdits(data []byte, edits []jsonEdit) []byte {
	if len(edits) == 0 {
		return data
	}
	out := make([]byte, 0, len(data))
	last := 0
	for _, e := range edits {
		out = append(out, data[last:e.start]...)
		out = append(out, e.repl...)
		last = e.end
	}
	return append(out, data[last:]...)
}
