package authz

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		err            error
	}{
		{name: "root", in: "/", want: "/"},
		{name: "plain", in: "/orders/42", want: "/orders/42"},
		{name: "trailing slash kept", in: "/admin/", want: "/admin/"},
		{name: "repeated slashes", in: "//admin///users", want: "/admin/users"},
		{name: "dot segment", in: "/./admin", want: "/admin"},
		{name: "trailing dot", in: "/admin/.", want: "/admin/"},
		{name: "dot dot", in: "/x/../admin", want: "/admin"},
		{name: "trailing dot dot", in: "/admin/x/..", want: "/admin/"},
		{name: "dot dot to root", in: "/admin/..", want: "/"},
		{name: "encoded unreserved", in: "/%61dmin", want: "/admin"},
		{name: "encoded dots are dot segments", in: "/x/%2e%2E/admin", want: "/admin"},
		{name: "dotfile kept", in: "/.well-known/x", want: "/.well-known/x"},
		{name: "reserved stays encoded, upper hex", in: "/a%3fb%2c", want: "/a%3Fb%2C"},
		{name: "space encoded", in: "/a b", want: "/a%20b"},
		{name: "utf8 raw encoded", in: "/caf\xc3\xa9", want: "/caf%C3%A9"},
		{name: "utf8 encoded kept", in: "/caf%c3%a9", want: "/caf%C3%A9"},
		{name: "sub-delims raw", in: "/a:b@c!$&'()*+,=", want: "/a:b@c!$&'()*+,="},
		{name: "encoded slash", in: "/admin%2fusers", err: ErrEncodedSlash},
		{name: "encoded slash upper", in: "/admin%2Fusers", err: ErrEncodedSlash},
		{name: "encoded backslash", in: "/admin%5cusers", err: ErrEncodedSlash},
		{name: "raw backslash", in: "/admin\\users", err: ErrBackslash},
		{name: "semicolon", in: "/admin;x=y", err: ErrMatrixParam},
		{name: "semicolon traversal", in: "/x/..;/admin", err: ErrMatrixParam},
		{name: "double encoding", in: "/admin%252fusers", err: ErrDoubleEncoding},
		{name: "double encoding spelled with an escaped hex digit", in: "/%25%3000", err: ErrDoubleEncoding},
		{name: "double encoding, both hex digits escaped", in: "/a%25%32%46b", err: ErrDoubleEncoding},
		{name: "percent sign then one hex digit", in: "/%25%30z", want: "/%250z"},
		{name: "truncated escape", in: "/admin%2", err: ErrBadEscape},
		{name: "bad hex", in: "/admin%zz", err: ErrBadEscape},
		{name: "encoded nul", in: "/admin%00", err: ErrControlChar},
		{name: "raw control", in: "/admin\x01", err: ErrControlChar},
		{name: "overlong slash", in: "/%c0%afadmin", err: ErrBadUTF8},
		{name: "truncated utf8", in: "/caf%c3", err: ErrBadUTF8},
		{name: "raw invalid utf8", in: "/caf\xff", err: ErrBadUTF8},
		{name: "above root", in: "/../admin", err: ErrAboveRoot},
		{name: "encoded above root", in: "/%2e%2e/admin", err: ErrAboveRoot},
		{name: "relative", in: "admin", err: ErrNotAbsolute},
		{name: "empty", in: "", err: ErrNotAbsolute},
		{name: "too long", in: "/" + strings.Repeat("a", MaxPathLength), err: ErrPathTooLong},
		{name: "too many segments", in: strings.Repeat("/a", MaxSegments+1), err: ErrTooManySegments},
		{name: "many segments collapsing", in: strings.Repeat("/a/..", 200) + "/b", want: "/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizePath(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !errors.Is(err, ErrBadPath) {
					t.Fatalf("NormalizePath(%q) = %q, %v; want error %v", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizePath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzNormalizePath checks the normalizer's invariants on any input: it
// never panics, its output is canonical (normalizing it again changes
// nothing), and the output holds no dot segment, no empty inner segment,
// no raw or encoded slash or backslash inside a segment, and no semicolon.
func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/", "/admin", "//admin", "/./admin", "/admin/.", "/%61dmin", "/admin%2fx",
		"/admin;x=y", "/a/../b", "/%2e%2e/x", "/caf%C3%A9", "/%c0%af", "/a b", "/a%252f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizePath(in)
		if err != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("error %v does not wrap ErrBadPath", err)
			}
			return
		}
		again, err := NormalizePath(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
		if out[0] != '/' {
			t.Fatalf("%q: output %q is not absolute", in, out)
		}
		segs := strings.Split(out[1:], "/")
		for i, s := range segs {
			if s == "." || s == ".." || s == "" && i < len(segs)-1 {
				t.Fatalf("%q: output %q has segment %q", in, out, s)
			}
			low := strings.ToLower(s)
			if strings.ContainsAny(s, "\\;") || strings.Contains(low, "%2f") || strings.Contains(low, "%5c") {
				t.Fatalf("%q: output %q has an ambiguous segment %q", in, out, s)
			}
		}
	})
}
