package validator

import (
	"testing"

	"github.com/warden-gw/warden/pkg/validator/internal/apigen"
)

// TestDiffClasses asserts one request of each known class of
// disagreement: both verdicts, and that the class's predicate, and no
// earlier one, takes it. A change on either side fails it.
func TestDiffClasses(t *testing.T) {
	diff := fuzzDiffDoc(t)
	stripe := loadDiffDoc(t, "stripe", apigen.Stripe(apigen.Size{Resources: 1, Schemas: 2, Padding: 1}).Doc)
	github := loadDiffDoc(t, "github", apigen.GitHub(apigen.Size{Resources: 1, Schemas: 2, Padding: 1}).Doc)
	form := [2]string{"Content-Type", "application/x-www-form-urlencoded"}
	tests := []struct {
		class    string
		doc      *diffDoc
		req      diffReq
		wardenOK bool // kin's verdict is the other one
	}{
		{class: "kin-deepobject-array-param", doc: stripe, wardenOK: true,
			req: diffReq{Method: "GET", Path: "/v1/thing_000s?limit=3"}},
		{class: "kin-form-fields-unread", doc: diff,
			req: diffReq{Method: "POST", Path: "/v2/forms", Headers: [][2]string{form}, Body: []byte("amount=1&zz_extra=1"), HasBody: true}},
		{class: "kin-form-fields-unread", doc: diff,
			req: diffReq{Method: "POST", Path: "/v2/forms", Headers: [][2]string{form}, Body: []byte("amount=1&amount=x"), HasBody: true}},
		{class: "kin-form-fields-unread", doc: stripe,
			req: diffReq{Method: "POST", Path: "/v1/thing_000s", Headers: [][2]string{form}, Body: []byte("amount=1&metadata=x"), HasBody: true}},
		{class: "kin-lenient-scalar-text", doc: diff,
			req: diffReq{Method: "POST", Path: "/v2/forms", Headers: [][2]string{form}, Body: []byte("amount=1&capture=0"), HasBody: true}},
		{class: "kin-lenient-scalar-text", doc: diff,
			req: diffReq{Method: "GET", Path: "/v2/items?limit=007", Headers: [][2]string{{"X-Request-Id", "0a1b2c3d"}}}},
		{class: "kin-lenient-scalar-text", doc: diff,
			req: diffReq{Method: "POST", Path: "/v2/forms", Headers: [][2]string{form}, Body: []byte("amount=1&capture=TRUE"), HasBody: true}},
		{class: "kin-lenient-scalar-text", doc: diff,
			req: diffReq{Method: "GET", Path: "/v2/items?limit=%2B5", Headers: [][2]string{{"X-Request-Id", "0a1b2c3d"}, {"X-Count", "+5"}}}},
		{class: "warden-checks-undeclared-body", doc: diff,
			req: diffReq{Method: "GET", Path: "/v2/items/1?fields=name", Body: []byte("0"), HasBody: true}},
		{class: "warden-checks-undeclared-body", doc: diff,
			req: diffReq{Method: "DELETE", Path: "/v2/items/1", Headers: [][2]string{{"Content-Type", "application/json"}}, Body: []byte("{"), HasBody: true}},
		{class: "warden-raw-fragment", doc: diff,
			req: diffReq{Method: "POST", Path: "/v2/forms?#", Headers: [][2]string{form}, Body: []byte("amount=1"), HasBody: true}},
		{class: "warden-path-any-case", doc: diff, wardenOK: true,
			req: diffReq{Method: "DELETE", Path: "/V2/Items/1"}},
		{class: "warden-bracketed-query-name", doc: github,
			req: diffReq{Method: "GET", Path: "/repos/o/r/things-0?per_page[]=1000"}},
		{class: "warden-bracketed-query-name", doc: diff,
			req: diffReq{Method: "GET", Path: "/v2/items?limit[0]=0", Headers: [][2]string{{"X-Request-Id", "0a1b2c3d"}}}},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.class, func(t *testing.T) {
			w, k := tt.doc.warden(t, tt.req), tt.doc.kin(tt.req)
			if w.ok != tt.wardenOK || k.ok == tt.wardenOK {
				t.Fatalf("%s: warden ok=%v %s; kin ok=%v %s; want warden ok=%v, kin the other", tt.req, w.ok, w.reason, k.ok, k.reason, tt.wardenOK)
			}
			c := classify(tt.doc, tt.req, w, k)
			if c == nil || c.name != tt.class {
				t.Fatalf("%s: classified %v, want %s", tt.req, c, tt.class)
			}
		})
		covered[tt.class] = true
	}
	for _, c := range diffClasses {
		if !covered[c.name] {
			t.Errorf("class %s has no example", c.name)
		}
		if c.kind != kindKin && c.kind != kindDeliberate && c.kind != kindWardenBug || c.why == "" {
			t.Errorf("class %s: kind %q, why %q", c.name, c.kind, c.why)
		}
	}
}
