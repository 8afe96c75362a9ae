package harness

// Lua <-> google.protobuf.Value conversions of pb_rpc.lua (pb_unwrap and
// pb_wrap), quirks included:
//   - unwrap: `v.bool_value or v.string_value or ...` turns false into nil,
//     and a null (enum NullValue, decoded by lua-protobuf as its name) into
//     the string "NULL_VALUE";
//   - wrap: nil becomes null_value = 1, a table whose [1] is nil (including an
//     empty one) becomes a struct.

import (
	"sort"

	"google.golang.org/protobuf/types/known/structpb"
)

// unwrapValue is structpb_value in pb_unwrap.
func unwrapValue(v *structpb.Value) any {
	if v == nil {
		return nil
	}
	switch k := v.Kind.(type) {
	case *structpb.Value_ListValue:
		return unwrapList(k.ListValue)
	case *structpb.Value_StructValue:
		return unwrapStruct(k.StructValue)
	case *structpb.Value_BoolValue:
		if k.BoolValue {
			return true
		}
		return nil
	case *structpb.Value_StringValue:
		return k.StringValue
	case *structpb.Value_NumberValue:
		return k.NumberValue
	case *structpb.Value_NullValue:
		return "NULL_VALUE"
	}
	return nil
}

// unwrapList returns a Lua array; an empty one is an empty table, which the
// harness keeps as an empty map since Lua cannot tell them apart.
func unwrapList(l *structpb.ListValue) any {
	if l == nil || len(l.Values) == 0 {
		return map[string]any{}
	}
	out := make([]any, len(l.Values))
	for i, e := range l.Values {
		out[i] = unwrapValue(e)
	}
	return out
}

func unwrapStruct(s *structpb.Struct) map[string]any {
	out := map[string]any{}
	if s == nil {
		return out
	}
	for k, e := range s.Fields {
		if v := unwrapValue(e); v != nil {
			out[k] = v // a nil value does not exist in a Lua table
		}
	}
	return out
}

// wrapValue is structpb_value in pb_wrap.
func wrapValue(v any) *structpb.Value {
	switch t := v.(type) {
	case nil:
		return &structpb.Value{Kind: &structpb.Value_NullValue{NullValue: structpb.NullValue(1)}}
	case bool:
		return structpb.NewBoolValue(t)
	case float64:
		return structpb.NewNumberValue(t)
	case int:
		return structpb.NewNumberValue(float64(t))
	case string:
		return structpb.NewStringValue(t)
	case []any:
		if len(t) == 0 {
			return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{}})
		}
		return structpb.NewListValue(wrapList(t))
	case []string:
		l := make([]any, len(t))
		for i, s := range t {
			l[i] = s
		}
		return wrapValue(l)
	case map[string]any:
		return structpb.NewStructValue(wrapStruct(t))
	}
	return &structpb.Value{Kind: &structpb.Value_NullValue{NullValue: structpb.NullValue(1)}}
}

func wrapList(l []any) *structpb.ListValue {
	out := &structpb.ListValue{Values: make([]*structpb.Value, len(l))}
	for i, e := range l {
		out.Values[i] = wrapValue(e)
	}
	return out
}

func wrapStruct(m map[string]any) *structpb.Struct {
	out := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(m))}
	for k, e := range m {
		out.Fields[k] = wrapValue(e)
	}
	return out
}

// headersTable is ngx.req.get_headers()/ngx.resp.get_headers(): lower-case
// names, a string for one value, a list for several.
func headersTable(h map[string][]string, max int) map[string]any {
	out := map[string]any{}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	n := 0
	for _, k := range names {
		vs := h[k]
		if len(vs) == 0 {
			continue
		}
		lk := lower(k)
		for _, v := range vs {
			if max > 0 && n >= max {
				return out
			}
			n++
			switch cur := out[lk].(type) {
			case nil:
				out[lk] = v
			case string:
				out[lk] = []any{cur, v}
			case []any:
				out[lk] = append(cur, v)
			}
		}
	}
	return out
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
