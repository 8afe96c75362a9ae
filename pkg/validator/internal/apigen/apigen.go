// Package apigen writes OpenAPI documents in the shapes real public APIs
// use, with request and response cases known to be valid or invalid, so
// tests and benchmarks exercise warden-validator on documents nobody here
// hand-tuned. Output is deterministic for a given size.
//
// Stripe builds a Stripe-like document (OpenAPI 3.0.0): hundreds of
// operations over hundreds of shared component schemas; expandable fields
// written as nullable + anyOf [string id, $ref] without type; deepObject
// query parameters (expand[], created[gte]); every request body
// application/x-www-form-urlencoded with deepObject encodings, GET
// operations included (with an empty form schema, as Stripe publishes).
//
// GitHub builds a GitHub-like document (OpenAPI 3.0.3): JSON bodies with
// examples per operation; path and query parameters whose schema is a $ref
// to an integer component; array schemas without items; nullable strings
// and nullable $refs through allOf.
package apigen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
)

// Case is one request (and optionally its response) with the verdict the
// document's schemas give it.
type Case struct {
	// Name says what the case exercises.
	Name string
	// Method and Target (path and query, percent-encoded) of the request.
	Method, Target string
	// ContentType and Body of the request, if any.
	ContentType string
	Body        []byte
	// Valid is whether the request conforms to the document.
	Valid bool
	// Status and Response are an upstream answer to check (Status 0:
	// none), valid unless ResponseInvalid.
	Status          int
	Response        []byte
	ResponseInvalid bool
}

// API is a generated document and its cases.
type API struct {
	// Doc is the OpenAPI document, JSON.
	Doc []byte
	// Operations and Schemas count what Doc declares.
	Operations, Schemas int
	// Cases are requests and responses built from the document.
	Cases []Case
}

// Size scales a document.
type Size struct {
	// Resources is the number of top-level resources (3 operations each
	// in Stripe, 2 in GitHub).
	Resources int
	// Schemas is the number of component schemas (at least Resources).
	Schemas int
	// Padding is the number of plain documented properties per schema,
	// which sets the document's bytes.
	Padding int
}

// StripeSize is about Stripe's spec3.json: 420 operations, 550 component
// schemas, ~4 MB.
var StripeSize = Size{Resources: 140, Schemas: 550, Padding: 3}

// GitHubSize is a few hundred operations over a few hundred schemas.
var GitHubSize = Size{Resources: 150, Schemas: 300, Padding: 10}

const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat."

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func str(max int) map[string]any {
	return map[string]any{"type": "string", "maxLength": max, "description": lorem}
}

type obj = map[string]any

func stripeName(i int) string { return fmt.Sprintf("thing_%03d", i) }

// stripeModel records what each Stripe-like schema holds, to build
// instances of it.
type stripeModel struct {
	size       Size
	expandable [][]int // per schema: the schemas its expandable fields name
	nested     []int   // per schema: a nullable $ref (anyOf of one) or -1
	listOf     []int   // per schema: the schema of its list field
}

func newStripeModel(s Size) *stripeModel {
	r := rand.New(rand.NewPCG(1, 2))
	m := &stripeModel{size: s}
	for range s.Schemas {
		var ex []int
		for range 2 + r.IntN(2) {
			ex = append(ex, r.IntN(s.Schemas))
		}
		m.expandable = append(m.expandable, ex)
		m.nested = append(m.nested, r.IntN(s.Schemas))
		m.listOf = append(m.listOf, r.IntN(s.Schemas))
	}
	return m
}

func (m *stripeModel) schema(i int) obj {
	name := stripeName(i)
	props := obj{
		"id":          str(5000),
		"object":      obj{"type": "string", "enum": []any{name}, "description": lorem},
		"created":     obj{"type": "integer", "format": "unix-time", "description": lorem},
		"livemode":    obj{"type": "boolean", "description": lorem},
		"amount":      obj{"type": "integer", "description": lorem},
		"description": obj{"type": "string", "maxLength": 40000, "nullable": true, "description": lorem},
		"metadata":    obj{"type": "object", "additionalProperties": obj{"type": "string", "maxLength": 500}, "nullable": true, "description": lorem},
		"status":      obj{"type": "string", "enum": []any{"pending", "succeeded", "failed"}, "description": lorem},
		"nested":      obj{"anyOf": []any{ref(stripeName(m.nested[i]))}, "nullable": true, "description": lorem},
		"list": obj{"type": "object", "title": name + "_list", "description": lorem,
			"properties": obj{
				"data":     obj{"type": "array", "items": ref(stripeName(m.listOf[i]))},
				"has_more": obj{"type": "boolean"},
				"object":   obj{"type": "string", "enum": []any{"list"}},
				"url":      obj{"type": "string", "maxLength": 5000},
			},
			"required": []any{"data", "has_more", "object", "url"}, "x-expandableFields": []any{}},
	}
	required := []any{"id", "object", "created", "livemode", "amount", "description", "metadata", "status", "nested", "list"}
	var expandable []any
	for k, target := range m.expandable[i] {
		f := fmt.Sprintf("exp_%d", k)
		props[f] = obj{
			"anyOf":                []any{obj{"type": "string", "maxLength": 5000}, ref(stripeName(target))},
			"nullable":             true,
			"description":          lorem,
			"x-expansionResources": obj{"oneOf": []any{ref(stripeName(target))}},
		}
		required = append(required, f)
		expandable = append(expandable, f)
	}
	for p := range m.size.Padding {
		switch p % 3 {
		case 0:
			props[fmt.Sprintf("pad_%d", p)] = obj{"type": "string", "maxLength": 5000, "nullable": true, "description": lorem}
		case 1:
			props[fmt.Sprintf("pad_%d", p)] = obj{"type": "integer", "nullable": true, "description": lorem}
		default:
			props[fmt.Sprintf("pad_%d", p)] = obj{"type": "string", "enum": []any{"a", "b", "c"}, "description": lorem}
		}
	}
	return obj{"type": "object", "title": name, "description": lorem, "properties": props,
		"required": required, "x-expandableFields": expandable, "x-resourceId": name}
}

// instance builds a valid instance of schema i; depth > 0 expands
// expandable fields and nests objects.
func (m *stripeModel) instance(i, depth, variant int) obj {
	o := obj{
		"id": fmt.Sprintf("th_%03d_%d", i, variant), "object": stripeName(i), "created": 1700000000 + variant,
		"livemode": variant%2 == 0, "amount": 100 * variant, "status": "succeeded",
		"description": nil, "metadata": obj{"order_id": "6735"}, "nested": nil,
		"list": obj{"data": []any{}, "has_more": false, "object": "list", "url": "/v1/x"},
	}
	if variant%2 == 1 {
		o["description"], o["metadata"] = "a charge", nil
	}
	if depth > 0 {
		o["nested"] = m.instance(m.nested[i], depth-1, variant)
		o["list"].(obj)["data"] = []any{m.instance(m.listOf[i], depth-1, variant)}
	}
	for k, target := range m.expandable[i] {
		f := fmt.Sprintf("exp_%d", k)
		switch (variant + k) % 3 {
		case 0:
			o[f] = nil
		case 1:
			o[f] = fmt.Sprintf("th_%03d", target)
		default:
			if depth > 0 {
				o[f] = m.instance(target, depth-1, variant)
			} else {
				o[f] = fmt.Sprintf("th_%03d", target)
			}
		}
	}
	for p := range m.size.Padding {
		switch p % 3 {
		case 0:
			if variant%2 == 0 {
				o[fmt.Sprintf("pad_%d", p)] = "text"
			}
		case 1:
			o[fmt.Sprintf("pad_%d", p)] = nil
		default:
			o[fmt.Sprintf("pad_%d", p)] = "b"
		}
	}
	return o
}

// stripeCreateBody is the form-encoded create schema of every resource,
// as Stripe writes them: inline, with deepObject encodings.
func stripeCreateBody() obj {
	address := obj{"type": "object", "title": "optional_fields_address", "properties": obj{
		"city": str(5000), "country": str(5000), "line1": str(5000), "line2": str(5000), "postal_code": str(5000),
	}, "additionalProperties": false}
	schema := obj{"type": "object", "additionalProperties": false, "required": []any{"amount"}, "properties": obj{
		"amount":      obj{"type": "integer", "description": lorem},
		"currency":    obj{"type": "string", "format": "currency", "description": lorem},
		"description": str(5000),
		"capture":     obj{"type": "boolean", "description": lorem},
		"expand":      obj{"type": "array", "items": obj{"type": "string", "maxLength": 5000}, "description": lorem},
		"metadata": obj{"anyOf": []any{
			obj{"type": "object", "additionalProperties": obj{"type": "string"}},
			obj{"type": "string", "enum": []any{""}},
		}, "description": lorem},
		"shipping": obj{"type": "object", "title": "shipping", "required": []any{"name"}, "additionalProperties": false,
			"properties": obj{"address": address, "name": str(5000), "phone": str(5000)}},
		"tags": obj{"type": "array", "items": obj{"type": "string", "maxLength": 50}, "maxItems": 5},
	}}
	enc := obj{}
	for _, f := range []string{"expand", "metadata", "shipping", "tags"} {
		enc[f] = obj{"style": "deepObject", "explode": true}
	}
	return obj{"required": false, "content": obj{"application/x-www-form-urlencoded": obj{"schema": schema, "encoding": enc}}}
}

func emptyForm() obj {
	return obj{"required": false, "content": obj{"application/x-www-form-urlencoded": obj{
		"schema": obj{"type": "object", "properties": obj{
			"expand": obj{"type": "array", "items": obj{"type": "string", "maxLength": 5000}},
		}, "additionalProperties": false},
		"encoding": obj{"expand": obj{"style": "deepObject", "explode": true}},
	}}}
}

func expandParam() obj {
	return obj{"name": "expand", "in": "query", "required": false, "style": "deepObject", "explode": true, "description": lorem,
		"schema": obj{"type": "array", "items": obj{"type": "string", "maxLength": 5000}}}
}

func jsonContent(schema obj) obj {
	return obj{"application/json": obj{"schema": schema}}
}

func stripeResponses(schema obj) obj {
	return obj{
		"200":     obj{"description": "Successful response.", "content": jsonContent(schema)},
		"default": obj{"description": "Error response.", "content": jsonContent(ref("error"))},
	}
}

// Stripe generates a Stripe-like API of the given size.
func Stripe(s Size) *API {
	m := newStripeModel(s)
	schemas := obj{}
	for i := range s.Schemas {
		schemas[stripeName(i)] = m.schema(i)
	}
	schemas["error"] = obj{"type": "object", "required": []any{"error"}, "properties": obj{
		"error": obj{"type": "object", "properties": obj{"message": str(40000), "type": obj{"type": "string", "enum": []any{"api_error", "card_error", "invalid_request_error"}}}, "required": []any{"type"}}}}
	paths := obj{}
	ops := 0
	for i := range s.Resources {
		name := stripeName(i)
		paths["/v1/"+name+"s"] = obj{
			"get": obj{"operationId": "Get" + name + "s", "description": lorem,
				"parameters": []any{
					obj{"name": "created", "in": "query", "style": "deepObject", "explode": true, "schema": obj{"anyOf": []any{
						obj{"type": "object", "title": "range_query_specs", "properties": obj{
							"gt": obj{"type": "integer"}, "gte": obj{"type": "integer"}, "lt": obj{"type": "integer"}, "lte": obj{"type": "integer"}},
							"additionalProperties": false},
						obj{"type": "integer"}}}},
					obj{"name": "ending_before", "in": "query", "schema": obj{"type": "string", "maxLength": 5000}},
					expandParam(),
					obj{"name": "limit", "in": "query", "schema": obj{"type": "integer"}},
					obj{"name": "starting_after", "in": "query", "schema": obj{"type": "string", "maxLength": 5000}},
				},
				"requestBody": emptyForm(),
				"responses": stripeResponses(obj{"type": "object", "title": name + "List", "required": []any{"data", "has_more", "object", "url"},
					"properties": obj{"data": obj{"type": "array", "items": ref(name)}, "has_more": obj{"type": "boolean"},
						"object": obj{"type": "string", "enum": []any{"list"}}, "url": obj{"type": "string", "maxLength": 5000, "pattern": "^/v1/"}}}),
			},
			"post": obj{"operationId": "Post" + name + "s", "description": lorem, "requestBody": stripeCreateBody(), "responses": stripeResponses(ref(name))},
		}
		paths["/v1/"+name+"s/{id}"] = obj{
			"get": obj{"operationId": "Get" + name, "description": lorem,
				"parameters":  []any{expandParam(), obj{"name": "id", "in": "path", "required": true, "style": "simple", "schema": obj{"type": "string", "maxLength": 5000}}},
				"requestBody": emptyForm(),
				"responses":   stripeResponses(ref(name)),
			},
		}
		ops += 3
	}
	doc := obj{"openapi": "3.0.0", "info": obj{"title": "Stripe-like API", "version": "2024-06-20"},
		"servers": []any{obj{"url": "https://api.example.com/"}}, "paths": paths, "components": obj{"schemas": schemas}}
	return &API{Doc: mustJSON(doc), Operations: ops, Schemas: len(schemas), Cases: stripeCases(m)}
}

func form(pairs ...string) []byte {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
	}
	return []byte(b.String())
}

const formType = "application/x-www-form-urlencoded"

func stripeCases(m *stripeModel) []Case {
	var cs []Case
	for i := range m.size.Resources {
		coll := "/v1/" + stripeName(i) + "s"
		item := fmt.Sprintf("%s/th_%03d_1", coll, i)
		for v := range 3 {
			cs = append(cs, Case{Name: "retrieve, expandable fields null, id or object", Method: "GET", Target: item + "?expand[]=exp_0&expand[]=nested",
				Valid: true, Status: 200, Response: mustJSON(m.instance(i, 1, v))})
		}
		list := obj{"object": "list", "url": coll, "has_more": false, "data": []any{m.instance(i, 1, 0), m.instance(i, 0, 1)}}
		cs = append(cs,
			Case{Name: "list with deepObject created and limit", Method: "GET", Target: coll + "?limit=3&created[gte]=1700000000&created[lt]=1800000000&expand[0]=data.exp_0",
				Valid: true, Status: 200, Response: mustJSON(list)},
			Case{Name: "list with created as an integer", Method: "GET", Target: coll + "?created=1700000000", Valid: true},
			Case{Name: "create, full form", Method: "POST", Target: coll, ContentType: formType, Valid: true,
				Body: form("amount", "2000", "currency", "usd", "description", "a charge", "capture", "false",
					"metadata[order_id]", "6735", "metadata[note]", "x", "expand[0]", "customer", "expand[1]", "nested",
					"shipping[name]", "Jenny Rosen", "shipping[address][line1]", "1 Main St", "shipping[address][city]", "SF",
					"tags[]", "a", "tags[]", "b"),
				Status: 200, Response: mustJSON(m.instance(i, 0, 2))},
			Case{Name: "create, metadata emptied", Method: "POST", Target: coll, ContentType: formType, Valid: true,
				Body: form("amount", "1", "metadata", "")},
			Case{Name: "create, charset parameter", Method: "POST", Target: coll, ContentType: formType + "; charset=utf-8", Valid: true,
				Body: form("amount", "1")},
			// Invalid requests.
			Case{Name: "create, amount not an integer", Method: "POST", Target: coll, ContentType: formType, Body: form("amount", "12.5x")},
			Case{Name: "create, amount missing", Method: "POST", Target: coll, ContentType: formType, Body: form("currency", "usd")},
			Case{Name: "create, unknown field", Method: "POST", Target: coll, ContentType: formType, Body: form("amount", "1", "amount_off", "5")},
			Case{Name: "create, capture not a boolean", Method: "POST", Target: coll, ContentType: formType, Body: form("amount", "1", "capture", "maybe")},
			Case{Name: "create, description too long", Method: "POST", Target: coll, ContentType: formType, Body: form("amount", "1", "description", strings.Repeat("x", 5001))},
			Case{Name: "create, shipping without name", Method: "POST", Target: coll, ContentType: formType, Body: form("amount", "1", "shipping[phone]", "1")},
			Case{Name: "create, unknown address field", Method: "POST", Target: coll, ContentType: formType, Body: form("amount", "1", "shipping[name]", "J", "shipping[address][planet]", "Mars")},
			Case{Name: "create, too many tags", Method: "POST", Target: coll, ContentType: formType, Body: form("amount", "1", "tags[0]", "a", "tags[1]", "a", "tags[2]", "a", "tags[3]", "a", "tags[4]", "a", "tags[5]", "a")},
			Case{Name: "create, metadata a non-empty string", Method: "POST", Target: coll, ContentType: formType, Body: form("amount", "1", "metadata", "x")},
			Case{Name: "create, amount given twice", Method: "POST", Target: coll, ContentType: formType, Body: form("amount", "1", "amount", "2")},
			Case{Name: "retrieve with an unknown form field", Method: "GET", Target: item, ContentType: formType, Body: form("foo", "1")},
			Case{Name: "list, limit not an integer", Method: "GET", Target: coll + "?limit=ten"},
			Case{Name: "list, limit[] not an integer", Method: "GET", Target: coll + "?limit[]=ten"},
			Case{Name: "list, created[gte] not an integer", Method: "GET", Target: coll + "?created[gte]=yesterday"},
			Case{Name: "list, created with an unknown operator", Method: "GET", Target: coll + "?created[after]=1"},
		)
		// Invalid responses.
		bad := m.instance(i, 1, 0)
		bad["exp_0"] = 42
		cs = append(cs, Case{Name: "retrieve, expandable field a number", Method: "GET", Target: item, Valid: true, Status: 200, Response: mustJSON(bad), ResponseInvalid: true})
		bad = m.instance(i, 0, 1)
		delete(bad, "livemode")
		cs = append(cs, Case{Name: "retrieve, required field missing", Method: "GET", Target: item, Valid: true, Status: 200, Response: mustJSON(bad), ResponseInvalid: true})
		bad = m.instance(i, 1, 2)
		bad["exp_0"] = obj{"id": "x"}
		cs = append(cs, Case{Name: "retrieve, expanded object incomplete", Method: "GET", Target: item, Valid: true, Status: 200, Response: mustJSON(bad), ResponseInvalid: true})
	}
	return cs
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
