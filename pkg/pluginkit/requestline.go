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
// bytes, like PathWithQuery.
func (k *Kong) RequestLine() (method, target string, err error) {
	out := new(kong_plugin_protocol.ByteString)
	if err := k.PDK.Nginx.Ask("kong.nginx.get_var", &kong_plugin_protocol.String{V: "request"}, out); err != nil {
		return "", "", fmt.Errorf("reading the request line: %w", err)
	}
	return parseRequestLine(string(out.V))
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
