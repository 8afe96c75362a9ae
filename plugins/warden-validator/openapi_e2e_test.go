package main

import (
	"encoding/json"
	"testing"
)

// ordersOpenAPI declares a bounded limit, a deepObject filter and a
// form-encoded body, as Stripe-shaped APIs do.
const ordersOpenAPI = `{"openapi":"3.0.0","info":{"title":"orders","version":"1"},"paths":{"/orders":{
 "get":{"parameters":[
   {"name":"limit","in":"query","schema":{"type":"integer","maximum":100}},
   {"name":"created","in":"query","style":"deepObject","explode":true,"schema":{"type":"object","additionalProperties":false,"properties":{"gte":{"type":"integer"}}}}],
  "responses":{"200":{"description":"ok"}}},
 "post":{"requestBody":{"content":{"application/x-www-form-urlencoded":{
   "schema":{"type":"object","required":["amount"],"additionalProperties":false,"properties":{"amount":{"type":"integer","minimum":1},"metadata":{"type":"object","additionalProperties":{"type":"string"}}}},
   "encoding":{"metadata":{"style":"deepObject","explode":true}}}}},
  "responses":{"200":{"description":"ok"}}}}}}`

// limitOpenAPI declares only a bounded limit.
const limitOpenAPI = `{"openapi":"3.0.3","info":{"title":"orders","version":"1"},"paths":{"/orders":{"get":{
 "parameters":[{"name":"limit","in":"query","schema":{"type":"integer","maximum":100}}],"responses":{"200":{"description":"ok"}}}}}}`

type e2eCase struct {
	method, target, ctype, body string
	status                      int
}

func runE2E(t *testing.T, spec string, tests []e2eCase) {
	t.Helper()
	cfg, _ := json.Marshal(map[string]any{"openapi_spec": spec,
		"allowed_content_types": []string{"application/json", "application/x-www-form-urlencoded"}})
	g, up := start(t, string(cfg))
	want := 0
	for _, tt := range tests {
		r := do(t, g, tt.method, tt.target, tt.ctype, tt.body)
		if tt.status == 200 {
			want++
		}
		if r.status != tt.status || up.Count() != want {
			t.Errorf("%s %s %q: %d %s (upstream saw %d, want %d)", tt.method, tt.target, tt.body, r.status, r.body, up.Count(), want)
		}
	}
}

// TestE2EOpenAPIParameterSpellings (#13 item 5): limit[]=1000 and
// limit[0]=1000, which qs (Express), PHP and Rack read as limit, are
// checked as limit; before, they reached the upstream unchecked.
func TestE2EOpenAPIParameterSpellings(t *testing.T) {
	runE2E(t, limitOpenAPI, []e2eCase{
		{"GET", "/orders?limit=10", "", "", 200},
		{"GET", "/orders?limit=1000", "", "", 400},
		{"GET", "/orders?limit[]=1000", "", "", 400},
		{"GET", "/orders?limit%5B%5D=1000", "", "", 400},
		{"GET", "/orders?limit[0]=1000", "", "", 400},
		{"GET", "/orders?limit[]=10", "", "", 200},
		{"GET", "/orders?limit=10&limit[]=1000", "", "", 400},
		{"GET", "/orders?limit[x]=10", "", "", 400},
	})
}

// TestE2EOpenAPIFormAndDeepObject: a deepObject filter is validated as
// the object it encodes, and a form-encoded body against its schema;
// before, the document was refused (deepObject), and a form body never
// checked.
func TestE2EOpenAPIFormAndDeepObject(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	runE2E(t, ordersOpenAPI, []e2eCase{
		{"GET", "/orders?created[gte]=1700000000", "", "", 200},
		{"GET", "/orders?created[gte]=yesterday", "", "", 400},
		{"GET", "/orders?created[before]=1", "", "", 400},
		{"POST", "/orders", form, "amount=100&metadata[order]=6735", 200},
		{"POST", "/orders", form, "amount=0", 400},
		{"POST", "/orders", form, "amount=100&admin=true", 400},
		{"POST", "/orders", form, "metadata[order]=1", 400},
	})
}
