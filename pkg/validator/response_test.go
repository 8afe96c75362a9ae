package validator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
)

func loadConfig(t *testing.T, doc map[string]any) (*Config, error) {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return config.Load[Config](raw)
}

func mustLoad(t *testing.T, doc map[string]any) *Validator {
	t.Helper()
	cfg, err := loadConfig(t, doc)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return mustNew(t, cfg)
}

// respHeaders builds lower-case response headers with a Content-Length.
func respHeaders(ctype, body string, kv ...string) map[string][]string {
	h := map[string][]string{"content-length": {itoa(len(body))}}
	if ctype != "" {
		h["content-type"] = []string{ctype}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = []string{kv[i+1]}
	}
	return h
}

// reads counts body reads, so tests can assert which checks read nothing.
type reads struct {
	n    int
	body []byte
}

func (r *reads) read() ([]byte, error) { r.n++; return r.body, nil }

func checkResponse(t *testing.T, v *Validator, method, path string, status int, h map[string][]string, body []byte) (Decision, int, bool) {
	t.Helper()
	rules := v.Responses(method, path)
	if rules == nil {
		return Decision{}, 0, false
	}
	spec := rules.For(status)
	if spec == nil {
		return Decision{}, 0, false
	}
	r := &reads{body: body}
	d, err := spec.Check(h, r.read)
	if err != nil {
		t.Fatal(err)
	}
	return d, r.n, true
}

func TestResponseValidationOpenAPI(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"testdata/orders-openapi-3.0.yaml", "testdata/orders-openapi-3.1.yaml"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			v := mustLoad(t, map[string]any{"openapi_file": file, "base_path": "/v1",
				"response_validation": map[string]any{"enabled": true, "mode": "block"}})
			order := `{"id":"o-1","status":"open","currency":"EUR","coupon":null,"items":[{"sku":"a","quantity":1}]}`
			tests := []struct {
				name, method, path string
				status             int
				h                  map[string][]string
				body               string
				checked            bool // a documented response with something to check
				loc, code          string
				reads              int
			}{
				{"valid created order, readOnly id required", "POST", "/v1/orders", 201, respHeaders("application/json", order), order, true, "", "", 1},
				{"missing readOnly id", "POST", "/v1/orders", 201, respHeaders("application/json", `{"status":"open","currency":"EUR","items":[{"sku":"a","quantity":1}]}`), `{"status":"open","currency":"EUR","items":[{"sku":"a","quantity":1}]}`, true, "response/body/id", "required", 1},
				{"writeOnly card token sent back", "POST", "/v1/orders", 201, respHeaders("application/json", `{"id":"o-1","status":"open","currency":"EUR","items":[{"sku":"a","quantity":1}],"card_token":"tok"}`), `{"id":"o-1","status":"open","currency":"EUR","items":[{"sku":"a","quantity":1}],"card_token":"tok"}`, true, "response/body/card_token", "not", 1},
				{"undocumented property", "POST", "/v1/orders", 201, respHeaders("application/json", `{"id":"o-1","status":"open","currency":"EUR","items":[{"sku":"a","quantity":1}],"internal_cost":3}`), `{"id":"o-1","status":"open","currency":"EUR","items":[{"sku":"a","quantity":1}],"internal_cost":3}`, true, "response/body", "additional_properties", 1},
				{"enum", "GET", "/v1/orders/7", 200, respHeaders("application/json", strings.Replace(order, "open", "lost", 1)), strings.Replace(order, "open", "lost", 1), true, "response/body/status", "enum", 1},
				{"list", "GET", "/v1/orders?limit=5", 200, respHeaders("application/json", "["+order+","+order+"]"), "[" + order + "," + order + "]", true, "", "", 1},
				{"list item", "GET", "/v1/orders", 200, respHeaders("application/json", `[`+order+`,{}]`), `[` + order + `,{}]`, true, "response/body/1/currency", "required", 1},
				{"4XX class", "POST", "/v1/orders", 422, respHeaders("application/problem+json", `{"title":"x","status":422}`), `{"title":"x","status":422}`, true, "", "", 1},
				{"4XX class, bad problem", "POST", "/v1/orders", 400, respHeaders("application/problem+json", `{"status":"400"}`), `{"status":"400"}`, true, "response/body/status", "type", 1},
				{"content type not documented", "POST", "/v1/orders", 400, respHeaders("text/html", `<h1>no</h1>`), `<h1>no</h1>`, true, "response/header/content-type", CodeContentTypeRefused, 0},
				{"content type missing", "POST", "/v1/orders", 201, respHeaders("", order), order, true, "response/header/content-type", CodeContentTypeMissing, 0},
				{"empty body where one is documented", "POST", "/v1/orders", 201, respHeaders("application/json", ""), "", true, "response/body", CodeBodyRequired, 0},
				{"not JSON", "GET", "/v1/orders/7", 200, respHeaders("application/json", `{"id":`), `{"id":`, true, "response/body", CodeJSONSyntax, 1},
				{"default without content", "POST", "/v1/orders", 500, respHeaders("text/html", "oops"), "oops", false, "", "", 0},
				{"documented without content", "GET", "/v1/orders/7", 404, respHeaders("text/plain", "no"), "no", false, "", "", 0},
				{"undocumented status", "GET", "/v1/orders/7", 500, respHeaders("text/plain", "no"), "no", false, "", "", 0},
				{"204", "GET", "/v1/orders/7", 204, respHeaders("", ""), "", false, "", "", 0},
				{"HEAD", "HEAD", "/v1/orders/7", 200, respHeaders("application/json", order), "", false, "", "", 0},
				{"no operation", "GET", "/v1/admin", 200, respHeaders("application/json", "{}"), "{}", false, "", "", 0},
				{"outside the base path", "GET", "/orders/7", 200, respHeaders("application/json", "{}"), "{}", false, "", "", 0},
			}
			for _, tt := range tests {
				d, n, checked := checkResponse(t, v, tt.method, tt.path, tt.status, tt.h, []byte(tt.body))
				if checked != tt.checked {
					t.Errorf("%s: checked %v, want %v", tt.name, checked, tt.checked)
					continue
				}
				if n != tt.reads {
					t.Errorf("%s: read the body %d times, want %d", tt.name, n, tt.reads)
				}
				if tt.loc == "" {
					if !d.Valid() {
						t.Errorf("%s: %d %+v, want valid", tt.name, d.Status, d.Violations)
					}
					continue
				}
				if d.Status != 502 || d.Violations[0].Location != tt.loc || d.Violations[0].Code != tt.code {
					t.Errorf("%s: %d %+v, want 502 %s at %s", tt.name, d.Status, d.Violations, tt.code, tt.loc)
				}
				if strings.Contains(d.Violations[0].Message, "tok") || strings.Contains(d.Violations[0].Message, "lost") {
					t.Errorf("%s: message echoes the response: %q", tt.name, d.Violations[0].Message)
				}
			}
		})
	}
}

func TestResponseStatusPrecedence(t *testing.T) {
	t.Parallel()
	schema := func(field string) string {
		return `{"type":"object","required":["` + field + `"]}`
	}
	v := mustLoad(t, map[string]any{
		"response_validation": map[string]any{"enabled": true},
		"operations": []any{map[string]any{"method": "GET", "path": "/a", "responses": []any{
			map[string]any{"status": "default", "body_schema": schema("d")},
			map[string]any{"status": "2xx", "body_schema": schema("c")},
			map[string]any{"status": "200", "body_schema": schema("e")},
		}}},
	})
	for status, field := range map[int]string{200: "e", 201: "c", 299: "c", 404: "d", 503: "d"} {
		body := `{"` + field + `":1}`
		d, _, checked := checkResponse(t, v, "GET", "/a", status, respHeaders("application/json", body), []byte(body))
		if !checked || !d.Valid() {
			t.Errorf("status %d with %s: checked %v, %+v", status, field, checked, d.Violations)
		}
		d, _, _ = checkResponse(t, v, "GET", "/a", status, respHeaders("application/json", `{}`), []byte(`{}`))
		if d.Valid() {
			t.Errorf("status %d: {} passes, want %s required", status, field)
		}
	}
	// A body schema with no content types means JSON, +json included.
	d, _, _ := checkResponse(t, v, "GET", "/a", 200, respHeaders("application/vnd.api+json", `{"e":1}`), []byte(`{"e":1}`))
	if !d.Valid() {
		t.Errorf("+json: %+v", d.Violations)
	}
	d, _, _ = checkResponse(t, v, "GET", "/a", 200, respHeaders("text/plain", `{"e":1}`), []byte(`{"e":1}`))
	if d.Valid() || d.Reason != CodeContentTypeRefused {
		t.Errorf("text/plain for a JSON schema: %+v", d)
	}
	if !v.ResponseLogOnly() {
		t.Error("response mode defaults to log_only")
	}
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestResponseBodyEncodingAndSize(t *testing.T) {
	t.Parallel()
	v := mustLoad(t, map[string]any{
		"response_validation": map[string]any{"enabled": true, "max_body_bytes": 1000},
		"operations": []any{map[string]any{"method": "GET", "path": "/a", "responses": []any{
			map[string]any{"status": "200", "body_schema": `{"type":"object","properties":{"n":{"type":"integer"}}}`},
		}}},
	})
	check := func(h map[string][]string, body []byte) Decision {
		t.Helper()
		d, _, checked := checkResponse(t, v, "GET", "/a", 200, h, body)
		if !checked {
			t.Fatal("not checked")
		}
		return d
	}
	gz := gzipped(t, []byte(`{"n":"x"}`))
	if d := check(respHeaders("application/json", string(gz), "content-encoding", "gzip"), gz); d.Valid() || d.Violations[0].Location != "response/body/n" {
		t.Errorf("gzip body is decoded and checked: %+v", d)
	}
	chunked := map[string][]string{"content-type": {"application/json"}, "transfer-encoding": {"chunked"}}
	if d := check(chunked, []byte(`{"n":1}`)); !d.Valid() {
		t.Errorf("chunked: %+v", d)
	}
	if d := check(chunked, nil); d.Reason != CodeBodyRequired {
		t.Errorf("chunked, empty: %+v", d)
	}
	if d := check(respHeaders("application/json", "x", "content-encoding", "br"), []byte("x")); d.Reason != CodeContentEncoding {
		t.Errorf("br: %+v", d)
	}
	if d := check(respHeaders("application/json", "xx", "content-encoding", "gzip"), []byte("xx")); d.Reason != CodeMalformed {
		t.Errorf("not gzip: %+v", d)
	}
	// The limit, at its boundary: 1000 bytes pass, 1001 do not, and a
	// small gzip body decoding past it is refused without decoding it all.
	at := []byte(`{"n":1}` + strings.Repeat(" ", 993))
	if d := check(respHeaders("application/json", string(at)), at); !d.Valid() {
		t.Errorf("1000 bytes: %+v", d)
	}
	over := append(at, ' ')
	if d := check(respHeaders("application/json", string(over)), over); d.Reason != CodeBodyTooLarge {
		t.Errorf("1001 bytes: %+v", d)
	}
	// A Content-Length over the limit is refused without reading the body.
	if d, n, _ := checkResponse(t, v, "GET", "/a", 200, map[string][]string{"content-type": {"application/json"}, "content-length": {"1000000000"}}, over); d.Reason != CodeBodyTooLarge || n != 0 {
		t.Errorf("Content-Length 1e9: %+v, %d reads", d, n)
	}
	bomb := gzipped(t, []byte(`{"n":1}`+strings.Repeat(" ", 1<<20)))
	if d := check(respHeaders("application/json", string(bomb), "content-encoding", "gzip"), bomb); d.Reason != CodeBodyTooLarge {
		t.Errorf("gzip bomb: %+v", d)
	}
	// Counts that request bodies limit do not apply to responses.
	long := []byte("[" + strings.Repeat("1,", 400) + "1]")
	v2 := mustLoad(t, map[string]any{
		"response_validation": map[string]any{"enabled": true},
		"json_limits":         map[string]any{"max_array_length": 10},
		"operations": []any{map[string]any{"method": "GET", "path": "/a", "responses": []any{
			map[string]any{"status": "200", "body_schema": `{"type":"array"}`}}}},
	})
	if d, _, _ := checkResponse(t, v2, "GET", "/a", 200, respHeaders("application/json", string(long)), long); !d.Valid() {
		t.Errorf("a 401-item list answer: %+v", d)
	}
	// max_values bounds the work of an invalid answer: 402 values (the
	// array and its 401 items) pass at 402 and fail at 401.
	for limit, want := range map[int]bool{402: true, 401: false} {
		v3 := mustLoad(t, map[string]any{
			"response_validation": map[string]any{"enabled": true, "max_values": limit},
			"operations": []any{map[string]any{"method": "GET", "path": "/a", "responses": []any{
				map[string]any{"status": "200", "body_schema": `{"type":"array"}`}}}},
		})
		d, _, _ := checkResponse(t, v3, "GET", "/a", 200, respHeaders("application/json", string(long)), long)
		if d.Valid() != want || (!want && d.Reason != CodeJSONTooManyValues) {
			t.Errorf("max_values %d: %+v", limit, d)
		}
	}
}

func TestResponseValidationConfig(t *testing.T) {
	t.Parallel()
	op := func(rs ...any) map[string]any {
		return map[string]any{"method": "GET", "path": "/a", "responses": rs}
	}
	for _, tt := range []struct {
		name string
		doc  map[string]any
		path string // the field the error names; "" for no error
	}{
		{"enabled with nothing documented", map[string]any{"response_validation": map[string]any{"enabled": true},
			"operations": []any{map[string]any{"method": "GET", "path": "/a"}}}, "response_validation.enabled"},
		{"bad status", map[string]any{"operations": []any{op(map[string]any{"status": "2X0"})}}, "operations[0].responses[0].status"},
		{"status 600", map[string]any{"operations": []any{op(map[string]any{"status": "600"})}}, "operations[0].responses[0].status"},
		{"duplicate status", map[string]any{"operations": []any{op(map[string]any{"status": "2XX"}, map[string]any{"status": "2xx"})}}, "operations[0].responses[1].status"},
		{"remote $ref", map[string]any{"operations": []any{op(map[string]any{"status": "200", "body_schema": `{"$ref":"http://127.0.0.1:1/x"}`})}}, "operations[0].responses[0].body_schema"},
		{"bad media range", map[string]any{"operations": []any{op(map[string]any{"status": "200", "content_types": []any{"json"}})}}, "operations[0].responses[0].content_types[0]"},
		{"bad mode", map[string]any{"response_validation": map[string]any{"mode": "deny"}}, "response_validation.mode"},
		{"limit", map[string]any{"response_validation": map[string]any{"max_body_bytes": 0}}, "response_validation.max_body_bytes"},
		{"fine", map[string]any{"response_validation": map[string]any{"enabled": true}, "operations": []any{op(map[string]any{"status": "default"})}}, ""},
	} {
		_, err := loadConfig(t, tt.doc)
		switch {
		case tt.path == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.path != "" && (err == nil || !strings.Contains(config.Summary(err), tt.path+":")):
			t.Errorf("%s: %v, want an error naming %s", tt.name, err, tt.path)
		}
	}
}

// TestOpenAPIResponsesImportedOnlyWhenEnabled: with response validation
// off, a response schema gojsonschema cannot check does not break the
// config, and none is compiled.
func TestOpenAPIResponsesImportedOnlyWhenEnabled(t *testing.T) {
	t.Parallel()
	spec := `{"openapi":"3.1.0","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"array","prefixItems":[{"type":"string"}]}}}}}}}}}`
	v := mustLoad(t, map[string]any{"openapi_spec": spec})
	if v.Responses("GET", "/a") != nil {
		t.Error("response rules with response validation off")
	}
	_, err := loadConfig(t, map[string]any{"openapi_spec": spec, "response_validation": map[string]any{"enabled": true}})
	if err == nil || !strings.Contains(config.Summary(err), "paths./a.get.responses.200") || !errors.Is(err, config.ErrInvalid) {
		t.Errorf("unsupported keyword in a response schema, enabled: %v", err)
	}
}

// TestResponseLocationsAreBounded: locations name only members the
// schema declares (a map's keys, which may be tokens, come out as "*",
// an undeclared member's violation stops at its object), and a declared
// name is cut at 128 bytes.
func TestResponseLocationsAreBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 5000)
	v := mustLoad(t, map[string]any{
		"response_validation": map[string]any{"enabled": true},
		"operations": []any{map[string]any{"method": "GET", "path": "/a", "responses": []any{
			map[string]any{"status": "200", "body_schema": `{"type":"object","properties":{"m":{"additionalProperties":{"type":"string"}},"` + long + `":{"type":"string"}},"additionalProperties":false}`}}}},
	})
	for body, want := range map[string]string{
		`{"sk_live_4242":1}`:           "response/body",
		`{"m":{"sk_live_4242":1}}`:     "response/body/m/*",
		`{"m":{"ok":"a","tok_9":[1]}}`: "response/body/m/*",
		`{"` + long + `":1}`:           "response/body/" + strings.Repeat("é", 64) + "…",
	} {
		d, _, _ := checkResponse(t, v, "GET", "/a", 200, respHeaders("application/json", body), []byte(body))
		if d.Valid() || d.Violations[0].Location != want {
			t.Errorf("%.40s: %+v, want a violation at %.40s", body, d.Violations, want)
		}
	}
}
