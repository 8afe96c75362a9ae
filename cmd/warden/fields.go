package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/pkg/schema"
)

// The field table of a plugin page: one row per config field.

// fieldRows returns a row per field of the config record cfg and of the
// records nested in it, in declaration order.
func fieldRows(cfg schema.Field) []docRow {
	var rows []docRow
	schema.Walk(cfg, func(path string, f schema.Field) {
		rows = append(rows, docRow{path: path, typ: typeName(f), def: defaultText(f), constraints: constraints(f), desc: f.Description})
	})
	return rows
}

func typeName(f schema.Field) string {
	switch f.Type {
	case "array", "set":
		return f.Type + " of " + typeName(*f.Elements)
	case "map":
		return "map of string to " + typeName(*f.Values)
	case "record":
		if f.IsOptionalRecord() {
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

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

type docRow struct{ path, typ, def, constraints, desc string }
