package authz

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/identity"
)

// benchPolicy builds n rules shaped like a real API: per-resource
// templates with parameters, a few method splits and a final admin rule.
// With cond, the rule the benchmark request matches carries a CEL
// condition.
func benchPolicy(n int, cond bool) *Config {
	c := &Config{CaseSensitive: true, TrailingSlash: TrailingSlashIgnore, ConditionCostLimit: DefaultConditionCostLimit}
	for i := 0; i < n-1; i++ {
		r := Rule{Name: fmt.Sprintf("r%d", i), Effect: EffectAllow, Methods: []string{"GET"},
			Paths:  []string{fmt.Sprintf("/svc%d/users/{user_id}/items/{id}", i)},
			Scopes: &Requirement{AllOf: []string{fmt.Sprintf("svc%d:read", i)}},
			Owner:  &Owner{Param: "user_id", Claim: "sub"}}
		if cond && i == n/2 {
			r.Condition = `request.params.id != "0" && "reader" in identity.roles`
		}
		c.Rules = append(c.Rules, r)
	}
	c.Rules = append(c.Rules, Rule{Name: "admin", Effect: EffectAllow, Paths: []string{"/admin/**"},
		Roles: &Requirement{AnyOf: []string{"admin"}}})
	return c
}

var benchID = &identity.Identity{Subject: "alice", Method: "jwt", Roles: []string{"reader"}}

func benchRequest(n int) Request {
	return Request{Method: "GET", Path: fmt.Sprintf("/svc%d/users/alice/items/42", n/2)}
}

// BenchmarkDecide is one decision against a policy of 100 and 200 rules
// with the compiled trie matcher, without and with a CEL condition on the
// matched rule.
func BenchmarkDecide(b *testing.B) {
	for _, n := range []int{100, 200} {
		for _, cond := range []bool{false, true} {
			b.Run(fmt.Sprintf("rules=%d/cel=%v", n, cond), func(b *testing.B) {
				p, err := Compile(benchPolicy(n, cond))
				if err != nil {
					b.Fatal(err)
				}
				req := benchRequest(n)
				id := *benchID
				id.Scopes = []string{fmt.Sprintf("svc%d:read", n/2)}
				if d := p.Decide(req, &id); !d.Allow || d.Rule != fmt.Sprintf("r%d", n/2) {
					b.Fatalf("decision %+v", d)
				}
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						p.Decide(req, &id)
					}
				})
			})
		}
	}
}

// naiveRule is the baseline: each rule's template turned into a regular
// expression compiled for every request, and every rule tested in turn,
// as a plugin doing `ngx.re.match(path, rule.pattern)` per rule without a
// compile cache would.
type naiveRule struct {
	pattern string
	method  string
}

func naiveTemplateRegexp(t string) string {
	var sb strings.Builder
	sb.WriteString("^")
	for _, s := range strings.Split(t[1:], "/") {
		switch {
		case s == "**":
			sb.WriteString("(?:/.*)?")
			continue
		case strings.HasPrefix(s, "{") || s == "*":
			sb.WriteString("/([^/]+)")
		default:
			sb.WriteString("/" + regexp.QuoteMeta(s))
		}
	}
	sb.WriteString("$")
	return sb.String()
}

func naiveDecide(rules []naiveRule, method, path string) int {
	match := -1
	for i, r := range rules {
		if r.method != "" && r.method != method {
			continue
		}
		if regexp.MustCompile(r.pattern).MatchString(path) && match < 0 {
			match = i
		}
	}
	return match
}

// BenchmarkMatchBaseline compares finding the matching rules of 100: the
// trie (Match, normalization included) against the naive baseline
// (regexp per rule compiled per request) and against the same regexps
// compiled once but still scanned linearly.
func BenchmarkMatchBaseline(b *testing.B) {
	const n = 100
	cfg := benchPolicy(n, false)
	p, err := Compile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var naive []naiveRule
	var compiled []*regexp.Regexp
	for _, r := range cfg.Rules {
		re := naiveTemplateRegexp(r.Paths[0])
		m := ""
		if len(r.Methods) > 0 {
			m = r.Methods[0]
		}
		naive = append(naive, naiveRule{pattern: re, method: m})
		compiled = append(compiled, regexp.MustCompile(re))
	}
	req := benchRequest(n)
	if got := naiveDecide(naive, req.Method, req.Path); got != n/2 {
		b.Fatalf("baseline matched %d", got)
	}
	b.Run("trie", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.Match(req.Method, req.Path)
			}
		})
	})
	b.Run("naive-regexp-per-request", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				naiveDecide(naive, req.Method, req.Path)
			}
		})
	})
	b.Run("linear-precompiled-regexp", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				for i, re := range compiled {
					if naive[i].method == req.Method && re.MatchString(req.Path) {
						continue
					}
				}
			}
		})
	})
}

// BenchmarkCondition is the cost of one CEL evaluation, activation
// included, for a few typical conditions.
func BenchmarkCondition(b *testing.B) {
	id := &identity.Identity{Subject: "alice", Method: "jwt", Roles: []string{"reader"},
		Claims: map[string]any{"tenant": "acme", "tenants": []any{"a", "b", "acme"}}}
	req := Request{Method: "GET", Path: "/t/acme/x", Headers: map[string][]string{"x-env": {"prod"}, "accept": {"*/*"}}}
	for _, src := range []string{
		`request.method == "GET"`,
		`request.params.tenant == identity.claims.tenant`,
		`request.headers["x-env"] == "prod" && "reader" in identity.roles`,
		`identity.claims.tenants.exists(t, t == request.params.tenant)`,
	} {
		b.Run(src, func(b *testing.B) {
			p, err := Compile(&Config{CaseSensitive: true, TrailingSlash: TrailingSlashIgnore, ConditionCostLimit: DefaultConditionCostLimit,
				Rules: []Rule{{Effect: EffectAllow, Paths: []string{"/t/{tenant}/**"}, Condition: src}}})
			if err != nil {
				b.Fatal(err)
			}
			m := p.Match(req.Method, req.Path)
			r := p.rules[0]
			if d := m.Decide(req, id); !d.Allow {
				b.Fatalf("%+v", d)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ev := evaluator{m: m, req: &req, id: id, method: req.Method}
					if ok, err := r.cond.eval(ev.activation(r, 0)); !ok || err != nil {
						b.Fatal(ok, err)
					}
				}
			})
		})
	}
}

// BenchmarkNormalizePath covers the canonical fast path and a path that
// needs rewriting.
func BenchmarkNormalizePath(b *testing.B) {
	for _, in := range []string{"/users/alice/orders/42", "//users/./%61lice/x/../orders/42/"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, _ = NormalizePath(in)
				}
			})
		})
	}
}
