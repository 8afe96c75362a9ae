package pluginkit

import (
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/uri"
)

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

// FuzzParseRequestLine: any line parses without panic into a method with
// no space and a target; a line built from a method and an origin-form
// target (as nginx writes $request for HTTP/1.x, HTTP/2 and HTTP/3)
// gives them back unchanged, whatever bytes the target holds.
func FuzzParseRequestLine(f *testing.F) {
	f.Add("GET", "/a?b=c", "HTTP/1.1")
	f.Add("DELETE", "/x HTTP/1.1", "HTTP/2.0")
	f.Add("GET", "/caf\xc3\xa9#x", "")
	f.Add("POST", "/a%20b?c= d", "HTTP/1.0")
	f.Fuzz(func(t *testing.T, method, target, version string) {
		line := method + " " + target
		if version != "" {
			line += " " + version
		}
		m, tgt, err := parseRequestLine(line)
		if err == nil && (m == "" || strings.IndexByte(m, ' ') >= 0 || tgt == "") {
			t.Fatalf("parseRequestLine(%q) = %q, %q", line, m, tgt)
		}
		// nginx's own shape: an upper-case method, a target starting
		// with "/" without spaces, the version nginx writes or none.
		if !uri.ValidMethod(method) || !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n") {
			return
		}
		switch version {
		case "", "HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/3.0":
		default:
			return
		}
		if err != nil || m != method || tgt != target {
			t.Fatalf("parseRequestLine(%q) = %q, %q, %v; want %q, %q", line, m, tgt, err, method, target)
		}
	})
}
