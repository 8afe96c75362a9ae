package validator

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Mutations the generator makes of a valid request, each one that the
// document refuses.
const (
	mutNone          = ""                     // the valid request
	mutPathType      = "path-wrong-type"      // a non-string path parameter as "abc"
	mutQueryType     = "query-wrong-type"     // likewise a query parameter
	mutHeaderType    = "header-wrong-type"    // likewise a header
	mutParamMissing  = "param-missing"        // a required query or header parameter left out
	mutParamAboveMax = "param-above-maximum"  // a number one above its maximum
	mutParamBelowMin = "param-below-minimum"  // a number one below its minimum
	mutParamEnum     = "param-not-in-enum"    // a string outside its enum
	mutParamPattern  = "param-pattern-miss"   // a string its pattern refuses
	mutContentType   = "wrong-content-type"   // the body sent as text/plain
	mutBodyMissing   = "body-missing"         // no body where one is required
	mutBodyRequired  = "body-missing-member"  // a required member left out
	mutBodyExtra     = "body-extra-member"    // a member additionalProperties: false refuses
	mutBodyType      = "body-wrong-type"      // a top-level member of the wrong type
	mutBodyNested    = "body-nested-type"     // a member of a nested object of the wrong type
	mutBodyMalformed = "body-malformed-json"  // JSON cut short
	mutBodyEnum      = "body-member-not-enum" // a string member outside its enum
)

// diffReq is one generated request, in the terms both validators read.
type diffReq struct {
	Op       string // "METHOD /template"
	Mutation string // mutNone for a valid request
	Target   string // what the mutation changed: a parameter or member name
	Method   string
	Path     string // request target: path and query, percent-encoded
	Headers  [][2]string
	Body     []byte
	HasBody  bool
}

func (r diffReq) String() string {
	s := r.Method + " " + r.Path
	for _, h := range r.Headers {
		s += fmt.Sprintf(" [%s: %s]", h[0], h[1])
	}
	if r.HasBody {
		s += fmt.Sprintf(" body %q", truncate(string(r.Body), 200))
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// genOperation is one operation of a document, resolved.
type genOperation struct {
	method, template string
	params           []*openapi3.Parameter // path item's, then the operation's overrides
	body             *openapi3.RequestBody
}

// docOperations lists a document's operations in a stable order, at most
// limit of them (0: all).
func docOperations(doc *openapi3.T, limit int) []genOperation {
	var ops []genOperation
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		item := doc.Paths.Value(p)
		methods := item.Operations()
		var names []string
		for m := range methods {
			names = append(names, m)
		}
		sort.Strings(names)
		for _, m := range names {
			op := methods[m]
			g := genOperation{method: m, template: p}
			for _, pr := range item.Parameters {
				if op.Parameters.GetByInAndName(pr.Value.In, pr.Value.Name) == nil {
					g.params = append(g.params, pr.Value)
				}
			}
			for _, pr := range op.Parameters {
				g.params = append(g.params, pr.Value)
			}
			if op.RequestBody != nil {
				g.body = op.RequestBody.Value
			}
			ops = append(ops, g)
			if limit > 0 && len(ops) == limit {
				return ops
			}
		}
	}
	return ops
}

// sample builds a value the schema accepts; false when it cannot (a
// pattern without an example, say).
func sample(s *openapi3.Schema, depth int) (any, bool) {
	if s == nil {
		return "x", true
	}
	switch {
	case s.Example != nil:
		return s.Example, true
	case len(s.Enum) > 0:
		return s.Enum[0], true
	case s.Default != nil:
		return s.Default, true
	case len(s.AllOf) > 0:
		return sample(s.AllOf[0].Value, depth)
	case len(s.AnyOf) > 0:
		return sample(s.AnyOf[0].Value, depth)
	case len(s.OneOf) > 0:
		return sample(s.OneOf[0].Value, depth)
	}
	if depth > 4 {
		return nil, false
	}
	t := s.Type
	switch {
	case t.Is("integer"), t.Is("number"):
		v := 1.0
		if s.Min != nil {
			v = math.Ceil(*s.Min)
			if s.ExclusiveMin.IsTrue() && v == *s.Min {
				v++
			}
		}
		if s.Max != nil && v > *s.Max {
			v = math.Floor(*s.Max)
		}
		return int64(v), true
	case t.Is("boolean"):
		return true, true
	case t.Is("string"):
		if s.Pattern != "" {
			return nil, false
		}
		v, ok := map[string]string{"date-time": "2024-05-06T07:08:09Z", "date": "2024-05-06", "uuid": "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
			"email": "ada@example.com", "uri": "https://example.com/x"}[s.Format]
		if !ok {
			v = strings.Repeat("a", max(1, int(s.MinLength)))
		}
		return v, true
	case t.Is("array"):
		var items *openapi3.Schema
		if s.Items != nil {
			items = s.Items.Value
		}
		n := max(1, int(s.MinItems))
		var arr []any
		for range n {
			v, ok := sample(items, depth+1)
			if !ok {
				return nil, false
			}
			arr = append(arr, v)
		}
		return arr, true
	case t.Is("object") || len(s.Properties) > 0:
		o := map[string]any{}
		for name, p := range s.Properties {
			if p.Value.ReadOnly {
				continue
			}
			v, ok := sample(p.Value, depth+1)
			if !ok {
				if contains(s.Required, name) {
					return nil, false
				}
				continue
			}
			o[name] = v
		}
		return o, true
	}
	return "x", true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// paramText is a scalar parameter value as text.
func paramText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// paramValues is a parameter's value as the query, path or header text
// its style gives; false for what the generator does not write
// (deepObject, objects).
func paramValues(p *openapi3.Parameter, v any) ([]string, bool) {
	if p.Style == "deepObject" {
		return nil, false
	}
	switch v := v.(type) {
	case map[string]any:
		return nil, false
	case []any:
		var parts []string
		for _, x := range v {
			if _, ok := x.(map[string]any); ok {
				return nil, false
			}
			parts = append(parts, paramText(x))
		}
		if p.In == "query" && (p.Explode == nil || *p.Explode) && (p.Style == "" || p.Style == "form") {
			return parts, true
		}
		return []string{strings.Join(parts, ",")}, true
	default:
		return []string{paramText(v)}, true
	}
}

// wrongType is a JSON value of another type than the schema's, or false.
func wrongType(s *openapi3.Schema) (any, bool) {
	if s == nil || len(s.AnyOf)+len(s.OneOf)+len(s.AllOf) > 0 || s.Type == nil {
		return nil, false
	}
	t := s.Type
	switch {
	case t.Is("integer"), t.Is("number"), t.Is("boolean"), t.Is("object"), t.Is("array"):
		return "abc", true
	case t.Is("string"):
		return 12345, true
	}
	return nil, false
}

// request assembles a request of op from parameter values and a body.
func (g genOperation) request(base string, vals map[*openapi3.Parameter]any, body []byte, ctype string, hasBody bool) diffReq {
	r := diffReq{Op: strings.ToUpper(g.method) + " " + g.template, Method: strings.ToUpper(g.method), Body: body, HasBody: hasBody}
	path := g.template
	q := url.Values{}
	var qorder []string
	for _, p := range g.params {
		v, ok := vals[p]
		if !ok {
			continue
		}
		texts, _ := paramValues(p, v)
		switch p.In {
		case "path":
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(texts[0]))
		case "query":
			qorder = append(qorder, p.Name)
			q[p.Name] = texts
		case "header":
			r.Headers = append(r.Headers, [2]string{p.Name, texts[0]})
		}
	}
	r.Path = base + path
	if len(qorder) > 0 {
		var parts []string
		for _, n := range qorder {
			for _, t := range q[n] {
				parts = append(parts, url.QueryEscape(n)+"="+url.QueryEscape(t))
			}
		}
		r.Path += "?" + strings.Join(parts, "&")
	}
	if hasBody {
		r.Headers = append(r.Headers, [2]string{"Content-Type", ctype})
	}
	return r
}

// generate builds, for each operation, a valid request and the
// mutations of it the document refuses. An operation the generator
// cannot write a valid request for (a required parameter with a pattern
// and no example) is skipped.
func generate(doc *openapi3.T, base string, limit int) []diffReq {
	var out []diffReq
	for _, g := range docOperations(doc, limit) {
		vals := map[*openapi3.Parameter]any{}
		ok := true
		for _, p := range g.params {
			if p.Schema == nil || p.In == "cookie" {
				ok = ok && !p.Required
				continue
			}
			v, can := sample(p.Schema.Value, 0)
			if p.Example != nil {
				v, can = p.Example, true
			}
			if can {
				_, can = paramValues(p, v)
			}
			if !can {
				ok = ok && !p.Required
				continue
			}
			vals[p] = v
		}
		if !ok {
			continue
		}
		// The body: the first media type, JSON or form.
		var body []byte
		var ctype string
		var bodySchema *openapi3.Schema
		var bodyVal map[string]any
		if g.body != nil {
			for _, mt := range sortedKeys(g.body.Content) {
				if mt != "application/json" && mt != "application/x-www-form-urlencoded" {
					continue
				}
				ctype = mt
				if s := g.body.Content[mt].Schema; s != nil {
					bodySchema = s.Value
				}
				break
			}
		}
		hasBody := ctype != "" && (g.body.Required || g.method == "POST" || g.method == "PUT" || g.method == "PATCH")
		if hasBody {
			v, can := sample(bodySchema, 0)
			if !can {
				continue
			}
			bodyVal, _ = v.(map[string]any)
			body = encodeBody(ctype, v)
		}
		valid := g.request(base, vals, body, ctype, hasBody)
		out = append(out, valid)
		mut := func(kind, target string, vs map[*openapi3.Parameter]any, b []byte, ct string, has bool) {
			r := g.request(base, vs, b, ct, has)
			r.Mutation, r.Target = kind, target
			out = append(out, r)
		}
		// Parameters.
		for _, p := range g.params {
			v, present := vals[p]
			if !present || p.Schema == nil {
				continue
			}
			s := p.Schema.Value
			with := func(x any) map[*openapi3.Parameter]any {
				m := map[*openapi3.Parameter]any{}
				for k, y := range vals {
					m[k] = y
				}
				if x == nil {
					delete(m, p)
				} else {
					m[p] = x
				}
				return m
			}
			if _, isArr := v.([]any); !isArr && s.Type != nil && !s.Type.Is("string") && len(s.AnyOf)+len(s.OneOf)+len(s.AllOf) == 0 {
				kind := map[string]string{"path": mutPathType, "query": mutQueryType, "header": mutHeaderType}[p.In]
				mut(kind, p.Name, with("abc"), body, ctype, hasBody)
			}
			if p.Required && p.In != "path" {
				mut(mutParamMissing, p.Name, with(nil), body, ctype, hasBody)
			}
			if s.Type.Is("integer") && s.Max != nil {
				mut(mutParamAboveMax, p.Name, with(int64(*s.Max)+1), body, ctype, hasBody)
			}
			if s.Type.Is("integer") && s.Min != nil {
				mut(mutParamBelowMin, p.Name, with(int64(*s.Min)-1), body, ctype, hasBody)
			}
			if s.Type.Is("string") && len(s.Enum) > 0 {
				mut(mutParamEnum, p.Name, with("zzz"), body, ctype, hasBody)
			}
			if s.Type.Is("string") && s.Pattern != "" {
				mut(mutParamPattern, p.Name, with("!"), body, ctype, hasBody)
			}
		}
		if !hasBody {
			continue
		}
		// The body.
		mut(mutContentType, "", vals, body, "text/plain", true)
		if g.body.Required {
			mut(mutBodyMissing, "", vals, nil, "", false)
		}
		if ctype == "application/json" {
			mut(mutBodyMalformed, "", vals, body[:len(body)-1], ctype, true)
		}
		if bodyVal == nil || bodySchema == nil {
			continue
		}
		edit := func(kind, target string, f func(map[string]any)) {
			c := deepCopy(bodyVal).(map[string]any)
			f(c)
			mut(kind, target, vals, encodeBody(ctype, c), ctype, true)
		}
		for _, name := range bodySchema.Required {
			if p := bodySchema.Properties[name]; p != nil && !p.Value.ReadOnly {
				edit(mutBodyRequired, name, func(m map[string]any) { delete(m, name) })
				break
			}
		}
		if has := bodySchema.AdditionalProperties.Has; has != nil && !*has {
			edit(mutBodyExtra, "zz_extra", func(m map[string]any) { m["zz_extra"] = 1 })
		}
		for _, name := range sortedKeys(bodySchema.Properties) {
			ps := bodySchema.Properties[name].Value
			if _, present := bodyVal[name]; !present || ps.ReadOnly {
				continue
			}
			if w, ok := wrongType(ps); ok && !ps.Type.Is("object") && (ctype == "application/json" || !ps.Type.Is("string") && !ps.Type.Is("array")) {
				edit(mutBodyType, name, func(m map[string]any) { m[name] = w })
			}
			if ctype == "application/json" && (ps.Nullable || ps.Type.IncludesNull()) {
				// Valid: null where nullable: true (3.0) or a type list
				// with "null" (3.1) allows it.
				c := deepCopy(bodyVal).(map[string]any)
				c[name] = nil
				mut(mutNone, name, vals, encodeBody(ctype, c), ctype, true)
			}
			if ps.Type.Is("string") && len(ps.Enum) > 0 {
				edit(mutBodyEnum, name, func(m map[string]any) { m[name] = "zzz" })
			}
			sub, isObj := bodyVal[name].(map[string]any)
			if ctype == "application/json" && isObj && ps.Type.Is("object") {
				for _, sn := range sortedKeys(ps.Properties) {
					if _, present := sub[sn]; !present {
						continue
					}
					if w, ok := wrongType(ps.Properties[sn].Value); ok {
						edit(mutBodyNested, name+"/"+sn, func(m map[string]any) { m[name].(map[string]any)[sn] = w })
						break
					}
				}
			}
		}
	}
	return out
}

// encodeBody writes v as JSON, or as a form of its scalar members.
func encodeBody(ctype string, v any) []byte {
	if ctype != "application/x-www-form-urlencoded" {
		b, _ := json.Marshal(v)
		return b
	}
	m, _ := v.(map[string]any)
	var parts []string
	for _, k := range sortedKeys(m) {
		switch x := m[k].(type) {
		case map[string]any, []any, nil:
		default:
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(paramText(x)))
		}
	}
	return []byte(strings.Join(parts, "&"))
}
