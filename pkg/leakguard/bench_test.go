package leakguard

import (
	"encoding/json"
	"fmt"
	"testing"
)

// jsonBody builds a realistic API response of about size bytes: orders
// with ids, UUIDs, hashes, prose and nested objects; with secrets > 0 it
// plants that many fake tokens.
func jsonBody(size, secrets int) []byte {
	g := newGen(77)
	var items []any
	for n := 0; ; n++ {
		item := map[string]any{
			"id": n, "uuid": g.s(hexLower, 8) + "-" + g.s(hexLower, 4) + "-4" + g.s(hexLower, 3) + "-a" + g.s(hexLower, 3) + "-" + g.s(hexLower, 12),
			"sku": "SKU-" + g.s(upperNum, 8), "total": "123.45", "currency": "EUR",
			"customer": map[string]any{"name": "Customer " + g.s(letters, 6), "email": g.s(letters, 8) + "@example.org"},
			"note":     "Please deliver to the back door; call before arrival. Order placed via the mobile app.",
			"sha256":   g.s(hexLower, 64), "created_at": "2026-01-02T03:04:05Z", "tags": []any{"priority", "gift"},
		}
		if secrets > 0 && n%3 == 0 {
			item["debug"] = "token=" + g.checksummed("ghp_")
			secrets--
		}
		items = append(items, item)
		if b, _ := json.Marshal(map[string]any{"orders": items}); len(b) >= size {
			return b
		}
	}
}

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
