package validator

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Kinds of disagreement.
const (
	kindWardenBug  = "warden-bug"     // Warden is wrong: fixed, or reported
	kindKin        = "kin-limitation" // openapi3filter is wrong or does not implement it
	kindDeliberate = "deliberate"     // Warden differs on purpose, documented
)

// diffClass is a known kind of disagreement: a precise predicate on the
// request, the document and the two verdicts (never on messages).
type diffClass struct {
	name string
	kind string
	// why cites the code, issue or document behind the class.
	why   string
	match func(d *diffDoc, r diffReq, w, k diffVerdict) bool
}

var diffClasses = []diffClass{
	{
		name: "kin-deepobject-array-param", kind: kindKin,
		why: "openapi3filter req_resp_decoder.go urlValuesDecoder.DecodeArray refuses style deepObject for an array " +
			"(invalidSerializationMethodErr), for every request of the operation, the parameter sent or not; " +
			"Stripe's expand[] is such a parameter. Warden reads expand[]=a and expand[0]=a (docs/openapi.md).",
		match: func(d *diffDoc, r diffReq, w, k diffVerdict) bool {
			return w.ok && !k.ok && d.opHas(r, func(p *openapi3.Parameter) bool {
				return p.In == "query" && p.Style == "deepObject" && p.Schema != nil && p.Schema.Value.Type.Is("array")
			})
		},
	},
	{
		name: "kin-form-fields-unread", kind: kindKin,
		why: "openapi3filter UrlencodedBodyDecoder builds the object from the schema's declared properties only " +
			"(decodeSchemaConstructs): an undeclared field never reaches additionalProperties: false, a repeated one " +
			"is read once, bracketed names (tags[0], shipping[address][x]) and type-less (anyOf) properties are not " +
			"decoded. Warden decodes fields as qs/PHP/Rack do and validates the whole object (docs/openapi.md).",
		match: func(d *diffDoc, r diffReq, w, k diffVerdict) bool {
			return !w.ok && k.ok && formFieldsUnread(d, r)
		},
	},
	{
		name: "kin-lenient-scalar-text", kind: kindKin,
		why: "openapi3filter parsePrimitive (req_resp_decoder.go) reads parameter and form text with strconv: " +
			"ParseBool takes 1, 0, t, F, TRUE; ParseInt takes +1 and 007; ParseFloat takes .5 and 1E5. Warden coerces only JSON literals (true, false, JSON numbers): " +
			"what an upstream reads as \"1\" or \"t\" is its own parser's choice.",
		match: func(d *diffDoc, r diffReq, w, k diffVerdict) bool {
			return !w.ok && k.ok && kinLenientScalar(d, r)
		},
	},
	{
		name: "warden-checks-undeclared-body", kind: kindDeliberate,
		why: "Warden checks every body it reads (Check: the Content-Type allow-list, then the JSON threat limits), " +
			"the operation declaring a requestBody or not: an undeclared body is still proxied upstream. " +
			"openapi3filter ignores a body the operation does not declare (Options.RejectWhenRequestBodyNotSpecified off).",
		match: func(d *diffDoc, r diffReq, w, k diffVerdict) bool {
			op := d.route(r)
			return !w.ok && k.ok && len(r.Body) > 0 && op != nil && op.RequestBody == nil && onlyBodyViolations(w.d)
		},
	},
	{
		name: "warden-raw-fragment", kind: kindDeliberate,
		why: "Check refuses a request target holding a raw # (uri.HasFragment): clients never send one, and " +
			"upstreams end the target there, reading another path or query than the one validated. net/http's " +
			"url.ParseRequestURI keeps the # in the path or query, and openapi3filter validates what is left.",
		match: func(d *diffDoc, r diffReq, w, k diffVerdict) bool {
			return !w.ok && k.ok && strings.Contains(r.Path, "#") && len(w.d.Violations) == 1 &&
				w.d.Violations[0].Location == "path" && w.d.Violations[0].Code == CodeMalformed
		},
	},
	{
		name: "warden-path-any-case", kind: kindDeliberate,
		why: "Warden's router tries a path no template matches as spelled again in any case (router.find, " +
			"Validator.relative), because frameworks behind Kong (Express by default, ASP.NET Core, Tomcat, Spring) " +
			"route /ITEMS to /items and such a spelling must not skip the operation's checks; openapi3filter's " +
			"router matches paths as spelled, so /Items is no operation for it.",
		match: func(d *diffDoc, r diffReq, w, k diffVerdict) bool {
			if !w.ok || k.ok || d.route(r) != nil {
				return false
			}
			path, query, hasQ := strings.Cut(r.Path, "?")
			lower := r
			lower.Path = strings.ToLower(path)
			if hasQ {
				lower.Path += "?" + query
			}
			return d.route(lower) != nil
		},
	},
	{
		name: "warden-bracketed-query-name", kind: kindDeliberate,
		why: "docs/openapi.md, bracketed spellings (issue #13 item 5): limit[]=1000 and limit[0]=1000, which qs, " +
			"PHP and Rack read as limit, are checked as limit; openapi3filter ignores the unknown name limit[].",
		match: func(d *diffDoc, r diffReq, w, k diffVerdict) bool {
			return !w.ok && k.ok && bracketedDeclared(d, r)
		},
	},
}

func classify(d *diffDoc, r diffReq, w, k diffVerdict) *diffClass {
	for i := range diffClasses {
		if diffClasses[i].match(d, r, w, k) {
			return &diffClasses[i]
		}
	}
	return nil
}

// route is the operation kin-openapi's router finds for r, or nil.
func (d *diffDoc) route(r diffReq) *openapi3.Operation {
	req, ok := d.httpRequest(r)
	if !ok {
		return nil
	}
	rt, _, err := d.router.FindRoute(req)
	if err != nil {
		return nil
	}
	return rt.Operation
}

// opHas reports whether the operation r is routed to declares a
// parameter f holds for.
func (d *diffDoc) opHas(r diffReq, f func(*openapi3.Parameter) bool) bool {
	req, ok := d.httpRequest(r)
	if !ok {
		return false
	}
	rt, _, err := d.router.FindRoute(req)
	if err != nil {
		return false
	}
	for _, ps := range []openapi3.Parameters{rt.PathItem.Parameters, rt.Operation.Parameters} {
		for _, p := range ps {
			if f(p.Value) {
				return true
			}
		}
	}
	return false
}

var bracketed = regexp.MustCompile(`^([^\[\]]+)\[[0-9]*\]$`)

// bracketedDeclared reports whether r's query spells a declared,
// non-deepObject query parameter with brackets (limit[] or limit[0]).
func bracketedDeclared(d *diffDoc, r diffReq) bool {
	_, raw, _ := strings.Cut(r.Path, "?")
	q, err := url.ParseQuery(raw)
	if err != nil {
		return false
	}
	for key := range q {
		m := bracketed.FindStringSubmatch(key)
		if m != nil && d.opHas(r, func(p *openapi3.Parameter) bool {
			return p.In == "query" && p.Name == m[1] && p.Style != "deepObject"
		}) {
			return true
		}
	}
	return false
}

// formFieldsUnread reports whether r's form body has a field
// openapi3filter's form decoder does not read as Warden does: a name the
// schema does not declare (bracketed names included), a name given twice,
// or a declared property without a type.
func formFieldsUnread(d *diffDoc, r diffReq) bool {
	op := d.route(r)
	if op == nil || op.RequestBody == nil || !hasHeaderValue(r, "content-type", "application/x-www-form-urlencoded") {
		return false
	}
	mt := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded")
	if mt == nil || mt.Schema == nil {
		return false
	}
	props := mt.Schema.Value.Properties
	q, err := url.ParseQuery(string(r.Body))
	if err != nil {
		return false
	}
	for name, vs := range q {
		p, declared := props[name]
		if !declared || len(vs) > 1 || p.Value.Type == nil || len(p.Value.Type.Slice()) == 0 {
			return true
		}
	}
	return false
}

// hasHeaderValue reports whether r has header name (any case) whose media
// type, before parameters, is want.
func hasHeaderValue(r diffReq, name, want string) bool {
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], name) {
			mt, _, _ := strings.Cut(h[1], ";")
			return strings.EqualFold(strings.TrimSpace(mt), want)
		}
	}
	return false
}

// scalarText is the text of a declared parameter or form field whose
// schema has one scalar type.
type scalarText struct{ typ, text string }

// scalarTexts lists r's texts of declared integer, number and boolean
// parameters (query, header, path) and form fields.
func scalarTexts(d *diffDoc, r diffReq) []scalarText {
	req, ok := d.httpRequest(r)
	if !ok {
		return nil
	}
	rt, pathParams, err := d.router.FindRoute(req)
	if err != nil {
		return nil
	}
	typ := func(s *openapi3.SchemaRef) string {
		if s == nil || s.Value.Type == nil || len(s.Value.Type.Slice()) != 1 {
			return ""
		}
		return s.Value.Type.Slice()[0]
	}
	var out []scalarText
	q := req.URL.Query()
	for _, ps := range []openapi3.Parameters{rt.PathItem.Parameters, rt.Operation.Parameters} {
		for _, pr := range ps {
			p := pr.Value
			t := typ(p.Schema)
			switch p.In {
			case "query":
				for _, v := range q[p.Name] {
					out = append(out, scalarText{t, v})
				}
			case "header":
				for _, v := range req.Header.Values(p.Name) {
					out = append(out, scalarText{t, v})
				}
			case "path":
				out = append(out, scalarText{t, pathParams[p.Name]})
			}
		}
	}
	if rt.Operation.RequestBody != nil && hasHeaderValue(r, "content-type", "application/x-www-form-urlencoded") {
		if mt := rt.Operation.RequestBody.Value.Content.Get("application/x-www-form-urlencoded"); mt != nil && mt.Schema != nil {
			form, _ := url.ParseQuery(string(r.Body))
			for name, p := range mt.Schema.Value.Properties {
				for _, v := range form[name] {
					out = append(out, scalarText{typ(p), v})
				}
			}
		}
	}
	return out
}

// kinLenientScalar reports whether r has a scalar text openapi3filter's
// parsePrimitive (req_resp_decoder.go) reads as its type that is not a
// JSON literal of it: strconv.ParseBool's 1, t, TRUE..., strconv.ParseInt's +1 and 007,
// strconv.ParseFloat's +1, .5, 1., 1E5.
func kinLenientScalar(d *diffDoc, r diffReq) bool {
	for _, st := range scalarTexts(d, r) {
		if st.typ != "integer" && st.typ != "number" && st.typ != "boolean" {
			continue
		}
		if _, strict := coerceScalar(st.text, st.typ).(string); !strict {
			continue
		}
		var err error
		switch st.typ {
		case "integer":
			_, err = strconv.ParseInt(st.text, 10, 64)
		case "number":
			if strings.Trim(st.text, "+-.0123456789eE") != "" {
				continue
			}
			_, err = strconv.ParseFloat(st.text, 64)
		case "boolean":
			_, err = strconv.ParseBool(st.text)
		}
		if st.text != "" && err == nil {
			return true
		}
	}
	return false
}

// onlyBodyViolations reports whether every violation of d is of the body
// or its Content-Type.
func onlyBodyViolations(d Decision) bool {
	for _, v := range d.Violations {
		if v.Location != "header/content-type" && v.Location != "body" && !strings.HasPrefix(v.Location, "body/") {
			return false
		}
	}
	return len(d.Violations) > 0
}
