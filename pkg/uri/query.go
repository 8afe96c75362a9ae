package uri

import "strings"

// ParseQuery decodes a raw query string as ngx.req.get_uri_args does for
// kong.request.get_query: pairs split on "&", "+" is a space, valid %XX
// escapes are decoded and invalid ones kept as sent, a pair with an empty
// name is dropped. A name without "=" (a flag) has no value and is left
// out.
func ParseQuery(raw string) map[string][]string {
	out := map[string][]string{}
	for pair := range strings.SplitSeq(raw, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		if k = UnescapeComponent(k); k == "" {
			continue
		}
		out[k] = append(out[k], UnescapeComponent(v))
	}
	return out
}

// UnescapeComponent is ngx_unescape_uri for a URI component: "+" becomes
// a space and %XX its byte; a "%" not followed by two hex digits stays.
func UnescapeComponent(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
