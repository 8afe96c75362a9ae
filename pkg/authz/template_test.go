package authz

import (
	"slices"
	"strings"
	"testing"
)

func TestParseTemplateErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "orders", "/a//b", "/**/a", "/a/{id", "/a/x{id}", "/a/*x", "/a/{1d}",
		"/a/{id}/{id}", "/a/../b", "/a/.", "/a%2fb", "/a;b"} {
		if _, err := parseTemplate(in, false, false); err == nil {
			t.Errorf("parseTemplate(%q) accepted", in)
		}
	}
}

func TestTemplateMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tmpl   string
		fold   bool
		strict bool
		path   string
		want   bool
		params map[string]string
	}{
		{tmpl: "/orders/{id}", path: "/orders/42", want: true, params: map[string]string{"id": "42"}},
		{tmpl: "/orders/{id}", path: "/orders/a%20b", want: true, params: map[string]string{"id": "a b"}},
		{tmpl: "/orders/{id}", path: "/orders", want: false},
		{tmpl: "/orders/{id}", path: "/orders/42/items", want: false},
		{tmpl: "/orders/{id}", path: "/orders/", want: false},
		{tmpl: "/orders/{id}", strict: true, path: "/orders/", want: false},
		{tmpl: "/orders/*/items", path: "/orders/1/items", want: true},
		{tmpl: "/admin/**", path: "/admin", want: true},
		{tmpl: "/admin/**", path: "/admin/", want: true},
		{tmpl: "/admin/**", strict: true, path: "/admin/", want: true},
		{tmpl: "/admin/**", path: "/admin/a/b/c", want: true},
		{tmpl: "/admin/**", path: "/administrator", want: false},
		{tmpl: "/**", path: "/", want: true},
		{tmpl: "/", path: "/", want: true},
		{tmpl: "/", path: "/x", want: false},
		{tmpl: "/admin", path: "/admin/", want: true},
		{tmpl: "/admin", strict: true, path: "/admin/", want: false},
		{tmpl: "/admin/", strict: true, path: "/admin/", want: true},
		{tmpl: "/admin/", strict: true, path: "/admin", want: false},
		{tmpl: "/Admin", path: "/admin", want: false},
		{tmpl: "/Admin", fold: true, path: "/aDMIN", want: true},
		{tmpl: "/users/{Name}", fold: true, path: "/USERS/Bob", want: true, params: map[string]string{"Name": "Bob"}},
		{tmpl: "/%61dmin", path: "/admin", want: true},
	}
	for _, tt := range tests {
		p, err := Compile(&Config{CaseSensitive: !tt.fold, TrailingSlash: map[bool]string{true: TrailingSlashStrict, false: TrailingSlashIgnore}[tt.strict],
			ConditionCostLimit: DefaultConditionCostLimit, Rules: []Rule{{Effect: EffectAllow, Paths: []string{tt.tmpl}}}})
		if err != nil {
			t.Fatalf("%s: %v", tt.tmpl, err)
		}
		m := p.Match("GET", tt.path)
		if got := len(m.hits) == 1; got != tt.want {
			t.Errorf("%s (fold %v, strict %v) on %s: match %v, want %v", tt.tmpl, tt.fold, tt.strict, tt.path, got, tt.want)
			continue
		}
		if tt.params != nil {
			ev := evaluator{m: m}
			if got := ev.params(p.rules[0], m.hits[0].tmpl); !mapsEqual(got, tt.params) {
				t.Errorf("%s on %s: params %v, want %v", tt.tmpl, tt.path, got, tt.params)
			}
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// FuzzTemplateMatch checks the trie against a direct segment-by-segment
// reading of the templates: for any path, the rules the trie returns are
// exactly those whose template matches.
func FuzzTemplateMatch(f *testing.F) {
	f.Add("/orders/{id}", "/admin/**", "/orders/42")
	f.Add("/a/*/c", "/a/b/**", "/a/b/c")
	f.Add("/**", "/x", "/")
	f.Add("/x/", "/x/{p}", "/x/")
	f.Fuzz(func(t *testing.T, t1, t2, path string) {
		for _, strict := range []bool{false, true} {
			var tmpls []template
			var rules []Rule
			for _, s := range []string{t1, t2} {
				tp, err := parseTemplate(s, false, strict)
				if err != nil {
					continue
				}
				tmpls = append(tmpls, tp)
				rules = append(rules, Rule{Effect: EffectAllow, Paths: []string{s}})
			}
			ts := map[bool]string{true: TrailingSlashStrict, false: TrailingSlashIgnore}[strict]
			p, err := Compile(&Config{CaseSensitive: true, TrailingSlash: ts, ConditionCostLimit: 1, Rules: rules})
			if err != nil {
				t.Fatalf("compile %v: %v", rules, err)
			}
			m := p.Match("GET", path)
			if m.err != nil {
				return
			}
			var got []int32
			for _, h := range m.hits {
				got = append(got, h.rule)
			}
			var want []int32
			segs := splitPath(m.path, strict, nil)
			for i, tp := range tmpls {
				if naiveMatch(tp.segs, segs) {
					want = append(want, int32(i))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("path %q (strict %v) templates %q %q: trie %v, naive %v", path, strict, t1, t2, got, want)
			}
		}
	})
}

func naiveMatch(ts []tmplSeg, segs []string) bool {
	for i, s := range ts {
		if s.kind == segGlob {
			return true
		}
		if i >= len(segs) {
			return false
		}
		switch s.kind {
		case segLit:
			if s.lit != segs[i] {
				return false
			}
		default:
			if segs[i] == "" {
				return false
			}
		}
	}
	return len(ts) == len(segs)
}

func TestSplitPath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		path   string
		strict bool
		want   string
	}{
		{"/", false, ""}, {"/", true, ""}, {"/a/b", false, "a|b"}, {"/a/b/", false, "a|b"}, {"/a/b/", true, "a|b|"},
	} {
		if got := strings.Join(splitPath(tt.path, tt.strict, nil), "|"); got != tt.want {
			t.Errorf("splitPath(%q, %v) = %q, want %q", tt.path, tt.strict, got, tt.want)
		}
	}
}
