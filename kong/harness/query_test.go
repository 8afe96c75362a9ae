package harness

import (
	"reflect"
	"testing"
)

// TestQueryTable: kong.request.get_query decodes as nginx does, valid
// escapes decoded next to an invalid one that stays as sent.
func TestQueryTable(t *testing.T) {
	t.Parallel()
	got := queryTable("note=AKIA%51X%zz&flag&k=1&k=a+b&=x&&%6Eame=v", 100)
	want := map[string]any{"note": "AKIAQX%zz", "flag": true, "k": []any{"1", "a b"}, "name": "v"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("queryTable = %#v, want %#v", got, want)
	}
	if got := queryTable("a=1&b=2&c=3", 2); len(got) != 2 {
		t.Errorf("max 2: %v", got)
	}
}

// TestNgxArg: $arg_NAME is raw, found ignoring the name's case.
func TestNgxArg(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ raw, name, want string }{
		{"a=1&B=x%20y", "b", "x%20y"},
		{"flag&a=2&a=3", "a", "2"},
		{"xa=1", "a", ""},
		{"a", "a", ""},
	} {
		if got := ngxArg(tt.raw, tt.name); got != tt.want {
			t.Errorf("ngxArg(%q, %q) = %q, want %q", tt.raw, tt.name, got, tt.want)
		}
	}
}
