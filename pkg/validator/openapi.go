package validator

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/warden-gw/warden/pkg/config"
)

// importOpenAPI turns an OpenAPI 3.0 or 3.1 document (JSON or YAML) into
// operations. External references are refused by the loader; component
// schemas are copied into each schema's "definitions" and
// #/components/schemas/X references rewritten to #/definitions/X, so every
// schema stays self-contained and local. OpenAPI 3.0 schemas map to draft
// 4 (boolean exclusiveMinimum), 3.1 schemas to draft 7.
func importOpenAPI(spec []byte, withResponses bool) ([]Operation, Draft, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, 0, fmt.Errorf("loading OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, 0, fmt.Errorf("invalid OpenAPI document: %w", err)
	}
	is30 := !doc.IsOpenAPI31OrLater()
	draft := Draft7
	if is30 {
		draft = Draft4
	}
	// Component schemas are converted once per direction: a request
	// never carries readOnly properties, a response never writeOnly ones.
	defs := map[string]map[string]any{}
	defsFor := func(skip string) (map[string]any, error) {
		if doc.Components == nil || len(doc.Components.Schemas) == 0 {
			return nil, nil
		}
		if d, ok := defs[skip]; ok {
			return d, nil
		}
		raw, err := toGeneric(doc.Components.Schemas)
		if err != nil {
			return nil, err
		}
		conv, err := convertSchema(raw, is30, skip, "components.schemas")
		if err != nil {
			return nil, err
		}
		defs[skip] = conv.(map[string]any)
		return defs[skip], nil
	}
	schemaText := func(ref *openapi3.SchemaRef, skip, at string) (string, error) {
		if ref == nil {
			return "{}", nil
		}
		raw, err := toGeneric(ref)
		if err != nil {
			return "", err
		}
		s, err := convertSchema(raw, is30, skip, at)
		if err != nil {
			return "", err
		}
		d, err := defsFor(skip)
		if err != nil {
			return "", err
		}
		if m, ok := s.(map[string]any); ok && d != nil {
			if _, clash := m["definitions"]; clash {
				return "", config.Errorf(at, "a schema with its own definitions cannot use components")
			}
			m["definitions"] = d
		}
		b, err := json.Marshal(s)
		return string(b), err
	}

	var errs config.Errors
	var ops []Operation
	paths := doc.Paths.Map()
	for _, path := range sortedKeys(paths) {
		item := paths[path]
		opsByMethod := item.Operations()
		for _, method := range sortedKeys(opsByMethod) {
			o := opsByMethod[method]
			at := fmt.Sprintf("paths.%s.%s", path, strings.ToLower(method))
			op := Operation{Method: strings.ToUpper(method), Path: path}
			// Operation parameters override path-item ones by name and in.
			params := map[string]*openapi3.Parameter{}
			var order []string
			for _, list := range []openapi3.Parameters{item.Parameters, o.Parameters} {
				for _, pr := range list {
					if pr == nil || pr.Value == nil {
						continue
					}
					key := pr.Value.In + " " + pr.Value.Name
					if _, ok := params[key]; !ok {
						order = append(order, key)
					}
					params[key] = pr.Value
				}
			}
			for _, key := range order {
				p := params[key]
				if p.Schema == nil {
					errs.Add(at+".parameters."+p.Name, "only parameters with a schema are supported (not content)")
					continue
				}
				s, err := schemaText(p.Schema, "readOnly", at+".parameters."+p.Name)
				if err != nil {
					errs.Check(at+".parameters."+p.Name, err)
					continue
				}
				op.Parameters = append(op.Parameters, Parameter{
					Name: p.Name, In: p.In, Required: p.Required, Schema: s, Style: p.Style, Explode: p.Explode,
				})
			}
			if o.RequestBody != nil && o.RequestBody.Value != nil {
				rb := o.RequestBody.Value
				op.BodyRequired = rb.Required
				types := sortedKeys(rb.Content)
				op.ContentTypes = types
				for _, t := range types {
					mt, ok := parseContentType(t)
					if ok && mt.isJSON() && rb.Content[t].Schema != nil {
						s, err := schemaText(rb.Content[t].Schema, "readOnly", at+".requestBody")
						if err != nil {
							errs.Check(at+".requestBody", err)
						}
						op.BodySchema = s
						break
					}
				}
			}
			if withResponses && o.Responses != nil {
				responses := o.Responses.Map()
				for _, code := range sortedKeys(responses) {
					r := responses[code]
					if r == nil || r.Value == nil {
						continue
					}
					rat := at + ".responses." + code
					res := Response{Status: code, ContentTypes: sortedKeys(r.Value.Content)}
					for _, t := range res.ContentTypes {
						mt, ok := parseContentType(t)
						if ok && mt.isJSON() && r.Value.Content[t].Schema != nil {
							s, err := schemaText(r.Value.Content[t].Schema, "writeOnly", rat)
							if err != nil {
								errs.Check(rat, err)
							}
							res.BodySchema = s
							break
						}
					}
					op.Responses = append(op.Responses, res)
				}
			}
			ops = append(ops, op)
		}
	}
	return ops, draft, errs.Err()
}

func toGeneric(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding schema: %w", err)
	}
	var out any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("decoding schema: %w", err)
	}
	return out, nil
}

// unsupported31 are JSON Schema 2020-12 keywords gojsonschema does not
// implement: refusing them beats silently not checking them.
var unsupported31 = []string{"prefixItems", "unevaluatedProperties", "unevaluatedItems",
	"dependentRequired", "dependentSchemas", "$dynamicRef", "$dynamicAnchor", "$recursiveRef"}

// convertSchema maps an OpenAPI schema object to JSON Schema: 3.0
// nullable becomes a "null" type (and a null enum member), properties
// marked skip (readOnly for requests, writeOnly for responses: they are
// never sent that way) are dropped from required, a writeOnly value in a
// response is refused, OpenAPI-only keywords are removed, and component
// references are rewritten.
func convertSchema(v any, is30 bool, skip, at string) (any, error) {
	switch v := v.(type) {
	case []any:
		for i, el := range v {
			c, err := convertSchema(el, is30, skip, at)
			if err != nil {
				return nil, err
			}
			v[i] = c
		}
		return v, nil
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			rest, ok := strings.CutPrefix(ref, "#/components/schemas/")
			if !ok {
				return nil, config.Errorf(at, "$ref %s: only #/components/schemas references are supported", ref)
			}
			v["$ref"] = "#/definitions/" + rest
		}
		for _, k := range unsupported31 {
			if _, ok := v[k]; ok {
				return nil, config.Errorf(at, "keyword %s is not supported by the JSON Schema drafts gojsonschema implements", k)
			}
		}
		// A writeOnly value (a password, a card token) coming back in a
		// response is data the API promised not to expose.
		if skip == "writeOnly" && v["writeOnly"] == true {
			return map[string]any{"not": map[string]any{}}, nil
		}
		if is30 && v["nullable"] == true {
			if t, ok := v["type"].(string); ok {
				v["type"] = []any{t, "null"}
			}
			if e, ok := v["enum"].([]any); ok && !slices.Contains(e, nil) {
				v["enum"] = append(e, nil)
			}
		}
		delete(v, "nullable")
		for _, k := range []string{"discriminator", "xml", "externalDocs", "example", "deprecated"} {
			delete(v, k)
		}
		if req, ok := v["required"].([]any); ok {
			props, _ := v["properties"].(map[string]any)
			kept := req[:0]
			for _, r := range req {
				name, _ := r.(string)
				if p, ok := props[name].(map[string]any); ok && p[skip] == true {
					continue
				}
				kept = append(kept, r)
			}
			v["required"] = kept
			if len(kept) == 0 {
				delete(v, "required") // draft 4 wants minItems 1
			}
		}
		for k, el := range v {
			if literalKeywords[k] || k == "required" {
				continue
			}
			c, err := convertSchema(el, is30, skip, at)
			if err != nil {
				return nil, err
			}
			v[k] = c
		}
		return v, nil
	}
	return v, nil
}
