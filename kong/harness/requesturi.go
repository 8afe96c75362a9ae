package harness

import "strings"

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
