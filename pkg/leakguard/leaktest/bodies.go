package leaktest

import (
	"encoding/json"
	"strings"
)

// JSONBody builds a realistic API response of at least size bytes: orders
// with ids, UUIDs, hashes, prose and nested objects. With secrets > 0 it
// plants that many fake GitHub tokens, one in every third order. The
// body grows 16 orders at a time, so it overshoots size by a few KiB.
func JSONBody(size, secrets int) []byte {
	g := NewGen(77)
	var items []any
	for n := 0; ; n++ {
		item := map[string]any{
			"id": n, "uuid": g.S(HexLower, 8) + "-" + g.S(HexLower, 4) + "-4" + g.S(HexLower, 3) + "-a" + g.S(HexLower, 3) + "-" + g.S(HexLower, 12),
			"sku": "SKU-" + g.S(UpperNum, 8), "total": "123.45", "currency": "EUR",
			"customer": map[string]any{"name": "Customer " + g.S(Letters, 6), "email": g.S(Letters, 8) + "@example.org"},
			"note":     "Please deliver to the back door; call before arrival. Order placed via the mobile app.",
			"sha256":   g.S(HexLower, 64), "created_at": "2026-01-02T03:04:05Z", "tags": []any{"priority", "gift"},
		}
		if secrets > 0 && n%3 == 0 {
			item["debug"] = "token=" + g.Checksummed("ghp_")
			secrets--
		}
		items = append(items, item)
		// Marshalling the growing list every round would be quadratic.
		if n%16 == 15 {
			if b, _ := json.Marshal(map[string]any{"orders": items}); len(b) >= size {
				return b
			}
		}
	}
}

// Dense builds a secret-dense text of at least size bytes: every positive
// and negative of successive seeds, one per line, so about half the lines
// hold a secret. It returns the text and the secrets planted in it (each
// sample's Secret and Extra), in the order they occur.
func Dense(size int) (text []byte, secrets []string) {
	var b strings.Builder
	for seed := uint64(1000); b.Len() < size; seed++ {
		g := NewGen(seed)
		pos, neg := g.Positives(), g.Negatives()
		for i, p := range pos {
			b.WriteString(p.Text)
			b.WriteByte('\n')
			switch {
			case p.Extra == "":
				secrets = append(secrets, p.Secret)
			case strings.Index(p.Text, p.Extra) < strings.Index(p.Text, p.Secret):
				secrets = append(secrets, p.Extra, p.Secret)
			default:
				secrets = append(secrets, p.Secret, p.Extra)
			}
			if i < len(neg) {
				b.WriteString(neg[i])
				b.WriteByte('\n')
			}
		}
	}
	return []byte(b.String()), secrets
}
