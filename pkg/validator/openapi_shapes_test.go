package validator

import (
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/pkg/config"
)

// specConfig loads an inline OpenAPI document (JSON or YAML).
func specConfig(t testing.TB, spec string, responses bool) (*Config, error) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"openapi_spec": spec, "unknown_operation": "404",
		"allowed_content_types": []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
		"response_validation":   map[string]any{"enabled": responses}})
	return config.Load[Config](raw)
}

func specValidator(t testing.TB, spec string) *Validator {
	t.Helper()
	cfg, err := specConfig(t, spec, true)
	if err != nil {
		t.Fatal(config.Summary(err))
	}
	return mustNew(t, cfg)
}

type shapeCase struct {
	name   string
	method string
	target string
	ctype  string
	body   string
	status int    // 0: valid
	loc    string // first violation's location, when status != 0
	code   string // first violation's code, when set
	// resp, when set, is a 200 JSON response checked after a valid request.
	resp    string
	badResp bool
}

func runShapes(t *testing.T, v *Validator, tests []shapeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string][]string{"content-length": {strconv.Itoa(len(tt.body))}}
			if tt.ctype != "" {
				h["content-type"] = []string{tt.ctype}
			}
			method := tt.method
			if method == "" {
				method = "GET"
			}
			d, err := v.Check(&Request{Method: method, PathWithQuery: tt.target, Headers: h}, bodyOf(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tt.status || tt.loc != "" && (len(d.Violations) == 0 || d.Violations[0].Location != tt.loc) {
				t.Fatalf("got %d %+v, want %d at %q", d.Status, d.Violations, tt.status, tt.loc)
			}
			if tt.code != "" && d.Violations[0].Code != tt.code {
				t.Fatalf("got %+v, want code %s", d.Violations, tt.code)
			}
			if tt.resp == "" || !d.Valid() {
				return
			}
			rh := map[string][]string{"content-type": {"application/json"}, "content-length": {strconv.Itoa(len(tt.resp))}}
			rd, err := v.ResponsesOf(d, method).For(200).Check(rh, func() ([]byte, error) { return []byte(tt.resp), nil })
			if err != nil {
				t.Fatal(err)
			}
			if rd.Valid() == tt.badResp {
				t.Fatalf("response valid %v, want %v: %+v", rd.Valid(), !tt.badResp, rd.Violations)
			}
		})
	}
}

// TestOpenAPINullable: 3.0 nullable admits null wherever kin-openapi
// accepts it, Stripe's expandable fields (nullable + anyOf, no type)
// first; before, null was added only next to a single type.
func TestOpenAPINullable(t *testing.T) {
	t.Parallel()
	v := specValidator(t, `
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /charges/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/charge"}
components:
  schemas:
    customer:
      type: object
      required: [id]
      properties: {id: {type: string}}
    charge:
      type: object
      required: [customer, owner, kind, plain, tags]
      properties:
        customer:
          nullable: true
          anyOf: [{type: string, maxLength: 50}, {$ref: "#/components/schemas/customer"}]
        owner:
          nullable: true
          allOf: [{$ref: "#/components/schemas/customer"}]
        kind:
          nullable: true
          oneOf: [{type: string}, {type: integer}]
        plain: {type: string, nullable: true}
        tags: {type: array, nullable: true, items: {type: string}}
        status: {type: string, nullable: true, enum: [open, paid]}
`)
	ok := `{"customer":null,"owner":null,"kind":null,"plain":null,"tags":null,"status":null}`
	runShapes(t, v, []shapeCase{
		{name: "all null", target: "/charges/ch_1", resp: ok},
		{name: "id and objects", target: "/charges/ch_1", resp: `{"customer":"cus_1","owner":{"id":"cus_1"},"kind":3,"plain":"x","tags":["a"],"status":"paid"}`},
		{name: "expanded customer", target: "/charges/ch_1", resp: `{"customer":{"id":"cus_1"},"owner":null,"kind":"x","plain":null,"tags":[]}`},
		{name: "customer a number", target: "/charges/ch_1", resp: `{"customer":5,"owner":null,"kind":null,"plain":null,"tags":null}`, badResp: true},
		{name: "owner incomplete", target: "/charges/ch_1", resp: `{"customer":null,"owner":{},"kind":null,"plain":null,"tags":null}`, badResp: true},
		{name: "status not in enum", target: "/charges/ch_1", resp: `{"customer":null,"owner":null,"kind":null,"plain":null,"tags":null,"status":"lost"}`, badResp: true},
	})
}

// TestOpenAPIParameterShapes: $ref parameter schemas are coerced like
// inline ones (GitHub's path parameters), 3.1 type arrays too; deepObject
// query parameters are objects (Stripe's created[gte]); bracketed
// spellings of a declared name (limit[]=, limit[0]=) are the name.
func TestOpenAPIParameterShapes(t *testing.T) {
	t.Parallel()
	v := specValidator(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /alerts/{alert_number}:
    get:
      parameters:
        - {name: alert_number, in: path, required: true, schema: {$ref: "#/components/schemas/alert-number"}}
        - $ref: "#/components/parameters/per-page"
        - name: created
          in: query
          style: deepObject
          explode: true
          schema:
            anyOf:
              - {type: object, additionalProperties: false, properties: {gt: {type: integer}, lte: {type: integer}}}
              - {type: integer}
        - {name: expand, in: query, style: deepObject, explode: true, schema: {type: array, maxItems: 2, items: {type: string}}}
        - {name: ids, in: query, schema: {type: array, items: {type: integer}}}
      responses: {"200": {description: ok}}
components:
  parameters:
    per-page: {name: per_page, in: query, schema: {$ref: "#/components/schemas/per-page"}}
  schemas:
    alert-number: {type: integer, minimum: 1}
    per-page: {type: integer, maximum: 100, nullable: true}
`)
	runShapes(t, v, []shapeCase{
		{name: "ref integer path parameter", target: "/alerts/42"},
		{name: "ref integer path parameter, not an integer", target: "/alerts/x", status: 400, loc: "path/alert_number"},
		{name: "ref integer path parameter, below minimum", target: "/alerts/0", status: 400, loc: "path/alert_number"},
		{name: "nullable ref integer query parameter", target: "/alerts/1?per_page=50"},
		{name: "nullable ref integer query parameter over maximum", target: "/alerts/1?per_page=500", status: 400, loc: "query/per_page"},
		{name: "limit[] spelling checked", target: "/alerts/1?per_page[]=1000", status: 400, loc: "query/per_page"},
		{name: "limit[0] spelling checked", target: "/alerts/1?per_page%5B0%5D=1000", status: 400, loc: "query/per_page"},
		{name: "limit[] spelling valid", target: "/alerts/1?per_page[]=10"},
		{name: "plain and bracketed spellings together", target: "/alerts/1?per_page=10&per_page[]=1000", status: 400, loc: "query/per_page"},
		{name: "member of a scalar parameter", target: "/alerts/1?per_page[x]=10", status: 400, loc: "query/per_page"},
		{name: "deepObject object", target: "/alerts/1?created[gt]=1&created[lte]=5"},
		{name: "deepObject as its scalar alternative", target: "/alerts/1?created=5"},
		{name: "deepObject member not an integer", target: "/alerts/1?created[gt]=soon", status: 400, loc: "query/created"},
		{name: "deepObject unknown member", target: "/alerts/1?created[after]=1", status: 400, loc: "query/created"},
		{name: "deepObject array", target: "/alerts/1?expand[]=a&expand[]=b"},
		{name: "deepObject array indexed", target: "/alerts/1?expand[0]=a&expand[1]=b"},
		{name: "deepObject array too long", target: "/alerts/1?expand[]=a&expand[]=b&expand[]=c", status: 400, loc: "query/expand"},
		{name: "form array with brackets", target: "/alerts/1?ids[]=1&ids[]=2"},
		{name: "form array with brackets, bad item", target: "/alerts/1?ids[]=1&ids[]=x", status: 400, loc: "query/ids/1"},
	})
}

// formSpec is an operation taking form-encoded and multipart bodies.
const formSpec = `
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /charges:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: "#/components/schemas/create"}
            encoding:
              metadata: {style: deepObject, explode: true}
              shipping: {style: deepObject, explode: true}
              tags: {style: form, explode: false}
          multipart/form-data:
            schema:
              type: object
              required: [purpose, file]
              properties:
                purpose: {type: string, enum: [dispute_evidence, identity_document]}
                file: {type: string, format: binary}
                pages: {type: integer}
      responses: {"200": {description: ok}}
components:
  schemas:
    create:
      type: object
      required: [amount]
      additionalProperties: false
      properties:
        amount: {type: integer, minimum: 1}
        capture: {type: boolean}
        metadata:
          anyOf: [{type: object, additionalProperties: {type: string}}, {type: string, enum: [""]}]
        shipping:
          type: object
          required: [name]
          properties:
            name: {type: string}
            address: {type: object, properties: {line1: {type: string}}, additionalProperties: false}
        tags: {type: array, items: {type: string}, maxItems: 2}
`

// formCases are requests to formSpec's operation and their verdicts.
func formCases() []shapeCase {
	const form = "application/x-www-form-urlencoded"
	mp := func(parts ...string) (string, string) {
		var b strings.Builder
		for i := 0; i+1 < len(parts); i += 2 {
			b.WriteString("--XyZ\r\nContent-Disposition: form-data; name=\"" + parts[i] + "\"\r\n\r\n" + parts[i+1] + "\r\n")
		}
		b.WriteString("--XyZ--\r\n")
		return "multipart/form-data; boundary=XyZ", b.String()
	}
	mpType, mpOK := mp("purpose", "dispute_evidence", "file", "%PDF-1.4 ...", "pages", "3")
	_, mpBad := mp("purpose", "selfie", "file", "x")
	_, mpBadInt := mp("purpose", "dispute_evidence", "file", "x", "pages", "three")
	return []shapeCase{
		{name: "full form", method: "POST", target: "/charges", ctype: form,
			body: "amount=100&capture=true&metadata[order]=6735&shipping[name]=Jenny&shipping[address][line1]=1+Main+St&tags=a,b"},
		{name: "metadata emptied", method: "POST", target: "/charges", ctype: form, body: "amount=1&metadata="},
		{name: "amount not an integer", method: "POST", target: "/charges", ctype: form, body: "amount=ten", status: 400, loc: "body/amount"},
		{name: "amount below minimum", method: "POST", target: "/charges", ctype: form, body: "amount=0", status: 400, loc: "body/amount"},
		{name: "amount missing", method: "POST", target: "/charges", ctype: form, body: "capture=true", status: 400, loc: "body/amount"},
		{name: "capture not a boolean", method: "POST", target: "/charges", ctype: form, body: "amount=1&capture=yes", status: 400, loc: "body/capture"},
		{name: "unknown field", method: "POST", target: "/charges", ctype: form, body: "amount=1&admin=true", status: 400, loc: "body"},
		{name: "nested required member missing", method: "POST", target: "/charges", ctype: form, body: "amount=1&shipping[address][line1]=x", status: 400, loc: "body/shipping/name"},
		{name: "nested unknown member", method: "POST", target: "/charges", ctype: form, body: "amount=1&shipping[name]=J&shipping[address][zip]=1", status: 400, loc: "body/shipping/address"},
		{name: "unexploded array too long", method: "POST", target: "/charges", ctype: form, body: "amount=1&tags=a,b,c", status: 400, loc: "body/tags"},
		{name: "field given twice", method: "POST", target: "/charges", ctype: form, body: "amount=1&amount=2", status: 400, loc: "body/amount"},
		{name: "value and members", method: "POST", target: "/charges", ctype: form, body: "amount=1&shipping=x&shipping[name]=y", status: 400, loc: "body/shipping"},
		{name: "malformed escape", method: "POST", target: "/charges", ctype: form, body: "amount=%zz", status: 400, loc: "body"},
		{name: "multipart", method: "POST", target: "/charges", ctype: mpType, body: mpOK},
		{name: "multipart enum", method: "POST", target: "/charges", ctype: mpType, body: mpBad, status: 400, loc: "body/purpose"},
		{name: "multipart integer", method: "POST", target: "/charges", ctype: mpType, body: mpBadInt, status: 400, loc: "body/pages"},
		{name: "percent-encoded brackets", method: "POST", target: "/charges", ctype: form,
			body: "amount=1&shipping%5Bname%5D=J%20R&shipping%5Baddress%5D%5Bline1%5D=1+Main"},
		{name: "percent-encoded value coerced", method: "POST", target: "/charges", ctype: form, body: "amount=%31%30&capture=%74rue"},
		{name: "plus is a space", method: "POST", target: "/charges", ctype: form, body: "amount=1+", status: 400, loc: "body/amount", code: "type"},
		{name: "member given twice", method: "POST", target: "/charges", ctype: form, body: "amount=1&shipping[name]=a&shipping[name]=b",
			status: 400, loc: "body/shipping/name", code: CodeMultipleValues},
		{name: "truncated escape", method: "POST", target: "/charges", ctype: form, body: "amount=1&capture=%7", status: 400, loc: "body", code: CodeMalformed},
		{name: "malformed escape in a name", method: "POST", target: "/charges", ctype: form, body: "amo%unt=1", status: 400, loc: "body", code: CodeMalformed},
		{name: "unclosed bracket", method: "POST", target: "/charges", ctype: form, body: "amount=1&shipping[name=x", status: 400, loc: "body", code: CodeMalformed},
	}
}

// TestOpenAPIFormBodies: form-encoded and multipart bodies are decoded
// by their encoding and validated; before, they passed unchecked.
func TestOpenAPIFormBodies(t *testing.T) {
	t.Parallel()
	runShapes(t, specValidator(t, formSpec), formCases())
}

// TestOpenAPIFormBodiesConcurrent: form bodies checked at once by one
// validator get the verdicts they get alone (decoding reuses trees
// across requests).
func TestOpenAPIFormBodiesConcurrent(t *testing.T) {
	t.Parallel()
	v := specValidator(t, formSpec)
	cases := formCases()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 * len(cases) {
				tt := cases[(i+g)%len(cases)]
				h := map[string][]string{"content-length": {strconv.Itoa(len(tt.body))}, "content-type": {tt.ctype}}
				d, err := v.Check(&Request{Method: tt.method, PathWithQuery: tt.target, Headers: h}, bodyOf(tt.body))
				if err != nil || d.Status != tt.status || tt.loc != "" && d.Violations[0].Location != tt.loc {
					t.Errorf("%s: got %d %+v %v, want %d at %q", tt.name, d.Status, d.Violations, err, tt.status, tt.loc)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestOpenAPIDiscriminator: a discriminator picks the member its value
// names (mapping or component name), so a Cat with a Dog's members is
// refused and a body matching two members is not.
func TestOpenAPIDiscriminator(t *testing.T) {
	t.Parallel()
	v := specValidator(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    post:
      requestBody:
        content:
          application/json:
            schema:
              oneOf: [{$ref: "#/components/schemas/Cat"}, {$ref: "#/components/schemas/Dog"}]
              discriminator: {propertyName: pet_type, mapping: {kitty: "#/components/schemas/Cat"}}
      responses: {"200": {description: ok}}
components:
  schemas:
    Cat: {type: object, required: [pet_type], properties: {pet_type: {type: string}, lives: {type: integer}}}
    Dog: {type: object, required: [pet_type], properties: {pet_type: {type: string}, bark: {type: boolean}}}
`)
	runShapes(t, v, []shapeCase{
		{name: "cat by mapping", method: "POST", target: "/pets", ctype: "application/json", body: `{"pet_type":"kitty","lives":9}`},
		{name: "dog by name", method: "POST", target: "/pets", ctype: "application/json", body: `{"pet_type":"Dog","bark":true}`},
		{name: "cat with a bad member", method: "POST", target: "/pets", ctype: "application/json", body: `{"pet_type":"kitty","lives":"nine"}`, status: 400},
		{name: "unknown kind", method: "POST", target: "/pets", ctype: "application/json", body: `{"pet_type":"Cow"}`, status: 400},
	})
}

// TestOpenAPI31TypeArrays: a 3.1 type list with null coerces parameters
// to its other type.
func TestOpenAPI31TypeArrays(t *testing.T) {
	t.Parallel()
	v := specValidator(t, `
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /items:
    get:
      parameters: [{name: limit, in: query, schema: {type: [integer, "null"], maximum: 10}}]
      responses: {"200": {description: ok}}
`)
	runShapes(t, v, []shapeCase{
		{name: "integer", target: "/items?limit=5"},
		{name: "over maximum", target: "/items?limit=50", status: 400, loc: "query/limit"},
		{name: "not an integer", target: "/items?limit=x", status: 400, loc: "query/limit"},
	})
}

// TestOpenAPIRefusals: what cannot be checked is refused at config time,
// every problem named with its operation and construct; a document
// without operations is refused.
func TestOpenAPIRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec string
		want []string // substrings, all of which the error must contain
	}{
		{name: "no operations (webhooks only)", spec: `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"webhooks":{"x":{"post":{"responses":{"200":{"description":"ok"}}}}}}`,
			want: []string{"paths: the document declares no operation"}},
		{name: "every invalid component, not the first", spec: `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a: {get: {responses: {"200": {description: ok}}}}
components:
  schemas:
    A: {type: string, pattern: "(", readOnly: true}
    B: {type: object, required: [x, x]}
`, want: []string{"components.schemas.A", "components.schemas.B"}},
		{name: "every unsupported construct, named by operation", spec: `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    post:
      parameters:
        - {name: c, in: cookie, style: deepObject, schema: {type: object}}
        - {name: q, in: query, content: {application/json: {schema: {type: object}}}}
      requestBody:
        content:
          application/xml: {schema: {type: object, required: [id]}}
      responses: {"200": {description: ok}}
`, want: []string{"paths./a.post.parameters.q", "paths./a.post.requestBody.content.application/xml", "not supported by a cookie parameter"}},
		{name: "unsupported parameter style, named by operation", spec: `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a/{id}:
    get:
      parameters: [{name: id, in: path, required: true, style: matrix, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /b/{id}:
    get:
      parameters: [{name: id, in: path, required: true, style: label, schema: {type: string}}]
      responses: {"200": {description: ok}}
`, want: []string{"paths./a/{id}.get.parameters.id.style: style matrix", "paths./b/{id}.get.parameters.id.style: style label"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := specConfig(t, tt.spec, false)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(config.Summary(err), w) {
					t.Errorf("error does not name %q: %s", w, config.Summary(err))
				}
			}
		})
	}
}

// TestOpenAPIArraysWithoutItems: GitHub's array schemas without items
// are arrays of anything; kin-openapi refused the whole document.
func TestOpenAPIArraysWithoutItems(t *testing.T) {
	t.Parallel()
	v := specValidator(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /labels:
    post:
      requestBody: {content: {application/json: {schema: {type: object, properties: {labels: {type: array, maxItems: 2}}}}}}
      responses: {"200": {description: ok}}
`)
	runShapes(t, v, []shapeCase{
		{name: "anything", method: "POST", target: "/labels", ctype: "application/json", body: `{"labels":["a",{"name":"b"}]}`},
		{name: "too many", method: "POST", target: "/labels", ctype: "application/json", body: `{"labels":[1,2,3]}`, status: 400, loc: "body/labels"},
	})
}

// TestOpenAPIImportOnce: a document is imported once per process, however
// many configs (Kong instances) carry it and however they arrive.
func TestOpenAPIImportOnce(t *testing.T) {
	spec := `{"openapi":"3.0.3","info":{"title":"once-` + strconv.FormatInt(time.Now().UnixNano(), 10) + `","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}}}}`
	before := importCount()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg, err := specConfig(t, spec, false)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := New(cfg); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := importCount() - before; n != 1 {
		t.Fatalf("%d imports of one document, want 1", n)
	}
}

func importCount() int {
	docImports.Lock()
	defer docImports.Unlock()
	return docImports.n
}

// TestOpenAPIImportInFlight: an instance whose document is still being
// imported after importWait starts anyway; its requests wait at most
// requestImportWait and are answered 503 with Retry-After, and once the
// import is done they are checked, without a second import.
func TestOpenAPIImportInFlight(t *testing.T) {
	// Not parallel: it changes the waits.
	defer func(a, b time.Duration) { importWait, requestImportWait = a, b }(importWait, requestImportWait)
	importWait, requestImportWait = 10*time.Millisecond, 20*time.Millisecond
	spec := `{"openapi":"3.0.3","info":{"title":"slow","version":"1"},"paths":{"/a":{"get":{"parameters":[{"name":"n","in":"query","schema":{"type":"integer"}}],"responses":{"200":{"description":"ok"}}}}}}`
	// A document whose import has not finished: its entry is in the
	// cache, not done.
	slow := &importedDoc{done: make(chan struct{}), used: time.Now()}
	key := docKey{sha256Sum(spec), false}
	docCache.mu.Lock()
	docCache.docs[key] = slow
	docCache.mu.Unlock()
	defer func() {
		docCache.mu.Lock()
		delete(docCache.docs, key)
		docCache.mu.Unlock()
	}()
	before := importCount()
	cfg, err := specConfig(t, spec, false)
	if err != nil {
		t.Fatalf("config refused while importing: %v", err)
	}
	v := mustNew(t, cfg)
	req := &Request{Method: "GET", PathWithQuery: "/a?n=x", Headers: map[string][]string{}}
	start := time.Now()
	d, err := v.Check(req, bodyOf(""))
	if err != nil || d.Status != 503 || d.Reason != CodeCompiling || d.RetryAfter < 1 {
		t.Fatalf("while importing: %v %+v, want 503 %s with Retry-After", err, d, CodeCompiling)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("request waited %s", el)
	}
	if h := d.Response().Headers; len(h["Retry-After"]) != 1 {
		t.Fatalf("no Retry-After in %v", h)
	}
	// The import finishes (as the goroutine importCached started would).
	slow.ops, slow.draft, slow.err = mustImport(t, spec)
	close(slow.done)
	d, err = v.Check(req, bodyOf(""))
	if err != nil || d.Status != 400 {
		t.Fatalf("after import: %v %+v, want 400", err, d)
	}
	if n := importCount() - before; n != 0 {
		t.Fatalf("%d more imports, want none", n)
	}
}

func mustImport(t *testing.T, spec string) ([]Operation, Draft, error) {
	t.Helper()
	ops, d, err := importOpenAPI([]byte(spec), false)
	if err != nil {
		t.Fatal(err)
	}
	return ops, d, nil
}

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }
