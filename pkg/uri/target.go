package uri

import "strings"

// ValidMethod reports whether m is a method nginx would have accepted on
// a request line: one or more bytes of A-Z, '_' and '-'
// (src/http/ngx_http_parse.c ngx_http_parse_request_line, nginx 1.25.3 as
// in OpenResty 1.25.3.2, which Kong 3.9.1 builds on, answers any other
// byte with NGX_HTTP_PARSE_INVALID_METHOD, a 400; it sets no length limit
// but its header buffer's). A lower-case
// "get" matches no GET rule or operation, while frameworks that
// upper-case methods run their GET handler for it: plugins refuse what
// nginx refuses rather than guess.
func ValidMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; (c < 'A' || c > 'Z') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// HasFragment reports whether a raw request target holds a '#'. A client
// never sends a fragment (RFC 9112 section 3.2 has none in the
// request-target), nginx accepts the byte in the path and the query
// (ngx_http_parse_request_line), Kong forwards it as sent, and Express,
// gunicorn and uvicorn cut the target there: a rule or operation matched
// on /admin#x is not what the upstream runs (/admin). Plugins refuse it.
func HasFragment(target string) bool { return strings.IndexByte(target, '#') >= 0 }
