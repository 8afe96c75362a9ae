package validator

import (
	"fmt"
	"reflect"
	"testing"
)

// formBody decodes a form body and shapes it for schema into a document
// of its own (its tree is not released): what Check validates.
func (sh *shaper) formBody(b []byte, mt mediaType, contentType string, schema any) (any, []Violation) {
	t, vs := parseForm(b, mt, contentType)
	if t == nil {
		return nil, vs
	}
	return sh.shapeForm(t, schema)
}

// FuzzParseURLEncoded: a form body never panics the decoder, what it
// decodes can be shaped for any schema position, and a reused tree
// (reset after an earlier body) shapes it as a new one does.
func FuzzParseURLEncoded(f *testing.F) {
	for _, s := range []string{"a=1&b[c][d]=2&e[]=3&e[0]=4", "a%5B%5D=1", "%zz=1", "a[=1", "a]=1", "a[b]c=1", "=&&=", "a[0][0][0][0][0][0][0][0][0]=1", "+=+"} {
		f.Add([]byte(s))
	}
	sh := &shaper{resolve: func(string) (map[string]any, bool) { return nil, false }}
	schema := map[string]any{"anyOf": []any{map[string]any{"type": "object"}, map[string]any{"type": "integer"}}}
	reused := newFormTree(0)
	f.Fuzz(func(t *testing.T, b []byte) {
		tree, err := parseURLEncoded(b)
		if err != nil {
			return
		}
		for _, n := range tree.names {
			sh.shape(n, schema, nil)
			sh.shape(n, nil, nil)
		}
		if err := shapesAsNew(sh, reused, tree, b, schema); err != nil {
			t.Fatal(err)
		}
	})
}

// shapesAsNew resets reused, decodes b into it and shapes that for
// schema, with the document's maps and lists from reused: an error
// unless what it makes is what shaping fresh (b decoded) makes.
func shapesAsNew(sh *shaper, reused, fresh *formTree, b []byte, schema any) error {
	want, wantVs := sh.shapeForm(fresh, schema)
	reused.reset()
	if err := reused.decodeURLEncoded(b); err != nil {
		return fmt.Errorf("%q: a reused tree refuses what a new one decodes: %v", b, err)
	}
	into := *sh
	into.out = reused
	got, gotVs := into.shapeForm(reused, schema)
	sortViolations(wantVs)
	sortViolations(gotVs)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotVs, wantVs) {
		return fmt.Errorf("%q: a reused tree makes %v %v, a new one %v %v", b, got, gotVs, want, wantVs)
	}
	return nil
}

// TestFormTreeReuse: a tree reset after one body holds nothing of it
// when the next is decoded and shaped into it, whichever was larger.
func TestFormTreeReuse(t *testing.T) {
	t.Parallel()
	sh := &shaper{resolve: func(string) (map[string]any, bool) { return nil, false }}
	bodies := []string{
		"a=1&b[c][d]=2&b[c][e]=3&e[]=x&e[1]=z&e[0]=y&f[g][]=1&f[g][]=2",
		"a=2&b=3",
		"b[c]=4&e[0]=q&x=%41",
		"a=1&a=2&b[c]=1&b[c]=2",
		"e[2]=c&e[0]=a&e[1]=b&h[i][j][k]=deep",
	}
	reused := newFormTree(0)
	for range 2 {
		for _, body := range bodies {
			tree, err := parseURLEncoded([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if err := shapesAsNew(sh, reused, tree, []byte(body), nil); err != nil {
				t.Error(err)
			}
		}
	}
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
