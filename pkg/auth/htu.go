package auth

import (
	"errors"
	"strings"
)

// The DPoP htu check compares the proof's htu with the URI the client
// addressed (RFC 9449 4.3 step 9: scheme, authority and path; query and
// fragment ignored), both normalized as RFC 3986 6.2.2 describes: scheme
// and host in lower case, the scheme's default port dropped, percent
// escapes of unreserved characters decoded and the others in upper case,
// dot segments removed, an empty path made "/".

var errBadURI = errors.New("not an absolute http(s) URI")

// maxHTUBytes bounds a URI normalized for the htu check.
const maxHTUBytes = 8192

// requestHTU is the request's normalized target URI. The request line
// gives the method and the target as sent; the scheme is the connection's
// and the authority comes from an absolute-form target or else the one
// Host header.
func requestHTU(req Request) (string, error) {
	target := req.Target
	if target == "" {
		return "", errBadURI
	}
	if target[0] == '/' {
		hosts := req.Headers["host"]
		if len(hosts) != 1 {
			return "", errors.New("no single Host header")
		}
		return normalizeURI(req.Scheme, hosts[0], pathOf(target))
	}
	// Absolute form (RFC 9112 3.2.2): its authority is the one addressed.
	return normalizeHTUClaim(target)
}

// normalizeHTUClaim normalizes an absolute URI (a proof's htu).
func normalizeHTUClaim(u string) (string, error) {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "", errBadURI
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	return normalizeURI(scheme, rest[:end], pathOf(rest[end:]))
}

// pathOf cuts the query and fragment off a path.
func pathOf(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

// normalizeURI joins normalized scheme, authority and path.
func normalizeURI(scheme, authority, path string) (string, error) {
	if len(scheme)+len(authority)+len(path) > maxHTUBytes {
		return "", errBadURI
	}
	scheme = strings.ToLower(scheme)
	var defPort string
	switch scheme {
	case "https":
		defPort = "443"
	case "http":
		defPort = "80"
	default:
		return "", errBadURI
	}
	if authority == "" || strings.ContainsAny(authority, "@ \t\\") {
		return "", errBadURI // no userinfo (RFC 9110 4.2.4)
	}
	host, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.Contains(authority[i:], "]") {
		host, port = authority[:i], authority[i+1:]
		for j := 0; j < len(port); j++ {
			if port[j] < '0' || port[j] > '9' {
				return "", errBadURI
			}
		}
	}
	if host == "" || strings.Contains(host, ":") && (host[0] != '[' || host[len(host)-1] != ']') {
		return "", errBadURI // a colon only inside an IPv6 literal
	}
	host = strings.ToLower(host)
	if port == defPort || port == "" {
		authority = host
	} else {
		authority = host + ":" + port
	}
	p, err := normalizePath(path)
	if err != nil {
		return "", err
	}
	return scheme + "://" + authority + p, nil
}

// normalizePath normalizes percent escapes and removes dot segments
// (RFC 3986 5.2.4); an empty path is "/".
func normalizePath(p string) (string, error) {
	var b strings.Builder
	b.Grow(len(p) + 1)
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(p) || unhex(p[i+1]) < 0 || unhex(p[i+2]) < 0 {
			return "", errBadURI
		}
		v := byte(unhex(p[i+1])<<4 | unhex(p[i+2]))
		if isUnreserved(v) {
			b.WriteByte(v)
		} else {
			const hexUpper = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hexUpper[v>>4])
			b.WriteByte(hexUpper[v&15])
		}
		i += 2
	}
	return removeDotSegments(b.String()), nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// removeDotSegments is RFC 3986 5.2.4 on an absolute path.
func removeDotSegments(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}
