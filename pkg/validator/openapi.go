package validator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/warden-gw/warden/pkg/config"
)

// importOpenAPI turns an OpenAPI 3.0 or 3.1 document (JSON or YAML) into
// operations whose schemas are compiled together, once (see bundle).
// External references are refused by the loader; component schemas
// become definitions, converted once per direction (a request never
// carries readOnly properties, a response never writeOnly ones), and
// #/components/schemas/X references point at them. OpenAPI 3.0 schemas
// map to draft 4 (boolean exclusiveMinimum), 3.1 schemas to draft 7.
//
// Every problem is reported, not the first: kin-openapi's Validate stops
// at one, so when it fails each component and operation is validated
// alone. A document without operations is an error.
func importOpenAPI(spec []byte, withResponses bool) ([]Operation, Draft, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loadDocument(loader, spec)
	if err != nil {
		return nil, 0, fmt.Errorf("loading OpenAPI document: %w", err)
	}
	// An array schema without items admits any items (JSON Schema);
	// kin-openapi refuses it, and GitHub's description has several.
	fillMissingItems(doc)
	// Problems kin-openapi finds are reported with those the import
	// finds, all at once.
	var errs config.Errors
	errs.Check("", validateDocument(doc))
	is30 := !doc.IsOpenAPI31OrLater()
	draft := Draft7
	if is30 {
		draft = Draft4
	}
	b := &bundle{defs: map[string]any{}}
	comps, err := componentSchemas(spec, doc) // unconverted
	if err != nil {
		return nil, 0, err
	}
	for _, dir := range []string{"request", "response"} {
		if comps == nil || dir == "response" && !withResponses {
			continue
		}
		c := newConverter(is30, dir, comps)
		for name, s := range deepCopy(comps).(map[string]any) {
			conv, err := c.schema(s, "components.schemas."+name)
			if err != nil {
				errs.Check("", err)
				continue
			}
			b.defs[dir+"."+name] = conv
		}
	}
	// entry converts one schema of an operation for the bundle.
	entry := func(ref *openapi3.SchemaRef, dir, at string) *Schema {
		raw := any(map[string]any{})
		if ref != nil {
			var err error
			if raw, err = toGeneric(ref); err != nil {
				errs.Check(at, err)
				return nil
			}
		}
		s, err := newConverter(is30, dir, comps).schema(raw, at)
		if err != nil {
			errs.Check("", err)
			return nil
		}
		return b.add(s)
	}

	var ops []Operation
	paths := doc.Paths.Map()
	for _, path := range sortedKeys(paths) {
		item := paths[path]
		opsByMethod := item.Operations()
		for _, method := range sortedKeys(opsByMethod) {
			o := opsByMethod[method]
			at := fmt.Sprintf("paths.%s.%s", path, strings.ToLower(method))
			op := Operation{Method: strings.ToUpper(method), Path: path, at: at}
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
				pat := at + ".parameters." + p.Name
				if p.Schema == nil {
					errs.Add(pat, "only parameters with a schema are supported (not content)")
					continue
				}
				if s := entry(p.Schema, "request", pat); s != nil {
					op.Parameters = append(op.Parameters, Parameter{
						Name: p.Name, In: p.In, Required: p.Required, Style: p.Style, Explode: p.Explode, compiled: s,
					})
				}
			}
			if o.RequestBody != nil && o.RequestBody.Value != nil {
				rb := o.RequestBody.Value
				op.BodyRequired = rb.Required
				op.ContentTypes = sortedKeys(rb.Content)
				op.bodySchemas = contentSchemas(rb.Content, at+".requestBody", true, &errs, func(ref *openapi3.SchemaRef, cat string) *Schema {
					return entry(ref, "request", cat)
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
					res.bodySchemas = contentSchemas(r.Value.Content, rat, false, &errs, func(ref *openapi3.SchemaRef, cat string) *Schema {
						return entry(ref, "response", cat)
					})
					op.Responses = append(op.Responses, res)
				}
			}
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		errs.Add("paths", "the document declares no operation (webhooks and callbacks are not validated)")
	}
	if err := errs.Err(); err != nil {
		return nil, 0, err
	}
	if err := b.compile(draft); err != nil {
		return nil, 0, config.Errorf("components", "%v", err)
	}
	return ops, draft, nil
}

// contentSchemas converts the schema of every media range in content whose
// bodies Warden decodes: JSON (application/json, +json types,
// application/*, */*), and, for requests, form-encoded and multipart form
// bodies, whose fields are decoded by their encoding. A schema for
// another media type is refused by name: a body of that type would pass
// unchecked.
func contentSchemas(content openapi3.Content, at string, request bool, errs *config.Errors, convert func(*openapi3.SchemaRef, string) *Schema) map[string]bodySchema {
	out := map[string]bodySchema{}
	for _, t := range sortedKeys(content) {
		mt := content[t]
		if mt == nil || mt.Schema == nil {
			continue
		}
		cat := at + ".content." + t
		rng, err := parseMediaRange(t)
		if err != nil {
			errs.Add(cat, "%v", err)
			continue
		}
		var enc map[string]fieldEncoding
		switch {
		case !rng.isJSONType() && anyBytes(mt.Schema):
			// {type: string, format: binary} and the like hold for
			// any body (*/* included): nothing to check.
			continue
		case rng.mayBeJSON():
		case request && rng.isForm():
			enc = map[string]fieldEncoding{}
			for name, e := range mt.Encoding {
				if e == nil {
					continue
				}
				fe := fieldEncoding{style: e.Style, explode: e.Explode}
				if !validFormStyle(fe.style) {
					errs.Add(cat+".encoding."+name, "style %s is not supported (want form, spaceDelimited, pipeDelimited or deepObject)", fe.style)
					continue
				}
				enc[name] = fe
			}
		case !request:
			// A response of another type (XML, text) is not checked;
			// the docs say so. A request body is refused below.
			continue
		default:
			errs.Add(cat, "a schema for %s request bodies cannot be checked (JSON, application/x-www-form-urlencoded and multipart/form-data bodies can; a schema any body satisfies, such as {type: string, format: binary}, is accepted)", t)
			continue
		}
		if s := convert(mt.Schema, cat); s != nil {
			out[t] = bodySchema{schema: s, form: enc}
		}
	}
	return out
}

// anyBytes reports whether every body satisfies a schema of a non-JSON
// media type: no schema keyword but type string, format, and annotations.
func anyBytes(r *openapi3.SchemaRef) bool {
	if r == nil || r.Value == nil {
		return true
	}
	s := *r.Value
	if !s.Type.IsEmpty() && !s.Type.Is("string") {
		return false
	}
	s.Type, s.Format, s.Title, s.Description, s.Example, s.Extensions, s.ContentMediaType, s.ContentEncoding = nil, "", "", "", nil, nil, "", ""
	return s.IsEmpty()
}

// validateDocument is kin-openapi's validation of the document, every
// problem reported. kin-openapi validates each schema it meets with a
// fresh record of the schemas it has seen, so the components a schema
// reaches are validated again for every parameter, body and response:
// minutes for a Stripe-size document. Here the schemas are validated once,
// together, as members of one schema, and the rest of the document with
// every schema set aside. When either fails, each part is validated alone
// so that every problem is named (kin-openapi stops at the first).
func validateDocument(doc *openapi3.T) error {
	opts := []openapi3.ValidationOption{openapi3.DisableExamplesValidation()}
	if doc.IsOpenAPI32OrLater() {
		opts = append(opts, openapi3.IsOpenAPI32OrLater())
	} else if doc.IsOpenAPI31OrLater() {
		opts = append(opts, openapi3.IsOpenAPI31OrLater())
	}
	ctx := openapi3.WithValidationOptions(context.Background(), opts...)
	roots := schemaRoots(doc)
	all := &openapi3.Schema{}
	for _, r := range roots {
		all.AllOf = append(all.AllOf, r.ref)
	}
	var errs config.Errors
	if err := all.Validate(ctx); err != nil {
		for _, r := range roots {
			if r.ref.Ref == "" {
				errs.Check(r.at, r.ref.Value.Validate(ctx))
			}
		}
		if errs.Err() == nil {
			errs.Add("components.schemas", "%v", err)
		}
	}
	// The structure, with the schemas (validated above) set aside.
	saved := make([]*openapi3.Schema, len(roots))
	for i, r := range roots {
		saved[i], r.ref.Value = r.ref.Value, &openapi3.Schema{}
	}
	var comps openapi3.Schemas
	if doc.Components != nil {
		comps, doc.Components.Schemas = doc.Components.Schemas, nil
	}
	defer func() {
		for i, r := range roots {
			r.ref.Value = saved[i]
		}
		if doc.Components != nil {
			doc.Components.Schemas = comps
		}
	}()
	if err := doc.Validate(ctx, opts...); err != nil {
		before := len(config.Flatten(errs.Err()))
		if doc.Paths != nil {
			paths := doc.Paths.Map()
			for _, path := range sortedKeys(paths) {
				ops := paths[path].Operations()
				for _, method := range sortedKeys(ops) {
					errs.Check(fmt.Sprintf("paths.%s.%s", path, strings.ToLower(method)), ops[method].Validate(ctx))
				}
			}
		}
		if len(config.Flatten(errs.Err())) == before {
			errs.Add("", "invalid OpenAPI document: %v", err)
		}
	}
	return errs.Err()
}

// rootRef is a schema the document holds outside other schemas, and where.
type rootRef struct {
	at  string
	ref *openapi3.SchemaRef
}

// schemaRoots lists the component schemas and the schemas of every
// parameter, request body and response, each once.
func schemaRoots(doc *openapi3.T) []rootRef {
	var out []rootRef
	seen := map[*openapi3.SchemaRef]bool{}
	add := func(at string, r *openapi3.SchemaRef) {
		if r != nil && r.Value != nil && !seen[r] {
			seen[r] = true
			out = append(out, rootRef{at, r})
		}
	}
	content := func(at string, c openapi3.Content) {
		for _, t := range sortedKeys(c) {
			if c[t] != nil {
				add(at+".content."+t, c[t].Schema)
			}
		}
	}
	params := func(at string, ps openapi3.Parameters) {
		for _, p := range ps {
			if p != nil && p.Value != nil {
				add(at+".parameters."+p.Value.Name, p.Value.Schema)
				content(at+".parameters."+p.Value.Name, p.Value.Content)
			}
		}
	}
	if c := doc.Components; c != nil {
		for _, name := range sortedKeys(c.Schemas) {
			add("components.schemas."+name, c.Schemas[name])
		}
		for _, name := range sortedKeys(c.Parameters) {
			params("components", openapi3.Parameters{c.Parameters[name]})
		}
		for _, name := range sortedKeys(c.RequestBodies) {
			if rb := c.RequestBodies[name]; rb != nil && rb.Value != nil {
				content("components.requestBodies."+name, rb.Value.Content)
			}
		}
		for _, name := range sortedKeys(c.Responses) {
			if r := c.Responses[name]; r != nil && r.Value != nil {
				content("components.responses."+name, r.Value.Content)
			}
		}
	}
	if doc.Paths == nil {
		return out
	}
	paths := doc.Paths.Map()
	for _, path := range sortedKeys(paths) {
		item := paths[path]
		params("paths."+path, item.Parameters)
		ops := item.Operations()
		for _, method := range sortedKeys(ops) {
			o, at := ops[method], fmt.Sprintf("paths.%s.%s", path, strings.ToLower(method))
			params(at, o.Parameters)
			if o.RequestBody != nil && o.RequestBody.Value != nil {
				content(at+".requestBody", o.RequestBody.Value.Content)
			}
			if o.Responses != nil {
				responses := o.Responses.Map()
				for _, code := range sortedKeys(responses) {
					if r := responses[code]; r != nil && r.Value != nil {
						content(at+".responses."+code, r.Value.Content)
					}
				}
			}
		}
	}
	return out
}

// fillMissingItems gives every array schema without items an empty one.
func fillMissingItems(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(r *openapi3.SchemaRef)
	walk = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		s := r.Value
		seen[s] = true
		if s.Type.Is("array") && s.Items == nil {
			s.Items = openapi3.NewSchemaRef("", &openapi3.Schema{})
		}
		walk(s.Items)
		walk(s.Not)
		walk(s.AdditionalProperties.Schema)
		for _, l := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, el := range l {
				walk(el)
			}
		}
		for _, p := range s.Properties {
			walk(p)
		}
	}
	for _, r := range schemaRoots(doc) {
		walk(r.ref)
	}
}

// componentSchemas returns the document's component schemas as decoded
// JSON. A JSON document's are read from its text, which is what they say
// (kin-openapi's encoding of them costs as much again as reading the
// document); a YAML document's from kin-openapi's.
func componentSchemas(spec []byte, doc *openapi3.T) (map[string]any, error) {
	if doc.Components == nil || len(doc.Components.Schemas) == 0 {
		return nil, nil
	}
	if t := bytes.TrimLeft(spec, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		var raw struct {
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		dec := json.NewDecoder(bytes.NewReader(spec))
		dec.UseNumber()
		if err := dec.Decode(&raw); err == nil && len(raw.Components.Schemas) == len(doc.Components.Schemas) {
			return raw.Components.Schemas, nil
		}
	}
	raw, err := toGeneric(doc.Components.Schemas)
	if err != nil {
		return nil, err
	}
	return raw.(map[string]any), nil
}

// deepCopy copies decoded JSON, for a converter to change.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, el := range v {
			out[k] = deepCopy(el)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, el := range v {
			out[i] = deepCopy(el)
		}
		return out
	}
	return v
}

// loadDocument parses spec. kin-openapi reads every document as YAML
// first, and its YAML reader takes over a second for a 4 MB JSON
// document; a document that is JSON is read as JSON.
func loadDocument(loader *openapi3.Loader, spec []byte) (*openapi3.T, error) {
	trimmed := bytes.TrimLeft(spec, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return loader.LoadFromData(spec)
	}
	doc := &openapi3.T{}
	if err := json.Unmarshal(spec, doc); err != nil {
		return loader.LoadFromData(spec) // let kin-openapi say what is wrong
	}
	if err := loader.ResolveRefsIn(doc, nil); err != nil {
		return nil, err
	}
	return doc, nil
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
