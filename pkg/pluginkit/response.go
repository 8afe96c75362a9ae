package pluginkit

import (
	"strings"

	"github.com/warden-gw/warden/pkg/respond"
)

// UpgradeSkipsResponse reports whether Kong will proxy a request with
// these headers (names lower-cased) unbuffered, so that no response
// handler sees its answer: kong/runloop/handler.lua sets
// $upstream_upgrade when the Upgrade header is websocket, and
// kong/init.lua Kong.access then turns buffered proxying off ("response
// buffering was turned off: connection upgrade"). Kong reads the first
// Upgrade header; any websocket token in any of them is counted here, so
// no spelling slips past.
func UpgradeSkipsResponse(headers map[string][]string) bool {
	for _, v := range headers["upgrade"] {
		for _, token := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(token), "websocket") {
				return true
			}
		}
	}
	return false
}

// Replacing returns r with every upstream header cleared that r does not
// set, for an answer that replaces the upstream's in the response phase.
// Kong has copied the upstream headers onto the response before response
// handlers run (kong/init.lua Kong.response), and kong.response.exit only
// sets the headers it is given (kong/pdk/response.lua send), so without
// this a blocked response would still carry the upstream's
// Content-Encoding, Set-Cookie, Location and the rest. An empty list
// clears a header (lua-nginx-module: ngx.header[name] = {} removes it).
// Content-Type and Content-Length are left to Kong, which sets them for
// the new body, and so are the hop-by-hop headers nginx manages
// (Transfer-Encoding, which exit ignores, Connection and the like).
//
// upstream is what kong.response.get_headers returns in the response
// phase: the upstream's headers as Kong copied them, with any a plugin
// set before. kong.service.response.get_headers returns none in that
// phase (see the harness, kong.service.response.get_headers).
func Replacing(upstream map[string][]string, r respond.Response) respond.Response {
	out := r
	out.Headers = make(map[string][]string, len(upstream)+len(r.Headers))
	for name := range upstream {
		switch strings.ToLower(name) {
		case "content-type", "content-length", "transfer-encoding", "connection", "keep-alive",
			"proxy-connection", "upgrade", "te", "trailer":
			continue
		}
		out.Headers[name] = []string{}
	}
	for name, vs := range r.Headers {
		for up := range out.Headers {
			if strings.EqualFold(up, name) {
				delete(out.Headers, up)
			}
		}
		out.Headers[name] = vs
	}
	return out
}
