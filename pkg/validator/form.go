package validator

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"strconv"
	"strings"
)

// Form bodies and bracketed query parameters are decoded the way the
// frameworks behind gateways read them (qs for Express, PHP, Rack):
// "a[b][c]=1" is a member c of a member b of a, "a[]=1" and "a[0]=1" are
// elements of a. OpenAPI's deepObject style and the encoding of
// application/x-www-form-urlencoded and multipart/form-data bodies are
// that notation; the values are then coerced to the types the schema
// gives each position, and the whole validated as JSON would be.

// formNode is what was sent under one name: its plain values (name=v),
// its elements (name[]=v, name[0]=v) and its members (name[k]=v). Forms
// are small: members and indexed elements are short lists, searched in
// turn, which allocates less than maps.
type formNode struct {
	vals    []string
	indexed []indexedNode // name[0], name[1]…, in the order first sent
	pushed  []*formNode   // name[]…, after the indexed ones
	members []memberNode
}

type indexedNode struct {
	i    int
	node *formNode
}

type memberNode struct {
	name string
	node *formNode
}

// maxFormDepth bounds the subscripts of one name (qs's default is 5).
const maxFormDepth = 8

// maxFormFields bounds the fields of a form body.
const maxFormFields = 1000

var errFormSyntax = errors.New("malformed form name")

func (n *formNode) member(k string) *formNode {
	for _, m := range n.members {
		if m.name == k {
			return m.node
		}
	}
	c := &formNode{}
	n.members = append(n.members, memberNode{k, c})
	return c
}

func (n *formNode) index(i int) *formNode {
	for _, e := range n.indexed {
		if e.i == i {
			return e.node
		}
	}
	c := &formNode{}
	n.indexed = append(n.indexed, indexedNode{i, c})
	return c
}

// addAt puts value v under n at the subscripts of rest ("[b][]"), which
// must be well formed and at most maxFormDepth deep.
func (n *formNode) addAt(rest, v string) error {
	for depth := 0; rest != ""; depth++ {
		if rest[0] != '[' || depth >= maxFormDepth {
			return errFormSyntax
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 || strings.IndexByte(rest[1:end], '[') >= 0 {
			return errFormSyntax
		}
		sub := rest[1:end]
		rest = rest[end+1:]
		switch {
		case sub == "":
			c := &formNode{}
			n.pushed = append(n.pushed, c)
			n = c
		case isFormIndex(sub):
			i, _ := strconv.Atoi(sub)
			n = n.index(i)
		default:
			n = n.member(sub)
		}
	}
	n.vals = append(n.vals, v)
	return nil
}

func isFormIndex(s string) bool {
	if len(s) == 0 || len(s) > 6 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// elements returns the node's elements in order: plain values, then
// indexed ones by index, then pushed ones.
func (n *formNode) elements() []*formNode {
	out := make([]*formNode, 0, len(n.vals)+len(n.indexed)+len(n.pushed))
	for _, v := range n.vals {
		out = append(out, &formNode{vals: []string{v}})
	}
	idx := slices.Clone(n.indexed)
	slices.SortFunc(idx, func(a, b indexedNode) int { return a.i - b.i })
	for _, e := range idx {
		out = append(out, e.node)
	}
	return append(out, n.pushed...)
}

// formTree groups fields by base name.
type formTree map[string]*formNode

// add files one name=value pair.
func (t formTree) add(name, v string) error {
	open := strings.IndexByte(name, '[')
	base, rest := name, ""
	if open >= 0 {
		base, rest = name[:open], name[open:]
	}
	if base == "" || strings.IndexByte(base, ']') >= 0 {
		return errFormSyntax
	}
	n := t[base]
	if n == nil {
		n = &formNode{}
		t[base] = n
	}
	return n.addAt(rest, v)
}

// shaper turns a formNode into the JSON value a schema expects at its
// position, resolving $refs among the bundle's definitions.
type shaper struct {
	resolve func(string) (map[string]any, bool)
	enc     map[string]fieldEncoding // top-level fields of a form body
	names   map[string]bool          // member names a location spells out
}

// token is how a member name appears in a location: "*" unless the
// schemas declare it (see location).
func (sh *shaper) token(k string) string {
	if sh.names[k] {
		return k
	}
	return "*"
}

// formProblem is a value that cannot stand where it is sent.
type formProblem struct {
	path string // the location: "body/shipping/name"
	code string
	msg  string
}

// shape converts n for schema s (raw, converted JSON Schema). at is the
// location of n, for problems.
func (sh *shaper) shape(n *formNode, s any, at string, enc *fieldEncoding) (any, *formProblem) {
	m := deref(s, sh.resolve)
	types := sh.types(m)
	hasItems := len(n.indexed) > 0 || len(n.pushed) > 0
	switch {
	case len(n.members) > 0:
		if len(n.vals) > 0 || hasItems {
			return nil, &formProblem{at, CodeMalformed, "is sent both as a value and with members"}
		}
		obj := sh.pick(m, "object")
		out := make(map[string]any, len(n.members))
		for _, mn := range n.members {
			v, p := sh.shape(mn.node, sh.propertySchema(obj, mn.name), join(at, sh.token(mn.name)), nil)
			if p != nil {
				return nil, p
			}
			out[mn.name] = v
		}
		return out, nil
	case hasItems || types.has("array") && !types.scalar():
		arr := sh.pick(m, "array")
		var items any
		if arr != nil {
			items = arr["items"]
		}
		elems := n.elements()
		if len(n.vals) == 1 && !hasItems && enc != nil && enc.explode != nil && !*enc.explode {
			elems = nil
			if n.vals[0] != "" {
				for _, v := range strings.Split(n.vals[0], delimiterOf(enc.style)) {
					elems = append(elems, &formNode{vals: []string{v}})
				}
			}
		}
		out := make([]any, len(elems))
		for i, c := range elems {
			v, p := sh.shape(c, items, join(at, strconv.Itoa(i)), nil)
			if p != nil {
				return nil, p
			}
			out[i] = v
		}
		return out, nil
	}
	if len(n.vals) > 1 {
		return nil, &formProblem{at, CodeMultipleValues, "must be given once"}
	}
	v := n.vals[0]
	for _, t := range []string{"integer", "number", "boolean", "null"} {
		if types.has(t) {
			if c := coerceScalar(v, t); c != any(v) {
				return c, nil
			}
		}
	}
	return v, nil
}

// typeSet is the types a schema position admits, one bit each.
type typeSet uint8

const (
	tString typeSet = 1 << iota
	tInteger
	tNumber
	tBoolean
	tNull
	tArray
	tObject
)

var typeBits = map[string]typeSet{"string": tString, "integer": tInteger, "number": tNumber,
	"boolean": tBoolean, "null": tNull, "array": tArray, "object": tObject}

func (t typeSet) has(name string) bool { return t&typeBits[name] != 0 }

func (t typeSet) scalar() bool { return t&(tString|tInteger|tNumber|tBoolean) != 0 }

// types collects the types a schema admits: its type (or types), or those
// of its anyOf, oneOf and allOf members.
func (sh *shaper) types(m map[string]any) typeSet {
	var out typeSet
	var add func(m map[string]any, depth int)
	add = func(m map[string]any, depth int) {
		if m == nil || depth > 4 {
			return
		}
		switch t := m["type"].(type) {
		case string:
			out |= typeBits[t]
			return
		case []any:
			for _, el := range t {
				if s, ok := el.(string); ok {
					out |= typeBits[s]
				}
			}
			return
		}
		for _, k := range []string{"anyOf", "oneOf", "allOf"} {
			l, _ := m[k].([]any)
			for _, el := range l {
				add(deref(el, sh.resolve), depth+1)
			}
		}
	}
	add(m, 0)
	return out
}

// pick returns the schema (m, or an anyOf/oneOf/allOf member) whose type
// is typ, or nil.
func (sh *shaper) pick(m map[string]any, typ string) map[string]any {
	var find func(m map[string]any, depth int) map[string]any
	find = func(m map[string]any, depth int) map[string]any {
		if m == nil || depth > 4 {
			return nil
		}
		switch t := m["type"].(type) {
		case string:
			if t == typ {
				return m
			}
		case []any:
			for _, el := range t {
				if el == typ {
					return m
				}
			}
		}
		if _, ok := m["properties"]; ok && typ == "object" {
			return m
		}
		for _, k := range []string{"anyOf", "oneOf", "allOf"} {
			l, _ := m[k].([]any)
			for _, el := range l {
				if f := find(deref(el, sh.resolve), depth+1); f != nil {
					return f
				}
			}
		}
		return nil
	}
	return find(m, 0)
}

// propertySchema is the schema of member k of an object schema: its
// property, else its additionalProperties schema, else any.
func (sh *shaper) propertySchema(obj map[string]any, k string) any {
	if obj == nil {
		return nil
	}
	if props, ok := obj["properties"].(map[string]any); ok {
		if p, ok := props[k]; ok {
			return p
		}
	}
	if ap, ok := obj["additionalProperties"].(map[string]any); ok {
		return ap
	}
	return nil
}

func delimiterOf(style string) string {
	switch style {
	case "spaceDelimited":
		return " "
	case "pipeDelimited":
		return "|"
	}
	return ","
}

// parseURLEncoded reads an application/x-www-form-urlencoded body: '&'
// separates fields, '=' a name from its value, '+' is a space and %XX a
// byte (an invalid escape is an error). Every name and value is decoded
// into one buffer, so a field costs no allocation of its own.
func parseURLEncoded(b []byte) (formTree, error) {
	type span struct{ k0, k1, v0, v1 int }
	spans := make([]span, 0, bytes.Count(b, []byte{'&'})+1)
	buf := make([]byte, 0, len(b))
	var ok bool
	for raw := b; len(raw) > 0; {
		pair := raw
		if i := bytes.IndexByte(raw, '&'); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		if len(pair) == 0 {
			continue
		}
		if len(spans) >= maxFormFields {
			return nil, errors.New("too many fields")
		}
		k, v := pair, []byte(nil)
		if i := bytes.IndexByte(pair, '='); i >= 0 {
			k, v = pair[:i], pair[i+1:]
		}
		var sp span
		sp.k0 = len(buf)
		if buf, ok = appendUnescaped(buf, k); !ok {
			return nil, errors.New("invalid percent-encoding")
		}
		sp.k1, sp.v0 = len(buf), len(buf)
		if buf, ok = appendUnescaped(buf, v); !ok {
			return nil, errors.New("invalid percent-encoding")
		}
		sp.v1 = len(buf)
		spans = append(spans, sp)
	}
	text := string(buf)
	t := make(formTree, len(spans))
	for _, sp := range spans {
		if err := t.add(text[sp.k0:sp.k1], text[sp.v0:sp.v1]); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// appendUnescaped appends s form-decoded ('+' a space, %XX a byte).
func appendUnescaped(dst, s []byte) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			dst = append(dst, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return dst, false
			}
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// parseMultipart reads a multipart/form-data body: each part's name and
// content (a file's content is its value: OpenAPI's format binary).
func parseMultipart(b []byte, contentType string) (formTree, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil, errors.New("no boundary")
	}
	r := multipart.NewReader(bytes.NewReader(b), params["boundary"])
	t := formTree{}
	for n := 0; ; n++ {
		p, err := r.NextPart()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, errors.New("malformed multipart body")
		}
		if n >= maxFormFields {
			return nil, errors.New("too many parts")
		}
		name := p.FormName()
		if name == "" {
			return nil, errors.New("a part without a name")
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return nil, errors.New("malformed multipart body")
		}
		if err := t.add(name, string(v)); err != nil {
			return nil, err
		}
	}
}

// formBody decodes a form body of media type mt (the Content-Type as
// sent: the multipart boundary is case-sensitive) and shapes it for ts.
func (sh *shaper) formBody(b []byte, mt mediaType, contentType string, schema any) (any, []Violation) {
	var t formTree
	var err error
	if mt.typ == "multipart" {
		t, err = parseMultipart(b, contentType)
	} else {
		t, err = parseURLEncoded(b)
	}
	if err != nil {
		return nil, []Violation{{Location: "body", Code: CodeMalformed, Message: "is not a valid form: " + err.Error()}}
	}
	m := deref(schema, sh.resolve)
	obj := sh.pick(m, "object")
	out := make(map[string]any, len(t))
	var vs []Violation
	for k, n := range t {
		var enc *fieldEncoding
		if e, ok := sh.enc[k]; ok {
			enc = &e
		}
		v, p := sh.shape(n, sh.propertySchema(obj, k), join("body", sh.token(k)), enc)
		if p != nil {
			vs = append(vs, Violation{Location: p.path, Code: p.code, Message: p.msg})
			continue
		}
		out[k] = v
	}
	return out, vs
}
