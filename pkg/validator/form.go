package validator

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"sort"
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
// its elements (name[]=v, name[0]=v) and its members (name[k]=v).
type formNode struct {
	vals    []string
	indexed map[int]*formNode // name[0], name[1]…
	pushed  []*formNode       // name[]…, after the indexed ones
	members map[string]*formNode
}

// maxFormDepth bounds the subscripts of one name (qs's default is 5).
const maxFormDepth = 8

// maxFormFields bounds the fields of a form body.
const maxFormFields = 1000

var errFormSyntax = errors.New("malformed form name")

func (n *formNode) member(k string) *formNode {
	if n.members == nil {
		n.members = map[string]*formNode{}
	}
	c := n.members[k]
	if c == nil {
		c = &formNode{}
		n.members[k] = c
	}
	return c
}

// add puts value v at the subscripts of name under n (n is the node of the
// name's base). ok is false for a malformed or too deep name.
func (n *formNode) add(subs []string, v string) {
	for _, s := range subs {
		switch {
		case s == "":
			c := &formNode{}
			n.pushed = append(n.pushed, c)
			n = c
		case isFormIndex(s):
			i, _ := strconv.Atoi(s)
			if n.indexed == nil {
				n.indexed = map[int]*formNode{}
			}
			c := n.indexed[i]
			if c == nil {
				c = &formNode{}
				n.indexed[i] = c
			}
			n = c
		default:
			n = n.member(s)
		}
	}
	n.vals = append(n.vals, v)
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

// splitName splits "a[b][]" into "a" and ["b", ""]. A name without
// brackets has no subscripts; a name whose brackets are not well formed
// is refused.
func splitName(name string) (base string, subs []string, err error) {
	open := strings.IndexByte(name, '[')
	if open <= 0 {
		if open == 0 || strings.IndexByte(name, ']') >= 0 {
			return "", nil, errFormSyntax
		}
		return name, nil, nil
	}
	base, rest := name[:open], name[open:]
	for rest != "" {
		if rest[0] != '[' {
			return "", nil, errFormSyntax
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 || strings.IndexByte(rest[1:end], '[') >= 0 {
			return "", nil, errFormSyntax
		}
		subs = append(subs, rest[1:end])
		rest = rest[end+1:]
		if len(subs) > maxFormDepth {
			return "", nil, errFormSyntax
		}
	}
	return base, subs, nil
}

// elements returns the node's elements in order: plain values, then
// indexed ones by index, then pushed ones.
func (n *formNode) elements() []*formNode {
	var out []*formNode
	for _, v := range n.vals {
		out = append(out, &formNode{vals: []string{v}})
	}
	idx := make([]int, 0, len(n.indexed))
	for i := range n.indexed {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		out = append(out, n.indexed[i])
	}
	return append(out, n.pushed...)
}

// formTree groups fields by base name.
type formTree map[string]*formNode

// add files one name=value pair.
func (t formTree) add(name, v string) error {
	base, subs, err := splitName(name)
	if err != nil {
		return err
	}
	n := t[base]
	if n == nil {
		n = &formNode{}
		t[base] = n
	}
	n.add(subs, v)
	return nil
}

// object is the tree as a node whose members are the names.
func (t formTree) object() *formNode { return &formNode{members: t} }

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
		for k, c := range n.members {
			v, p := sh.shape(c, sh.propertySchema(obj, k), join(at, sh.token(k)), nil)
			if p != nil {
				return nil, p
			}
			out[k] = v
		}
		return out, nil
	case hasItems || types["array"] && !types.scalar():
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
		if types[t] {
			if c := coerceScalar(v, t); c != any(v) {
				return c, nil
			}
		}
	}
	return v, nil
}

// typeSet is the types a schema position admits.
type typeSet map[string]bool

func (t typeSet) scalar() bool {
	return t["string"] || t["integer"] || t["number"] || t["boolean"]
}

// types collects the types a schema admits: its type (or types), or those
// of its anyOf and oneOf members.
func (sh *shaper) types(m map[string]any) typeSet {
	out := typeSet{}
	var add func(m map[string]any, depth int)
	add = func(m map[string]any, depth int) {
		if m == nil || depth > 4 {
			return
		}
		switch t := m["type"].(type) {
		case string:
			out[t] = true
			return
		case []any:
			for _, el := range t {
				if s, ok := el.(string); ok {
					out[s] = true
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

// parseURLEncoded reads an application/x-www-form-urlencoded body.
func parseURLEncoded(b []byte) (formTree, error) {
	t := formTree{}
	n := 0
	for raw := string(b); raw != ""; {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		if n++; n > maxFormFields {
			return nil, errors.New("too many fields")
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errors.New("invalid percent-encoding")
		}
		if err := t.add(k, v); err != nil {
			return nil, err
		}
	}
	return t, nil
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
