package validator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
)

const orderSchema = `{
  "type": "object",
  "required": ["customer_id", "currency", "items"],
  "additionalProperties": false,
  "properties": {
    "customer_id": {"type": "string", "format": "uuid"},
    "currency": {"type": "string", "enum": ["EUR", "GBP", "USD"]},
    "placed_at": {"type": "string", "format": "date-time"},
    "contact": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}, "phone": {"type": "string", "maxLength": 32}}},
    "shipping": {"type": "object", "required": ["name", "country"], "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 100}, "street": {"type": "string"}, "city": {"type": "string"},
      "postal_code": {"type": "string"}, "country": {"type": "string", "pattern": "^[A-Z]{2}$"}}},
    "items": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"$ref": "#/definitions/item"}},
    "gift": {"type": "boolean"},
    "coupon": {"type": ["string", "null"]},
    "notes": {"type": "string", "maxLength": 500},
    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
  },
  "definitions": {
    "item": {"type": "object", "required": ["sku", "quantity"], "properties": {
      "sku": {"type": "string", "pattern": "^[A-Z0-9-]+$"}, "name": {"type": "string"},
      "quantity": {"type": "integer", "minimum": 1, "maximum": 100}, "unit_price": {"type": "number", "exclusiveMinimum": 0}}}
  }
}`

func ordersConfig(t testing.TB, mutate ...func(*Config)) *Config {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{
		"unknown_operation": "405",
		"operations": []any{
			map[string]any{"method": "POST", "path": "/orders", "body_schema": orderSchema, "body_required": true},
			map[string]any{"method": "GET", "path": "/orders", "parameters": []any{
				map[string]any{"name": "limit", "in": "query", "schema": `{"type":"integer","minimum":1,"maximum":100}`},
				map[string]any{"name": "status", "in": "query", "schema": `{"type":"array","items":{"type":"string","enum":["open","shipped"]}}`},
				map[string]any{"name": "X-Request-Id", "in": "header", "schema": `{"type":"string","format":"uuid"}`},
			}},
			map[string]any{"method": "GET", "path": "/orders/{id}", "parameters": []any{
				map[string]any{"name": "id", "in": "path", "schema": `{"type":"integer","minimum":1}`},
			}},
			map[string]any{"method": "GET", "path": "/orders/summary"},
		},
	})
	cfg, err := config.Load[Config](raw)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	for _, m := range mutate {
		m(cfg)
	}
	return cfg
}

func mustNew(t testing.TB, cfg *Config) *Validator {
	t.Helper()
	v, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

func bodyOf(b string) BodyReader {
	return func(max int64) ([]byte, error) {
		if int64(len(b)) > max {
			return nil, ErrBodyTooLarge
		}
		return []byte(b), nil
	}
}

func post(path, ctype, body string) *Request {
	h := map[string][]string{"content-length": {itoa(len(body))}}
	if ctype != "" {
		h["content-type"] = []string{ctype}
	}
	return &Request{Method: "POST", PathWithQuery: path, Headers: h}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	v := mustNew(t, ordersConfig(t))
	badItem := strings.Replace(orderJSON, `"quantity": 3`, `"quantity": 0`, 1)
	tests := []struct {
		name   string
		req    *Request
		body   string
		status int
		want   []Violation // location and code only
	}{
		{name: "valid order", req: post("/orders", "application/json", orderJSON), body: orderJSON},
		{name: "charset param", req: post("/orders", "Application/JSON; charset=UTF-8", orderJSON), body: orderJSON},
		{name: "latin1 json refused", req: post("/orders", "application/json; charset=latin1", orderJSON), body: orderJSON,
			status: 415, want: []Violation{{Location: "header/content-type", Code: CodeContentTypeRefused}}},
		{name: "missing content type", req: post("/orders", "", orderJSON), body: orderJSON,
			status: 415, want: []Violation{{Location: "header/content-type", Code: CodeContentTypeMissing}}},
		{name: "unlisted content type", req: post("/orders", "text/plain", orderJSON), body: orderJSON,
			status: 415, want: []Violation{{Location: "header/content-type", Code: CodeContentTypeRefused}}},
		{name: "item quantity", req: post("/orders", "application/json", badItem), body: badItem,
			status: 400, want: []Violation{{Location: "body/items/2/quantity", Code: "minimum"}}},
		{name: "several violations sorted", req: post("/orders", "application/json", `{"currency":"XXX","items":[],"extra":1}`),
			body: `{"currency":"XXX","items":[],"extra":1}`, status: 400, want: []Violation{
				{Location: "body", Code: "additional_properties"}, // not body/extra: a name can be a secret
				{Location: "body/currency", Code: "enum"},
				{Location: "body/customer_id", Code: "required"},
				{Location: "body/items", Code: "min_items"},
			}},
		{name: "bad format", req: post("/orders", "application/json", `{"customer_id":"nope","currency":"EUR","items":[{"sku":"A","quantity":1}]}`),
			body: `{"customer_id":"nope","currency":"EUR","items":[{"sku":"A","quantity":1}]}`, status: 400,
			want: []Violation{{Location: "body/customer_id", Code: "format"}}},
		{name: "malformed json", req: post("/orders", "application/json", `{"a":`), body: `{"a":`,
			status: 400, want: []Violation{{Location: "body", Code: CodeJSONSyntax}}},
		{name: "duplicate key", req: post("/orders", "application/json", `{"a":1,"a":2}`), body: `{"a":1,"a":2}`,
			status: 400, want: []Violation{{Location: "body", Code: CodeJSONDuplicateKey}}},
		{name: "body required", req: &Request{Method: "POST", PathWithQuery: "/orders", Headers: map[string][]string{}},
			status: 400, want: []Violation{{Location: "body", Code: CodeBodyRequired}}},
		{name: "query ok", req: &Request{Method: "GET", PathWithQuery: "/orders?limit=10&status=open&status=shipped"}},
		{name: "query coerced and checked", req: &Request{Method: "GET", PathWithQuery: "/orders?limit=101&status=lost"},
			status: 400, want: []Violation{{Location: "query/limit", Code: "maximum"}, {Location: "query/status/0", Code: "enum"}}},
		{name: "query not an integer", req: &Request{Method: "GET", PathWithQuery: "/orders?limit=1.5"},
			status: 400, want: []Violation{{Location: "query/limit", Code: "type"}}},
		{name: "scalar twice", req: &Request{Method: "GET", PathWithQuery: "/orders?limit=1&limit=2"},
			status: 400, want: []Violation{{Location: "query/limit", Code: CodeMultipleValues}}},
		{name: "header param", req: &Request{Method: "GET", PathWithQuery: "/orders", Headers: map[string][]string{"x-request-id": {"x"}}},
			status: 400, want: []Violation{{Location: "header/X-Request-Id", Code: "format"}}},
		{name: "path param", req: &Request{Method: "GET", PathWithQuery: "/orders/0"},
			status: 400, want: []Violation{{Location: "path/id", Code: "minimum"}}},
		{name: "literal beats template", req: &Request{Method: "GET", PathWithQuery: "/orders/summary"}},
		{name: "normalized path", req: &Request{Method: "GET", PathWithQuery: "//orders/./x/../%31"}},
		{name: "405", req: &Request{Method: "DELETE", PathWithQuery: "/orders/1"},
			status: 405, want: []Violation{{Location: "method", Code: CodeMethodNotAllowed}}},
		{name: "404", req: &Request{Method: "GET", PathWithQuery: "/admin"},
			status: 404, want: []Violation{{Location: "path", Code: CodeUnknownOperation}}},
		{name: "bad content-length", req: &Request{Method: "POST", PathWithQuery: "/orders", Headers: map[string][]string{"content-length": {"1", "2"}}},
			status: 400, want: []Violation{{Location: "header/content-length", Code: CodeBadContentLength}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.req.Headers == nil {
				tt.req.Headers = map[string][]string{}
			}
			d, err := v.Check(tt.req, bodyOf(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tt.status {
				t.Fatalf("status %d, want %d (%+v)", d.Status, tt.status, d.Violations)
			}
			if len(d.Violations) != len(tt.want) {
				t.Fatalf("violations %+v, want %+v", d.Violations, tt.want)
			}
			for i, w := range tt.want {
				g := d.Violations[i]
				if g.Location != w.Location || g.Code != w.Code {
					t.Errorf("violation %d: got %s %s, want %s %s", i, g.Location, g.Code, w.Location, w.Code)
				}
			}
		})
	}
}

func TestSizeLimits(t *testing.T) {
	t.Parallel()
	v := mustNew(t, ordersConfig(t, func(c *Config) { c.MaxBodyBytes = len(orderJSON); c.Operations = nil }))
	// At the limit: passes.
	if d, _ := v.Check(post("/x", "application/json", orderJSON), bodyOf(orderJSON)); !d.Valid() {
		t.Fatalf("body at limit: %+v", d)
	}
	// Content-Length one over: refused before reading.
	req := post("/x", "application/json", orderJSON+" ")
	read := false
	d, _ := v.Check(req, func(int64) ([]byte, error) { read = true; return nil, nil })
	if d.Status != 413 || read {
		t.Fatalf("content-length over limit: status %d, body read %v", d.Status, read)
	}
	// Content-Length lies (chunked): the bytes read are checked.
	req = &Request{Method: "POST", PathWithQuery: "/x", Headers: map[string][]string{"content-type": {"application/json"}, "transfer-encoding": {"chunked"}}}
	if d, _ := v.Check(req, bodyOf(orderJSON+" ")); d.Status != 413 {
		t.Fatalf("body over limit: status %d", d.Status)
	}
}

func TestViolationsCappedAndNoEcho(t *testing.T) {
	t.Parallel()
	v := mustNew(t, ordersConfig(t, func(c *Config) { c.MaxErrors = 2; c.FailureStatus = 422 }))
	secret := "SECRET-VALUE-4242"
	body := `{"customer_id":"` + secret + `","currency":"` + secret + `","items":[{"sku":"` + secret + `","quantity":"` + secret + `"}],"notes":1}`
	d, err := v.Check(post("/orders", "application/json", body), bodyOf(body))
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != 422 || len(d.Violations) != 2 || d.Total < 4 {
		t.Fatalf("status %d, %d listed of %d", d.Status, len(d.Violations), d.Total)
	}
	resp := d.Response()
	if ct := resp.Headers["Content-Type"]; len(ct) != 1 || ct[0] != "application/problem+json" {
		t.Errorf("content type %v", ct)
	}
	if strings.Contains(string(resp.Body), secret) {
		t.Errorf("answer echoes the submitted value: %s", resp.Body)
	}
	// Every violation, not only the listed ones, is value-free.
	all := mustNew(t, ordersConfig(t, func(c *Config) { c.MaxErrors = 100 }))
	d, _ = all.Check(post("/orders", "application/json", body), bodyOf(body))
	for _, vi := range d.Violations {
		if strings.Contains(vi.Message, secret) || strings.Contains(vi.Location, secret) {
			t.Errorf("violation echoes the value: %+v", vi)
		}
	}
}

func TestConfigRefusesNonLocalRefs(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"type":"string"}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(dir+"/s.json", []byte(`{"type":"string"}`), 0o600)
	tests := []struct {
		name   string
		schema string
		want   error
	}{
		{"http ref", `{"$ref":"` + srv.URL + `/s.json"}`, ErrRemoteRef},
		{"nested http ref", `{"properties":{"a":{"items":{"$ref":"` + srv.URL + `/s.json#/x"}}}}`, ErrRemoteRef},
		{"file ref", `{"$ref":"file://` + dir + `/s.json"}`, ErrRemoteRef},
		{"relative ref", `{"$ref":"s.json"}`, ErrRemoteRef},
		{"id moves base", `{"$id":"` + srv.URL + `/base.json","properties":{"a":{"$ref":"#/definitions/x"}},"definitions":{"x":{}}}`, ErrRemoteRef},
		{"draft4 id", `{"id":"` + srv.URL + `/"}`, ErrRemoteRef},
		{"unknown $schema", `{"$schema":"` + srv.URL + `/schema"}`, ErrUnknownDraft},
		{"other draft", `{"$schema":"http://json-schema.org/draft-04/schema#"}`, ErrUnknownDraft},
	}
	for _, tt := range tests {
		_, err := CompileSchema([]byte(tt.schema), Draft7)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	// A $ref inside a literal is data, and a local ref is fine.
	for _, ok := range []string{
		`{"default":{"$ref":"http://x/"},"enum":[{"$ref":"http://x/"}]}`,
		`{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"a":{"type":"string"}},"$ref":"#/definitions/a"}`,
		`{"properties":{"$ref":{"type":"string"},"id":{"type":"string"}}}`,
	} {
		if _, err := CompileSchema([]byte(ok), Draft7); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	// Whatever the walk misses, the loader refuses.
	if _, err := (refuseFactory{}).New(srv.URL).LoadJSON(); !errors.Is(err, ErrExternalLoad) {
		t.Errorf("refusing loader: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the listener saw %d requests", n)
	}
}

func TestConfigErrorsNameFields(t *testing.T) {
	t.Parallel()
	raw := `{"mode":"nope","operations":[{"method":"POST","path":"/a/{x}/{x}"},{"method":"GET","path":"/b","body_schema":"{\"type\":\"strin\"}"},
	  {"method":"GET","path":"/c","parameters":[{"name":"p","in":"path","schema":"{}"}]}]}`
	_, err := config.Load[Config]([]byte(raw))
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"mode:", "operations[0].path:", "operations[1].body_schema:", "operations[2].parameters[0].name:"} {
		if !strings.Contains(config.Summary(err), want) {
			t.Errorf("error %q does not name %s", config.Summary(err), want)
		}
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	registerFormats()
	tests := []struct {
		f    func(string) bool
		good []string
		bad  []string
	}{
		{isDateTime, []string{"2025-03-14T09:26:53Z", "2025-03-14t09:26:53.123+01:00"}, []string{"2025-03-14", "2025-13-01T00:00:00Z", "2025-03-14T9:26:53Z", "2025-03-14 09:26:53Z"}},
		{isEmail, []string{"ada@example.com", "a.b+c@sub.example.org"}, []string{"Ada <ada@example.com>", "ada@localhost", "@example.com", "ada@[127.0.0.1]", "a b@example.com"}},
		{isUUID, []string{"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"}, []string{"3f2b8c1e9a4d4e7b8c215d6f7a8b9c0d", "{3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d}"}},
		{isIPv4, []string{"192.0.2.1"}, []string{"192.0.2.01", "::ffff:192.0.2.1", "192.0.2"}},
		{isIPv6, []string{"2001:db8::1", "::1"}, []string{"fe80::1%eth0", "192.0.2.1"}},
		{isURI, []string{"https://example.com/a?b=c", "urn:isbn:0451450523"}, []string{"/relative", "https://exa mple.com", "example.com"}},
		{isURITemplate, []string{"https://example.com/things{?page,per_page}", "/a/{b}/c{/d}", "{+path}/here", "https://x.test/s?q={q}{&page,sort}",
			"{var:3}", "{list*}", "{a.b}", "{#frag}", "/caf%C3%A9/{id}", "/café/{id}", "plain", ""},
			[]string{"https://example.com/things{?page", "/a/b}", "{}", "{a b}", "/a b", "{!!x}", "{a:0}", "{a:10000}", "/a/%zz", "{a..b}", "{a}}"}},
	}
	for _, tt := range tests {
		for _, s := range tt.good {
			if !tt.f(s) {
				t.Errorf("refused %q", s)
			}
		}
		for _, s := range tt.bad {
			if tt.f(s) {
				t.Errorf("accepted %q", s)
			}
		}
	}
}

// TestBodyWithoutLengthHeaders: an HTTP/2 or HTTP/3 request carries its
// body without Content-Length or Transfer-Encoding (RFC 9113 8.1.1), and
// Kong (nginx) proxies that body upstream, so it must be read and checked
// like any other, not skipped as absent.
func TestBodyWithoutLengthHeaders(t *testing.T) {
	t.Parallel()
	v := mustNew(t, ordersConfig(t))
	badItem := strings.Replace(orderJSON, `"quantity": 3`, `"quantity": 0`, 1)
	tests := []struct {
		name    string
		method  string
		ctype   string
		body    string
		status  int
		code    string
		maxBody int
	}{
		{name: "invalid body", method: "POST", ctype: "application/json", body: badItem, status: 400, code: "minimum"},
		{name: "valid body", method: "POST", ctype: "application/json", body: orderJSON},
		{name: "unlisted content type", method: "POST", ctype: "text/plain", body: orderJSON, status: 415, code: CodeContentTypeRefused},
		{name: "no content type", method: "POST", body: orderJSON, status: 415, code: CodeContentTypeMissing},
		{name: "no body at all", method: "POST", body: "", status: 400, code: CodeBodyRequired},
		{name: "too large", method: "POST", ctype: "application/json", body: orderJSON, status: 413, code: CodeBodyTooLarge, maxBody: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := v
			if tt.maxBody > 0 {
				v = mustNew(t, ordersConfig(t, func(c *Config) { c.MaxBodyBytes = tt.maxBody }))
			}
			h := map[string][]string{}
			if tt.ctype != "" {
				h["content-type"] = []string{tt.ctype}
			}
			d, err := v.Check(&Request{Method: tt.method, PathWithQuery: "/orders", Headers: h}, bodyOf(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tt.status || tt.status != 0 && d.Reason != tt.code {
				t.Fatalf("status %d reason %q, want %d %q (%+v)", d.Status, d.Reason, tt.status, tt.code, d.Violations)
			}
		})
	}
}

// TestPathVariantsStillValidated: frameworks behind Kong commonly route
// /orders/, /ORDERS and /orders;x=y to the /orders handler (Express by
// default, ASP.NET Core, Spring Boot 2, Tomcat), so with unknown_operation allow such a
// spelling must not let a body through unvalidated. An exact match still
// wins.
func TestPathVariantsStillValidated(t *testing.T) {
	t.Parallel()
	v := mustNew(t, ordersConfig(t, func(c *Config) { c.UnknownOperation = UnknownAllow }))
	badItem := strings.Replace(orderJSON, `"quantity": 3`, `"quantity": 0`, 1)
	tests := []struct {
		name   string
		req    *Request
		body   string
		status int
		op     string
	}{
		{name: "trailing slash", req: post("/orders/", "application/json", badItem), body: badItem, status: 400, op: "POST /orders"},
		{name: "upper case", req: post("/ORDERS", "application/json", badItem), body: badItem, status: 400, op: "POST /orders"},
		{name: "both", req: post("/Orders/", "application/json", badItem), body: badItem, status: 400, op: "POST /orders"},
		{name: "path parameter (Tomcat, Spring strip it)", req: post("/orders;jsessionid=x", "application/json", badItem), body: badItem, status: 400, op: "POST /orders"},
		{name: "valid with trailing slash", req: post("/orders/", "application/json", orderJSON), body: orderJSON, op: "POST /orders"},
		{name: "param with trailing slash", req: &Request{Method: "GET", PathWithQuery: "/orders/0/"}, status: 400, op: "GET /orders/{id}"},
		{name: "unknown path still unknown", req: &Request{Method: "GET", PathWithQuery: "/admin/"}},
		// Express, gunicorn and uvicorn cut the target at a raw #: they
		// run POST /orders.
		{name: "raw # after the path", req: post("/orders#x", "application/json", badItem), body: badItem, status: 400},
		{name: "raw # in the query", req: post("/orders?a=1#x", "application/json", badItem), body: badItem, status: 400},
		// Frameworks upper-case the method; nginx refuses it.
		{name: "lower-case method", req: &Request{Method: "post", PathWithQuery: "/orders", Headers: post("/orders", "application/json", badItem).Headers}, body: badItem, status: 400},
		{name: "method with a digit", req: &Request{Method: "P0ST", PathWithQuery: "/orders"}, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.req.Headers == nil {
				tt.req.Headers = map[string][]string{}
			}
			d, err := v.Check(tt.req, bodyOf(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tt.status || d.Operation != tt.op {
				t.Fatalf("status %d operation %q, want %d %q (%+v)", d.Status, d.Operation, tt.status, tt.op, d.Violations)
			}
		})
	}
}

// TestBasePathAnyCase: the base path is stripped in any case, as the
// operations' own paths match (see TestPathVariantsStillValidated).
func TestBasePathAnyCase(t *testing.T) {
	t.Parallel()
	v := mustNew(t, ordersConfig(t, func(c *Config) { c.UnknownOperation = UnknownAllow; c.BasePath = "/api/v1" }))
	badItem := strings.Replace(orderJSON, `"quantity": 3`, `"quantity": 0`, 1)
	for _, path := range []string{"/api/v1/orders", "/API/V1/orders", "/Api/v1/Orders/"} {
		d, err := v.Check(post(path, "application/json", badItem), bodyOf(badItem))
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != 400 || d.Operation != "POST /orders" {
			t.Errorf("%s: status %d operation %q, want 400 POST /orders", path, d.Status, d.Operation)
		}
	}
	if d, _ := v.Check(post("/api/v10/orders", "application/json", badItem), bodyOf(badItem)); !d.Valid() {
		t.Errorf("/api/v10/orders is outside the base path: %+v", d)
	}
}
