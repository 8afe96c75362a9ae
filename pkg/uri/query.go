package uri

import (
	"iter"
	"strings"
)

// Pair is one argument of a raw query string, decoded as nginx decodes it.
type Pair struct {
	// Name and Value are decoded with UnescapeComponent.
	Name, Value string
	// Flag is true for an argument without "=" (?debug), which
	// ngx.req.get_uri_args returns as the boolean true; Value is then "".
	Flag bool
	// Clean is false when a '%' of the raw name or value did not start a
	// valid escape: nginx kept it as sent, as Value does.
	Clean bool
}

// Pairs yields the arguments of a raw query in order, as
// ngx.req.get_uri_args reads them for kong.request.get_query
// (lua-nginx-module ngx_http_lua_parse_args): split on "&", an empty
// argument skipped, an argument with an empty name dropped, name and value
// decoded with UnescapeComponent.
func Pairs(raw string) iter.Seq[Pair] {
	return func(yield func(Pair) bool) {
		for arg := range strings.SplitSeq(raw, "&") {
			if arg == "" {
				continue
			}
			k, v, hasEq := strings.Cut(arg, "=")
			name, kOK := DecodeComponent(k)
			if name == "" {
				continue
			}
			value, vOK := DecodeComponent(v)
			if !yield(Pair{Name: name, Value: value, Flag: !hasEq, Clean: kOK && vOK}) {
				return
			}
		}
	}
}

// MaxArgs is the most query arguments a plugin decodes: the largest
// max_args kong.request.get_query accepts (kong/pdk/request.lua,
// MAX_QUERY_ARGS), as Kong's PDK bounds them.
const MaxArgs = 1000

// ParseQuery decodes a raw query string as ngx.req.get_uri_args does for
// kong.request.get_query (see Pairs), keeping every value of a repeated
// name in order. A flag (a name without "=") has no value and is left out.
func ParseQuery(raw string) map[string][]string {
	out := map[string][]string{}
	for p := range Pairs(raw) {
		if !p.Flag {
			out[p.Name] = append(out[p.Name], p.Value)
		}
	}
	return out
}

// UnescapeComponent is ngx_unescape_uri for a URI component: "+" becomes
// a space and %XX its byte; a "%" not followed by two hex digits stays.
// This is the one query decoder of the repository: a plugin that decoded
// otherwise (Go's url.QueryUnescape gives up on the whole value at one
// bad escape) would inspect another text than the upstream behind nginx
// receives.
func UnescapeComponent(s string) string {
	out, _ := DecodeComponent(s)
	return out
}

// DecodeComponent is UnescapeComponent that also reports whether every
// "%" started a valid escape, for callers that refuse malformed input.
func DecodeComponent(s string) (out string, clean bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	clean = true
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case c == '%':
			clean = false
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), clean
}
