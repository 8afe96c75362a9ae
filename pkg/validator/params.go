package validator

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/jsonscan"
	"github.com/warden-gw/warden/pkg/uri"
)

// param is a compiled Parameter.
type param struct {
	name     string // lower case for headers
	in       string
	loc      string // "query/limit"
	required bool
	style    string
	explode  bool
	schema   *Schema
}

func compileParam(p Parameter, d Draft) (*param, error) {
	var errs config.Errors
	cp := &param{name: p.Name, in: p.In, required: p.Required || p.In == "path", style: p.Style}
	switch p.In {
	case "query", "cookie":
		if cp.style == "" {
			cp.style = "form"
		}
	case "header", "path":
		if cp.style == "" {
			cp.style = "simple"
		}
		if p.In == "header" {
			cp.name = strings.ToLower(p.Name)
		}
	default:
		errs.Add("in", "must be query, header, path or cookie")
	}
	allowed := map[string][]string{
		"query":  {"form", "spaceDelimited", "pipeDelimited", "deepObject"},
		"cookie": {"form"},
		"header": {"simple"},
		"path":   {"simple"},
	}[p.In]
	ok := false
	for _, s := range allowed {
		ok = ok || s == cp.style
	}
	if !ok && p.In != "" {
		errs.Add("style", "style %s is not supported in %s (want one of %s)", cp.style, p.In, strings.Join(allowed, ", "))
	}
	cp.explode = cp.style == "form" && p.In == "query"
	if p.Explode != nil {
		cp.explode = *p.Explode
	}
	cp.loc = p.In + "/" + escapePointer(p.Name)
	if cp.schema = p.compiled; cp.schema == nil {
		var err error
		if cp.schema, err = CompileSchema([]byte(p.Schema), d); err != nil {
			errs.Add("schema", "%v", err)
		}
	}
	return cp, errs.Err()
}

// delimiter is the array separator of a style (explode off).
func (p *param) delimiter() string {
	switch p.style {
	case "spaceDelimited":
		return " "
	case "pipeDelimited":
		return "|"
	}
	return ","
}

// coerce turns the raw string values of a parameter into the JSON value
// its schema expects, OpenAPI style: integers, numbers and booleans are
// parsed when they are written exactly as JSON would write them, arrays are
// split by style and explode. A string that does not parse stays a
// string, so the schema reports the type mismatch. A scalar given more
// than once is refused: which occurrence an upstream reads is up to it.
func (p *param) coerce(raw []string) (any, *Violation) {
	if p.schema.typ == "array" {
		var items []string
		switch {
		case p.in == "query" && p.explode:
			items = raw
		case p.in == "header":
			// Header lines are one comma-separated list (RFC 9110 5.3).
			for _, r := range raw {
				for _, it := range strings.Split(r, ",") {
					items = append(items, strings.Trim(it, " \t"))
				}
			}
		default:
			if len(raw) > 1 {
				return nil, &Violation{Location: p.loc, Code: CodeMultipleValues, Message: "must be given once"}
			}
			if raw[0] != "" {
				items = strings.Split(raw[0], p.delimiter())
			}
		}
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = coerceScalar(it, p.schema.items)
		}
		return out, nil
	}
	if len(raw) > 1 {
		return nil, &Violation{Location: p.loc, Code: CodeMultipleValues, Message: "must be given once"}
	}
	return coerceScalar(raw[0], p.schema.typ), nil
}

// coerceScalar converts s to typ when s is that type written as JSON.
func coerceScalar(s, typ string) any {
	switch typ {
	case "integer":
		if isJSONInteger(s) {
			return json.Number(s)
		}
	case "number":
		if isJSONNumber(s) {
			return json.Number(s)
		}
	case "boolean":
		switch s {
		case "true":
			return true
		case "false":
			return false
		}
	case "null":
		if s == "" || s == "null" {
			return nil
		}
	}
	return s
}

// maxParamNumber bounds a coerced number literal, as the JSON limits
// bound body numbers (gojsonschema parses numbers with big.Rat).
const maxParamNumber = 64

func isJSONInteger(s string) bool {
	if len(s) == 0 || len(s) > maxParamNumber {
		return false
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	if i == len(s) || (s[i] == '0' && len(s) > i+1) {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// paramNumber reads a coerced number as a JSON document.
var paramNumber = jsonscan.New(jsonscan.Options{MaxBytes: maxParamNumber, MaxNumberLength: maxParamNumber, MaxExponent: maxExponent})

func isJSONNumber(s string) bool {
	if len(s) == 0 || len(s) > maxParamNumber || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	return paramNumber.Check([]byte(s)) == nil
}

// query is a parsed query string: values by name, in order.
type query map[string][]string

// parseQuery decodes a raw query as nginx does (uri.Pairs: '+' is a
// space, '%XX' decoded, ';' no separator); a flag (?debug) has the value
// "". ok is false for a malformed escape, which nginx would have passed on
// as sent, or more than uri.MaxArgs pairs.
func parseQuery(raw string) (query, bool) {
	q := query{}
	n := 0
	for p := range uri.Pairs(raw) {
		if n++; n > uri.MaxArgs || !p.Clean {
			return nil, false
		}
		q[p.Name] = append(q[p.Name], p.Value)
	}
	return q, true
}

// parseCookies reads name=value pairs from Cookie header lines.
func parseCookies(lines []string) map[string][]string {
	out := map[string][]string{}
	for _, line := range lines {
		for _, part := range strings.Split(line, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || k == "" {
				continue
			}
			v = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
			out[k] = append(out[k], v)
		}
	}
	return out
}

// requestParams is what parameters are read from.
type requestParams struct {
	query   query
	headers map[string][]string
	path    map[string]string // raw, percent-encoded
	cookies map[string][]string
	tree    *formTree // the query by base name, built when first needed
}

// queryTree groups the query's names by base name: "a", "a[]", "a[0]"
// and "a[k]" are all a. Names whose brackets are malformed are left out
// (and so are unchecked, as names no parameter declares).
func (r *requestParams) queryTree() *formTree {
	if r.tree != nil {
		return r.tree
	}
	r.tree = newFormTree(len(r.query))
	for k, vs := range r.query {
		for _, v := range vs {
			_ = r.tree.add(k, v)
		}
	}
	return r.tree
}

// queryNode returns what the query holds for a query parameter: nil
// when absent. A declared name with brackets ("ids[]") is matched as
// spelled; any other name also gathers its bracketed spellings, which
// qs (Express), PHP and Rack read as the same parameter: "limit[]=1000"
// and "limit[0]=1000" are limit, checked like "limit=1000".
func (p *param) queryNode(r *requestParams) *formNode {
	if strings.ContainsAny(p.name, "[]") {
		if vs := r.query[p.name]; len(vs) > 0 {
			return &formNode{vals: vs}
		}
		return nil
	}
	return r.queryTree().names[p.name]
}

// check validates every parameter of op.
func (p *param) check(r *requestParams) []Violation {
	var raw []string
	switch p.in {
	case "query":
		n := p.queryNode(r)
		if n == nil {
			break
		}
		if p.style == "deepObject" || len(n.members) > 0 {
			// An object (or what the schema must refuse as one).
			v, bad := p.schema.shaper(nil).shape(n, p.schema.raw, nil)
			if bad != nil {
				bad.at(p.loc)
				return []Violation{{Location: bad.path, Code: bad.code, Message: bad.msg}}
			}
			return p.schema.validate(v, p.loc)
		}
		for _, el := range n.elements() {
			if len(el.members) > 0 || len(el.indexed) > 0 || len(el.pushed) > 0 || len(el.vals) != 1 {
				return []Violation{{Location: p.loc, Code: CodeMalformed, Message: "is nested deeper than the parameter's style allows"}}
			}
			raw = append(raw, el.vals[0])
		}
	case "header":
		raw = r.headers[p.name]
	case "cookie":
		if r.cookies == nil {
			r.cookies = parseCookies(r.headers["cookie"])
		}
		raw = r.cookies[p.name]
	case "path":
		v, present := r.path[p.name]
		if present {
			dv, ok := pathValue(v)
			if !ok {
				return []Violation{{Location: p.loc, Code: CodeMalformed, Message: "is not a valid percent-encoded value"}}
			}
			raw = []string{dv}
		}
	}
	if len(raw) == 0 {
		if p.required {
			return []Violation{{Location: p.loc, Code: CodeRequired, Message: "is required"}}
		}
		return nil
	}
	v, bad := p.coerce(raw)
	if bad != nil {
		return []Violation{*bad}
	}
	if _, isString := v.(string); isString && p.schema.anyString {
		return nil
	}
	return p.schema.validate(v, p.loc)
}

func (p *param) String() string { return fmt.Sprintf("%s %s", p.in, p.name) }
