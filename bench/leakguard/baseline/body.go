package baseline

import (
	"fmt"
	"mime"
	"strings"
)

// bodyKind is how a body is taken apart for scanning.
type bodyKind int

const (
	kindText bodyKind = iota // scanned as bytes
	kindJSON                 // string values scanned, redacted with JSON escaping
	kindForm                 // application/x-www-form-urlencoded fields
)

// mediaType returns the lower-cased media type of a Content-Type value,
// without parameters.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// kindOf picks the body kind for a media type.
func kindOf(mt string) bodyKind {
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return kindJSON
	case mt == "application/x-www-form-urlencoded":
		return kindForm
	}
	return kindText
}

// typeMatcher matches media types against patterns: "text/*",
// "application/*+json", "application/json".
type typeMatcher []string

func (m typeMatcher) match(mt string) bool {
	for _, p := range m {
		if p == mt || p == "*/*" {
			return true
		}
		typ, sub, _ := strings.Cut(p, "/")
		mtyp, msub, _ := strings.Cut(mt, "/")
		if typ != mtyp {
			continue
		}
		if sub == "*" {
			return true
		}
		if suffix, ok := strings.CutPrefix(sub, "*"); ok && strings.HasSuffix(msub, suffix) {
			return true
		}
	}
	return false
}

// validTypePattern checks a content_types entry.
func validTypePattern(p string) error {
	typ, sub, ok := strings.Cut(p, "/")
	if !ok || typ == "" || sub == "" || strings.ContainsAny(p, " ;") {
		return fmt.Errorf("%q: want type/subtype, type/*, or type/*+suffix", p)
	}
	if typ == "*" && sub != "*" {
		return fmt.Errorf("%q: a wildcard type needs a wildcard subtype", p)
	}
	if strings.Contains(sub[1:], "*") {
		return fmt.Errorf("%q: * only at the start of the subtype", p)
	}
	if p != strings.ToLower(p) {
		return fmt.Errorf("%q: must be lower case", p)
	}
	return nil
}
