package harness

// Plugin configuration processing the way the Admin API and the DAO do it
// (kong/db/schema/init.lua): process_auto_fields in "insert" context (defaults,
// nulls), validate (types, validators, required, entity checks), then the
// "select" context the plugins iterator reads configs with (nulls and empty
// strings dropped, vault references resolved, "$refs" recorded).

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// field is one parsed schema field.
type field struct {
	name          string
	typ           string
	required      bool
	requiredSet   bool // the definition says `required` (true or false)
	hasDefault    bool
	def           any
	referenceable bool
	encrypted     bool
	err           string // custom "err" message

	elements, keys, values *field
	fields                 []*field // record
	entityChecks           []map[string]any

	eq, ne          any
	hasEq, hasNe    bool
	oneOf, notOneOf []any
	gt              *float64
	between         []float64
	lenEq           *int
	lenMin, lenMax  *int
	match, notMatch *string
	matchAll        []matchRule
	matchNone       []matchRule
	matchAny        *matchAnyRule
	startsWith      *string
	uuid, timestamp bool
	contains        any
	hasContains     bool
	mutExclSubsets  [][]string
}

type matchRule struct{ pattern, err string }

type matchAnyRule struct {
	patterns []string
	err      string
}

func (f *field) fieldByName(name string) *field {
	for _, sub := range f.fields {
		if sub.name == name {
			return sub
		}
	}
	return nil
}

// validation_errors in kong/db/schema/init.lua
const (
	errRequired = "required field missing"
	errUnknown  = "unknown field"
)

var typeErrors = map[string]string{
	"array":   "expected an array",
	"set":     "expected a set",
	"map":     "expected a map",
	"record":  "expected a record",
	"string":  "expected a string",
	"number":  "expected a number",
	"boolean": "expected a boolean",
	"integer": "expected an integer",
}

var uuidRe = regexp.MustCompile(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func isUUID(s string) bool { return len(s) == 36 && uuidRe.MatchString(s) }

// SchemaError is a rejected plugin configuration: Fields is the nested error
// table as Kong's Admin API returns it (record fields by name, array elements
// by 1-based index as strings, "@entity" for entity checks).
type SchemaError struct {
	Fields map[string]any
}

// Error lists the flattened errors, one per line, sorted.
func (e *SchemaError) Error() string {
	return "schema violation (" + strings.Join(e.Flatten(), "; ") + ")"
}

// Unwrap lets errors.Is(err, ErrSchema) match.
func (e *SchemaError) Unwrap() error { return ErrSchema }

// Flatten renders the nested errors as "config.rules[2].path: required field missing".
func (e *SchemaError) Flatten() []string {
	var out []string
	flattenErr("", e.Fields, &out)
	sort.Strings(out)
	return out
}

func flattenErr(prefix string, v any, out *[]string) {
	switch t := v.(type) {
	case string:
		*out = append(*out, prefix+": "+t)
	case []string: // @entity
		for _, s := range t {
			*out = append(*out, prefix+": "+s)
		}
	case map[string]any:
		for k, sub := range t {
			var p string
			switch {
			case k == "@entity":
				p = prefix
			case isIndex(k):
				p = prefix + "[" + k + "]"
			case prefix == "":
				p = k
			default:
				p = prefix + "." + k
			}
			if p == "" {
				p = "@entity"
			}
			flattenErr(p, sub, out)
		}
	}
}

func isIndex(k string) bool {
	_, err := strconv.Atoi(k)
	return err == nil && k != "" && k[0] != '-'
}

// ApplySchema processes a plugin's config like Kong's Admin API followed by the
// DAO read the plugins iterator does: fills defaults, validates, and resolves
// vault references in referenceable fields. schema is the plugin schema from
// -dump (its "config" field is used) or a bare record schema with "fields".
// The result is the config as the plugin server receives it (before Kong's
// __key__/__seq__ additions). A *SchemaError lists every field error.
func ApplySchema(schema map[string]any, config map[string]any, lookupEnv func(string) (string, bool)) (map[string]any, error) {
	rec, err := configRecord(schema)
	if err != nil {
		return nil, err
	}
	return applyRecord(rec, config, lookupEnv, nil)
}

// configRecord finds the "config" record of a plugin schema.
func configRecord(schema map[string]any) (*field, error) {
	if err := validateMetaSchema(schema); err != nil {
		return nil, err
	}
	top, err := parseRecord("", schema)
	if err != nil {
		return nil, err
	}
	makeRecordsRequired(top)
	if cfg := top.fieldByName("config"); cfg != nil {
		return cfg, nil
	}
	return top, nil
}

// makeRecordsRequired is make_records_required (kong/db/schema/entity.lua),
// which Entity.new_subschema runs on every plugin schema before Kong uses it:
// a record that does not say `required` becomes required, and so does every
// record among its fields (Schema.each_field walks record fields only, not
// array elements or map values). handleMissing then fills a missing required
// record in with its defaults, so its own required fields fail.
func makeRecordsRequired(f *field) {
	if !f.requiredSet {
		f.required = true
	}
	for _, sub := range f.fields {
		if sub.typ == "record" {
			makeRecordsRequired(sub)
		}
	}
}

func applyRecord(rec *field, config map[string]any, lookupEnv func(string) (string, bool), warn func(string)) (map[string]any, error) {
	if config == nil {
		config = map[string]any{}
	}
	inserted := processInsert(rec, deepCopy(config).(map[string]any))
	if errs := validateRecord(rec, inserted); errs != nil {
		return nil, &SchemaError{Fields: map[string]any{"config": errs}}
	}
	v := &vaultResolver{lookup: lookupEnv, warn: warn}
	return processSelect(rec, inserted, v), nil
}

// null is the JSON null Kong keeps for unset optional fields (ngx.null).
type nullT struct{}

var null = nullT{}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, e := range t {
			a[i] = deepCopy(e)
		}
		return a
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case nil:
		return null // a YAML/JSON null given explicitly is ngx.null
	}
	return v
}

// processInsert is process_auto_fields(data, "insert") for a record.
func processInsert(rec *field, data map[string]any) map[string]any {
	for _, f := range rec.fields {
		v, present := data[f.name]
		var val any
		if present {
			val = v
		}
		val = adjustInsert(f, val, present)
		if val == nil {
			delete(data, f.name)
		} else {
			data[f.name] = val
		}
	}
	return data
}

// adjustInsert is adjust_field_for_context for "insert". A nil return means
// the key stays absent.
func adjustInsert(f *field, v any, present bool) any {
	if !present {
		v = nil
	}
	if f.typ == "record" {
		// should_recurse_record: value ~= null and (value ~= nil or required)
		if v != null && (v != nil || f.required) {
			if v == nil {
				v = handleMissing(f)
			}
			if m, ok := v.(map[string]any); ok {
				return processInsert(f, m)
			}
		}
	} else {
		switch t := v.(type) {
		case []any:
			if f.typ == "set" {
				t = dedupe(t)
			}
			if f.elements != nil && (f.typ == "array" || f.typ == "set") {
				for i, e := range t {
					t[i] = adjustInsert(f.elements, e, true)
				}
			}
			v = t
		case map[string]any:
			if f.typ == "map" && f.values != nil {
				for k, e := range t {
					t[k] = adjustInsert(f.values, e, true)
				}
			}
		}
	}
	if v == nil {
		return handleMissing(f)
	}
	return v
}

// handleMissing is handle_missing_field.
func handleMissing(f *field) any {
	if f.hasDefault {
		return deepCopy(f.def)
	}
	if !f.required {
		return null
	}
	if f.typ == "record" {
		return processInsert(f, map[string]any{})
	}
	return nil
}

// dedupe is make_set: first occurrence wins, order kept.
func dedupe(in []any) []any {
	out := make([]any, 0, len(in))
	for _, v := range in {
		dup := false
		for _, o := range out {
			if fmt.Sprint(o) == fmt.Sprint(v) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// validateRecord is Schema:validate (full_check) for a record; nil when valid.
func validateRecord(rec *field, input map[string]any) map[string]any {
	errs := map[string]any{}
	keys := make([]string, 0, len(input))
	for k := range input {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := rec.fieldByName(k)
		if f == nil {
			errs[k] = errUnknown
			continue
		}
		if e := validateField(f, input[k]); e != nil {
			errs[k] = e
		}
	}
	for _, f := range rec.fields {
		if v, ok := input[f.name]; f.required && (!ok || v == null) {
			errs[f.name] = errRequired
		}
	}
	runEntityChecks(rec, input, errs)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// validateField is Schema:validate_field; it returns nil, a message, or a nested table.
func validateField(f *field, v any) any {
	if v == null {
		if f.hasNe && f.ne == nil {
			return orErr(f, "value must not be null")
		}
		if f.hasEq && f.eq != nil {
			return fmt.Sprintf("value must be %s", luaToString(f.eq))
		}
		if f.required {
			return errRequired
		}
		return nil
	}
	if f.hasEq && f.eq == nil {
		return orErr(f, "value must be null")
	}
	switch f.typ {
	case "array", "set":
		arr, ok := v.([]any)
		if !ok {
			return typeErrors[f.typ]
		}
		elemErrs := map[string]any{}
		for i, e := range arr {
			// validate_elements: field.elements.required = true
			ef := *f.elements
			ef.required = true
			if err := validateField(&ef, e); err != nil {
				elemErrs[strconv.Itoa(i+1)] = err
			}
		}
		if len(elemErrs) > 0 {
			return elemErrs
		}
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return typeErrors["map"]
		}
		ks := make([]string, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		kf, vf := *f.keys, *f.values
		kf.required, vf.required = true, true
		for _, k := range ks {
			if err := validateField(&kf, k); err != nil {
				return err
			}
			if err := validateField(&vf, m[k]); err != nil {
				return err
			}
		}
	case "record":
		m, ok := v.(map[string]any)
		if !ok {
			return typeErrors["record"]
		}
		copyM := processInsert(f, deepCopy(m).(map[string]any))
		if errs := validateRecord(f, copyM); errs != nil {
			return errs
		}
	case "integer":
		n, ok := v.(float64)
		if !ok || n != math.Floor(n) || math.IsInf(n, 0) {
			return typeErrors["integer"]
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return typeErrors["number"]
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return typeErrors["boolean"]
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			return typeErrors["string"]
		}
		if f.referenceable && isReference(s) {
			return nil
		}
	default:
		return fmt.Sprintf("invalid type: %s", f.typ)
	}
	if msg := runValidators(f, v); msg != "" {
		return orErr(f, msg)
	}
	return nil
}

func orErr(f *field, msg string) string {
	if f.err != "" {
		return f.err
	}
	return msg
}

// runValidators applies Schema.validators in Schema.validators_order.
func runValidators(f *field, v any) string {
	s, isStr := v.(string)
	n, isNum := v.(float64)
	if f.hasEq && !luaEqual(v, f.eq) {
		return "value must be " + luaToString(f.eq)
	}
	if f.hasNe && luaEqual(v, f.ne) {
		return "value must not be " + luaToString(v)
	}
	if f.notOneOf != nil {
		for _, o := range f.notOneOf {
			if luaEqual(v, o) {
				return "must not be one of: " + concatList(f.notOneOf)
			}
		}
	}
	if f.oneOf != nil {
		found := false
		for _, o := range f.oneOf {
			if luaEqual(v, o) {
				found = true
				break
			}
		}
		if !found {
			return "expected one of: " + concatList(f.oneOf)
		}
	}
	if f.gt != nil && isNum && !(n > *f.gt) {
		return "value must be greater than " + luaToString(*f.gt)
	}
	if f.timestamp && isNum && !(n > 0) {
		return "expected a valid timestamp"
	}
	if f.uuid && isStr && !isUUID(s) {
		return "expected a valid UUID"
	}
	if f.between != nil && isNum && (n < f.between[0] || n > f.between[1]) {
		return fmt.Sprintf("value should be between %d and %d", int64(f.between[0]), int64(f.between[1]))
	}
	length := luaLen(f, v)
	if f.lenEq != nil && length != *f.lenEq {
		return fmt.Sprintf("length must be %d", *f.lenEq)
	}
	lenMin := f.lenMin
	if f.typ == "string" && lenMin == nil {
		one := 1 // validate_field: strings get len_min = 1 unless set
		lenMin = &one
	}
	if lenMin != nil && length < *lenMin {
		return fmt.Sprintf("length must be at least %d", *lenMin)
	}
	if f.lenMax != nil && length > *f.lenMax {
		return fmt.Sprintf("length must be at most %d", *f.lenMax)
	}
	if f.startsWith != nil && isStr && !strings.HasPrefix(s, *f.startsWith) {
		return "should start with: " + *f.startsWith
	}
	if isStr {
		if f.notMatch != nil && luaMatch(s, *f.notMatch) {
			return "invalid value: " + s
		}
		for _, r := range f.matchNone {
			if luaMatch(s, r.pattern) {
				return r.err
			}
		}
		if f.match != nil && !luaMatch(s, *f.match) {
			return "invalid value: " + s
		}
		for _, r := range f.matchAll {
			if !luaMatch(s, r.pattern) {
				return r.err
			}
		}
		if f.matchAny != nil {
			ok := false
			for _, p := range f.matchAny.patterns {
				if luaMatch(s, p) {
					ok = true
					break
				}
			}
			if !ok {
				return f.matchAny.err
			}
		}
	}
	if f.hasContains {
		arr, _ := v.([]any)
		found := false
		for _, e := range arr {
			if luaEqual(e, f.contains) {
				found = true
				break
			}
		}
		if !found {
			return "expected to contain: " + luaToString(f.contains)
		}
	}
	if f.mutExclSubsets != nil {
		if msg := mutuallyExclusiveSubsets(v, f.mutExclSubsets); msg != "" {
			return msg
		}
	}
	return ""
}

func mutuallyExclusiveSubsets(v any, subsets [][]string) string {
	arr, _ := v.([]any)
	union := map[string]int{}
	for i, sub := range subsets {
		for _, e := range sub {
			union[e] = i
		}
	}
	var members []int
	seen := map[int]bool{}
	for _, e := range arr {
		s, _ := e.(string)
		if i, ok := union[s]; ok && !seen[i] {
			seen[i] = true
			members = append(members, i)
		}
	}
	if len(members) <= 1 {
		return ""
	}
	parts := make([]string, len(members))
	for j, i := range members {
		parts[j] = "(" + quotedList(subsets[i]) + ")"
	}
	return "these sets are mutually exclusive: " + strings.Join(parts, ", ")
}

// luaLen is make_length_validator's length: # for strings and arrays, key count for maps.
func luaLen(f *field, v any) int {
	switch t := v.(type) {
	case string:
		return len(t)
	case []any:
		return len(t)
	case map[string]any:
		if f.typ == "map" {
			return len(t)
		}
	}
	return 0
}

func luaEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// luaToString formats a scalar the way Lua's tostring does (%.14g for numbers).
func luaToString(v any) string {
	switch t := v.(type) {
	case nil, nullT:
		return "null"
	case float64:
		if t == math.Floor(t) && math.Abs(t) < 1e15 {
			return strconv.FormatInt(int64(t), 10)
		}
		return strconv.FormatFloat(t, 'g', 14, 64)
	case bool:
		return strconv.FormatBool(t)
	case string:
		return t
	}
	return fmt.Sprint(v)
}

func concatList(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = luaToString(v)
	}
	return strings.Join(parts, ", ")
}

func quotedList(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + w + "'"
	}
	return strings.Join(parts, ", ")
}

// isNonEmpty is is_nonempty in kong/db/schema/init.lua.
func isNonEmpty(v any) bool {
	switch t := v.(type) {
	case nil, nullT:
		return false
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	}
	return true
}

// runEntityChecks implements the entity checks the harness supports:
// at_least_one_of, only_one_of, mutually_required, mutually_exclusive,
// distinct, and conditional (with a then_match of validators). Others were
// rejected when the schema was parsed.
func runEntityChecks(rec *field, input map[string]any, errs map[string]any) {
	var entityErrs []string
	for _, check := range rec.entityChecks {
		for name, arg := range check {
			switch name {
			case "at_least_one_of", "only_one_of", "mutually_required", "mutually_exclusive", "distinct":
				names := toStrings(arg)
				// run_entity_check: only_one_of/distinct skip when a field is missing
				// and not run_with_missing_fields; all checks skip when all are nil
				// unless run_with_missing_fields and full_check.
				allNil, anyMissing := true, false
				for _, n := range names {
					if v, ok := input[n]; ok && v != nil {
						allNil = false
						if s, isStr := v.(string); isStr {
							if f := rec.fieldByName(n); f != nil && f.referenceable && isReference(s) {
								goto next
							}
						}
					} else {
						anyMissing = true
					}
				}
				if (name == "only_one_of" || name == "distinct") && anyMissing {
					for _, n := range names {
						if _, ok := input[n]; !ok {
							errs[n] = "field required for entity check"
						}
					}
					goto next
				}
				if allNil && name != "at_least_one_of" && name != "mutually_required" && name != "mutually_exclusive" {
					goto next
				}
				if msg := entityCheck(name, names, input); msg != "" {
					entityErrs = append(entityErrs, msg)
				}
			case "conditional":
				if msg := conditionalCheck(rec, arg, input, errs); msg != "" {
					entityErrs = append(entityErrs, msg)
				}
			}
		next:
		}
	}
	if len(entityErrs) > 0 {
		errs["@entity"] = entityErrs
	}
}

func entityCheck(name string, names []string, input map[string]any) string {
	count := 0
	for _, n := range names {
		if isNonEmpty(input[n]) {
			count++
		}
	}
	list := quotedList(names)
	switch name {
	case "at_least_one_of":
		if count == 0 {
			return "at least one of these fields must be non-empty: " + list
		}
	case "only_one_of":
		if count != 1 {
			return "exactly one of these fields must be non-empty: " + list
		}
	case "mutually_required":
		if count != 0 && count != len(names) {
			return "all or none of these fields must be set: " + list
		}
	case "mutually_exclusive":
		if count > 1 {
			return "only one or none of these fields must be set: " + list
		}
	case "distinct":
		seen := map[string]bool{}
		for _, n := range names {
			if v := input[n]; isNonEmpty(v) {
				k := fmt.Sprint(v)
				if seen[k] {
					return "values of these fields must be distinct: " + list
				}
				seen[k] = true
			}
		}
	}
	return ""
}

// conditionalCheck is the "conditional" entity checker.
func conditionalCheck(rec *field, arg any, input map[string]any, errs map[string]any) string {
	m, _ := arg.(map[string]any)
	ifName, _ := m["if_field"].(string)
	thenName, _ := m["then_field"].(string)
	ifF, thenF := rec.fieldByName(ifName), rec.fieldByName(thenName)
	if ifF == nil || thenF == nil {
		return ""
	}
	ifV, ok := input[ifName]
	if !ok {
		return ""
	}
	ifMatch, err := overlayField(ifF, m["if_match"])
	if err != nil || validateField(ifMatch, ifV) != nil {
		return ""
	}
	thenV, ok := input[thenName]
	if !ok {
		thenV = null
	}
	tm, _ := m["then_match"].(map[string]any)
	if req, _ := tm["required"].(bool); req && thenV == null {
		errs[thenName] = errRequired
		return fmt.Sprintf("failed conditional validation given value of field '%s'", ifName)
	}
	thenMatch, err := overlayField(thenF, m["then_match"])
	if err != nil {
		return ""
	}
	if e := validateField(thenMatch, thenV); e != nil {
		errs[thenName] = e
		if te, ok := m["then_err"].(string); ok {
			return strings.Replace(te, "%s", ifName, 1)
		}
		return fmt.Sprintf("failed conditional validation given value of field '%s'", ifName)
	}
	return ""
}

// overlayField builds the if_match/then_match field: its attributes with the
// schema field as the metatable __index.
func overlayField(base *field, attrs any) (*field, error) {
	m, _ := attrs.(map[string]any)
	f := *base
	f.required = false
	if err := applyAttrs(&f, m); err != nil {
		return nil, err
	}
	if r, ok := m["required"].(bool); ok {
		f.required = r
	}
	return &f, nil
}

func toStrings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// processSelect is process_auto_fields(data, "select") without nulls: it drops
// null values and empty strings, floors integers and resolves references in
// referenceable strings (and arrays/sets/maps of them), recording "$refs".
func processSelect(rec *field, data map[string]any, v *vaultResolver) map[string]any {
	out := map[string]any{}
	refs := map[string]any{}
	for _, f := range rec.fields {
		val, ok := data[f.name]
		if !ok || val == null {
			continue
		}
		switch f.typ {
		case "record":
			if m, ok := val.(map[string]any); ok {
				val = processSelect(f, m, v)
			}
		case "integer":
			if n, ok := val.(float64); ok {
				val = math.Floor(n)
			}
		case "string":
			if s, ok := val.(string); ok && f.referenceable && isReference(s) {
				refs[f.name] = s
				val = v.resolve(s)
			}
		case "array", "set":
			if arr, ok := val.([]any); ok && f.elements != nil {
				var sub []any
				for i, e := range arr {
					if s, ok := e.(string); ok && f.elements.typ == "string" && f.elements.referenceable && isReference(s) {
						if sub == nil {
							sub = make([]any, len(arr))
						}
						sub[i] = s
						arr[i] = v.resolve(s)
					} else if m, ok := e.(map[string]any); ok && f.elements.typ == "record" {
						arr[i] = processSelect(f.elements, m, v)
					}
				}
				if sub != nil {
					refs[f.name] = sub
				}
			}
		case "map":
			if m, ok := val.(map[string]any); ok && f.values != nil {
				sub := map[string]any{}
				for k, e := range m {
					if s, ok := e.(string); ok && f.values.typ == "string" && f.values.referenceable && isReference(s) {
						sub[k] = s
						m[k] = v.resolve(s)
					} else if r, ok := e.(map[string]any); ok && f.values.typ == "record" {
						m[k] = processSelect(f.values, r, v)
					}
				}
				if len(sub) > 0 {
					refs[f.name] = sub
				}
			}
		}
		// strings with len_min > 0 that are "" are dropped unless they came from a reference
		if s, ok := val.(string); ok && s == "" {
			if _, isRef := refs[f.name]; !isRef && (f.lenMin == nil || *f.lenMin > 0) {
				continue
			}
		}
		out[f.name] = val
	}
	if len(refs) > 0 {
		out["$refs"] = refs
	}
	return out
}

// errorsJoinSchema is a helper for parse errors.
func schemaDefErr(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMetaSchema, path, fmt.Sprintf(format, args...))
}

var _ = errors.New
