// Package uri is how Kong and nginx read a request target: path
// normalization (kong.request.get_path and Kong's router), the escaping
// Kong applies to the path it forwards, query decoding
// (kong.request.get_query), and the request-line rules nginx enforces
// (methods, the fragment delimiter); shared by the plugins that read them
// as Kong does and by the harness that answers for Kong. Normalize and
// Escape agree byte for byte with Kong's own kong/tools/uri.lua over
// kong/conformance/uri (TestKongURIVerdicts).
package uri

import "strings"

// Normalize normalizes a raw request path the way Kong's
// kong.request.get_path does (kong/tools/uri.lua normalize, with
// merge_slashes): percent-encoded characters that are not reserved are
// decoded (bytes above 0x7F included, which can leave invalid UTF-8),
// reserved ones keep their escape with upper-case hex, dot segments are
// removed and duplicate slashes merged. Matching on the raw path would let
// /orders/%2e%2e/admin or //admin slip past a rule.
func Normalize(p string) string {
	if p == "" || p == "/" {
		return p
	}
	if strings.IndexByte(p, '%') >= 0 {
		p = decodeUnreserved(p)
	}
	if !strings.Contains(p, ".") && !strings.Contains(p, "//") {
		return p
	}
	var out []string
	for p != "" {
		switch {
		case p == "/.":
			p = "/"
		case p == "/..":
			p = "/"
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case p == "." || p == "..":
			p = ""
		case strings.HasPrefix(p, "../"):
			p = p[3:]
		case strings.HasPrefix(p, "./"):
			p = p[2:]
		case strings.HasPrefix(p, "/./"):
			p = p[2:]
		case strings.HasPrefix(p, "/../"):
			p = p[3:]
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case strings.HasPrefix(p, "//"):
			p = p[1:]
		default:
			i := strings.IndexByte(p[1:], '/')
			if i < 0 {
				out = append(out, p)
				p = ""
			} else {
				out = append(out, p[:i+1])
				p = p[i+1:]
			}
		}
	}
	return strings.Join(out, "")
}

// reserved are RFC 3986 reserved characters plus '%', which Kong keeps
// escaped (kong/tools/uri.lua RESERVED_CHARS).
const reserved = "!*'();:@&=+$,/?%#[]"

func decodeUnreserved(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			c := unhex(p[i+1])<<4 | unhex(p[i+2])
			if strings.IndexByte(reserved, c) < 0 {
				b.WriteByte(c)
			} else {
				b.WriteByte('%')
				b.WriteString(strings.ToUpper(p[i+1 : i+3]))
			}
			i += 2
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
