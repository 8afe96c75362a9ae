package schema

// Walk calls fn for every field of the record rec and of the records
// nested in it, depth first in declaration order, with the field's path:
// "a.b" is field b of record a, "a[].b" a field of the records in array
// (or set) a, "a.*.b" a field of the records in map a. The path is how
// docs/plugins names a field.
func Walk(rec Field, fn func(path string, f Field)) {
	walk(rec, "", fn)
}

func walk(rec Field, prefix string, fn func(path string, f Field)) {
	for _, nf := range rec.Fields {
		path := joinPath(prefix, nf.Name)
		f := nf.Field
		fn(path, f)
		switch {
		case f.Type == "record":
			walk(f, path, fn)
		case f.Elements != nil && f.Elements.Type == "record":
			walk(*f.Elements, path+"[]", fn)
		case f.Values != nil && f.Values.Type == "record":
			walk(*f.Values, path+".*", fn)
		}
	}
}

// IsOptionalRecord reports whether the field is a record that may be
// absent (a pointer-to-struct field): it says `required: false`.
func (f Field) IsOptionalRecord() bool {
	return f.Type == "record" && f.Required != nil && !*f.Required
}
