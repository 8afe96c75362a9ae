// Package config decodes a plugin instance's configuration the way Caddy
// does it, as separate steps: decode, defaults, Validate. Compiling is the
// plugin's own step, done once per instance by the runtime.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/pkg/schema"
)

// Validator is implemented by config structs that check themselves. The
// returned error should name each field (see Errors).
type Validator interface {
	Validate() error
}

// Load decodes raw, the JSON config Kong sends to cmd_start_instance, into a
// new C with defaults applied, and validates it.
func Load[C any](raw []byte) (*C, error) {
	c := new(C)
	if err := Decode(raw, c); err != nil {
		return nil, err
	}
	if v, ok := any(c).(Validator); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// KongKeys are the keys Kong adds to the top level of every plugin config
// it hands to a plugin, besides those starting with "__" (__seq__,
// __plugin_id, __key__, __ws_id): kong/runloop/plugins_iterator.lua
// get_config.
var KongKeys = []string{"route_id", "service_id", "consumer_id", "plugin_instance_name"}

// RefsKey is where Kong keeps, in any record, the vault references it
// resolved: {"$refs": {"secret": "{vault://env/NAME}"}}.
const RefsKey = "$refs"

// Decode fills dst (a pointer to a struct) from raw JSON. Every struct is
// defaulted (schema.Defaulter) before the values present are applied; a
// JSON null keeps the default, as Kong sends null for unset fields. Keys
// Kong adds to every config (KongKeys and those starting with "__") are
// ignored at the top level; any other unknown key is an error naming it.
func Decode(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return &FieldError{Msg: "config is not valid JSON: " + err.Error()}
	}
	if dec.More() {
		return &FieldError{Msg: "config has trailing data after the JSON document"}
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: Decode wants a pointer to a struct, got %T", dst)
	}
	if m, ok := doc.(map[string]any); ok {
		for k := range m {
			if strings.HasPrefix(k, "__") || (slices.Contains(KongKeys, k) && !hasField(rv.Elem().Type(), k)) {
				delete(m, k)
			}
		}
	}
	var errs Errors
	if doc == nil {
		defaults(rv.Elem())
		return nil
	}
	assign(rv.Elem(), doc, "", &errs)
	return errs.Err()
}

func defaults(v reflect.Value) {
	if d, ok := v.Addr().Interface().(schema.Defaulter); ok {
		d.SetDefaults()
	}
}

func assign(v reflect.Value, in any, path string, errs *Errors) {
	if in == nil {
		if v.Kind() == reflect.Struct {
			defaults(v)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		assign(nv.Elem(), in, path, errs)
		v.Set(nv)
	case reflect.Struct:
		m, ok := in.(map[string]any)
		if !ok {
			errs.Add(path, "expected a record")
			return
		}
		defaults(v)
		assignStruct(v, m, path, errs)
	case reflect.String:
		s, ok := in.(string)
		if !ok {
			errs.Add(path, "expected a string")
			return
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := in.(bool)
		if !ok {
			errs.Add(path, "expected a boolean")
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		assignInt(v, in, path, errs)
	case reflect.Float32, reflect.Float64:
		n, ok := in.(json.Number)
		f, err := n.Float64()
		if !ok || err != nil {
			errs.Add(path, "expected a number")
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		list, ok := in.([]any)
		if !ok {
			// Kong's cjson encodes an empty Lua table as {} where no
			// array metatable is set.
			if m, isMap := in.(map[string]any); isMap && len(m) == 0 {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
				return
			}
			errs.Add(path, "expected an array")
			return
		}
		out := reflect.MakeSlice(v.Type(), len(list), len(list))
		for i, el := range list {
			assign(out.Index(i), el, fmt.Sprintf("%s[%d]", path, i), errs)
		}
		v.Set(out)
	case reflect.Map:
		m, ok := in.(map[string]any)
		if !ok {
			errs.Add(path, "expected a map")
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, el := range m {
			ev := reflect.New(v.Type().Elem()).Elem()
			assign(ev, el, joinPath(path, k), errs)
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(out)
	default:
		errs.Add(path, "unsupported config type %s", v.Type())
	}
}

func assignStruct(v reflect.Value, m map[string]any, path string, errs *Errors) {
	t := v.Type()
	seen := make(map[string]bool, len(m))
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, ok := schema.JSONName(sf)
		if !ok || name == "" {
			continue
		}
		raw, present := m[name]
		if !present {
			if sf.Type.Kind() == reflect.Struct {
				// A record Kong did not send is materialized from {},
				// as Kong does for a required record with default {}.
				assign(v.Field(i), map[string]any{}, joinPath(path, name), errs)
			}
			continue
		}
		seen[name] = true
		assign(v.Field(i), raw, joinPath(path, name), errs)
	}
	for k := range m {
		// Kong keeps the vault references it resolved in each record
		// under "$refs" (kong/db/schema/init.lua process_auto_fields).
		if !seen[k] && k != RefsKey {
			errs.Add(joinPath(path, k), "unknown field")
		}
	}
}

func assignInt(v reflect.Value, in any, path string, errs *Errors) {
	n, ok := in.(json.Number)
	if !ok {
		errs.Add(path, "expected an integer")
		return
	}
	// Kong's cjson may write integers as 1e+03 or 10.0; accept any number
	// with no fractional part.
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		errs.Add(path, "expected an integer")
		return
	}
	i := int64(f)
	if v.CanInt() {
		if v.OverflowInt(i) {
			errs.Add(path, "integer out of range")
			return
		}
		v.SetInt(i)
		return
	}
	if i < 0 || v.OverflowUint(uint64(i)) {
		errs.Add(path, "integer out of range")
		return
	}
	v.SetUint(uint64(i))
}

func hasField(t reflect.Type, name string) bool {
	for i := 0; i < t.NumField(); i++ {
		if n, ok := schema.JSONName(t.Field(i)); ok && n == name {
			return true
		}
	}
	return false
}
