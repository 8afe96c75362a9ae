package auth

import (
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/uri"
)

func TestStripQueryParam(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ raw, out string }{
		{"apikey=k", ""},
		{"a=1&apikey=k&b", "a=1&b"},
		{"apikey=k&x=1&apikey=j", "x=1"},
		{"%61pikey=k&a", "a"},                        // the decoded name is the one Kong reads
		{"apikeys=k&Apikey=k", "apikeys=k&Apikey=k"}, // names are exact
		{"a=1&&b=2&apikey", "a=1&&b=2"},              // a flag named like it goes too
	} {
		out, ok := stripQueryParam(tc.raw, "apikey")
		if out != tc.out || ok != (tc.raw != tc.out) {
			t.Errorf("strip(%q) = %q, %v, want %q", tc.raw, out, ok, tc.out)
		}
	}
}

// FuzzStripQuery: stripping leaves no pair of that name, keeps every
// other pair byte for byte and in order, and nothing panics.
func FuzzStripQuery(f *testing.F) {
	for _, s := range []string{"apikey=k", "a=1&apikey=k&b", "%61pikey=k", "a=%zz&apikey=%", "&&=&apikey"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, ok := stripQueryParam(raw, "apikey")
		if _, has := uri.ParseQuery(out)["apikey"]; has {
			t.Fatalf("strip(%q) = %q still names apikey", raw, out)
		}
		var others []string
		for _, p := range strings.Split(raw, "&") {
			k, _, _ := strings.Cut(p, "=")
			if uri.UnescapeComponent(k) != "apikey" {
				others = append(others, p)
			}
		}
		if want := strings.Join(others, "&"); ok && out != want {
			t.Fatalf("strip(%q) = %q, want %q", raw, out, want)
		}
	})
}
