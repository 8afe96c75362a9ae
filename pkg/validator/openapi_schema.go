package validator

import (
	"slices"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
)

// unsupported31 are JSON Schema 2020-12 keywords gojsonschema does not
// implement: refusing them beats silently not checking them.
var unsupported31 = []string{"prefixItems", "unevaluatedProperties", "unevaluatedItems",
	"dependentRequired", "dependentSchemas", "$dynamicRef", "$dynamicAnchor", "$recursiveRef"}

// Keywords by what their value holds, for walking a schema: a name→schema
// map, one schema, or a list of schemas. Other keywords hold data or
// numbers and are left alone, so a property named "required" or
// "example" is a name, never a keyword.
var (
	schemaMapKeywords  = []string{"properties", "patternProperties", "definitions", "$defs"}
	schemaKeywords     = []string{"additionalProperties", "additionalItems", "not", "contains", "propertyNames", "if", "then", "else"}
	schemaListKeywords = []string{"allOf", "anyOf", "oneOf"}
)

// converter maps OpenAPI schema objects to JSON Schema for one direction:
// 3.0 nullable becomes a "null" type (and a null enum member); properties
// marked skip (readOnly for requests, writeOnly for responses: they are
// never sent that way), directly or behind a component $ref, are dropped
// from required; a writeOnly value in a response is refused; OpenAPI-only
// keywords are removed; component references are rewritten to
// #/definitions.
type converter struct {
	is30  bool
	skip  string         // "readOnly" or "writeOnly"
	comps map[string]any // the unconverted component schemas
}

// schema converts one schema (an object or a boolean).
func (c *converter) schema(v any, at string) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, nil
	}
	// A writeOnly value (a password, a card token) coming back in a
	// response is data the API promised not to expose.
	if c.skip == "writeOnly" && c.flagged(m, 0) {
		return map[string]any{"not": map[string]any{}}, nil
	}
	if ref, ok := m["$ref"].(string); ok {
		rest, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok {
			return nil, config.Errorf(at, "$ref %s: only #/components/schemas references are supported", ref)
		}
		m["$ref"] = "#/definitions/" + rest
	}
	for _, k := range unsupported31 {
		if _, ok := m[k]; ok {
			return nil, config.Errorf(at, "keyword %s is not supported by the JSON Schema drafts gojsonschema implements", k)
		}
	}
	if c.is30 && m["nullable"] == true {
		if t, ok := m["type"].(string); ok {
			m["type"] = []any{t, "null"}
		}
		if e, ok := m["enum"].([]any); ok && !slices.Contains(e, nil) {
			m["enum"] = append(e, nil)
		}
	}
	for _, k := range []string{"nullable", "discriminator", "xml", "externalDocs", "example", "deprecated"} {
		delete(m, k)
	}
	// Before the properties are converted: the flags are read from them.
	if req, ok := m["required"].([]any); ok {
		props, _ := m["properties"].(map[string]any)
		kept := req[:0]
		for _, r := range req {
			name, _ := r.(string)
			if p, ok := props[name].(map[string]any); ok && c.flagged(p, 0) {
				continue
			}
			kept = append(kept, r)
		}
		m["required"] = kept
		if len(kept) == 0 {
			delete(m, "required") // draft 4 wants minItems 1
		}
	}
	for _, k := range schemaMapKeywords {
		if sub, ok := m[k].(map[string]any); ok {
			conv, err := c.schemaMap(sub, at)
			if err != nil {
				return nil, err
			}
			m[k] = conv
		}
	}
	for _, k := range append(slices.Clone(schemaKeywords), "items") {
		if _, ok := m[k]; !ok {
			continue
		}
		if list, ok := m[k].([]any); ok && k == "items" {
			if err := c.schemaList(list, at); err != nil {
				return nil, err
			}
			continue
		}
		conv, err := c.schema(m[k], at)
		if err != nil {
			return nil, err
		}
		m[k] = conv
	}
	for _, k := range schemaListKeywords {
		if list, ok := m[k].([]any); ok {
			if err := c.schemaList(list, at); err != nil {
				return nil, err
			}
		}
	}
	// dependencies: a name maps to a schema or to a list of names.
	if deps, ok := m["dependencies"].(map[string]any); ok {
		for name, d := range deps {
			if _, isSchema := d.(map[string]any); isSchema {
				conv, err := c.schema(d, at)
				if err != nil {
					return nil, err
				}
				deps[name] = conv
			}
		}
	}
	return m, nil
}

// schemaMap converts the schemas of a name→schema map.
func (c *converter) schemaMap(m map[string]any, at string) (map[string]any, error) {
	for name, s := range m {
		conv, err := c.schema(s, at)
		if err != nil {
			return nil, err
		}
		m[name] = conv
	}
	return m, nil
}

func (c *converter) schemaList(l []any, at string) error {
	for i, s := range l {
		conv, err := c.schema(s, at)
		if err != nil {
			return err
		}
		l[i] = conv
	}
	return nil
}

// flagged reports whether an unconverted schema is marked c.skip: itself,
// through the component a $ref names, or through an allOf member.
func (c *converter) flagged(m map[string]any, depth int) bool {
	if depth > 16 { // a reference cycle
		return false
	}
	if m[c.skip] == true {
		return true
	}
	if ref, ok := m["$ref"].(string); ok {
		if name, ok := strings.CutPrefix(ref, "#/components/schemas/"); ok {
			if target, ok := c.comps[name].(map[string]any); ok && c.flagged(target, depth+1) {
				return true
			}
		}
	}
	if all, ok := m["allOf"].([]any); ok {
		for _, s := range all {
			if sub, ok := s.(map[string]any); ok && c.flagged(sub, depth+1) {
				return true
			}
		}
	}
	return false
}
