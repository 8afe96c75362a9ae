// Package schema writes a plugin's configuration schema in Kong's schema
// language, derived from the plugin's Go config struct.
//
// Kong uses the schema a plugin server dumps as the plugin's Lua schema after
// validating it with MetaSchema.MetaSubSchema (kong/db/schema/plugin_loader.lua,
// kong/db/schema/metaschema.lua). go-pdk's own dump (server/rpc.go
// getSchemaDict) emits types only; this package adds what Kong's Admin API
// needs to fill defaults and reject bad configs before they reach us.
//
// Field names come from `json` tags, constraints from `kong` tags and
// descriptions from `desc` tags:
//
//	Algorithms []string `json:"algorithms" kong:"required,len_min=1" desc:"Allowed JWT signing algorithms."`
//	Secret     string   `json:"secret" kong:"referenceable,encrypted"`
//	Mode       string   `json:"mode" kong:"one_of=block|log_only"`
//	TimeoutMS  int      `json:"timeout_ms" kong:"between=1:60000"`
//	Pattern    string   `json:"pattern" match:"^[%w_]+$"`
//
// Defaults come from the config type itself: a struct type with a
// SetDefaults method is instantiated, defaulted, and every field left
// non-zero becomes that field's `default`. A struct-valued field becomes a
// required record defaulted to {} (so Kong fills its subfields); a
// pointer-to-struct field is an optional record, and says `required: false`:
// Kong's Entity.new_subschema (kong/db/schema/entity.lua make_records_required)
// makes every nested record that does not say `required` required, and
// handle_missing_field (kong/db/schema/init.lua) then fills a missing one in
// with its defaults, switching on a feature nobody configured.
package schema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Defaulter is implemented by config structs (pointer receiver) that have
// default values. It must only assign fields, never read them.
type Defaulter interface {
	SetDefaults()
}

// Field is one field declaration in Kong's schema language. Only attributes
// that MetaSubSchema accepts for the field's type are ever set.
type Field struct {
	Type          string       `json:"type"`
	Required      *bool        `json:"required,omitempty"`
	Default       any          `json:"default,omitempty"`
	Description   string       `json:"description,omitempty"`
	Referenceable bool         `json:"referenceable,omitempty"`
	Encrypted     bool         `json:"encrypted,omitempty"`
	OneOf         []any        `json:"one_of,omitempty"`
	Between       []float64    `json:"between,omitempty"`
	Gt            *float64     `json:"gt,omitempty"`
	LenMin        *int         `json:"len_min,omitempty"`
	LenMax        *int         `json:"len_max,omitempty"`
	Match         string       `json:"match,omitempty"`
	UUID          bool         `json:"uuid,omitempty"`
	Elements      *Field       `json:"elements,omitempty"`
	Keys          *Field       `json:"keys,omitempty"`
	Values        *Field       `json:"values,omitempty"`
	Fields        []NamedField `json:"fields,omitempty"`
}

// NamedField is one entry of a record's `fields` array: a one-key map from
// the field name to its declaration, as Kong's schema language requires.
type NamedField struct {
	Name  string
	Field Field
}

// MarshalJSON writes the entry as Kong expects: {"name": {...}}.
func (nf NamedField) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]Field{nf.Name: nf.Field})
}

// UnmarshalJSON reads a one-key map entry.
func (nf *NamedField) UnmarshalJSON(b []byte) error {
	var m map[string]Field
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if len(m) != 1 {
		return fmt.Errorf("schema: field entry must have exactly one key, has %d", len(m))
	}
	for k, v := range m {
		nf.Name, nf.Field = k, v
	}
	return nil
}

// Plugin is the whole plugin schema Kong loads: the plugin name and a
// `config` record.
type Plugin struct {
	Name   string       `json:"name"`
	Fields []NamedField `json:"fields"`
}

// ForPlugin derives the schema of plugin name from its config struct type.
func ForPlugin(name string, config reflect.Type) (Plugin, error) {
	for config.Kind() == reflect.Pointer {
		config = config.Elem()
	}
	if config.Kind() != reflect.Struct {
		return Plugin{}, fmt.Errorf("schema: config type %s is not a struct", config)
	}
	rec, err := recordOf(config, "config")
	if err != nil {
		return Plugin{}, err
	}
	rec.Required = flag(true)
	rec.Default = nil
	return Plugin{Name: name, Fields: []NamedField{{Name: "config", Field: rec}}}, nil
}

// Derive returns the record declaration for a config struct type.
func Derive(t reflect.Type) (Field, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return recordOf(t, "")
}

func recordOf(t reflect.Type, path string) (Field, error) {
	defaults := reflect.New(t)
	if d, ok := defaults.Interface().(Defaulter); ok {
		d.SetDefaults()
	}
	rec := Field{Type: "record", Fields: []NamedField{}}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, ok := JSONName(sf)
		if !ok {
			continue
		}
		fpath := joinPath(path, name)
		if name == "" {
			return Field{}, fmt.Errorf("schema: %s.%s needs a json tag with a name", t, sf.Name)
		}
		f, err := fieldOf(sf.Type, fpath)
		if err != nil {
			return Field{}, err
		}
		if err := applyTags(&f, sf, fpath); err != nil {
			return Field{}, err
		}
		if dv := defaults.Elem().Field(i); !dv.IsZero() && f.Type != "record" {
			f.Default = jsonValue(dv)
		}
		rec.Fields = append(rec.Fields, NamedField{Name: name, Field: f})
	}
	return rec, nil
}

func fieldOf(t reflect.Type, path string) (Field, error) {
	optional := false
	if t.Kind() == reflect.Pointer {
		t, optional = t.Elem(), true
	}
	if t.PkgPath() == "time" && t.Name() == "Duration" {
		return Field{}, fmt.Errorf("schema: %s: time.Duration has no Kong type; use an integer with its unit in the name", path)
	}
	switch t.Kind() {
	case reflect.String:
		return Field{Type: "string"}, nil
	case reflect.Bool:
		return Field{Type: "boolean"}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return Field{Type: "integer"}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return Field{Type: "integer", Between: []float64{0, 1<<31 - 1}}, nil
	case reflect.Float32, reflect.Float64:
		return Field{Type: "number"}, nil
	case reflect.Slice:
		el, err := fieldOf(t.Elem(), path+"[]")
		if err != nil {
			return Field{}, err
		}
		if el.Type == "record" {
			el.Required, el.Default = nil, nil
		}
		return Field{Type: "array", Elements: &el}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return Field{}, fmt.Errorf("schema: %s: map keys must be strings", path)
		}
		v, err := fieldOf(t.Elem(), path+"{}")
		if err != nil {
			return Field{}, err
		}
		if v.Type == "record" {
			v.Required, v.Default = nil, nil
		}
		return Field{Type: "map", Keys: &Field{Type: "string"}, Values: &v}, nil
	case reflect.Struct:
		rec, err := recordOf(t, path)
		if err != nil {
			return Field{}, err
		}
		if optional {
			// Records in arrays and maps are left alone by
			// make_records_required (it walks record fields only), so the
			// caller clears this again for elements and values.
			rec.Required = flag(false)
			return rec, nil
		}
		// Kong materializes a required record from its default and then
		// fills the subfields' defaults (kong/db/schema/init.lua
		// adjust_field_for_context, handle_missing_field).
		rec.Required = flag(true)
		rec.Default = map[string]any{}
		return rec, nil
	}
	return Field{}, fmt.Errorf("schema: %s: type %s has no Kong type", path, t)
}

// IsRequired reports whether the field says `required: true`.
func (f Field) IsRequired() bool { return f.Required != nil && *f.Required }

func flag(b bool) *bool { return &b }

// JSONName returns the config key of a struct field from its json tag; ok
// is false for fields tagged "-". An untagged field has an empty name.
func JSONName(sf reflect.StructField) (name string, ok bool) {
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ = strings.Cut(tag, ",")
	return name, true
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// jsonValue turns a Go default into the plain JSON value Kong expects
// (slices as arrays, maps as objects), through encoding/json so json tags
// of nested structs apply.
func jsonValue(v reflect.Value) any {
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil
	}
	return out
}
