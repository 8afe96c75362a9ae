package validator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// publishedEnv names a directory holding published API descriptions:
//
//	$WARDEN_OPENAPI_PUBLISHED/stripe/spec3.json      github.com/stripe/openapi openapi/spec3.json
//	$WARDEN_OPENAPI_PUBLISHED/stripe/fixtures3.json  github.com/stripe/openapi openapi/fixtures3.json
//	$WARDEN_OPENAPI_PUBLISHED/github/api.github.com.json
//	    github.com/github/rest-api-description descriptions/api.github.com/api.github.com.json
//
// TestPublishedDescriptions, a maintainer check that CI skips (the files
// are tens of megabytes and change daily), imports each one present and
// runs its published examples and fixtures through the validator; see
// docs/openapi.md.
const publishedEnv = "WARDEN_OPENAPI_PUBLISHED"

// TestPublishedDescriptions imports the real Stripe and GitHub
// descriptions (in a child process: seconds and peak memory against the
// goals, ≤ 5 s and ≤ 300 MB) and checks, for every operation they
// declare: each published response example and Stripe fixture is
// accepted (a refusal is a false positive, or an example that breaks its
// own schema: the list says which), each published request example is
// accepted, and an invalid body built from each (the example wrapped in
// an array, or a fixture whose "object" is a number) is refused.
func TestPublishedDescriptions(t *testing.T) {
	dir := os.Getenv(publishedEnv)
	if dir == "" {
		t.Skip(publishedEnv + " is not set: see docs/openapi.md")
	}
	for _, d := range []struct{ name, spec, fixtures string }{
		{"stripe", "stripe/spec3.json", "stripe/fixtures3.json"},
		{"github", "github/api.github.com.json", ""},
	} {
		t.Run(d.name, func(t *testing.T) {
			spec, err := os.ReadFile(filepath.Join(dir, d.spec))
			if os.IsNotExist(err) {
				t.Skipf("%s: not present", d.spec)
			}
			if err != nil {
				t.Fatal(err)
			}
			wall, peak, out := importInChild(t, spec)
			var secs float64
			fmt.Sscanf(findLine(out, "import-seconds"), "import-seconds %f", &secs)
			if e := findLine(out, "import-error"); e != "" {
				t.Fatalf("import refused: %s", e)
			}
			t.Logf("import: %.2f s (child wall %s), peak %.0f MB", secs, wall, peak)
			if secs > 5 || peak > 300 {
				t.Errorf("import %.2f s, %.0f MB: goal ≤ 5 s, ≤ 300 MB", secs, peak)
			}
			v := loadAPI(t, spec)
			var fixtures map[string]any
			if d.fixtures != "" {
				b, err := os.ReadFile(filepath.Join(dir, d.fixtures))
				if err != nil {
					t.Fatal(err)
				}
				var f struct {
					Resources map[string]any `json:"resources"`
				}
				if err := json.Unmarshal(b, &f); err != nil {
					t.Fatal(err)
				}
				fixtures = f.Resources
			}
			r := runPublished(t, v, spec, fixtures)
			t.Logf("%d operations; responses: %d accepted, %d refused; requests: %d accepted, %d refused; invalid bodies: %d refused, %d missed",
				r.ops, r.respOK, len(r.respRefused), r.reqOK, len(r.reqRefused), r.invalidRefused, len(r.missed))
			for _, l := range [][]string{r.respRefused, r.reqRefused} {
				sort.Strings(l)
				for _, s := range l {
					t.Errorf("refused (false positive, or an example that breaks its own schema): %s", s)
				}
			}
			for _, s := range r.missed {
				t.Errorf("missed: %s", s)
			}
		})
	}
}

type publishedReport struct {
	ops, respOK, reqOK, invalidRefused int
	respRefused, reqRefused, missed    []string
}

var templateParam = regexp.MustCompile(`\{([^}]+)\}`)

// runPublished walks a description's operations and checks their
// examples (and, for Stripe, the fixtures of the resources they return).
func runPublished(t *testing.T, v *Validator, spec []byte, fixtures map[string]any) *publishedReport {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(spec))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	resolve := func(m map[string]any) map[string]any {
		for range 8 {
			ref, ok := m["$ref"].(string)
			if !ok {
				return m
			}
			cur := any(doc)
			for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
				cur, _ = cur.(map[string]any)[p]
			}
			m, _ = cur.(map[string]any)
		}
		return m
	}
	r := &publishedReport{}
	paths, _ := doc["paths"].(map[string]any)
	for _, path := range sortedKeys(paths) {
		item, _ := paths[path].(map[string]any)
		for _, method := range []string{"get", "put", "post", "delete", "patch"} {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			r.ops++
			M := strings.ToUpper(method)
			target := concretePath(path, item, op, resolve)
			// Response examples and fixtures.
			responses, _ := op["responses"].(map[string]any)
			for _, code := range sortedKeys(responses) {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue
				}
				resp := resolve(responses[code].(map[string]any))
				content, _ := resp["content"].(map[string]any)
				mt, _ := content["application/json"].(map[string]any)
				if mt == nil {
					continue
				}
				var bodies []any
				bodies = append(bodies, examplesOf(mt, resolve)...)
				if fixtures != nil && status == 200 {
					if s, ok := mt["schema"].(map[string]any); ok {
						if id, _ := resolve(s)["x-resourceId"].(string); id != "" && fixtures[id] != nil {
							bodies = append(bodies, fixtures[id])
						}
					}
				}
				for i, body := range bodies {
					b, _ := json.Marshal(body)
					ok, err := publishedResponse(v, M, target, status, b)
					where := fmt.Sprintf("%s %s %d #%d", M, path, status, i)
					switch {
					case err != nil:
						t.Fatalf("%s: %v", where, err)
					case ok:
						r.respOK++
					default:
						r.respRefused = append(r.respRefused, where)
					}
					if m, isObj := body.(map[string]any); isObj {
						if _, has := m["object"]; has && fixtures != nil {
							bad := map[string]any{}
							for k, v := range m {
								bad[k] = v
							}
							bad["object"] = 12345
							b, _ := json.Marshal(bad)
							if ok, _ := publishedResponse(v, M, target, status, b); ok {
								r.missed = append(r.missed, where+" with object: 12345")
							} else {
								r.invalidRefused++
							}
						}
					}
				}
			}
			// Request examples.
			rb, _ := op["requestBody"].(map[string]any)
			if rb == nil {
				continue
			}
			content, _ := resolve(rb)["content"].(map[string]any)
			mt, _ := content["application/json"].(map[string]any)
			if mt == nil {
				continue
			}
			for i, ex := range examplesOf(mt, resolve) {
				b, _ := json.Marshal(ex)
				where := fmt.Sprintf("%s %s request #%d", M, path, i)
				d, err := v.Check(&Request{Method: M, PathWithQuery: target, Headers: map[string][]string{
					"content-type": {"application/json"}, "content-length": {strconv.Itoa(len(b))}}}, bodyOf(string(b)))
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if d.Valid() {
					r.reqOK++
				} else {
					r.reqRefused = append(r.reqRefused, fmt.Sprintf("%s: %v", where, d.Violations))
				}
				if _, isObj := ex.(map[string]any); isObj {
					b, _ := json.Marshal([]any{ex})
					d, _ := v.Check(&Request{Method: M, PathWithQuery: target, Headers: map[string][]string{
						"content-type": {"application/json"}, "content-length": {strconv.Itoa(len(b))}}}, bodyOf(string(b)))
					if d.Valid() {
						r.missed = append(r.missed, where+" wrapped in an array")
					} else {
						r.invalidRefused++
					}
				}
			}
		}
	}
	return r
}

// examplesOf returns a media type's example and examples' values.
func examplesOf(mt map[string]any, resolve func(map[string]any) map[string]any) []any {
	var out []any
	if ex, ok := mt["example"]; ok {
		out = append(out, ex)
	}
	exs, _ := mt["examples"].(map[string]any)
	for _, k := range sortedKeys(exs) {
		if e, ok := exs[k].(map[string]any); ok {
			if v, ok := resolve(e)["value"]; ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// concretePath fills a template's parameters with their examples, or a
// value of their type.
func concretePath(path string, item, op map[string]any, resolve func(map[string]any) map[string]any) string {
	values := map[string]string{}
	for _, list := range []any{item["parameters"], op["parameters"]} {
		ps, _ := list.([]any)
		for _, p := range ps {
			pm := resolve(p.(map[string]any))
			if pm["in"] != "path" {
				continue
			}
			name, _ := pm["name"].(string)
			val := "x1"
			s, _ := pm["schema"].(map[string]any)
			s = resolve(s)
			if ex, ok := pm["example"]; ok {
				val = fmt.Sprint(ex)
			} else if ex, ok := s["example"]; ok {
				val = fmt.Sprint(ex)
			} else if s["type"] == "integer" || s["type"] == "number" {
				val = "1"
			} else if e, ok := s["enum"].([]any); ok && len(e) > 0 {
				val = fmt.Sprint(e[0])
			}
			values[name] = val
		}
	}
	return templateParam.ReplaceAllStringFunc(path, func(m string) string {
		if v, ok := values[m[1:len(m)-1]]; ok {
			return v
		}
		return "x1"
	})
}

func publishedResponse(v *Validator, method, target string, status int, body []byte) (bool, error) {
	rules := v.Responses(method, target)
	if rules == nil {
		return true, nil // no documented response for the path as filled
	}
	d, err := rules.For(status).Check(map[string][]string{"content-type": {"application/json"},
		"content-length": {strconv.Itoa(len(body))}}, func() ([]byte, error) { return body, nil })
	return err == nil && d.Valid(), err
}
