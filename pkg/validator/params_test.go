package validator

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzParamCoercion feeds arbitrary query strings through parsing and
// coercion for every type and style: nothing panics, and whatever becomes
// a number is a JSON number (so gojsonschema sees what a body would hold).
func FuzzParamCoercion(f *testing.F) {
	for _, s := range []string{"limit=10&status=open,shipped", "a=%zz", "ids=1&ids=2&ids=-0", "x=1e400", "b=true", "n=+1", "n=01", ""} {
		f.Add(s)
	}
	types := []string{"integer", "number", "boolean", "string", "null", ""}
	f.Fuzz(func(t *testing.T, raw string) {
		q, ok := parseQuery(raw)
		if !ok {
			return
		}
		if _, err := url.ParseQuery(raw); err == nil && len(q) == 0 && raw != "" {
			// Only empty arguments and empty names (dropped, as nginx
			// drops them) leave nothing.
			for arg := range strings.SplitSeq(raw, "&") {
				if name, _, _ := strings.Cut(arg, "="); name != "" {
					t.Fatalf("non-empty query %q parsed to nothing", raw)
				}
			}
		}
		for _, vals := range q {
			for _, typ := range types {
				for _, style := range []string{"form", "spaceDelimited", "pipeDelimited"} {
					for _, explode := range []bool{true, false} {
						p := &param{in: "query", loc: "query/x", style: style, explode: explode, schema: &Schema{typ: "array", items: typ}}
						v, bad := p.coerce(vals)
						if bad == nil {
							for _, it := range v.([]any) {
								checkCoerced(t, it, typ)
							}
						}
					}
				}
				p := &param{in: "query", loc: "query/x", schema: &Schema{typ: typ}}
				if v, bad := p.coerce(vals); bad == nil {
					checkCoerced(t, v, typ)
				} else if len(vals) < 2 {
					t.Fatalf("single value refused: %+v", bad)
				}
			}
		}
	})
}

func checkCoerced(t *testing.T, v any, typ string) {
	if n, ok := v.(json.Number); ok {
		if !json.Valid([]byte(n)) || len(n) > maxParamNumber {
			t.Fatalf("coerced %q to a number", n)
		}
		if typ == "integer" {
			if _, err := n.Int64(); err != nil && len(n) < 19 {
				t.Fatalf("coerced %q to an integer", n)
			}
		}
	}
}
