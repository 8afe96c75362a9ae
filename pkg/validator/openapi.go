package validator

import (
	"context"
	"encoding/json"
	"fmt"
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
	// The unconverted ones tell what a $ref points at.
	var comps map[string]any
	if doc.Components != nil && len(doc.Components.Schemas) > 0 {
		raw, err := toGeneric(doc.Components.Schemas)
		if err != nil {
			return nil, 0, err
		}
		comps = raw.(map[string]any)
	}
	defs := map[string]map[string]any{}
	defsFor := func(skip string) (map[string]any, error) {
		if comps == nil {
			return nil, nil
		}
		if d, ok := defs[skip]; ok {
			return d, nil
		}
		raw, err := toGeneric(doc.Components.Schemas)
		if err != nil {
			return nil, err
		}
		c := &converter{is30: is30, skip: skip, comps: comps}
		conv, err := c.schemaMap(raw.(map[string]any), "components.schemas")
		if err != nil {
			return nil, err
		}
		defs[skip] = conv
		return conv, nil
	}
	schemaText := func(ref *openapi3.SchemaRef, skip, at string) (string, error) {
		if ref == nil {
			return "{}", nil
		}
		raw, err := toGeneric(ref)
		if err != nil {
			return "", err
		}
		s, err := (&converter{is30: is30, skip: skip, comps: comps}).schema(raw, at)
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
				op.ContentTypes = sortedKeys(rb.Content)
				op.bodySchemas = contentSchemas(rb.Content, func(ref *openapi3.SchemaRef, t string) (string, error) {
					s, err := schemaText(ref, "readOnly", at+".requestBody")
					errs.Check(at+".requestBody.content."+t, err)
					return s, err
				})
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
					res.bodySchemas = contentSchemas(r.Value.Content, func(ref *openapi3.SchemaRef, t string) (string, error) {
						s, err := schemaText(ref, "writeOnly", rat)
						errs.Check(rat+".content."+t, err)
						return s, err
					})
					op.Responses = append(op.Responses, res)
				}
			}
			ops = append(ops, op)
		}
	}
	return ops, draft, errs.Err()
}

// contentSchemas converts the schema of every media range in content a
// JSON body can match (application/json, +json types, application/*,
// */*), keyed by range; a body of another type is not parsed, so its
// schema could not be applied.
func contentSchemas(content openapi3.Content, convert func(*openapi3.SchemaRef, string) (string, error)) map[string]string {
	out := map[string]string{}
	for _, t := range sortedKeys(content) {
		rng, err := parseMediaRange(t)
		if err != nil || !rng.mayBeJSON() || content[t] == nil || content[t].Schema == nil {
			continue
		}
		if s, err := convert(content[t].Schema, t); err == nil {
			out[t] = s
		}
	}
	return out
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
