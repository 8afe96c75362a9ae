package validator

import (
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
)

// mediaRange is one allow-list entry: type/subtype, type/*, */* or
// type/*+suffix, with parameters that must match when given.
type mediaRange struct {
	typ, sub string
	suffix   string // for type/*+json: "+json"
	params   map[string]string
}

func parseMediaRange(s string) (mediaRange, error) {
	t, params, err := mime.ParseMediaType(s)
	if err != nil {
		return mediaRange{}, fmt.Errorf("not a media range: %v", err)
	}
	typ, sub, ok := strings.Cut(t, "/")
	if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
		return mediaRange{}, fmt.Errorf("not a media range")
	}
	m := mediaRange{typ: typ, sub: sub, params: lowerValues(params)}
	if rest, ok := strings.CutPrefix(sub, "*+"); ok && rest != "" {
		m.sub, m.suffix = "*", "+"+rest
	} else if strings.Contains(sub, "*") && sub != "*" {
		return mediaRange{}, fmt.Errorf("wildcards are */*, type/* or type/*+suffix")
	}
	return m, nil
}

// mediaType is a parsed Content-Type.
type mediaType struct {
	typ, sub string
	params   map[string]string
}

// parseContentType normalizes a Content-Type: lower-cased type, subtype
// and parameter names (mime.ParseMediaType), parameter values lower-cased
// too (charset=UTF-8 is charset=utf-8).
func parseContentType(s string) (mediaType, bool) {
	t, params, err := mime.ParseMediaType(s)
	if err != nil {
		return mediaType{}, false
	}
	typ, sub, ok := strings.Cut(t, "/")
	if !ok || typ == "" || sub == "" || strings.Contains(t, "*") {
		return mediaType{}, false
	}
	return mediaType{typ: typ, sub: sub, params: lowerValues(params)}, true
}

func lowerValues(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	for k, v := range m {
		m[k] = strings.ToLower(v)
	}
	return m
}

func (r mediaRange) matches(m mediaType) bool {
	if r.typ != "*" && r.typ != m.typ {
		return false
	}
	switch {
	case r.suffix != "":
		if !strings.HasSuffix(m.sub, r.suffix) {
			return false
		}
	case r.sub != "*" && r.sub != m.sub:
		return false
	}
	for k, v := range r.params {
		if m.params[k] != v {
			return false
		}
	}
	return true
}

// isJSON reports whether a body of this type is JSON: application/json
// or any +json structured syntax suffix (RFC 6839).
func (m mediaType) isJSON() bool {
	return m.typ == "application" && (m.sub == "json" || strings.HasSuffix(m.sub, "+json"))
}

// jsonCharsetOK reports whether a JSON body's charset, if named, is
// UTF-8: RFC 8259 JSON exchanged between systems is UTF-8 only.
func (m mediaType) jsonCharsetOK() bool {
	cs, ok := m.params["charset"]
	return !ok || cs == "utf-8" || cs == "utf8"
}

// specificity ranks ranges for choosing among several that match: a
// type/subtype beats type/*+suffix, which beats type/*, which beats */*;
// more parameters beat fewer.
func (r mediaRange) specificity() int {
	rank := 3
	switch {
	case r.typ == "*":
		rank = 0
	case r.suffix != "":
		rank = 2
	case r.sub == "*":
		rank = 1
	}
	return rank*100 + len(r.params)
}

// mayBeJSON reports whether a body matching the range can be JSON.
func (r mediaRange) mayBeJSON() bool {
	if r.typ != "*" && r.typ != "application" {
		return false
	}
	return r.sub == "*" || r.sub == "json" || r.suffix == "+json" || strings.HasSuffix(r.sub, "+json")
}

// isForm reports whether the range is a form body Warden decodes:
// application/x-www-form-urlencoded or multipart/form-data.
func (r mediaRange) isForm() bool {
	return r.typ == "application" && r.sub == "x-www-form-urlencoded" || r.typ == "multipart" && r.sub == "form-data"
}

// isJSONType reports whether the range names JSON exactly:
// application/json or a +json type.
func (r mediaRange) isJSONType() bool {
	return r.typ == "application" && (r.sub == "json" || r.suffix == "+json" || strings.HasSuffix(r.sub, "+json"))
}

// bodySchema is an imported body schema: the compiled schema and, for a
// form body, its fields' encodings by name.
type bodySchema struct {
	schema *Schema
	form   map[string]fieldEncoding // nil: a JSON body
}

// typedSchema is a body schema for the bodies of one media range.
type typedSchema struct {
	rng    mediaRange
	schema *Schema
	form   map[string]fieldEncoding // non-nil for a form range
}

// compileTypedSchemas orders imported schemas keyed by media range, most
// specific first. Errors name the range under at.
func compileTypedSchemas(schemas map[string]bodySchema, at string) ([]typedSchema, error) {
	var errs config.Errors
	var out []typedSchema
	for _, key := range sortedKeys(schemas) {
		rng, err := parseMediaRange(key)
		if err != nil {
			errs.Add(at+"."+key, "%v", err)
			continue
		}
		out = append(out, typedSchema{rng: rng, schema: schemas[key].schema, form: schemas[key].form})
	}
	slices.SortStableFunc(out, func(a, b typedSchema) int { return b.rng.specificity() - a.rng.specificity() })
	return out, errs.Err()
}

// schemaFor picks the schema of the most specific range matching mt, else
// fallback.
func schemaFor(typed []typedSchema, fallback *Schema, mt mediaType) *Schema {
	if ts := typedFor(typed, mt); ts != nil {
		return ts.schema
	}
	return fallback
}

// typedFor returns the most specific typed schema matching mt, or nil.
func typedFor(typed []typedSchema, mt mediaType) *typedSchema {
	for i := range typed {
		if typed[i].rng.matches(mt) {
			return &typed[i]
		}
	}
	return nil
}

// fieldEncoding is how one field of a form body is written (OpenAPI
// Encoding Object): style form (default), spaceDelimited, pipeDelimited
// or deepObject, and explode (default true for form).
type fieldEncoding struct {
	style   string
	explode *bool
}

func validFormStyle(s string) bool {
	switch s {
	case "", "form", "spaceDelimited", "pipeDelimited", "deepObject":
		return true
	}
	return false
}
