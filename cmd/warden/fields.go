package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/pkg/schema"
)

// The field table of a plugin page: one row per config field.

// walkFields appends a row per field of the record f, whose Go type is t,
// then the rows of nested records.
func walkFields(rows *[]docRow, docs *docIndex, prefix string, f schema.Field, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var prevDoc, prevGo, prevKey string
	for _, nf := range f.Fields {
		sf, ok := structField(t, nf.Name)
		if !ok {
			return fmt.Errorf("%s: no field for %q", t, nf.Name)
		}
		path := nf.Name
		if prefix != "" {
			path = prefix + "." + nf.Name
		}
		doc, err := docs.field(t, sf.Name)
		if err != nil {
			return err
		}
		goName, key := sf.Name, nf.Name
		if doc == "" && prevGo != "" && strings.Contains(prevDoc, sf.Name) {
			// "IPAllow lists ...; IPDeny ..." documents the next field too.
			doc, goName, key = prevDoc, prevGo, prevKey
		} else {
			prevDoc, prevGo, prevKey = doc, sf.Name, nf.Name
		}
		fd := nf.Field
		desc := fd.Description
		if desc == "" {
			desc = goDoc(doc, goName, key, t)
		}
		*rows = append(*rows, docRow{path: path, typ: typeName(fd, sf.Type), def: defaultText(fd), constraints: constraints(fd), desc: desc})
		ft := sf.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case fd.Type == "record":
			if err := walkFields(rows, docs, path, fd, ft); err != nil {
				return err
			}
		case (fd.Type == "array" || fd.Type == "set") && fd.Elements.Type == "record":
			if err := walkFields(rows, docs, path+"[]", *fd.Elements, ft.Elem()); err != nil {
				return err
			}
		case fd.Type == "map" && fd.Values.Type == "record":
			if err := walkFields(rows, docs, path+".*", *fd.Values, ft.Elem()); err != nil {
				return err
			}
		}
	}
	return nil
}

func structField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if n, ok := schema.JSONName(sf); ok && n == name && sf.IsExported() {
			return sf, true
		}
	}
	return reflect.StructField{}, false
}

func typeName(f schema.Field, t reflect.Type) string {
	switch f.Type {
	case "array", "set":
		return f.Type + " of " + typeName(*f.Elements, nil)
	case "map":
		return "map of string to " + typeName(*f.Values, nil)
	case "record":
		if t != nil && t.Kind() == reflect.Pointer {
			return "record (optional)"
		}
	}
	return f.Type
}

func defaultText(f schema.Field) string {
	if f.Default == nil || f.Type == "record" {
		return ""
	}
	b, err := json.Marshal(f.Default)
	if err != nil {
		return ""
	}
	return "`" + strings.ReplaceAll(string(b), "|", `\|`) + "`"
}

// constraints lists the schema's checks on a field in words.
func constraints(f schema.Field) string {
	var out []string
	if f.IsRequired() && f.Default == nil && f.Type != "record" {
		out = append(out, "required")
	}
	out = append(out, scalarConstraints(f)...)
	if f.Elements != nil {
		for _, c := range scalarConstraints(*f.Elements) {
			out = append(out, "each "+c)
		}
		if f.Elements.Referenceable {
			out = append(out, "each may be a vault reference")
		}
	}
	if f.Values != nil {
		for _, c := range scalarConstraints(*f.Values) {
			out = append(out, "each value "+c)
		}
	}
	if f.Type == "set" {
		out = append(out, "duplicates dropped")
	}
	if f.Referenceable {
		out = append(out, "may be a vault reference (`{vault://env/NAME}`)")
	}
	if f.Encrypted {
		out = append(out, "encrypted at rest by Kong (keyring)")
	}
	return strings.Join(out, "; ")
}

func scalarConstraints(f schema.Field) []string {
	var out []string
	if len(f.OneOf) > 0 {
		vals := make([]string, len(f.OneOf))
		for i, v := range f.OneOf {
			vals[i] = "`" + fmt.Sprint(v) + "`"
		}
		out = append(out, "one of "+strings.Join(vals, ", "))
	}
	if len(f.Between) == 2 {
		out = append(out, fmt.Sprintf("%s to %s", num(f.Between[0]), num(f.Between[1])))
	}
	if f.Gt != nil {
		out = append(out, "greater than "+num(*f.Gt))
	}
	what := "length"
	if f.Type == "array" || f.Type == "set" || f.Type == "map" {
		what = "entries"
	}
	switch {
	case f.LenMin != nil && f.LenMax != nil:
		out = append(out, fmt.Sprintf("%s %d to %d", what, *f.LenMin, *f.LenMax))
	case f.LenMin != nil:
		out = append(out, fmt.Sprintf("%s at least %d", what, *f.LenMin))
	case f.LenMax != nil:
		out = append(out, fmt.Sprintf("%s at most %d", what, *f.LenMax))
	}
	if f.Match != "" {
		out = append(out, "matches Lua pattern `"+f.Match+"`")
	}
	if f.UUID {
		out = append(out, "a UUID")
	}
	return out
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// cell makes text safe inside a Markdown table cell: one line, pipes
// escaped, and outside code spans no emphasis from * and no HTML from <.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	code := false
	for _, r := range s {
		switch {
		case r == '`':
			code = !code
		case r == '|':
			b.WriteByte('\\')
		case !code && r == '*':
			b.WriteByte('\\')
		case !code && r == '<':
			b.WriteString("&lt;")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goDoc turns a Go field comment ("Cost is the units ...") into a
// description naming config keys ("`cost` is the units ..."): the
// documented field goName at the start, and any field of t by its Go
// name elsewhere.
func goDoc(doc, goName, key string, t reflect.Type) string {
	doc = strings.Join(strings.Fields(doc), " ")
	if rest, ok := strings.CutPrefix(doc, goName+" "); ok {
		doc = "`" + key + "` " + rest
	}
	words := strings.Split(doc, " ")
	for i, w := range words {
		core := strings.TrimRight(w, ".,;:)")
		if i == 0 || core == "" || core[0] < 'A' || core[0] > 'Z' {
			continue
		}
		if sf, ok := t.FieldByName(core); ok {
			if name, ok := schema.JSONName(sf); ok && name != "" {
				words[i] = "`" + name + "`" + w[len(core):]
			}
		}
	}
	return strings.Join(words, " ")
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

type docRow struct{ path, typ, def, constraints, desc string }
