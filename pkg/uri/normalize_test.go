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
