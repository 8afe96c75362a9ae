package pluginkit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Kong/go-pdk/server/kong_plugin_protocol"
)

// ErrBadRequestLine is a request line RequestLine cannot take apart.
var ErrBadRequestLine = errors.New("malformed request line")

// RequestLine returns the method and the raw request target, as
// kong.request.get_method and kong.request.get_path_with_query
// (ngx.var.request_uri) return them, in one call instead of two: it reads
// ngx.var.request, the request line as the client sent it (nginx builds
// one for HTTP/2 and HTTP/3), through kong.nginx.get_var (Kong's
// kong/runloop/plugin_servers/plugin.lua returns ngx.var[name]). Read as
// bytes: nginx accepts bytes above 0x7F in a target, which go-pdk's
// string reply would refuse, turning any request into a 500. Read once
// per event.
func (k *Kong) RequestLine() (method, target string, err error) {
	if k.line == nil {
		k.line = new(requestLine)
		out := new(kong_plugin_protocol.ByteString)
		if err := k.PDK.Nginx.Ask("kong.nginx.get_var", &kong_plugin_protocol.String{V: "request"}, out); err != nil {
			k.line.err = fmt.Errorf("reading the request line: %w", err)
		} else {
			k.line.method, k.line.target, k.line.err = parseRequestLine(string(out.V))
			k.line.http1 = strings.HasPrefix(requestVersion(string(out.V)), "HTTP/1.")
		}
	}
	return k.line.method, k.line.target, k.line.err
}

// HTTP1 reports whether the request came over HTTP/1.x, from the request
// line's version (nginx writes "HTTP/2.0" and "HTTP/3.0" into the line it
// builds for those). Over HTTP/1.x a request without Content-Length or
// Transfer-Encoding has no body (RFC 9112 6.3), which spares the call
// that would read it; over HTTP/2 and HTTP/3 it may have one (RFC 9113
// 8.1.1).
func (k *Kong) HTTP1() (bool, error) {
	if _, _, err := k.RequestLine(); err != nil {
		return false, err
	}
	return k.line.http1, nil
}

type requestLine struct {
	method, target string
	http1          bool
	err            error
}

// requestVersion is the request line's " HTTP/x.y" suffix, or "" for an
// HTTP/0.9 line.
func requestVersion(line string) string {
	if i := strings.LastIndexByte(line, ' '); i >= 0 && strings.HasPrefix(line[i+1:], "HTTP/") {
		return line[i+1:]
	}
	return ""
}

// parseRequestLine takes a request line apart as nginx does
// (src/http/ngx_http_parse.c ngx_http_parse_request_line): the method up
// to the first space, spaces, the target, and " HTTP/x.y" unless the
// request is HTTP/0.9. ngx.var.request_uri of an absolute-form target
// (http://host/path) starts where the path or the query does.
func parseRequestLine(line string) (method, target string, err error) {
	method, rest, ok := strings.Cut(line, " ")
	rest = strings.TrimLeft(rest, " ")
	if !ok || method == "" || rest == "" {
		return "", "", ErrBadRequestLine
	}
	if i := strings.LastIndexByte(rest, ' '); i >= 0 && strings.HasPrefix(rest[i+1:], "HTTP/") {
		rest = strings.TrimRight(rest[:i], " ")
	}
	target = rest
	if !strings.HasPrefix(target, "/") {
		if _, after, ok := strings.Cut(target, "://"); ok {
			if i := strings.IndexAny(after, "/?"); i >= 0 {
				target = after[i:]
			} else {
				target = "/"
			}
		}
	}
	return method, target, nil
}
