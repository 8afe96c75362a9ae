package authz

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/warden-gw/warden/pkg/identity"
)

// TestOverrideMattersIsSafe: whenever OverrideMatters says an override
// cannot change the decision, no override naming a method (upper or lower
// case, unknown to the policy, several) changes whether the request goes
// on; a malformed one, refused when read, is then harmless too, since
// every method decides alike. Random policies over a small
// alphabet of templates, methods, requirements and deny rules.
func TestOverrideMattersIsSafe(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	templates := []string{"/**", "/a/**", "/a/{x}", "/a/*", "/b", "/a/b"}
	methodSets := [][]string{nil, nil, {"GET"}, {"DELETE"}, {"POST", "PUT"}}
	ids := []*identity.Identity{nil, {Subject: "bob"}, {Subject: "carol", Roles: []string{"admin"}}}
	overrides := []string{"GET", "delete", "PUT", "POST", "PURGE", "DEL ETE", "GET, DELETE"}
	paths := []string{"/a", "/a/b", "/a/c", "/b", "/c"}
	skipped, checked := 0, 0
	for round := range 400 {
		c := &Config{}
		c.SetDefaults()
		for i := range 1 + rng.IntN(4) {
			r := Rule{Name: fmt.Sprintf("r%d", i), Effect: EffectAllow, Paths: []string{templates[rng.IntN(len(templates))]},
				Methods: methodSets[rng.IntN(len(methodSets))]}
			switch rng.IntN(4) {
			case 0:
				r.Roles = &Requirement{AnyOf: []string{"admin"}}
			case 1:
				r.Authenticated = true
			}
			if rng.IntN(5) == 0 {
				r.Effect, r.Roles = EffectDeny, nil
			}
			c.Rules = append(c.Rules, r)
		}
		p, err := Compile(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			for _, method := range []string{"GET", "POST", "DELETE", "PATCH"} {
				for _, id := range ids {
					req := Request{Method: method, Path: path}
					m := p.Match(method, path)
					if m.OverrideMatters(req, id, NeedIdentity|NeedHost|NeedIP|NeedQuery|NeedHeaders) {
						continue
					}
					skipped++
					plain := p.Decide(req, id)
					for _, o := range overrides {
						req.Headers = map[string][]string{"x-http-method-override": {o}}
						checked++
						got := p.Decide(req, id)
						if got.Reason == ReasonInvalidOverride {
							continue // refused for its spelling alone; every method decides as plain does
						}
						if got.Allow != plain.Allow || got.Shadow != plain.Shadow {
							t.Fatalf("round %d %v: %s %s as %v, override %q: %+v, without: %+v", round, c.Rules, method, path, id, o, got, plain)
						}
					}
				}
			}
		}
	}
	if skipped == 0 || checked == 0 {
		t.Fatalf("no request skipped the override read: the test checks nothing")
	}
	t.Logf("%d requests needed no override read, %d overrides checked", skipped, checked)
}
