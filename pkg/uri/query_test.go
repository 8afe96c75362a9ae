package uri

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	got := ParseQuery("apikey=a%2Bb+c&flag&=x&k=1&k=2&bad=100%&x%41=%zz&empty=")
	want := map[string][]string{"apikey": {"a+b c"}, "k": {"1", "2"}, "bad": {"100%"}, "xA": {"%zz"}, "empty": {""}}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("ParseQuery = %v, want %v", got, want)
	}
}

// TestDecodeComponent follows lua-nginx-module's ngx_http_lua_unescape_uri
// (src/ngx_http_lua_util.c): a '%' not followed by two hex digits is kept
// and the bytes after it read as usual.
func TestDecodeComponent(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want string
		clean    bool
	}{
		{"", "", true},
		{"plain", "plain", true},
		{"a+b%20c", "a b c", true},
		{"AKIA%51WERTY%zz", "AKIAQWERTY%zz", false},
		{"%zz%41", "%zzA", false},
		{"%4", "%4", false},
		{"%4z", "%4z", false},
		{"%", "%", false},
		{"100%25", "100%", true},
		{"%2B", "+", true},
		{"%e2%82%ac", "\u20ac", true},
		{"%00", "\x00", true},
	} {
		got, clean := DecodeComponent(tt.in)
		if got != tt.want || clean != tt.clean {
			t.Errorf("DecodeComponent(%q) = %q, %v, want %q, %v", tt.in, got, clean, tt.want, tt.clean)
		}
	}
}

func TestPairs(t *testing.T) {
	t.Parallel()
	var got []Pair
	for p := range Pairs("a=1&&flag&=x&%62=%zz&c=") {
		got = append(got, p)
	}
	want := []Pair{
		{Name: "a", Value: "1", Clean: true},
		{Name: "flag", Flag: true, Clean: true},
		{Name: "b", Value: "%zz"},
		{Name: "c", Value: "", Clean: true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Pairs = %+v, want %+v", got, want)
	}
}

// FuzzQuery checks the query decoder against Go's (they agree wherever
// every escape is valid, and Go's escaping round-trips through it) and
// that re-encoding a parsed query parses to the same arguments.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "note=AKIA%51X%zz", "k=%4", "%", "x+y=%2B&flag", "=x&&", "%e2%82%ac=%C3%28"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, clean := DecodeComponent(raw)
		if len(out) > len(raw) {
			t.Fatalf("DecodeComponent(%q) grew to %q", raw, out)
		}
		goOut, err := url.QueryUnescape(raw)
		if clean != (err == nil) {
			t.Fatalf("DecodeComponent(%q) clean %v, url.QueryUnescape error %v", raw, clean, err)
		}
		if clean && out != goOut {
			t.Fatalf("DecodeComponent(%q) = %q, url.QueryUnescape %q", raw, out, goOut)
		}
		if !clean && !strings.Contains(out, "%") {
			t.Fatalf("DecodeComponent(%q) = %q dropped the invalid escape", raw, out)
		}
		if got := UnescapeComponent(url.QueryEscape(raw)); got != raw {
			t.Fatalf("UnescapeComponent(QueryEscape(%q)) = %q", raw, got)
		}
		q := ParseQuery(raw)
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(q)) {
			for _, v := range q[k] {
				b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v) + "&")
			}
		}
		again := ParseQuery(b.String())
		if !maps.EqualFunc(q, again, slices.Equal) {
			t.Fatalf("ParseQuery(%q) = %v, re-encoded %q parses to %v", raw, q, b.String(), again)
		}
	})
}
