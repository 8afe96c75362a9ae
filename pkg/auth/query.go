package auth

import "strings"

// ParseQuery decodes a raw query string as ngx.req.get_uri_args does for
// kong.request.get_query: pairs split on "&", "+" is a space, valid %XX
// escapes are decoded and invalid ones kept as sent, a pair with an empty
// name is dropped. A name without "=" (a flag) has no value and is left
// out: it cannot carry a credential.
func ParseQuery(raw string) map[string][]string {
	out := map[string][]string{}
	for pair := range strings.SplitSeq(raw, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		if k = unescapeComponent(k); k == "" {
			continue
		}
		out[k] = append(out[k], unescapeComponent(v))
	}
	return out
}

// stripQueryParam removes every pair whose decoded name is name from a raw
// query, leaving the others byte for byte and in order; ok reports whether
// anything was removed.
func stripQueryParam(raw, name string) (string, bool) {
	pairs := strings.Split(raw, "&")
	kept := pairs[:0]
	for _, pair := range pairs {
		k, _, _ := strings.Cut(pair, "=")
		if unescapeComponent(k) == name {
			continue
		}
		kept = append(kept, pair)
	}
	if len(kept) == len(pairs) {
		return raw, false
	}
	return strings.Join(kept, "&"), true
}

// unescapeComponent is ngx_unescape_uri for a URI component: "+" becomes a
// space and %XX its byte; a "%" not followed by two hex digits stays.
func unescapeComponent(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && hexVal(s[i+1]) >= 0 && hexVal(s[i+2]) >= 0:
			b.WriteByte(byte(hexVal(s[i+1])<<4 | hexVal(s[i+2])))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
