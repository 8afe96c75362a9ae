package uri

import "testing"

// TestNormalizePath follows the examples of kong/pdk/request.lua
// get_path and the rules of kong/tools/uri.lua normalize.
func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/t/Abc%20123%C3%B8%2f/parent/..//test/./": "/t/Abc 123ø%2F/test/",
		"/":                  "/",
		"":                   "",
		"/a//b":              "/a/b",
		"/a/./b/../c":        "/a/c",
		"/%2e%2e/x":          "/x",
		"/a/%2E/b":           "/a/b",
		"/%78":               "/x",
		"/a%3bb":             "/a%3Bb",
		"/a%FF":              "/a\xff",
		"/100%":              "/100%",
		"/a%zz":              "/a%zz",
		"/../../etc/passwd":  "/etc/passwd",
		"/a/..":              "/",
		"/a/b/..":            "/a/",
		"/orders/%7Bid%7D":   "/orders/{id}",
		"/admin%2f..%2fuser": "/admin%2F..%2Fuser",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzNormalizeStable checks that over every path nginx lets through,
// Kong's normalization is a fixed point and survives Kong's escaping:
// what the upstream decodes from the path Kong forwards is the path the
// plugins matched. Paths with a malformed escape never reach Kong: nginx
// answers them 400 (src/http/ngx_http_parse.c ngx_http_parse_complex_uri:
// sw_quoted and sw_quoted_second return NGX_HTTP_PARSE_INVALID_REQUEST on
// a non-hex digit or an unfinished escape). Over those, Normalize is not
// stable: /%0%61 normalizes to /%0a, which decodes again to a newline.
func FuzzNormalizeStable(f *testing.F) {
	for _, s := range []string{"/a/../b", "/%2e%2e/x", "//a//b/", "/a/./b/.", "/.%2E/", "/a%2Fb/..", "/..//a", "/a/.../b", "/%25%32%65", "/%252e%252e/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		for i := 0; i < len(p); i++ {
			if p[i] == '%' && (i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2])) {
				return // nginx refuses it
			}
		}
		n := Normalize(p)
		if m := Normalize(n); m != n {
			t.Fatalf("Normalize(%q) = %q, again %q", p, n, m)
		}
		if m := Normalize(Escape(n)); m != n {
			t.Fatalf("Normalize(%q) = %q, escaped and normalized again %q", p, n, m)
		}
	})
}
