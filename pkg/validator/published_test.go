package validator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
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
// descriptions (in a child process: seconds, CPU and peak memory against
// the goals, ≤ 5 s and ≤ 300 MB) and checks, for every operation they
// declare: each published response example and Stripe fixture, and each
// published request example, is accepted, and an invalid body built from
// each (a fixture whose "object" is a number, else an object example
// wrapped in an array) is refused. kin-openapi's own schema validation,
// an engine apart from ours, referees: a refusal it shares is an example
// that breaks its own schema (logged), one it does not share a false
// positive; a built body it accepts too is not invalid (counted), one it
// refuses a miss.
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
			wall, peak, cpu, out := importInChildCPU(t, spec)
			var secs float64
			fmt.Sscanf(findLine(out, "import-seconds"), "import-seconds %f", &secs)
			if e := findLine(out, "import-error"); e != "" {
				t.Fatalf("import refused: %s", e)
			}
			t.Logf("import: %.2f s (child wall %s, CPU %s), peak %.0f MB", secs, wall.Round(time.Millisecond), cpu.Round(time.Millisecond), peak)
			if secs > 5 || peak > 300 {
				t.Errorf("import %.2f s, %.0f MB: goal ≤ 5 s, ≤ 300 MB", secs, peak)
			}
			v := loadAPI(t, spec)
			if _, err := v.router(time.Minute); err != nil {
				t.Fatal(err) // else Responses answers nil until a request is checked
			}
			kin, err := loadDocument(openapi3.NewLoader(), spec)
			if err != nil {
				t.Fatal(err)
			}
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
			r := runPublished(t, v, kin, spec, fixtures)
			t.Logf("%d operations; responses: %d accepted, %d refused (%d breaking their own schema), %d unchecked; "+
				"requests: %d accepted, %d refused (%d breaking their own schema); "+
				"invalid bodies: %d refused, %d missed, %d not invalid (kin-openapi accepts them too)",
				r.ops, r.resp.accepted, len(r.resp.refused)+len(r.resp.broken), len(r.resp.broken), len(r.unchecked),
				r.req.accepted, len(r.req.refused)+len(r.req.broken), len(r.req.broken),
				r.invalidRefused, len(r.missed), r.notInvalid)
			for _, s := range append(r.resp.broken, r.req.broken...) {
				t.Logf("breaks its own schema (kin-openapi refuses it too): %s", s)
			}
			for _, s := range r.unchecked {
				t.Errorf("unchecked (the filled path or the status found no documented response): %s", s)
			}
			for _, s := range append(r.resp.refused, r.req.refused...) {
				t.Errorf("false positive (kin-openapi accepts it): %s", s)
			}
			for _, s := range r.missed {
				t.Errorf("missed (kin-openapi refuses it): %s", s)
			}
		})
	}
}

type publishedReport struct {
	ops                        int
	resp, req                  publishedTally
	unchecked, missed          []string
	invalidRefused, notInvalid int
}

// publishedTally counts the published bodies of one direction.
type publishedTally struct {
	accepted        int
	refused, broken []string
}

// example records our decision on a published body and kin-openapi's
// verdict (nil: valid).
func (t *publishedTally) example(where string, d Decision, kin error) {
	switch {
	case d.Valid():
		t.accepted++
	case kin != nil:
		t.broken = append(t.broken, fmt.Sprintf("%s: %v; kin-openapi: %.200s", where, d.Violations, kin))
	default:
		t.refused = append(t.refused, fmt.Sprintf("%s: %v", where, d.Violations))
	}
}

// invalid records our decision on a body built to be invalid.
func (r *publishedReport) invalid(where string, d Decision, kin error) {
	switch {
	case !d.Valid():
		r.invalidRefused++
	case kin == nil:
		r.notInvalid++
	default:
		r.missed = append(r.missed, fmt.Sprintf("%s; kin-openapi: %.200s", where, kin))
	}
}

// kinCheck is kin-openapi's validation of a JSON body against the schema
// of an operation's request (status 0) or response, formats included.
func kinCheck(doc *openapi3.T, method, path string, status int, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	op := doc.Paths.Value(path).GetOperation(method)
	opts := []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation(), openapi3.DisableSchemaErrorDetails()}
	var content openapi3.Content
	if status == 0 {
		content = op.RequestBody.Value.Content
		opts = append(opts, openapi3.VisitAsRequest())
	} else {
		content = op.Responses.Status(status).Value.Content
		opts = append(opts, openapi3.VisitAsResponse())
	}
	return content.Get("application/json").Schema.Value.VisitJSON(v, opts...)
}

var templateParam = regexp.MustCompile(`\{([^}]+)\}`)

// runPublished walks a description's operations and checks their
// examples (and, for Stripe, the fixtures of the resources they return).
func runPublished(t *testing.T, v *Validator, kin *openapi3.T, spec []byte, fixtures map[string]any) *publishedReport {
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
					where := fmt.Sprintf("%s %s %d #%d", M, path, status, i)
					d, checked, err := publishedResponse(v, M, target, status, b)
					switch {
					case err != nil:
						t.Fatalf("%s: %v", where, err)
					case !checked:
						r.unchecked = append(r.unchecked, where)
						continue
					}
					r.resp.example(where, d, kinCheck(kin, M, path, status, b))
					m, isObj := body.(map[string]any)
					if !isObj {
						continue
					}
					// A Stripe fixture whose "object" is a number, else
					// the example wrapped in an array.
					how, bad := " wrapped in an array", any([]any{body})
					if _, has := m["object"]; has && fixtures != nil {
						o := map[string]any{}
						for k, v := range m {
							o[k] = v
						}
						o["object"] = 12345
						how, bad = " with object: 12345", o
					}
					b, _ = json.Marshal(bad)
					d, _, _ = publishedResponse(v, M, target, status, b)
					r.invalid(where+how, d, kinCheck(kin, M, path, status, b))
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
				r.req.example(where, d, kinCheck(kin, M, path, 0, b))
				if _, isObj := ex.(map[string]any); isObj {
					b, _ := json.Marshal([]any{ex})
					d, _ := v.Check(&Request{Method: M, PathWithQuery: target, Headers: map[string][]string{
						"content-type": {"application/json"}, "content-length": {strconv.Itoa(len(b))}}}, bodyOf(string(b)))
					r.invalid(where+" wrapped in an array", d, kinCheck(kin, M, path, 0, b))
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

// publishedResponse checks a JSON response body; checked is false when
// the filled path matches no operation or the status no documented
// response with content.
func publishedResponse(v *Validator, method, target string, status int, body []byte) (d Decision, checked bool, err error) {
	rules := v.Responses(method, target)
	if rules == nil || rules.For(status) == nil {
		return Decision{}, false, nil
	}
	d, err = rules.For(status).Check(map[string][]string{"content-type": {"application/json"},
		"content-length": {strconv.Itoa(len(body))}}, func() ([]byte, error) { return body, nil })
	return d, true, err
}
