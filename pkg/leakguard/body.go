package leakguard

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

// kindOf picks the body kind for a media type: every JSON type
// (application/json, +json, -json such as AWS's x-amz-json-1.1, JSON
// lines) is walked as JSON, falling back to text when it is not one JSON
// document.
func kindOf(mt string) bodyKind {
	_, sub, _ := strings.Cut(mt, "/")
	switch {
	case strings.Contains(sub, "json"):
		return kindJSON
	case mt == "application/x-www-form-urlencoded":
		return kindForm
	}
	return kindText
}

// isTextual reports media types whose bodies are text a secret can be
// written in. A textual body out of content_types is audited as
// unscanned rather than passed silently.
func isTextual(mt string) bool {
	typ, sub, _ := strings.Cut(mt, "/")
	if typ == "text" {
		return true
	}
	if typ != "application" {
		return false
	}
	for _, w := range []string{"json", "xml", "javascript", "ecmascript", "yaml", "toml", "graphql", "x-www-form-urlencoded", "x-sh", "sql", "csv", "pem", "jwt", "x-httpd-php", "x-perl", "x-python"} {
		if strings.Contains(sub, w) {
			return true
		}
	}
	return false
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
		if inner, ok := strings.CutPrefix(sub, "*"); ok {
			if word, ok := strings.CutSuffix(inner, "*"); ok {
				if strings.Contains(msub, word) {
					return true
				}
			} else if strings.HasSuffix(msub, inner) {
				return true
			}
		}
	}
	return false
}

// validTypePattern checks a content_types entry.
func validTypePattern(p string) error {
	typ, sub, ok := strings.Cut(p, "/")
	if !ok || typ == "" || sub == "" || strings.ContainsAny(p, " ;") {
		return fmt.Errorf("%q: want type/subtype, type/*, type/*+suffix or type/*word*", p)
	}
	if typ == "*" && sub != "*" {
		return fmt.Errorf("%q: a wildcard type needs a wildcard subtype", p)
	}
	if inner := strings.TrimSuffix(sub[1:], "*"); strings.Contains(inner, "*") || sub[0] != '*' && len(inner) < len(sub[1:]) {
		return fmt.Errorf("%q: * only at the start of the subtype, or at both ends", p)
	}
	if p != strings.ToLower(p) {
		return fmt.Errorf("%q: must be lower case", p)
	}
	return nil
}
