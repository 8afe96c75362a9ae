package validator

import (
	"reflect"
	"testing"
)

// FuzzParseURLEncoded: a form body never panics the decoder, and what it
// decodes can be shaped for any schema position.
func FuzzParseURLEncoded(f *testing.F) {
	for _, s := range []string{"a=1&b[c][d]=2&e[]=3&e[0]=4", "a%5B%5D=1", "%zz=1", "a[=1", "a]=1", "a[b]c=1", "=&&=", "a[0][0][0][0][0][0][0][0][0]=1", "+=+"} {
		f.Add([]byte(s))
	}
	sh := &shaper{resolve: func(string) (map[string]any, bool) { return nil, false }}
	f.Fuzz(func(t *testing.T, b []byte) {
		tree, err := parseURLEncoded(b)
		if err != nil {
			return
		}
		for _, n := range tree.names {
			sh.shape(n, map[string]any{"anyOf": []any{map[string]any{"type": "object"}, map[string]any{"type": "integer"}}}, nil)
			sh.shape(n, nil, nil)
		}
	})
}

// TestParseURLEncoded: names and values are form-decoded; brackets nest.
func TestParseURLEncoded(t *testing.T) {
	t.Parallel()
	tree, err := parseURLEncoded([]byte("a=1+2&b%5Bc%5D=%41&e[]=x&e[1]=z&e[0]=y&plain=%26%3D"))
	if err != nil {
		t.Fatal(err)
	}
	sh := &shaper{resolve: func(string) (map[string]any, bool) { return nil, false }}
	got := map[string]any{}
	for k, n := range tree.names {
		v, p := sh.shape(n, nil, nil)
		if p != nil {
			t.Fatalf("%s: %+v", k, p)
		}
		got[k] = v
	}
	want := map[string]any{"a": "1 2", "b": map[string]any{"c": "A"}, "e": []any{"y", "z", "x"}, "plain": "&="}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"a=%zz", "a=%4", "a[=1", "a]=1", "[a]=1", "a[b]c=1"} {
		if _, err := parseURLEncoded([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseMultipart: a multipart body never panics the decoder.
func FuzzParseMultipart(f *testing.F) {
	f.Add([]byte("--XyZ\r\nContent-Disposition: form-data; name=\"a[b]\"\r\n\r\n1\r\n--XyZ--\r\n"))
	f.Add([]byte("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--XyZ--\r\n"))
	f.Add([]byte("--XyZ\r\n\r\n--XyZ--"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseMultipart(b, "multipart/form-data; boundary=XyZ")
	})
}
