package leakguard

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

// jsonBody builds a realistic JSON API response; see leaktest.JSONBody.
func jsonBody(size, secrets int) []byte { return leaktest.JSONBody(size, secrets) }

// BenchmarkScan64KiBJSON compares the keyword-prefiltered scan with the
// baseline of running every rule's regex over the whole body, on the same
// 64 KiB JSON body, in one run.
func BenchmarkScan64KiBJSON(b *testing.B) {
	s := builtinScanner(b)
	for _, tc := range []struct {
		name    string
		secrets int
	}{{"clean", 0}, {"with-secrets", 8}} {
		body := jsonBody(64<<10, tc.secrets)
		b.Run(tc.name+"/prefilter", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_ = s.Scan(body, "/")
				}
			})
		})
		b.Run(tc.name+"/baseline-all-regexes", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_ = s.ScanFull(body, "/")
				}
			})
		})
	}
}

// BenchmarkInspectResponse is the response phase's pure work on a 64 KiB
// and a 1 MiB JSON body: clean (the common case) and with secrets
// (JSON walk and redaction).
func BenchmarkInspectResponse(b *testing.B) {
	g := newGuard(b, func(c *Config) { c.MaxScanBytes = 4 << 20 })
	for _, size := range []int{64 << 10, 1 << 20} {
		for _, secrets := range []int{0, 8} {
			body := jsonBody(size, secrets)
			b.Run(fmt.Sprintf("%dKiB/secrets=%d", size>>10, secrets), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						d := g.InspectResponse(Response{Headers: jsonHeaders(), Body: body})
						if (d.Total > 0) != (secrets > 0) {
							panic("unexpected decision")
						}
					}
				})
			})
		}
	}
}

// BenchmarkScanDense is the prefiltered scan on a secret-dense text (about
// one secret per 130 bytes), next to the baseline.
func BenchmarkScanDense(b *testing.B) {
	s := builtinScanner(b)
	body, planted := leaktest.Dense(64 << 10)
	b.Run("prefilter", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if n := len(s.Scan(body, "/")); n != len(planted) {
				b.Fatalf("%d findings, %d planted", n, len(planted))
			}
		}
	})
	b.Run("baseline-all-regexes", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			_ = s.ScanFull(body, "/")
		}
	})
}

// hostileBodies are 1 MiB bodies full of keyword hits: the cost a client
// can force. kty-flood repeats a JWK-looking member, every-keyword repeats
// each keyword of the scanner once, space separated, and spaced-keywords
// puts 48 spaces after each, so tight windows stay apart.
func hostileBodies(s *Scanner) map[string][]byte {
	fill := func(unit string) []byte {
		return []byte(strings.Repeat(unit, (1<<20)/len(unit)+1)[:1<<20])
	}
	return map[string][]byte{
		"kty-flood":       fill(`{"kty":"EC","x":1},`),
		"every-keyword":   fill(strings.Join(s.ac.keywords, " ") + " "),
		"spaced-keywords": fill(strings.Join(s.ac.keywords, strings.Repeat(" ", 48)) + strings.Repeat(" ", 48)),
		"password-flood":  fill("password_password_password_ "),
		"token-flood":     fill("token "),
	}
}

// hostileNames orders hostileBodies for the benchmarks.
var hostileNames = []string{"kty-flood", "every-keyword", "spaced-keywords", "password-flood", "token-flood"}

// BenchmarkScanHostile is the prefiltered scan on bodies full of keyword
// hits, next to the baseline of every regex over the whole body.
func BenchmarkScanHostile(b *testing.B) {
	s := builtinScanner(b)
	bodies := hostileBodies(s)
	for _, name := range hostileNames {
		body := bodies[name]
		b.Run(name+"/prefilter", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				_ = s.Scan(body, "/")
			}
		})
		b.Run(name+"/baseline-all-regexes", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				_ = s.ScanFull(body, "/")
			}
		})
	}
}

// BenchmarkRuleCost is one rule's share of Scan: its matcher over its
// windows, per byte of the whole body, on the hostile bodies and the
// dense text.
func BenchmarkRuleCost(b *testing.B) {
	s := builtinScanner(b)
	bodies := hostileBodies(s)
	dense, _ := leaktest.Dense(64 << 10)
	bodies["dense"] = dense
	for _, id := range []string{"keyed-secret", "generic-secret-assignment"} {
		ri := slices.IndexFunc(s.rules, func(r *compiledRule) bool { return r.ID == id })
		for _, name := range append(hostileNames, "dense") {
			body := bodies[name]
			k := s.windows(body)[int32(ri)]
			if k == nil {
				continue
			}
			b.Run(id+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					for i := range k.list {
						w := &k.list[i]
						_ = s.runRule(nil, s.rules[ri], body, window{w.start, w.extEnd(body)}, "/")
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(body)), "ns/byte")
			})
		}
	}
}
