package authz

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestOverlaps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rules []Rule
		want  []string
	}{
		{name: "the issue's policy", rules: []Rule{
			{Name: "admin", Paths: []string{"/admin/**"}, Roles: &Requirement{AnyOf: []string{"admin"}}},
			{Name: "user", Paths: []string{"/**"}, Authenticated: true},
		}, want: []string{
			"rules[2] (user, /**) is shadowed where rules[1] (admin, /admin/**) also matches: the more specific template decides there",
		}},
		{name: "unnamed rules are named by position", rules: []Rule{
			{Paths: []string{"/admin/**"}, Roles: &Requirement{AnyOf: []string{"admin"}}},
			{Paths: []string{"/**"}, Authenticated: true},
		}, want: []string{
			"rules[2] (rules[2], /**) is shadowed where rules[1] (rules[1], /admin/**) also matches: the more specific template decides there",
		}},
		{name: "disjoint templates", rules: []Rule{
			{Name: "a", Paths: []string{"/a/**"}},
			{Name: "b", Paths: []string{"/b/{id}"}},
		}},
		{name: "disjoint methods", rules: []Rule{
			{Name: "read", Methods: []string{"GET"}, Paths: []string{"/orders/{id}"}},
			{Name: "write", Methods: []string{"PUT"}, Paths: []string{"/orders/{id}"}},
		}},
		{name: "a method-specific rule takes every request", rules: []Rule{
			{Name: "any", Methods: []string{"GET"}, Paths: []string{"/orders/*"}},
			{Name: "get", Methods: []string{"GET"}, Paths: []string{"/orders/{id}"}},
		}, want: []string{
			"rules[1] (any, /orders/*) never decides: more specific rules take every request it matches, rules[2] (get, /orders/{id}) among them",
		}},
		{name: "ties share", rules: []Rule{
			{Name: "owner", Methods: []string{"GET"}, Paths: []string{"/users/{id}"}},
			{Name: "admin", Methods: []string{"GET"}, Paths: []string{"/users/{user}"}},
		}},
		{name: "an unconditional deny", rules: []Rule{
			{Name: "debug", Paths: []string{"/debug/{x}"}},
			{Name: "no-debug", Effect: EffectDeny, Paths: []string{"/debug/**"}},
		}, want: []string{
			"rules[1] (debug, /debug/{x}) never allows: the deny rule rules[2] (no-debug, /debug/**) refuses every request it matches",
		}},
		{name: "a deny with a requirement takes nothing for sure", rules: []Rule{
			{Name: "debug", Paths: []string{"/debug/{x}"}},
			{Name: "no-debug", Effect: EffectDeny, Paths: []string{"/debug/**"}, IPDeny: []string{"10.0.0.0/8"}},
		}},
		{name: "a deny on one method only", rules: []Rule{
			{Name: "files", Paths: []string{"/files/**"}},
			{Name: "no-delete", Effect: EffectDeny, Methods: []string{"DELETE"}, Paths: []string{"/files/**"}},
		}},
		{name: "hosts", rules: []Rule{
			{Name: "api", Hosts: []string{"api.example.com"}, Paths: []string{"/**"}},
			{Name: "internal", Hosts: []string{"internal.example.com"}, Paths: []string{"/admin/**"}},
			{Name: "wild", Hosts: []string{"*.example.com"}, Paths: []string{"/x/**"}},
		}, want: []string{
			"rules[1] (api, /**) is shadowed where rules[3] (wild, /x/**) also matches: the more specific template decides there",
		}},
		{name: "shadow rules decide nothing", rules: []Rule{
			{Name: "all", Paths: []string{"/**"}},
			{Name: "trial", Paths: []string{"/a/**"}, Shadow: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &Config{Rules: tt.rules}
			c.SetDefaults()
			for i := range c.Rules {
				if c.Rules[i].Effect == "" {
					c.Rules[i].Effect = EffectAllow
				}
			}
			p, err := Compile(c)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range p.Overlaps() {
				got = append(got, o.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Overlaps:\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestOverlapsAgreeWithMatching checks Overlaps against the matcher on
// random policies over a small alphabet: an allow rule is reported as
// shadowed by allow rules exactly when a more specific one matches some
// request it matches, and one reported as never deciding is outranked or
// denied (by a deny rule for all its methods) on every request it
// matches.
func TestOverlapsAgreeWithMatching(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	segs := []string{"a", "b", "{p%d}", "*"}
	tmpl := func() string {
		n := rng.IntN(3)
		s := ""
		for i := range n {
			s += "/" + strings.ReplaceAll(segs[rng.IntN(len(segs))], "%d", fmt.Sprint(i))
		}
		if s == "" || rng.IntN(3) == 0 {
			s += "/**"
		}
		return s
	}
	var paths []string
	for _, p := range []string{"", "/a", "/b", "/c"} {
		for _, q := range []string{"", "/a", "/b", "/c"} {
			for _, r := range []string{"", "/a", "/c"} {
				if p == "" && q+r != "" {
					continue
				}
				if path := p + q + r; path != "" {
					paths = append(paths, path)
				} else {
					paths = append(paths, "/")
				}
			}
		}
	}
	methods := [][]string{nil, {"GET"}, {"DELETE"}}
	for round := range 300 {
		c := &Config{}
		c.SetDefaults()
		for i := range 2 + rng.IntN(3) {
			r := Rule{Name: fmt.Sprintf("r%d", i), Effect: EffectAllow, Paths: []string{tmpl()}, Methods: methods[rng.IntN(3)]}
			if rng.IntN(5) == 0 {
				r.Effect = EffectDeny
			}
			c.Rules = append(c.Rules, r)
		}
		p, err := Compile(c)
		if err != nil {
			t.Fatal(err)
		}
		reported := map[int]bool{}
		full := map[int]bool{}
		for _, o := range p.Overlaps() {
			reported[o.Rule] = reported[o.Rule] || !o.Deny
			full[o.Rule] = full[o.Rule] || o.Full
		}
		for i, r := range p.rules {
			if r.deny {
				continue
			}
			outranked, matched, always := false, false, true
			for _, path := range paths {
				for _, method := range []string{"GET", "DELETE", "PUT"} {
					m := p.Match(method, path)
					var own *hit
					for k := range m.hits {
						if int(m.hits[k].rule) == i {
							own = &m.hits[k]
						}
					}
					if own == nil {
						continue
					}
					matched = true
					outrankedHere, deniedHere := false, false
					for _, h := range m.hits {
						o := p.rules[h.rule]
						outrankedHere = outrankedHere || !o.deny && h.spec > own.spec
						deniedHere = deniedHere || o.deny && r.methods&^o.methods == 0
					}
					outranked = outranked || outrankedHere
					always = always && (outrankedHere || deniedHere)
				}
			}
			if !matched {
				continue
			}
			if reported[i] != outranked || full[i] && !always {
				t.Fatalf("round %d: rule %d (%v): reported %v full %v, outranked on some request %v, on all %v", round, i, c.Rules, reported[i], full[i], outranked, always)
			}
		}
	}
}
