package apigen

import (
	"fmt"
)

func ghName(i int) string { return fmt.Sprintf("repo-thing-%d", i) }

// ghSchema is GitHub's shape: nullable strings, a nullable $ref through
// allOf, an array without items, integer ids.
func ghSchema(i int, s Size) obj {
	other := (i*7 + 3) % s.Schemas
	props := obj{
		"id":         obj{"type": "integer", "format": "int64", "example": 42},
		"node_id":    obj{"type": "string", "example": "MDQ6VXNlcjE="},
		"number":     ref("thing-number"),
		"title":      obj{"type": "string", "maxLength": 256},
		"body":       obj{"type": "string", "nullable": true},
		"state":      obj{"type": "string", "enum": []any{"open", "closed"}},
		"labels":     obj{"type": "array", "description": "Labels, any shape."},
		"assignee":   obj{"nullable": true, "allOf": []any{ref(ghName(other))}},
		"created_at": obj{"type": "string", "format": "date-time"},
		"closed_at":  obj{"type": "string", "format": "date-time", "nullable": true},
		"url":        obj{"type": "string", "format": "uri"},
	}
	for p := range s.Padding {
		props[fmt.Sprintf("extra_%d", p)] = obj{"type": "string", "nullable": p%2 == 0, "description": lorem}
	}
	return obj{"title": fmt.Sprintf("Thing %d", i), "description": lorem, "type": "object", "properties": props,
		"required": []any{"id", "node_id", "number", "title", "state", "url"}}
}

// ghInstance is a valid instance of schema i.
func ghInstance(i, n int) obj {
	return obj{"id": 1000 + i, "node_id": "MDQ6VXNlcjE=", "number": n, "title": "Found a bug", "body": nil,
		"state": "open", "labels": []any{"bug", obj{"name": "x"}}, "assignee": nil, "created_at": "2011-04-22T13:33:48Z",
		"closed_at": nil, "url": "https://api.github.com/repos/octocat/hello/things/1"}
}

// GitHub generates a GitHub-like API of the given size.
func GitHub(s Size) *API {
	schemas := obj{
		"thing-number": obj{"type": "integer", "description": "The number that identifies a thing.", "minimum": 1},
		"basic-error":  obj{"type": "object", "properties": obj{"message": obj{"type": "string"}, "documentation_url": obj{"type": "string"}}},
	}
	for i := range s.Schemas {
		schemas[ghName(i)] = ghSchema(i, s)
	}
	params := obj{
		"owner":        obj{"name": "owner", "in": "path", "required": true, "schema": obj{"type": "string"}},
		"repo":         obj{"name": "repo", "in": "path", "required": true, "schema": obj{"type": "string"}},
		"thing-number": obj{"name": "thing_number", "in": "path", "required": true, "schema": ref("thing-number")},
		"per-page":     obj{"name": "per_page", "in": "query", "schema": obj{"type": "integer", "default": 30, "maximum": 100}},
		"page":         obj{"name": "page", "in": "query", "schema": ref("thing-number")},
	}
	pref := func(n string) obj { return obj{"$ref": "#/components/parameters/" + n} }
	paths := obj{}
	ops := 0
	var cs []Case
	for i := range s.Resources {
		base := fmt.Sprintf("/repos/{owner}/{repo}/things-%d", i)
		example := ghInstance(i, 7)
		update := obj{"type": "object", "additionalProperties": false, "properties": obj{
			"title": obj{"type": "string", "maxLength": 256}, "body": obj{"type": "string", "nullable": true},
			"state": obj{"type": "string", "enum": []any{"open", "closed"}}, "labels": obj{"type": "array"},
			"milestone": obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "integer"}}, "nullable": true},
		}}
		reqExample := obj{"title": "New title", "body": nil, "state": "closed", "labels": []any{"bug"}, "milestone": 3}
		paths[base] = obj{"get": obj{"operationId": fmt.Sprintf("things-%d/list", i), "summary": "List things",
			"parameters": []any{pref("owner"), pref("repo"), pref("per-page"), pref("page"),
				obj{"name": "labels", "in": "query", "schema": obj{"type": "string"}}},
			"responses": obj{"200": obj{"description": "Response", "content": obj{"application/json": obj{
				"schema": obj{"type": "array", "items": ref(ghName(i))}, "examples": obj{"default": obj{"value": []any{example}}}}}},
				"404": obj{"description": "Resource not found", "content": jsonContent(ref("basic-error"))}}}}
		paths[base+"/{thing_number}"] = obj{"patch": obj{"operationId": fmt.Sprintf("things-%d/update", i), "summary": "Update a thing",
			"parameters": []any{pref("owner"), pref("repo"), pref("thing-number")},
			"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": update,
				"examples": obj{"default": obj{"value": reqExample}}}}},
			"responses": obj{"200": obj{"description": "Response", "content": obj{"application/json": obj{
				"schema": ref(ghName(i)), "examples": obj{"default": obj{"value": example}}}}},
				"422": obj{"description": "Validation failed"}}}}
		ops += 2
		item := fmt.Sprintf("/repos/octocat/hello/things-%d/7", i)
		list := fmt.Sprintf("/repos/octocat/hello/things-%d", i)
		js := "application/json"
		cs = append(cs,
			Case{Name: "list example", Method: "GET", Target: list + "?per_page=50&page=2", Valid: true, Status: 200, Response: mustJSON([]any{example})},
			Case{Name: "update example ($ref integer path parameter)", Method: "PATCH", Target: item, ContentType: js, Body: mustJSON(reqExample),
				Valid: true, Status: 200, Response: mustJSON(example)},
			Case{Name: "update, labels of any shape", Method: "PATCH", Target: item, ContentType: js, Body: []byte(`{"labels":[{"name":"a"},"b",3]}`), Valid: true},
			Case{Name: "update, milestone null", Method: "PATCH", Target: item, ContentType: js, Body: []byte(`{"milestone":null}`), Valid: true},
			Case{Name: "update, thing number not an integer", Method: "PATCH", Target: list + "/seven", ContentType: js, Body: mustJSON(reqExample)},
			Case{Name: "update, thing number 0", Method: "PATCH", Target: list + "/0", ContentType: js, Body: mustJSON(reqExample)},
			Case{Name: "list, page not an integer", Method: "GET", Target: list + "?page=x"},
			Case{Name: "list, per_page over the maximum", Method: "GET", Target: list + "?per_page=101"},
			Case{Name: "list, per_page[] over the maximum", Method: "GET", Target: list + "?per_page[]=1000"},
			Case{Name: "update, state not in enum", Method: "PATCH", Target: item, ContentType: js, Body: []byte(`{"state":"merged"}`)},
			Case{Name: "update, unknown member", Method: "PATCH", Target: item, ContentType: js, Body: []byte(`{"titel":"x"}`)},
			Case{Name: "update, title a number", Method: "PATCH", Target: item, ContentType: js, Body: []byte(`{"title":5}`)},
			Case{Name: "update, no body", Method: "PATCH", Target: item, ContentType: js},
		)
		bad := ghInstance(i, 7)
		bad["state"] = "merged"
		cs = append(cs, Case{Name: "response, state not in enum", Method: "PATCH", Target: item, ContentType: js, Body: []byte(`{}`), Valid: true,
			Status: 200, Response: mustJSON(bad), ResponseInvalid: true})
		bad = ghInstance(i, 7)
		bad["assignee"] = obj{"id": "not an integer"}
		cs = append(cs, Case{Name: "response, assignee incomplete", Method: "PATCH", Target: item, ContentType: js, Body: []byte(`{}`), Valid: true,
			Status: 200, Response: mustJSON(bad), ResponseInvalid: true})
	}
	doc := obj{"openapi": "3.0.3", "info": obj{"title": "GitHub-like API", "version": "1.1.4"},
		"servers": []any{obj{"url": "https://api.github.com"}}, "paths": paths,
		"components": obj{"schemas": schemas, "parameters": params}}
	return &API{Doc: mustJSON(doc), Operations: ops, Schemas: len(schemas), Cases: cs}
}
