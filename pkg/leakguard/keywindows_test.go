package leakguard

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

// TestManyKeywordHits: findings do not depend on how many keyword hits a
// body has. Past 16,384 hits the scanner once ran every regex over the
// whole body, and a "d" member without "kty" became a private JWK.
func TestManyKeywordHits(t *testing.T) {
	s := builtinScanner(t)
	d := `"d": "` + newGen(5).S(urlSafe, 43) + `"`
	filler := strings.Repeat(`"page": "token", `, 20000) // 20,000 hits of "token"
	for _, tc := range []struct {
		name, body string
		jwk        bool
	}{
		{"few hits, no kty", `{` + d + `}`, false},
		{"many hits, no kty", `{` + filler + d + `}`, false},
		{"many hits, no kty, d first", `{` + d + `, ` + filler + `"x": 1}`, false},
		{"few hits, kty", `{"kty": "EC", ` + d + `}`, true},
		{"many hits, kty", `{` + filler + `"kty": "EC", ` + d + `}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := s.Scan([]byte(tc.body), "/")
			n := 0
			for _, m := range ms {
				if m.Rule == "jwk-private-key" {
					n++
				}
			}
			if want := map[bool]int{false: 0, true: 1}[tc.jwk]; n != want {
				t.Errorf("%d jwk-private-key findings, want %d: %v", n, want, ms)
			}
		})
	}
}

// TestScanMatchesReference: on bodies full of keyword hits, on the dense
// corpus and on a JSON response, Scan finds exactly what referenceScan
// finds.
func TestScanMatchesReference(t *testing.T) {
	s := builtinScanner(t)
	rules := BuiltinRules()
	bodies := hostileBodies(s)
	dense, _ := leaktest.Dense(64 << 10)
	bodies["dense"] = dense
	bodies["json-with-secrets"] = jsonBody(64<<10, 8)
	for name, body := range bodies {
		body = body[:min(len(body), 160<<10)]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, want := s.Scan(body, "/"), referenceScan(s, rules, body, "/")
			if !slices.Equal(got, want) {
				t.Errorf("Scan found %d, reference %d:\n%v\n%v", len(got), len(want), got, want)
			}
		})
	}
}

// TestKeyWindowsMatchesUnion: for raw windows in order of their end (as
// hits come), keyWindows gives the merged extended windows a plain
// extend, sort and merge gives, including windows that grow back over
// earlier ones.
func TestKeyWindowsMatchesUnion(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 9))
	for round := range 3000 {
		// Runs of up to 400 non-separators: some edges stop at a
		// separator, some at windowSlack.
		var data []byte
		for len(data) < 3000 {
			data = append(data, bytes.Repeat([]byte{'a'}, rnd.IntN(400))...)
			data = append(data, ' ')
		}
		// Hits end in order inside data; a rule's window reaches a fixed
		// distance past the hit and a varying one (keyword lengths
		// differ) before it.
		var raws []window
		after := rnd.IntN(600)
		for end := 1 + rnd.IntN(300); end <= len(data) && len(raws) < 60; end += rnd.IntN(1 + round%300) {
			raws = append(raws, window{start: end - 1 - rnd.IntN(100), end: end + after})
		}
		var k keyWindows
		var ext []window
		for _, w := range raws {
			k.add(data, w)
			ext = append(ext, extendWindow(data, w))
		}
		want := mergeWindows(ext)
		var got []window
		for i := range k.list {
			got = append(got, window{k.list[i].start, k.list[i].extEnd(data)})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: raw %v\ngot  %v\nwant %v", round, raws, got, want)
		}
	}
}
