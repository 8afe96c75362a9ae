package validator

import (
	"regexp"
	"slices"
)

// guardPattern is one injection signature. The set is small on purpose:
// each pattern needs syntax that ordinary text does not use, so that the
// false positive rate stays low (measured in guard_test.go on the benign
// corpus in testdata/benign.txt). It is a tripwire for the obvious, not a
// WAF: a JSON Schema with formats, patterns and lengths is the real check.
type guardPattern struct {
	category string // sqli, xss, traversal
	re       *regexp.Regexp
}

// guardPatterns are RE2 (linear time in the input, no backtracking).
var guardPatterns = []guardPattern{
	// ' OR 1=1, " or 'a'='a: a quote closing a literal, then a tautology.
	{"sqli", regexp.MustCompile(`(?i)['"]\s*\)?\s*(or|and)\s+['"]?\w+['"]?\s*(=|<|>|like\b)`)},
	// UNION SELECT, UNION ALL SELECT (also with /**/ for spaces).
	{"sqli", regexp.MustCompile(`(?i)\bunion\b(\s|/\*.*?\*/)+(all(\s|/\*.*?\*/)+)?select\b`)},
	// A quote or ; ending a statement, then a destructive one.
	{"sqli", regexp.MustCompile(`(?i)['";]\s*(drop|delete|truncate|alter|insert|update|exec|shutdown)\s+\w`)},
	// A quote then a comment swallowing the rest of the query.
	{"sqli", regexp.MustCompile(`['"]\s*(--|#)\s*$|['"]\s*/\*`)},
	// Time-based blind probes, after a boolean or a closed literal.
	{"sqli", regexp.MustCompile(`(?i)(\b(and|or)|['";])\s*(sleep|pg_sleep|benchmark)\s*\(\s*\d|\bwaitfor\s+delay\s+'`)},
	// Script-capable markup.
	{"xss", regexp.MustCompile(`(?i)<\s*(script|iframe|object|embed|svg|math|base|meta|link|style)\b`)},
	// An event handler attribute inside a tag.
	{"xss", regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)},
	// Script URLs.
	{"xss", regexp.MustCompile(`(?i)\b(javascript|vbscript):\S|\bdata:\s*text/html`)},
	// ../ or ..\ as a path segment, also percent- or overlong-encoded.
	{"traversal", regexp.MustCompile(`(?i)(^|[\\/])\.\.([\\/]|$)|%2e%2e|\.\.%2f|\.\.%5c|%c0%ae|%c0%af|%252e`)},
	// Well-known files probed by traversal.
	{"traversal", regexp.MustCompile(`(?i)/etc/(passwd|shadow|hosts)\b|\bwin\.ini\b|\\windows\\system32`)},
}

// skippedHeaders are not checked: they carry credentials (never matched,
// so never echoed even as a location hit) or are written by browsers in
// shapes that look like anything.
var skippedHeaders = []string{"authorization", "proxy-authorization", "cookie", "user-agent", "accept", "referer"}

// maxGuardStrings bounds the work the guard spends on one request.
const maxGuardStrings = 10000

type guard struct {
	query, header, path, body bool
}

func newGuard(locations []string) *guard {
	return &guard{
		query:  slices.Contains(locations, "query"),
		header: slices.Contains(locations, "header"),
		path:   slices.Contains(locations, "path"),
		body:   slices.Contains(locations, "body"),
	}
}

// match returns the category of the first pattern s matches, or "".
func guardMatch(s string) string {
	for _, p := range guardPatterns {
		if p.re.MatchString(s) {
			return p.category
		}
	}
	return ""
}

func (g *guard) check(q query, headers map[string][]string, path map[string]string, doc any, isJSON bool) []Violation {
	var vs []Violation
	budget := maxGuardStrings
	hit := func(loc, s string) {
		if budget--; budget < 0 {
			return
		}
		if c := guardMatch(s); c != "" {
			vs = append(vs, Violation{Location: loc, Code: CodeInjection, Message: "looks like " + guardNames[c]})
		}
	}
	if g.query {
		for _, k := range sortedKeys(q) {
			hit("query/*", k) // a suspect name is not echoed
			for _, v := range q[k] {
				hit("query/"+escapePointer(k), v)
			}
		}
	}
	if g.header {
		for _, k := range sortedKeys(headers) {
			if slices.Contains(skippedHeaders, k) {
				continue
			}
			for _, v := range headers[k] {
				hit("header/"+escapePointer(k), v)
			}
		}
	}
	if g.path {
		for _, k := range sortedKeys(path) {
			if v, ok := pathValue(path[k]); ok {
				hit("path/"+escapePointer(k), v)
			}
		}
	}
	if g.body && isJSON {
		var walk func(v any, loc string)
		walk = func(v any, loc string) {
			switch v := v.(type) {
			case string:
				hit(loc, v)
			case []any:
				for i, el := range v {
					walk(el, join(loc, itoa(i)))
				}
			case map[string]any:
				for _, k := range sortedKeys(v) {
					hit(join(loc, "*"), k) // a suspect name is not echoed
					walk(v[k], join(loc, k))
				}
			}
		}
		walk(doc, "body")
	}
	return dedupe(vs)
}

var guardNames = map[string]string{"sqli": "SQL injection", "xss": "cross-site scripting", "traversal": "path traversal"}

func dedupe(vs []Violation) []Violation {
	out := vs[:0]
	for _, v := range vs {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
