package validator

import (
	"fmt"
	"mime"
	"strings"
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
