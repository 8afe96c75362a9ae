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
	dir   string         // "request" or "response": the definitions prefix
	comps map[string]any // the unconverted component schemas
}

// newConverter returns the converter for one direction, "request" or
// "response".
func newConverter(is30 bool, dir string, comps map[string]any) *converter {
	skip := "readOnly"
	if dir == "response" {
		skip = "writeOnly"
	}
	return &converter{is30: is30, skip: skip, dir: dir, comps: comps}
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
		m["$ref"] = "#/definitions/" + c.dir + "." + rest
	}
	for _, k := range unsupported31 {
		if _, ok := m[k]; ok {
			return nil, config.Errorf(at, "keyword %s is not supported by the JSON Schema drafts gojsonschema implements", k)
		}
	}
	nullable := c.is30 && m["nullable"] == true
	if nullable {
		if e, ok := m["enum"].([]any); ok && !slices.Contains(e, nil) {
			m["enum"] = append(e, nil)
		}
	}
	if d, ok := m["discriminator"].(map[string]any); ok {
		if err := c.discriminate(m, d, at); err != nil {
			return nil, err
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
	if nullable {
		return c.nullable(m), nil
	}
	return m, nil
}

// nullable makes a converted 3.0 schema marked nullable admit null, in
// every position kin-openapi accepts the flag: a single type becomes a
// type list with null (the precise form, which keeps parameter coercion
// and error locations as they were); a schema whose other keywords would
// still refuse null (anyOf, oneOf, allOf, not, or no type at all, as
// Stripe writes every expandable field) becomes anyOf null or the schema.
// A nullable $ref is left alone: OpenAPI 3.0 ignores a $ref's siblings.
func (c *converter) nullable(m map[string]any) any {
	if _, ok := m["$ref"]; ok {
		return m
	}
	composite := false
	for _, k := range []string{"anyOf", "oneOf", "allOf", "not"} {
		if _, ok := m[k]; ok {
			composite = true
		}
	}
	if t, ok := m["type"].(string); ok && !composite {
		m["type"] = []any{t, "null"}
		return m
	}
	if _, ok := m["type"]; !ok && !composite {
		return m // no type and nothing else refusing null
	}
	return map[string]any{"anyOf": []any{map[string]any{"type": "null"}, m}}
}

// discriminate makes the oneOf (or anyOf) members of a schema with a
// discriminator exclusive by the discriminator's value, as OpenAPI reads
// them: member i admits only the values mapping to it (its component name
// when the mapping has none). Draft 4 has no if/then, so each member
// becomes allOf [the property's enum, the member]. Members that are not
// component references are refused: they have no name to match.
func (c *converter) discriminate(m, d map[string]any, at string) error {
	prop, _ := d["propertyName"].(string)
	if prop == "" {
		return config.Errorf(at, "discriminator without propertyName")
	}
	key := "oneOf"
	members, ok := m[key].([]any)
	if !ok {
		key = "anyOf"
		if members, ok = m[key].([]any); !ok {
			// A discriminator on a base schema that others allOf:
			// the property itself is checked by the schemas.
			return nil
		}
	}
	values := map[string][]any{}
	if mapping, ok := d["mapping"].(map[string]any); ok {
		for _, v := range sortedKeys(mapping) {
			if ref, ok := mapping[v].(string); ok {
				if !strings.HasPrefix(ref, "#/") {
					ref = "#/components/schemas/" + ref
				}
				values[ref] = append(values[ref], v)
			}
		}
	}
	for i, el := range members {
		mm, _ := el.(map[string]any)
		ref, _ := mm["$ref"].(string)
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok {
			return config.Errorf(at, "discriminator %s: %s member %d is not a #/components/schemas reference", prop, key, i)
		}
		vals := values[ref]
		if len(vals) == 0 {
			vals = []any{name}
		}
		members[i] = map[string]any{"allOf": []any{
			map[string]any{"required": []any{prop}, "properties": map[string]any{prop: map[string]any{"enum": vals}}},
			mm,
		}}
	}
	return nil
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
