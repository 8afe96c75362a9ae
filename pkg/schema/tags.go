package schema

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// applyTags reads the `kong`, `match` and `desc` tags of a struct field into
// its declaration, refusing attributes MetaSubSchema would refuse for the
// field's type (kong/db/schema/metaschema.lua attribute_types).
func applyTags(f *Field, sf reflect.StructField, path string) error {
	if d := sf.Tag.Get("desc"); d != "" {
		if n := len(d); n < 10 || n > 500 {
			// metaschema.lua: description = { len_min = 10, len_max = 500 }
			return fmt.Errorf("schema: %s: description must be 10 to 500 characters, is %d", path, n)
		}
		f.Description = d
	}
	if m := sf.Tag.Get("match"); m != "" {
		if f.Type != "string" {
			return fmt.Errorf("schema: %s: match applies to strings, not %s", path, f.Type)
		}
		f.Match = m
	}
	tag := sf.Tag.Get("kong")
	if tag == "" {
		return nil
	}
	for _, item := range strings.Split(tag, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(item), "=")
		if err := applyTag(f, key, val); err != nil {
			return fmt.Errorf("schema: %s: kong tag %q: %w", path, item, err)
		}
	}
	return nil
}

func applyTag(f *Field, key, val string) error {
	switch key {
	case "required":
		f.Required = flag(true)
	case "referenceable":
		if f.Type != "string" && !(f.Type == "array" && f.Elements.Type == "string") {
			return fmt.Errorf("referenceable applies to strings and string arrays")
		}
		f.Referenceable = true
		if f.Type == "array" {
			f.Referenceable = false
			f.Elements.Referenceable = true
		}
	case "encrypted":
		f.Encrypted = true
	case "uuid":
		if f.Type != "string" {
			return fmt.Errorf("uuid applies to strings")
		}
		f.UUID = true
	case "set":
		if f.Type != "array" {
			return fmt.Errorf("set applies to slices")
		}
		f.Type = "set"
	case "one_of":
		target := f
		if f.Type == "array" || f.Type == "set" {
			target = f.Elements
		}
		if target.Type != "string" && target.Type != "integer" && target.Type != "number" {
			return fmt.Errorf("one_of applies to strings and numbers")
		}
		for _, s := range strings.Split(val, "|") {
			v, err := scalar(target.Type, s)
			if err != nil {
				return err
			}
			target.OneOf = append(target.OneOf, v)
		}
	case "between":
		if f.Type != "integer" && f.Type != "number" {
			return fmt.Errorf("between applies to numbers")
		}
		lo, hi, ok := strings.Cut(val, ":")
		a, err1 := strconv.ParseFloat(lo, 64)
		b, err2 := strconv.ParseFloat(hi, 64)
		if !ok || err1 != nil || err2 != nil || a > b {
			return fmt.Errorf("between wants min:max")
		}
		f.Between = []float64{a, b}
	case "gt":
		if f.Type != "integer" && f.Type != "number" {
			return fmt.Errorf("gt applies to numbers")
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return err
		}
		f.Gt = &v
	case "len_min", "len_max":
		if f.Type != "string" && f.Type != "array" && f.Type != "set" && f.Type != "map" {
			return fmt.Errorf("%s applies to strings and collections", key)
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return fmt.Errorf("%s wants a count", key)
		}
		if key == "len_min" {
			f.LenMin = &n
		} else {
			f.LenMax = &n
		}
	case "elem_len_min":
		if f.Elements == nil || f.Elements.Type != "string" {
			return fmt.Errorf("elem_len_min applies to string slices")
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return fmt.Errorf("elem_len_min wants a count")
		}
		f.Elements.LenMin = &n
	default:
		return fmt.Errorf("unknown attribute")
	}
	return nil
}

func scalar(typ, s string) (any, error) {
	switch typ {
	case "integer":
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err
	case "number":
		n, err := strconv.ParseFloat(s, 64)
		return n, err
	}
	return s, nil
}
