package harness

import (
	"strconv"
	"strings"
)

// reservedChars are kong/tools/uri.lua's RESERVED_CHARS: percent-escapes
// of these stay escaped (upper-cased); every other escape is decoded.
const reservedChars = "!*'();:@&=+$,/?%#[]"

// normalizePath is kong/tools/uri.lua normalize(uri, merge_slashes), which
// kong.request.get_path applies to the raw path (kong/pdk/request.lua
// get_path): escapes of unreserved and other bytes decoded (bytes above
// 0x7F included, which can leave invalid UTF-8), reserved ones
// upper-cased, dot segments removed, and with mergeSlashes "//" merged.
func normalizePath(uri string, mergeSlashes bool) string {
	if uri == "" || uri == "/" {
		return uri
	}
	if strings.Contains(uri, "%") {
		var b strings.Builder
		for i := 0; i < len(uri); i++ {
			if uri[i] == '%' && i+2 < len(uri) && isHex(uri[i+1]) && isHex(uri[i+2]) {
				n, _ := strconv.ParseUint(uri[i+1:i+3], 16, 8)
				if strings.IndexByte(reservedChars, byte(n)) < 0 {
					b.WriteByte(byte(n))
				} else {
					b.WriteString(strings.ToUpper(uri[i : i+3]))
				}
				i += 2
				continue
			}
			b.WriteByte(uri[i])
		}
		uri = b.String()
	}
	if !strings.Contains(uri, ".") && (!mergeSlashes || !strings.Contains(uri, "//")) {
		return uri
	}
	var out []string
	for len(uri) > 0 {
		switch {
		case uri == "/.":
			uri = "/"
		case uri == "/..":
			uri = "/"
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case uri == "." || uri == "..":
			uri = ""
		case strings.HasPrefix(uri, "../"):
			uri = uri[3:]
		case strings.HasPrefix(uri, "./"):
			uri = uri[2:]
		case strings.HasPrefix(uri, "/./"):
			uri = uri[2:]
		case strings.HasPrefix(uri, "/../"):
			uri = uri[3:]
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case mergeSlashes && strings.HasPrefix(uri, "//"):
			uri = uri[1:]
		default:
			if i := strings.IndexByte(uri[1:], '/'); i >= 0 {
				out = append(out, uri[:i+1])
				uri = uri[i+1:]
			} else {
				out = append(out, uri)
				uri = ""
			}
		}
	}
	return strings.Join(out, "")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// rawPath is kong.request.get_raw_path: $request_uri up to the "?".
func (rs *reqState) rawPath() string {
	uri := rs.requestURI()
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		return uri[:i]
	}
	return uri
}

// requestURI is $request_uri: the request target as the client sent it.
func (rs *reqState) requestURI() string {
	if strings.HasPrefix(rs.r.RequestURI, "/") {
		return rs.r.RequestURI
	}
	return rs.r.URL.RequestURI() // absolute-form target: its path and query
}
