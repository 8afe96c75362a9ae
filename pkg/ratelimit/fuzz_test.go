package ratelimit

import (
	"strings"
	"testing"
)

// FuzzIdentify feeds client-controlled values (a header, the path) through
// identification and key building: whatever they hold, the key keeps one
// hash tag, stays bounded and never contains the raw value when it could
// break the tag.
func FuzzIdentify(f *testing.F) {
	for _, s := range []string{"", "alice", "{x}", "a}b{c", strings.Repeat("z", 5000), "\x00\xff", "ümlaut", "/orders/1?x=}"} {
		f.Add(s, s)
	}
	r := NewRedis(nil, "p:", SlidingWindow)
	f.Fuzz(func(t *testing.T, header, path string) {
		req := Request{Path: path, Headers: map[string][]string{"x-k": {header}}}
		id, _ := identify([]string{"header", "path"}, "path", req, "x-k", "")
		for _, raw := range []string{id, "#" + hashHex(id), SafeIdentifier(id)} {
			safe := SafeIdentifier(raw)
			if len(safe) > maxPlainIdentifier {
				t.Fatalf("identifier of %d bytes", len(safe))
			}
			if strings.ContainsAny(safe, "{}") {
				t.Fatalf("identifier %q holds a brace", safe)
			}
			if k := r.Key(safe); strings.Count(k, "{") != 1 || strings.Count(k, "}") != 1 {
				t.Fatalf("key %q does not hold exactly one hash tag", k)
			}
		}
	})
}
