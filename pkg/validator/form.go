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
	"sync"
	"unsafe"
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

func (t *formTree) member(n *formNode, k string) *formNode {
	for _, m := range n.members {
		if m.name == k {
			return m.node
		}
	}
	c := t.node()
	n.members = append(n.members, memberNode{k, c})
	return c
}

func (t *formTree) index(n *formNode, i int) *formNode {
	for _, e := range n.indexed {
		if e.i == i {
			return e.node
		}
	}
	c := t.node()
	n.indexed = append(n.indexed, indexedNode{i, c})
	return c
}

// node returns a new node from the tree's slab: a form of a few dozen
// fields costs a few allocations, not one per name and subscript.
func (t *formTree) node() *formNode {
	if len(t.slab) == cap(t.slab) {
		t.slab = make([]formNode, 0, max(16, 2*cap(t.slab)))
	}
	t.slab = t.slab[:len(t.slab)+1]
	return &t.slab[len(t.slab)-1]
}

// addAt puts value v under n at the subscripts of rest ("[b][]"), which
// must be well formed and at most maxFormDepth deep.
func (t *formTree) addAt(n *formNode, rest, v string) error {
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
			c := t.node()
			n.pushed = append(n.pushed, c)
			n = c
		case isFormIndex(sub):
			i, _ := strconv.Atoi(sub)
			n = t.index(n, i)
		default:
			n = t.member(n, sub)
		}
	}
	if n.vals == nil {
		// Most names have one value: a one-element window on the
		// tree's string slab (appending more reallocates).
		if len(t.vals) == cap(t.vals) {
			t.vals = make([]string, 0, max(16, 2*cap(t.vals)))
		}
		t.vals = append(t.vals, v)
		n.vals = t.vals[len(t.vals)-1 : len(t.vals) : len(t.vals)]
		return nil
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
type formTree struct {
	names map[string]*formNode
	slab  []formNode // where nodes come from
	vals  []string   // where single values come from
	spans []formSpan // a body's fields, where parseURLEncoded decoded them
	// The maps and lists of the document a body is shaped into, kept
	// for the next tree's document (see shaper.out): maps[:nmaps] are
	// in use.
	maps  []map[string]any
	nmaps int
	items []any
}

// formSpan is where one decoded field's name and value lie in the buffer
// parseURLEncoded decodes into.
type formSpan struct{ k0, k1, v0, v1 int }

func newFormTree(fields int) *formTree {
	return &formTree{names: make(map[string]*formNode, fields),
		slab: make([]formNode, 0, fields+fields/2+1), vals: make([]string, 0, fields)}
}

// formTrees are the trees of form bodies, reused: a request's tree is a
// few kilobytes of slabs, and on a gateway holding a large compiled API
// description every byte allocated per request costs collector work in
// proportion (the collector runs once per heap's worth of allocation and
// marks the whole heap each time). The decoded text is not reused: the
// names and values in the shaped document, and whatever is copied out of
// it, are views of it.
var formTrees = sync.Pool{New: func() any { return &formTree{names: map[string]*formNode{}} }}

// maxPooledFormNodes bounds the trees kept for reuse: one made for a huge
// form is left to the collector, not kept for every later small one.
const maxPooledFormNodes = 256

// pooledFormTree returns an empty tree from formTrees, with room for
// fields fields.
func pooledFormTree(fields int) *formTree {
	t := formTrees.Get().(*formTree)
	if n := fields + fields/2 + 1; cap(t.slab) < n {
		t.slab = make([]formNode, 0, n)
	}
	return t
}

// release returns t, emptied, to formTrees, unless it grew too large to
// keep. Nothing t holds may be used after, the document shaped into it
// included (the decoded text is not t's: what was copied out of the
// document stays valid).
func (t *formTree) release() {
	if cap(t.slab) > maxPooledFormNodes || len(t.names) > maxPooledFormNodes ||
		cap(t.items) > maxPooledFormNodes || len(t.maps) > maxPooledFormNodes {
		return
	}
	t.reset()
	formTrees.Put(t)
}

// reset empties t, keeping its room. A node's lists keep theirs (their
// stale entries are overwritten before they are read); its values are
// windows on t.vals and are dropped.
func (t *formTree) reset() {
	clear(t.names)
	for i := range t.slab {
		n := &t.slab[i]
		*n = formNode{indexed: n.indexed[:0], pushed: n.pushed[:0], members: n.members[:0]}
	}
	for _, m := range t.maps[:t.nmaps] {
		clear(m)
	}
	clear(t.vals)
	clear(t.items)
	t.slab, t.vals, t.spans, t.items, t.nmaps = t.slab[:0], t.vals[:0], t.spans[:0], t.items[:0], 0
}

// newMap returns an empty map for an object of the document shaped into
// t with n members: one of an earlier document's, or a new one.
func (t *formTree) newMap(n int) map[string]any {
	if t.nmaps < len(t.maps) {
		t.nmaps++
		return t.maps[t.nmaps-1]
	}
	m := make(map[string]any, n)
	t.maps = append(t.maps, m)
	t.nmaps++
	return m
}

// newList returns a list of n elements for an array of the document
// shaped into t, from t's slab of elements.
func (t *formTree) newList(n int) []any {
	if len(t.items)+n > cap(t.items) {
		t.items = make([]any, 0, max(16, 2*cap(t.items), n))
	}
	t.items = t.items[:len(t.items)+n]
	return t.items[len(t.items)-n : len(t.items) : len(t.items)]
}

// add files one name=value pair.
func (t *formTree) add(name, v string) error {
	open := strings.IndexByte(name, '[')
	base, rest := name, ""
	if open >= 0 {
		base, rest = name[:open], name[open:]
	}
	if base == "" || strings.IndexByte(base, ']') >= 0 {
		return errFormSyntax
	}
	n := t.names[base]
	if n == nil {
		n = t.node()
		t.names[base] = n
	}
	return t.addAt(n, rest, v)
}

// shaper turns a formNode into the JSON value a schema expects at its
// position, resolving $refs among the bundle's definitions.
type shaper struct {
	resolve func(string) (map[string]any, bool)
	enc     map[string]fieldEncoding // top-level fields of a form body
	names   map[string]bool          // member names a location spells out
	// out is where the document's maps and lists come from: nil for
	// new ones, else a form body's tree (the document is then valid
	// until the tree is released).
	out *formTree
}

func (sh *shaper) newMap(n int) map[string]any {
	if sh.out == nil {
		return make(map[string]any, n)
	}
	return sh.out.newMap(n)
}

func (sh *shaper) newList(n int) []any {
	if sh.out == nil {
		return make([]any, n)
	}
	return sh.out.newList(n)
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
	// rev are the location's tokens below the top, innermost first,
	// gathered as shape returns: no location is built for a value that
	// has no problem.
	rev []string
}

// at returns the problem located under prefix.
func (p *formProblem) at(prefix string) *formProblem {
	p.path = prefix
	for i := len(p.rev) - 1; i >= 0; i-- {
		p.path = join(p.path, p.rev[i])
	}
	return p
}

// shape converts n for schema s (raw, converted JSON Schema); a problem's
// location is relative to n (see formProblem.at).
func (sh *shaper) shape(n *formNode, s any, enc *fieldEncoding) (any, *formProblem) {
	m := deref(s, sh.resolve)
	types := sh.types(m, 0)
	hasItems := len(n.indexed) > 0 || len(n.pushed) > 0
	switch {
	case len(n.members) > 0:
		if len(n.vals) > 0 || hasItems {
			return nil, &formProblem{code: CodeMalformed, msg: "is sent both as a value and with members"}
		}
		obj := sh.pick(m, tObject, 0)
		out := sh.newMap(len(n.members))
		for _, mn := range n.members {
			v, p := sh.shape(mn.node, sh.propertySchema(obj, mn.name), nil)
			if p != nil {
				p.rev = append(p.rev, sh.token(mn.name))
				return nil, p
			}
			out[mn.name] = v
		}
		return out, nil
	case hasItems || types&tArray != 0 && !types.scalar():
		var items any
		if arr := sh.pick(m, tArray, 0); arr != nil {
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
		out := sh.newList(len(elems))
		for i, c := range elems {
			v, p := sh.shape(c, items, nil)
			if p != nil {
				p.rev = append(p.rev, strconv.Itoa(i))
				return nil, p
			}
			out[i] = v
		}
		return out, nil
	}
	switch len(n.vals) {
	case 0:
		return "", nil // not made by the decoders: every leaf has a value
	case 1:
	default:
		return nil, &formProblem{code: CodeMultipleValues, msg: "must be given once"}
	}
	v := n.vals[0]
	for _, t := range [...]struct {
		bit  typeSet
		name string
	}{{tInteger, "integer"}, {tNumber, "number"}, {tBoolean, "boolean"}, {tNull, "null"}} {
		if types&t.bit != 0 {
			if c := coerceScalar(v, t.name); c != any(v) {
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

func typeBit(name string) typeSet {
	switch name {
	case "string":
		return tString
	case "integer":
		return tInteger
	case "number":
		return tNumber
	case "boolean":
		return tBoolean
	case "null":
		return tNull
	case "array":
		return tArray
	case "object":
		return tObject
	}
	return 0
}

func (t typeSet) scalar() bool { return t&(tString|tInteger|tNumber|tBoolean) != 0 }

// maxShapeDepth bounds the anyOf/oneOf/allOf nesting read for types.
const maxShapeDepth = 4

// types collects the types a schema admits: its type (or types), or those
// of its anyOf, oneOf and allOf members.
func (sh *shaper) types(m map[string]any, depth int) typeSet {
	if m == nil || depth > maxShapeDepth {
		return 0
	}
	switch t := m["type"].(type) {
	case string:
		return typeBit(t)
	case []any:
		var out typeSet
		for _, el := range t {
			if s, ok := el.(string); ok {
				out |= typeBit(s)
			}
		}
		return out
	}
	var out typeSet
	for _, k := range [...]string{"anyOf", "oneOf", "allOf"} {
		l, _ := m[k].([]any)
		for _, el := range l {
			out |= sh.types(deref(el, sh.resolve), depth+1)
		}
	}
	return out
}

// pick returns the schema (m, or an anyOf/oneOf/allOf member) whose type
// is typ, or nil. A schema with properties and no type is an object's.
func (sh *shaper) pick(m map[string]any, typ typeSet, depth int) map[string]any {
	if m == nil || depth > maxShapeDepth {
		return nil
	}
	if sh.types(m, maxShapeDepth)&typ != 0 {
		return m
	}
	if _, ok := m["properties"]; ok && typ == tObject {
		return m
	}
	for _, k := range [...]string{"anyOf", "oneOf", "allOf"} {
		l, _ := m[k].([]any)
		for _, el := range l {
			if f := sh.pick(deref(el, sh.resolve), typ, depth+1); f != nil {
				return f
			}
		}
	}
	return nil
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
// into one buffer, so a field costs no allocation of its own. The tree
// comes from formTrees: the caller releases it.
func parseURLEncoded(b []byte) (*formTree, error) {
	t := pooledFormTree(min(bytes.Count(b, []byte{'&'})+1, maxFormFields))
	if err := t.decodeURLEncoded(b); err != nil {
		t.release()
		return nil, err
	}
	return t, nil
}

// decodeURLEncoded files the fields of b in t (see parseURLEncoded).
func (t *formTree) decodeURLEncoded(b []byte) error {
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
		if len(t.spans) >= maxFormFields {
			return errors.New("too many fields")
		}
		k, v := pair, []byte(nil)
		if i := bytes.IndexByte(pair, '='); i >= 0 {
			k, v = pair[:i], pair[i+1:]
		}
		var sp formSpan
		sp.k0 = len(buf)
		if buf, ok = appendUnescaped(buf, k); !ok {
			return errors.New("invalid percent-encoding")
		}
		sp.k1, sp.v0 = len(buf), len(buf)
		if buf, ok = appendUnescaped(buf, v); !ok {
			return errors.New("invalid percent-encoding")
		}
		sp.v1 = len(buf)
		t.spans = append(t.spans, sp)
	}
	// buf is not written again: the names and values are views of it.
	text := unsafe.String(unsafe.SliceData(buf), len(buf))
	for _, sp := range t.spans {
		if err := t.add(text[sp.k0:sp.k1], text[sp.v0:sp.v1]); err != nil {
			return err
		}
	}
	return nil
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
// content (a file's content is its value: OpenAPI's format binary). The
// tree comes from formTrees: the caller releases it.
func parseMultipart(b []byte, contentType string) (*formTree, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil, errors.New("no boundary")
	}
	t := pooledFormTree(8)
	if err := t.decodeMultipart(multipart.NewReader(bytes.NewReader(b), params["boundary"])); err != nil {
		t.release()
		return nil, err
	}
	return t, nil
}

// decodeMultipart files the parts of r in t (see parseMultipart).
func (t *formTree) decodeMultipart(r *multipart.Reader) error {
	for n := 0; ; n++ {
		p, err := r.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errors.New("malformed multipart body")
		}
		if n >= maxFormFields {
			return errors.New("too many parts")
		}
		name := p.FormName()
		if name == "" {
			return errors.New("a part without a name")
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return errors.New("malformed multipart body")
		}
		if err := t.add(name, string(v)); err != nil {
			return err
		}
	}
}

// parseForm decodes a form body of media type mt (the Content-Type as
// sent: the multipart boundary is case-sensitive). The tree comes from
// formTrees: the caller releases it.
func parseForm(b []byte, mt mediaType, contentType string) (*formTree, []Violation) {
	var t *formTree
	var err error
	if mt.typ == "multipart" {
		t, err = parseMultipart(b, contentType)
	} else {
		t, err = parseURLEncoded(b)
	}
	if err != nil {
		return nil, []Violation{{Location: "body", Code: CodeMalformed, Message: "is not a valid form: " + err.Error()}}
	}
	return t, nil
}

// checkForm decodes a form body, shapes it for the schema and validates
// the document it makes. The document lives in the body's tree, reused
// once validated.
func (ts *typedSchema) checkForm(b []byte, mt mediaType, contentType string) []Violation {
	t, vs := parseForm(b, mt, contentType)
	if t == nil {
		return vs
	}
	defer t.release()
	sh := ts.schema.shaper(ts.form)
	sh.out = t
	doc, vs := sh.shapeForm(t, ts.schema.raw)
	if len(vs) > 0 {
		return vs
	}
	return ts.schema.validate(doc, "body")
}

// shapeForm shapes t's fields for schema.
func (sh *shaper) shapeForm(t *formTree, schema any) (any, []Violation) {
	m := deref(schema, sh.resolve)
	obj := sh.pick(m, tObject, 0)
	out := sh.newMap(len(t.names))
	var vs []Violation
	for k, n := range t.names {
		var enc *fieldEncoding
		if e, ok := sh.enc[k]; ok {
			enc = &e
		}
		v, p := sh.shape(n, sh.propertySchema(obj, k), enc)
		if p != nil {
			p.at(join("body", sh.token(k)))
			vs = append(vs, Violation{Location: p.path, Code: p.code, Message: p.msg})
			continue
		}
		out[k] = v
	}
	return out, vs
}
