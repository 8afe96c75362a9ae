package validator

import (
	"fmt"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/xeipuuv/gojsonschema"
)

// bundle is every schema of one OpenAPI document, compiled as one JSON
// Schema document: the component schemas (once per direction) and each
// parameter, body and response schema are "definitions" of a root whose
// allOf references each of the latter. gojsonschema parses a referenced
// schema once per compile (its reference pool lives in the compiled
// Schema), so compiling each operation's schema alone would parse the
// components it reaches again for every one of them: Stripe's expandable
// fields reach nearly all components from any of them. Compiled together,
// every component exists once, and each operation schema is the compiled
// allOf member, shared.
type bundle struct {
	defs    map[string]any // converted components and entry schemas
	entries []*Schema      // filled by compile, in the order of add
	roots   []any          // the converted entry schemas, for coercion types
}

// entryKey names the i-th entry schema among the definitions; component
// keys are "request.Name" and "response.Name", so they cannot collide.
func entryKey(i int) string { return "entry." + strconv.Itoa(i) }

// add records a converted schema and returns the Schema compile fills in.
func (b *bundle) add(s any) *Schema {
	sch := &Schema{}
	b.defs[entryKey(len(b.entries))] = s
	b.entries = append(b.entries, sch)
	b.roots = append(b.roots, s)
	return sch
}

// compile compiles the bundle once for draft d and fills every entry.
func (b *bundle) compile(d Draft) error {
	if len(b.entries) == 0 {
		return nil
	}
	all := make([]any, len(b.entries))
	for i := range b.entries {
		all[i] = map[string]any{"$ref": "#/definitions/" + entryKey(i)}
	}
	root := map[string]any{"definitions": b.defs, "allOf": all}
	if _, ok := d.lib(); !ok {
		return fmt.Errorf("%w: draft %d", ErrUnknownDraft, d)
	}
	compiled, err := compileValue(root, d)
	if err != nil {
		return err
	}
	subs, err := allOfSchemas(compiled.s)
	if err != nil {
		return err
	}
	if len(subs) != len(b.entries) {
		return fmt.Errorf("compiling schemas: %d of %d entries compiled", len(subs), len(b.entries))
	}
	resolve := func(ref string) (map[string]any, bool) {
		m, ok := b.defs[refName(ref)].(map[string]any)
		return m, ok
	}
	for i, e := range b.entries {
		e.s, e.names, e.raw, e.resolve, e.defs = subs[i], compiled.names, b.roots[i], resolve, b.defs
		e.typ, e.items = coercionTypes(b.roots[i], resolve)
		e.anyString = admitsAnyString(b.roots[i], resolve)
	}
	return nil
}

// refName is the definitions key a "#/definitions/X" reference names.
func refName(ref string) string {
	const p = "#/definitions/"
	if len(ref) > len(p) && ref[:len(p)] == p {
		return ref[len(p):]
	}
	return ""
}

// coercionTypes returns the single type a parameter value is coerced to
// and, for an array, its items' type, following $refs (a GitHub path
// parameter's schema is often a $ref to an integer component), single
// allOf members, and type lists with null (3.0 nullable, 3.1 type arrays).
func coercionTypes(s any, resolve func(string) (map[string]any, bool)) (typ, items string) {
	m := deref(s, resolve)
	typ = singleType(m)
	if typ == "array" {
		items = singleType(deref(m["items"], resolve))
	}
	return typ, items
}

// deref follows $refs and lone allOf members, at most a few hops.
func deref(s any, resolve func(string) (map[string]any, bool)) map[string]any {
	m, _ := s.(map[string]any)
	for range 8 {
		if m == nil {
			return nil
		}
		if ref, ok := m["$ref"].(string); ok {
			m, _ = resolve(ref)
			continue
		}
		if all, ok := m["allOf"].([]any); ok && len(all) == 1 && m["type"] == nil {
			m, _ = all[0].(map[string]any)
			continue
		}
		break
	}
	return m
}

// singleType is the type of a schema naming one type, or one besides null.
func singleType(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		out := ""
		for _, el := range t {
			if s, _ := el.(string); s != "null" {
				if out != "" {
					return ""
				}
				out = s
			}
		}
		return out
	}
	return ""
}

// gojsonschema exports no way to validate against part of a compiled
// schema. Schema.rootSchema and subSchema.allOf are read by reflection
// at these offsets (checked at init: a gojsonschema whose layout differs
// fails every test, not a request); the module is pinned in go.mod.
var (
	rootSchemaField = mustField(reflect.TypeOf(gojsonschema.Schema{}), "rootSchema", reflect.Pointer)
	allOfField      = mustField(rootSchemaField.Type.Elem(), "allOf", reflect.Slice)
)

func mustField(t reflect.Type, name string, kind reflect.Kind) reflect.StructField {
	f, ok := t.FieldByName(name)
	if !ok || f.Type.Kind() != kind {
		panic(fmt.Sprintf("gojsonschema: %s.%s is not a %s: update bundle.go for this version", t, name, kind))
	}
	return f
}

// allOfSchemas returns one Schema per allOf member of s's root, each
// sharing s's compiled tree: validating against one validates against
// that member alone, with the same errors and contexts.
func allOfSchemas(s *gojsonschema.Schema) ([]*gojsonschema.Schema, error) {
	rootPtr := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(s), rootSchemaField.Offset))
	if rootPtr == nil {
		return nil, fmt.Errorf("compiling schemas: no root")
	}
	members := reflect.NewAt(allOfField.Type, unsafe.Add(rootPtr, allOfField.Offset)).Elem()
	out := make([]*gojsonschema.Schema, members.Len())
	for i := range out {
		cp := *s
		*(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(&cp), rootSchemaField.Offset)) = members.Index(i).UnsafePointer()
		out[i] = &cp
	}
	return out, nil
}
