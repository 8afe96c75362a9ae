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

// typedSchema is a body schema for the bodies of one media range.
type typedSchema struct {
	rng    mediaRange
	schema *Schema
}

// compileTypedSchemas compiles schemas keyed by media range, most
// specific first. Errors name the range under at.
func compileTypedSchemas(schemas map[string]string, d Draft, at string) ([]typedSchema, error) {
	var errs config.Errors
	var out []typedSchema
	for _, key := range sortedKeys(schemas) {
		rng, err := parseMediaRange(key)
		if err != nil {
			errs.Add(at+"."+key, "%v", err)
			continue
		}
		sch, err := CompileSchema([]byte(schemas[key]), d)
		if err != nil {
			errs.Add(at+"."+key, "%v", err)
			continue
		}
		out = append(out, typedSchema{rng: rng, schema: sch})
	}
	slices.SortStableFunc(out, func(a, b typedSchema) int { return b.rng.specificity() - a.rng.specificity() })
	return out, errs.Err()
}

// schemaFor picks the schema of the most specific range matching mt, else
// fallback.
func schemaFor(typed []typedSchema, fallback *Schema, mt mediaType) *Schema {
	for _, ts := range typed {
		if ts.rng.matches(mt) {
			return ts.schema
		}
	}
	return fallback
}
