package uri

import "strings"

// Escape is kong/tools/uri.lua escape, which Kong applies to the
// normalized upstream path before proxying (kong/runloop/handler.lua:
// var.upstream_uri = escape(match_t.upstream_uri)): every byte outside
// the reserved and unreserved characters (and '%') becomes %XX with
// upper-case hex. Reserved characters pass raw, '#' and '?' included, so
// an upstream can read a path Kong routed on differently.
func Escape(p string) string {
	i := 0
	for i < len(p) && keepRaw(p[i]) {
		i++
	}
	if i == len(p) {
		return p
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p) + 8)
	b.WriteString(p[:i])
	for ; i < len(p); i++ {
		c := p[i]
		if keepRaw(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xF])
	}
	return b.String()
}

// keepRaw is the complement of uri.lua's ESCAPE_PATTERN
// [^!#$&'()*+,/:;=?@[\]A-Z\d\-_.~%] matched case-insensitively.
func keepRaw(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&'()*+,/:;=?@[]-_.~%", c) >= 0
}
