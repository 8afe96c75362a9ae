package auth

import (
	"strings"

	"github.com/warden-gw/warden/pkg/uri"
)

// stripQueryParam removes every pair whose decoded name is name from a raw
// query, leaving the others byte for byte and in order; ok reports whether
// anything was removed.
func stripQueryParam(raw, name string) (string, bool) {
	pairs := strings.Split(raw, "&")
	kept := pairs[:0]
	for _, pair := range pairs {
		k, _, _ := strings.Cut(pair, "=")
		if uri.UnescapeComponent(k) == name {
			continue
		}
		kept = append(kept, pair)
	}
	if len(kept) == len(pairs) {
		return raw, false
	}
	return strings.Join(kept, "&"), true
}
