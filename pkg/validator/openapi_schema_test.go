package validator

import (
	"testing"
)

// spec30 is an OpenAPI 3.0 document with GET and POST /u: the GET's 200
// response content, the POST's request body content and the component
// schemas as given (JSON text).
func spec30(responseContent, requestContent, schemas string) string {
	return `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/u":{
	  "get":{"responses":{"200":{"description":"ok","content":` + responseContent + `}}},
	  "post":{"requestBody":{"content":` + requestContent + `},"responses":{"204":{"description":"ok"}}}}},
	  "components":{"schemas":` + schemas + `}}`
}

func TestOpenAPISchemaConversion(t *testing.T) {
	t.Parallel()
	userSchemas := `{"Password":{"type":"string","writeOnly":true},"Id":{"type":"string","readOnly":true},
	  "User":{"type":"object","required":["id","name","password"],"additionalProperties":false,
	    "properties":{"id":{"$ref":"#/components/schemas/Id"},"name":{"type":"string"},"password":{"$ref":"#/components/schemas/Password"},
	      "example":{"type":"string"},"deprecated":{"type":"boolean"},"required":{"type":"object","properties":{"pin":{"type":"string","writeOnly":true}}}}}}`
	userRef := `{"application/json":{"schema":{"$ref":"#/components/schemas/User"}}}`
	tests := []struct {
		name, response, request, schemas string
		method, ctype, body              string
		valid                            bool
	}{
		// writeOnly and readOnly behind a $ref: dropped from required in
		// their direction, and a writeOnly value refused in a response.
		{"response omits the writeOnly password", userRef, userRef, userSchemas, "GET", "application/json", `{"id":"u1","name":"a"}`, true},
		{"response sends the writeOnly password", userRef, userRef, userSchemas, "GET", "application/json", `{"id":"u1","name":"a","password":"hunter2"}`, false},
		{"response omits the readOnly id", userRef, userRef, userSchemas, "GET", "application/json", `{"name":"a"}`, false},
		{"request omits the readOnly id", userRef, userRef, userSchemas, "POST", "application/json", `{"name":"a","password":"p"}`, true},
		{"request omits the writeOnly password", userRef, userRef, userSchemas, "POST", "application/json", `{"name":"a"}`, false},
		// Property names that are also keywords are names.
		{"properties named example and deprecated", userRef, userRef, userSchemas, "GET", "application/json", `{"id":"u1","name":"a","example":"x","deprecated":true}`, true},
		{"writeOnly under a property named required", userRef, userRef, userSchemas, "GET", "application/json", `{"id":"u1","name":"a","required":{"pin":"1234"}}`, false},
		// */* (springdoc's default) applies to a JSON body.
		{"*/* schema, invalid", `{"*/*":{"schema":{"type":"object","required":["id"]}}}`, `{"*/*":{"schema":{"type":"object"}}}`, `{}`, "GET", "application/json", `{"name":"a"}`, false},
		{"*/* schema, valid", `{"*/*":{"schema":{"type":"object","required":["id"]}}}`, `{"*/*":{"schema":{"type":"object"}}}`, `{}`, "GET", "application/json", `{"id":"a"}`, true},
		// One schema per media type, the most specific range winning.
		{"problem+json gets its own schema", `{"application/json":{"schema":{"required":["id"]}},"application/problem+json":{"schema":{"required":["title"]}}}`, `{}`, `{}`, "GET", "application/problem+json", `{"title":"x"}`, true},
		{"problem+json without its field", `{"application/json":{"schema":{"required":["id"]}},"application/problem+json":{"schema":{"required":["title"]}}}`, `{}`, `{}`, "GET", "application/problem+json", `{"id":"x"}`, false},
		{"json gets its own schema", `{"application/json":{"schema":{"required":["id"]}},"application/*":{"schema":{"required":["title"]}}}`, `{}`, `{}`, "GET", "application/json", `{"id":"x"}`, true},
		{"request: merge-patch schema", `{"application/json":{"schema":{}}}`, `{"application/json":{"schema":{"required":["name"]}},"application/merge-patch+json":{"schema":{"maxProperties":1}}}`, `{}`, "POST", "application/merge-patch+json", `{"age":3}`, true},
		{"request: json schema", `{"application/json":{"schema":{}}}`, `{"application/json":{"schema":{"required":["name"]}},"application/merge-patch+json":{"schema":{"maxProperties":1}}}`, `{}`, "POST", "application/json", `{"age":3}`, false},
		// RFC 6570 templates, query expansions included.
		{"uri-template with a query expansion", `{"application/json":{"schema":{"properties":{"u":{"type":"string","format":"uri-template"}}}}}`, `{}`, `{}`, "GET", "application/json", `{"u":"https://example.com/things{?page,per_page}"}`, true},
		{"uri-template with an unclosed expression", `{"application/json":{"schema":{"properties":{"u":{"type":"string","format":"uri-template"}}}}}`, `{}`, `{}`, "GET", "application/json", `{"u":"https://example.com/things{?page"}`, false},
	}
	for _, tt := range tests {
		v := mustLoad(t, map[string]any{"openapi_spec": spec30(tt.response, tt.request, tt.schemas),
			"response_validation": map[string]any{"enabled": true}})
		var d Decision
		if tt.method == "GET" {
			var checked bool
			d, _, checked = checkResponse(t, v, "GET", "/u", 200, respHeaders(tt.ctype, tt.body), []byte(tt.body))
			if !checked {
				t.Errorf("%s: response not checked", tt.name)
				continue
			}
		} else {
			var err error
			if d, err = v.Check(post("/u", tt.ctype, tt.body), bodyOf(tt.body)); err != nil {
				t.Fatal(err)
			}
		}
		if d.Valid() != tt.valid {
			t.Errorf("%s: valid %v, want %v: %+v", tt.name, d.Valid(), tt.valid, d.Violations)
		}
	}
}
