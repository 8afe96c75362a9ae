package validator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"
)

// Draft is a JSON Schema draft gojsonschema implements.
type Draft int

// Supported drafts.
const (
	Draft4 Draft = 4
	Draft6 Draft = 6
	Draft7 Draft = 7
)

func (d Draft) lib() (gojsonschema.Draft, bool) {
	switch d {
	case Draft4:
		return gojsonschema.Draft4, true
	case Draft6:
		return gojsonschema.Draft6, true
	case Draft7:
		return gojsonschema.Draft7, true
	}
	return 0, false
}

// metaSchemaURL reports whether s names draft d's meta-schema.
func (d Draft) metaSchemaURL(s string) bool {
	s = strings.TrimSuffix(s, "#")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "http://"), "https://")
	return s == fmt.Sprintf("json-schema.org/draft-%02d/schema", int(d))
}

// Schema is a JSON Schema compiled once, safe for concurrent use.
type Schema struct {
	s *gojsonschema.Schema
	// typ is the schema's top-level "type" when it is a single name, and
	// items the "type" of its "items": what parameter coercion aims for.
	typ, items string
	// names are the member names the schema declares anywhere: the only
	// ones a violation's location spells out (see location).
	names map[string]bool
	// raw is the schema as decoded JSON, and resolve finds what its
	// "#/definitions/X" references name: what form values and deepObject
	// parameters are shaped by (see shaper).
	raw     any
	resolve func(ref string) (map[string]any, bool)
	// defs are the definitions of an imported document's bundle, which
	// raw's references name (nil for a schema compiled alone).
	defs map[string]any
	// anyString: every string is valid ({type: string} and annotations),
	// so a string parameter value needs no validation.
	anyString bool
}

// annotations are keywords that constrain nothing.
var annotations = map[string]bool{"title": true, "description": true, "default": true, "examples": true,
	"readOnly": true, "writeOnly": true, "$comment": true}

// admitsAnyString reports whether every string is valid against s.
func admitsAnyString(s any, resolve func(string) (map[string]any, bool)) bool {
	m := deref(s, resolve)
	if m == nil || singleType(m) != "string" {
		return false
	}
	for k := range m {
		if k != "type" && !annotations[k] && !strings.HasPrefix(k, "x-") {
			return false
		}
	}
	return true
}

// shaper returns the shaper of form values for the schema.
func (s *Schema) shaper(enc map[string]fieldEncoding) *shaper {
	return &shaper{resolve: s.resolve, enc: enc, names: s.names}
}

// CompileSchema compiles a JSON Schema document for draft d. The document
// is first walked, refusing any $ref that is not a fragment of the
// document itself (ErrRemoteRef), any $id or id that would move the base
// URI, and any $schema that is not draft d (ErrUnknownDraft). The loader
// gojsonschema gets refuses every fetch besides (ErrExternalLoad), so even
// a reference this walk missed cannot reach the network or the disk.
func CompileSchema(doc []byte, d Draft) (*Schema, error) {
	_, ok := d.lib()
	if !ok {
		return nil, fmt.Errorf("%w: draft %d (want 4, 6 or 7)", ErrUnknownDraft, d)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("schema is not JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("schema has trailing data")
	}
	return compileValue(root, d)
}

// compileValue is CompileSchema for a decoded document (numbers as
// json.Number, arrays as []any, objects as map[string]any).
func compileValue(root any, d Draft) (*Schema, error) {
	draft, _ := d.lib()
	if err := walkSchema(root, "#", d); err != nil {
		return nil, err
	}
	registerFormats()
	sl := gojsonschema.NewSchemaLoader()
	sl.AutoDetect = false
	sl.Draft = draft
	sl.Validate = true // the schema must be valid against its meta-schema
	s, err := sl.Compile(docLoader{root})
	if err != nil {
		return nil, fmt.Errorf("compiling schema: %w", err)
	}
	out := &Schema{s: s, names: map[string]bool{}, raw: root}
	defs, _ := root.(map[string]any)
	defs, _ = defs["definitions"].(map[string]any)
	out.resolve = func(ref string) (map[string]any, bool) {
		m, ok := defs[refName(ref)].(map[string]any)
		return m, ok
	}
	declaredNames(root, out.names)
	out.anyString = admitsAnyString(root, out.resolve)
	if m, ok := root.(map[string]any); ok {
		out.typ, _ = m["type"].(string)
		if it, ok := m["items"].(map[string]any); ok {
			out.items, _ = it["type"].(string)
		}
	}
	return out, nil
}

// declaredNames collects the member names a schema declares: the keys of
// every properties and dependencies object, and the entries of every
// required list, wherever they appear outside literal values.
func declaredNames(v any, names map[string]bool) {
	switch v := v.(type) {
	case []any:
		for _, el := range v {
			declaredNames(el, names)
		}
	case map[string]any:
		for k, el := range v {
			if literalKeywords[k] {
				continue
			}
			switch k {
			case "properties", "dependencies":
				if m, ok := el.(map[string]any); ok {
					for name := range m {
						names[name] = true
					}
				}
			case "required":
				if l, ok := el.([]any); ok {
					for _, name := range l {
						if s, ok := name.(string); ok {
							names[s] = true
						}
					}
				}
			}
			declaredNames(el, names)
		}
	}
}

// literalKeywords hold JSON values, not schemas: a "$ref" inside them
// is data, and gojsonschema never resolves it.
var literalKeywords = map[string]bool{
	"enum": true, "const": true, "default": true, "examples": true, "example": true,
}

// walkSchema refuses anything in a schema document that could make
// gojsonschema load another document: a $ref that is not "#..." and an
// $id (or draft-4 id) that is not a plain "#name". It also pins $schema.
func walkSchema(v any, at string, d Draft) error {
	switch v := v.(type) {
	case []any:
		for i, el := range v {
			if err := walkSchema(el, fmt.Sprintf("%s/%d", at, i), d); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, k := range []string{"$ref", "$id", "id"} {
			s, ok := v[k].(string)
			if ok && !strings.HasPrefix(s, "#") {
				return fmt.Errorf("%w: %s at %s must start with #", ErrRemoteRef, k, at)
			}
		}
		if s, ok := v["$schema"].(string); ok && !d.metaSchemaURL(s) {
			return fmt.Errorf("%w: $schema at %s is not draft %d", ErrUnknownDraft, at, d)
		}
		for k, el := range v {
			if literalKeywords[k] {
				continue
			}
			if err := walkSchema(el, at+"/"+escapePointer(k), d); err != nil {
				return err
			}
		}
	}
	return nil
}

// docLoader hands gojsonschema an already decoded document, for schemas
// and for request bodies alike. Its factory refuses every other document.
type docLoader struct{ doc any }

func (l docLoader) JsonSource() any                               { return l.doc }
func (l docLoader) LoadJSON() (any, error)                        { return l.doc, nil }
func (l docLoader) LoaderFactory() gojsonschema.JSONLoaderFactory { return refuseFactory{} }
func (l docLoader) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference("#")
}

type refuseFactory struct{}

func (refuseFactory) New(source string) gojsonschema.JSONLoader { return refusedLoader{} }

type refusedLoader struct{}

func (refusedLoader) JsonSource() any                               { return nil }
func (refusedLoader) LoadJSON() (any, error)                        { return nil, ErrExternalLoad }
func (refusedLoader) LoaderFactory() gojsonschema.JSONLoaderFactory { return refuseFactory{} }
func (refusedLoader) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference("#")
}

// validate checks a decoded value and returns its violations, located
// under prefix ("body", "query/limit").
func (s *Schema) validate(v any, prefix string) []Violation {
	res, err := s.s.Validate(docLoader{v})
	if err != nil {
		return []Violation{{Location: prefix, Code: CodeInvalid, Message: "could not be validated"}}
	}
	if res.Valid() {
		return nil
	}
	out := make([]Violation, 0, len(res.Errors()))
	for _, e := range res.Errors() {
		out = append(out, rewrite(e, prefix, s.names))
	}
	return out
}

// escapePointer escapes a JSON Pointer reference token (RFC 6901).
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
