package leakguard

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"

	"github.com/warden-gw/warden/pkg/jsonscan"
)

func fuzzSeeds(f *testing.F) {
	g := newGen(42)
	for _, p := range positives(g)[:20] {
		f.Add([]byte(p.Text))
	}
	for _, n := range negatives(g)[:10] {
		f.Add([]byte(n))
	}
	doc, _ := json.Marshal(map[string]any{"t": g.Checksummed("ghp_"), "n": []any{1, "x\u2028", nil}, "k": g.PEM("EC PRIVATE KEY")})
	f.Add(doc)
	f.Add([]byte(`{"password": "Zx9` + g.S(alnum, 20) + `", "\u0067hp_": "\ud83d\ude00"}`))
	wrapped := base64.StdEncoding.EncodeToString([]byte("AWS_SECRET_ACCESS_KEY=" + g.S(alnum, 40)))
	f.Add([]byte(`{"kind":"Secret","data":{"token":"` + wrapped + `","k":"` + base64.RawURLEncoding.EncodeToString([]byte(g.Checksummed("ghp_"))) + `"}}`))
	f.Add([]byte("data:\n  key: " + wrapped + "==\n  other: " + wrapped[:30] + "\n"))
}

// FuzzScan: the prefiltered scan finds exactly what referenceScan finds
// (the keyword contract applied the obvious way), never panics, and
// reports in-bounds, ordered, non-overlapping spans.
func FuzzScan(f *testing.F) {
	fuzzSeeds(f)
	rules := BuiltinRules()
	s := builtinScanner(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		got := s.Scan(data, "/")
		last := 0
		for _, m := range got {
			if m.Start < last || m.End <= m.Start || m.End > len(data) {
				t.Fatalf("bad span %+v (len %d, previous end %d)", m, len(data), last)
			}
			last = m.End
		}
		want := referenceScan(s, rules, data, "/")
		if !slices.Equal(got, want) {
			t.Fatalf("prefilter found %v, reference %v", got, want)
		}
	})
}

// FuzzRedactJSON: valid JSON in, valid JSON out, and the body's JSON
// reading accepts exactly what encoding/json accepts.
func FuzzRedactJSON(f *testing.F) {
	fuzzSeeds(f)
	g := newGuard(f, func(c *Config) { c.Response.ActMinConfidence = "low" })
	f.Fuzz(func(t *testing.T, data []byte) {
		werr := bodyJSON.Visit(data, func(jsonscan.String) {})
		valid := json.Valid(data)
		if valid != (werr == nil) {
			t.Fatalf("json.Valid=%v, scanner error %v", valid, werr)
		}
		d := g.InspectResponse(Response{Headers: jsonHeaders(), Body: data})
		if valid && d.BodyChanged && !json.Valid(d.Body) {
			t.Fatalf("redacted body is not JSON:\n%s\nfrom\n%s", d.Body, data)
		}
	})
}

// FuzzPairs: query strings and form bodies never panic and redact to
// something that still parses as pairs.
func FuzzPairs(f *testing.F) {
	f.Add("a=1&b=" + newGen(1).Checksummed("ghp_"))
	f.Add("%zz=%&&=&t=ghp_%5F")
	g := newGuard(f, func(c *Config) { c.Request.Action = ActionRedact })
	f.Fuzz(func(t *testing.T, q string) {
		d := g.InspectRequest(Request{Path: "/", RawQuery: q})
		if d.Total < 0 || (d.QueryChanged && d.Query == q) {
			t.Fatalf("changed query unchanged: %q", q)
		}
	})
}

// FuzzWrapped: base64-wrapped findings lie inside the input, and merged
// with the plain ones they stay ordered and never overlap, so redaction
// never cuts a run in two.
func FuzzWrapped(f *testing.F) {
	fuzzSeeds(f)
	g := newGuard(f, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		budget := base64Budget{left: len(data)}
		var scratch []byte
		ws := g.scanBase64(&budget, &scratch, []byte("token"), data, "/")
		for _, w := range ws {
			if w.m.Start < 0 || w.m.End > len(data) || w.m.End <= w.m.Start || len(w.secret) == 0 {
				t.Fatalf("bad wrapped span %+v (len %d)", w.m, len(data))
			}
		}
		ms, decoded := withWrapped(g.scanner.Scan(data, "/"), ws)
		last := 0
		for i, m := range ms {
			if m.Start < last || m.End <= m.Start || m.End > len(data) {
				t.Fatalf("merged spans out of order or overlapping at %d: %+v", i, ms)
			}
			last = m.End
			if decoded != nil && len(decoded) != len(ms) {
				t.Fatalf("%d decoded for %d matches", len(decoded), len(ms))
			}
		}
		if budget.left < 0 {
			t.Fatalf("budget overspent: %d", budget.left)
		}
	})
}
