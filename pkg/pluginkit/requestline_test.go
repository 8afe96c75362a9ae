package pluginkit

import "testing"

func TestParseRequestLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		line, method, target string
		bad                  bool
	}{
		{line: "GET /a?b=c HTTP/1.1", method: "GET", target: "/a?b=c"},
		{line: "get /admin#x HTTP/1.1", method: "get", target: "/admin#x"},
		{line: "POST   /x   HTTP/1.0", method: "POST", target: "/x"},
		{line: "GET /x HTTP/2.0", method: "GET", target: "/x"},
		{line: "GET /x", method: "GET", target: "/x"},
		{line: "GET /caf\xc3\xa9 HTTP/1.1", method: "GET", target: "/caf\xc3\xa9"},
		{line: "GET http://example.com/admin?x=1 HTTP/1.1", method: "GET", target: "/admin?x=1"},
		{line: "GET http://example.com:8000?x=1 HTTP/1.1", method: "GET", target: "?x=1"},
		{line: "GET http://example.com HTTP/1.1", method: "GET", target: "/"},
		{line: "OPTIONS * HTTP/1.1", method: "OPTIONS", target: "*"},
		{line: "GET", bad: true},
		{line: " /x HTTP/1.1", bad: true},
		{line: "", bad: true},
	} {
		m, target, err := parseRequestLine(tt.line)
		if (err != nil) != tt.bad || m != tt.method || target != tt.target {
			t.Errorf("parseRequestLine(%q) = %q, %q, %v", tt.line, m, target, err)
		}
	}
}
