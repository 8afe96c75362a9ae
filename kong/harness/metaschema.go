package harness

// Plugin schema checks after kong/db/schema/metaschema.lua (MetaSubSchema and
// check_field): the dump's schema is a table with "name" and a "fields" array
// of one-key maps; each field has a known "type", only the attributes the
// metaschema knows, the attributes its type requires (elements, keys/values,
// fields), and type-restricted attributes only on the right types.

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/yuin/gopher-lua/pm"
)

// knownAttrs is field_schema plus the validators in metaschema.lua. A value of
// false marks attributes Kong knows but the harness cannot honour.
var knownAttrs = map[string]bool{
	"type": true, "required": true, "reference": true, "description": true, "examples": true,
	"auto": true, "unique": true, "unique_across_ws": true, "on_delete": true, "default": true,
	"abstract": true, "generate_admin_api": true, "immutable": true, "err": true,
	"encrypted": true, "referenceable": true, "transient": true, "deprecation": true,
	"between": true, "eq": true, "ne": true, "gt": true, "len_eq": true, "len_min": true,
	"len_max": true, "match": true, "not_match": true, "match_all": true, "match_none": true,
	"match_any": true, "starts_with": true, "one_of": true, "not_one_of": true,
	"contains": true, "is_regex": true, "timestamp": true, "uuid": true,
	"mutually_exclusive_subsets": true, "elements": true, "keys": true, "values": true,
	"fields": true, "entity_checks": true, "nilable": true,
	"json_schema": false, "custom_validator": false, "shorthand_fields": false,
}

// validTypes is Schema.valid_types (kong/db/schema/init.lua) minus "function".
var validTypes = map[string]bool{
	"array": true, "set": true, "string": true, "number": true, "boolean": true,
	"integer": true, "foreign": true, "map": true, "record": true, "json": true,
}

// requiredAttrs is required_attributes in metaschema.lua.
var requiredAttrs = map[string][]string{
	"array": {"elements"}, "set": {"elements"}, "map": {"keys", "values"}, "record": {"fields"}, "json": {"json_schema"},
}

// attrTypes is attribute_types in metaschema.lua.
var attrTypes = map[string][]string{
	"between":          {"integer", "number"},
	"len_eq":           {"array", "set", "string", "map"},
	"match":            {"string"},
	"one_of":           {"string", "number", "integer"},
	"contains":         {"array", "set"},
	"is_regex":         {"string"},
	"timestamp":        {"number", "integer"},
	"uuid":             {"string"},
	"unique":           {"string", "number", "integer", "foreign"},
	"unique_across_ws": {"string", "number", "integer", "foreign"},
	"abstract":         {"string", "number", "integer", "record", "array", "set", "map"},
	"json_schema":      {"json"},
	"transient":        {"string", "number", "integer", "array", "set", "boolean"},
}

// supportedEntityChecks are the entity checks the harness evaluates.
var supportedEntityChecks = map[string]bool{
	"at_least_one_of": true, "only_one_of": true, "mutually_required": true,
	"mutually_exclusive": true, "distinct": true, "conditional": true,
}

// topLevelAttrs are MetaSubSchema's fields.
var topLevelAttrs = map[string]bool{"name": true, "fields": true, "entity_checks": true, "shorthand_fields": false, "transformations": false, "check": false}

// validateMetaSchema checks a plugin schema the way MetaSubSchema:validate does,
// and rejects what the harness cannot reproduce, naming it.
func validateMetaSchema(schema map[string]any) error {
	var errs []error
	keys := sortedKeys(schema)
	for _, k := range keys {
		ok, known := topLevelAttrs[k]
		switch {
		case !known:
			errs = append(errs, schemaDefErr(k, "unknown field"))
		case !ok:
			errs = append(errs, schemaDefErr(k, "%v", ErrUnsupported))
		}
	}
	if _, ok := schema["name"].(string); !ok {
		errs = append(errs, schemaDefErr("name", "required field missing"))
	}
	fields, ok := schema["fields"].([]any)
	if !ok {
		errs = append(errs, schemaDefErr("fields", "'fields' must be a table"))
		return errors.Join(errs...)
	}
	hasConfig := false
	for i, item := range fields {
		m, ok := item.(map[string]any)
		if !ok || len(m) != 1 {
			errs = append(errs, schemaDefErr(fmt.Sprintf("fields[%d]", i+1), "each entry in fields must be a sub-table with exactly one key"))
			continue
		}
		for name, def := range m {
			if name == "config" {
				hasConfig = true
				if d, ok := def.(map[string]any); !ok || d["type"] != "record" {
					errs = append(errs, schemaDefErr("config", "must be a record"))
				}
			}
			errs = append(errs, checkFieldDef(name, def)...)
		}
	}
	if !hasConfig {
		// kong/db/schema/entities/plugins.lua declares config abstract; a
		// subschema that does not specialize it fails Entity.new_subschema.
		errs = append(errs, schemaDefErr("config", "error in schema definition: abstract field was not specialized"))
	}
	return errors.Join(errs...)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkFieldDef is check_field in metaschema.lua plus attribute-name checks.
func checkFieldDef(path string, def any) []error {
	m, ok := def.(map[string]any)
	if !ok {
		return []error{schemaDefErr(path, "'%s' must be a table", path)}
	}
	var errs []error
	typ, _ := m["type"].(string)
	if typ == "" {
		return []error{schemaDefErr(path, "missing type declaration")}
	}
	if !validTypes[typ] {
		errs = append(errs, schemaDefErr(path+".type", "expected one of: %s", strings.Join(sortedSet(validTypes), ", ")))
	}
	if typ == "foreign" || typ == "json" {
		errs = append(errs, schemaDefErr(path, "field type %q is %v in plugin configs", typ, ErrUnsupported))
	}
	for _, attr := range sortedKeys(m) {
		ok, known := knownAttrs[attr]
		switch {
		case !known:
			errs = append(errs, schemaDefErr(path+"."+attr, "unknown field"))
		case !ok:
			errs = append(errs, schemaDefErr(path+"."+attr, "attribute is %v", ErrUnsupported))
		}
		if types, restricted := attrTypes[attr]; restricted && !contains(types, typ) {
			errs = append(errs, schemaDefErr(path, "field of type '%s' cannot have attribute '%s'", typ, attr))
		}
	}
	abstractRecord := typ == "record" && m["abstract"] == true
	if !abstractRecord {
		for _, req := range requiredAttrs[typ] {
			if m[req] == nil {
				errs = append(errs, schemaDefErr(path, "field of type '%s' must declare '%s'", typ, req))
			}
		}
	}
	for _, nested := range []string{"elements", "keys", "values"} {
		if sub, ok := m[nested]; ok {
			errs = append(errs, checkFieldDef(path+"."+nested, sub)...)
		}
	}
	if fs, ok := m["fields"]; ok {
		arr, ok := fs.([]any)
		if !ok {
			errs = append(errs, schemaDefErr(path+".fields", "'fields' must be a table"))
		}
		for i, item := range arr {
			im, ok := item.(map[string]any)
			if !ok || len(im) != 1 {
				errs = append(errs, schemaDefErr(fmt.Sprintf("%s.fields[%d]", path, i+1), "each entry in fields must be a sub-table with exactly one key"))
				continue
			}
			for name, sub := range im {
				errs = append(errs, checkFieldDef(path+"."+name, sub)...)
			}
		}
	}
	if ec, ok := m["entity_checks"]; ok {
		arr, _ := ec.([]any)
		for i, c := range arr {
			cm, _ := c.(map[string]any)
			for name := range cm {
				if !supportedEntityChecks[name] {
					errs = append(errs, schemaDefErr(fmt.Sprintf("%s.entity_checks[%d].%s", path, i+1, name), "entity check is %v", ErrUnsupported))
				}
			}
		}
	}
	return errs
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// parseRecord turns a record definition (a map with "fields") into a field.
func parseRecord(name string, def map[string]any) (*field, error) {
	f := &field{name: name, typ: "record"}
	if err := applyAttrs(f, def); err != nil {
		return nil, err
	}
	f.typ = "record"
	return f, nil
}

func parseField(name string, def any) (*field, error) {
	m, ok := def.(map[string]any)
	if !ok {
		return nil, schemaDefErr(name, "must be a table")
	}
	f := &field{name: name}
	if err := applyAttrs(f, m); err != nil {
		return nil, err
	}
	return f, nil
}

func num(path string, v any) (float64, error) {
	switch t := v.(type) {
	case float64:
		return t, nil
	case int:
		return float64(t), nil
	}
	return 0, schemaDefErr(path, "expected a number")
}

func intPtr(path string, v any) (*int, error) {
	n, err := num(path, v)
	if err != nil {
		return nil, err
	}
	i := int(n)
	return &i, nil
}

// applyAttrs reads a field definition's attributes into f.
func applyAttrs(f *field, m map[string]any) error {
	var err error
	for _, k := range sortedKeys(m) {
		v := m[k]
		p := f.name + "." + k
		switch k {
		case "type":
			f.typ, _ = v.(string)
		case "required":
			f.required, _ = v.(bool)
			f.requiredSet = v != nil
		case "default":
			f.hasDefault, f.def = true, deepCopy(v)
			if v == nil {
				f.hasDefault = false
			}
		case "referenceable":
			f.referenceable, _ = v.(bool)
		case "encrypted":
			f.encrypted, _ = v.(bool)
		case "err":
			f.err, _ = v.(string)
		case "eq":
			f.hasEq, f.eq = true, deepCopy(v)
		case "ne":
			f.hasNe, f.ne = true, deepCopy(v)
		case "one_of":
			arr, _ := deepCopy(v).([]any)
			f.oneOf = append([]any{}, arr...)
		case "not_one_of":
			arr, _ := deepCopy(v).([]any)
			f.notOneOf = append([]any{}, arr...)
		case "gt":
			n, e := num(p, v)
			if e != nil {
				return e
			}
			f.gt = &n
		case "between":
			arr, _ := v.([]any)
			if len(arr) != 2 {
				return schemaDefErr(p, "length must be 2")
			}
			lo, e1 := num(p, arr[0])
			hi, e2 := num(p, arr[1])
			if e1 != nil || e2 != nil {
				return schemaDefErr(p, "expected numbers")
			}
			f.between = []float64{lo, hi}
		case "len_eq":
			if f.lenEq, err = intPtr(p, v); err != nil {
				return err
			}
		case "len_min":
			if f.lenMin, err = intPtr(p, v); err != nil {
				return err
			}
		case "len_max":
			if f.lenMax, err = intPtr(p, v); err != nil {
				return err
			}
		case "match", "not_match", "starts_with":
			s, ok := v.(string)
			if !ok {
				return schemaDefErr(p, "expected a string")
			}
			if k != "starts_with" {
				if _, e := pm.Find(s, []byte(""), 0, 1); e != nil {
					return schemaDefErr(p, "invalid Lua pattern %q: %v", s, e)
				}
			}
			switch k {
			case "match":
				f.match = &s
			case "not_match":
				f.notMatch = &s
			default:
				f.startsWith = &s
			}
		case "match_all", "match_none":
			arr, _ := v.([]any)
			var rules []matchRule
			for _, e := range arr {
				em, _ := e.(map[string]any)
				pat, ok1 := em["pattern"].(string)
				msg, ok2 := em["err"].(string)
				if !ok1 || !ok2 {
					return schemaDefErr(p, "each entry needs a string pattern and err")
				}
				rules = append(rules, matchRule{pattern: pat, err: msg})
			}
			if k == "match_all" {
				f.matchAll = rules
			} else {
				f.matchNone = rules
			}
		case "match_any":
			mm, _ := v.(map[string]any)
			r := &matchAnyRule{}
			r.err, _ = mm["err"].(string)
			for _, e := range toStrings(mm["patterns"]) {
				r.patterns = append(r.patterns, e)
			}
			if len(r.patterns) == 0 || r.err == "" {
				return schemaDefErr(p, "needs patterns and err")
			}
			f.matchAny = r
		case "uuid":
			f.uuid, _ = v.(bool)
		case "timestamp":
			f.timestamp, _ = v.(bool)
		case "contains":
			f.hasContains, f.contains = true, deepCopy(v)
		case "mutually_exclusive_subsets":
			arr, _ := v.([]any)
			for _, e := range arr {
				f.mutExclSubsets = append(f.mutExclSubsets, toStrings(e))
			}
		case "elements", "keys", "values":
			sub, e := parseField(f.name, v)
			if e != nil {
				return e
			}
			switch k {
			case "elements":
				f.elements = sub
			case "keys":
				f.keys = sub
			default:
				f.values = sub
			}
		case "fields":
			arr, _ := v.([]any)
			for _, item := range arr {
				im, _ := item.(map[string]any)
				for name, def := range im {
					sub, e := parseField(name, def)
					if e != nil {
						return e
					}
					f.fields = append(f.fields, sub)
				}
			}
		case "entity_checks":
			arr, _ := v.([]any)
			for _, c := range arr {
				if cm, ok := c.(map[string]any); ok {
					f.entityChecks = append(f.entityChecks, cm)
				}
			}
		}
	}
	return nil
}

// luaMatch reports whether string.match(s, pattern) finds a match, using
// gopher-lua's implementation of Lua 5.1 patterns (what Kong's LuaJIT uses).
func luaMatch(s, pattern string) bool {
	m, err := pm.Find(pattern, []byte(s), 0, 1)
	return err == nil && len(m) > 0
}
