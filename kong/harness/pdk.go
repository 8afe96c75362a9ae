package harness

// PDK calls answered as Kong's Lua does: method names from the Kong service
// of kong/include/kong/pluginsocket.proto (pb_rpc.lua load_service), argument
// unwrapping and reply wrapping from pb_rpc.lua, behaviour and phase checks
// from kong/pdk/*.lua, saved log-phase data from plugin.lua exposed_api.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	pb "github.com/Kong/go-pdk/server/kong_plugin_protocol"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/warden-gw/warden/pkg/uri"
)

// Phase sets from kong/pdk/private/phases.lua users.
var (
	phRequest     = []string{"rewrite", "access", "response", "log"} // PHASES.request
	phBeforeBody  = []string{"rewrite", "access", "response"}        // request.lua before_content
	phAuthLater   = []string{"access", "response", "log"}            // client.lua AUTH_AND_LATER
	phRouter      = []string{"access", "response", "log"}            // router.lua ROUTER_PHASES
	phHeaderLog   = []string{"response", "log"}                      // response.lua header_body_log
	phRewriteResp = []string{"rewrite", "access", "response"}        // response.lua rewrite_access_header
	phAccessRW    = []string{"rewrite", "access"}                    // service/request.lua access_and_rewrite
	phAccess      = []string{"access"}                               // PHASES.access
	phLog         = []string{"log"}                                  // log.lua PHASES_LOG
	phCtx         = []string{"rewrite", "access", "response", "log"} // log.lua phases_with_ctx
)

// luaErr is a Lua error raised by a PDK function.
type luaErr struct{ msg string }

func (e *luaErr) Error() string { return e.msg }

func raise(format string, args ...any) error { return &luaErr{msg: fmt.Sprintf(format, args...)} }

// timerErr is what ngx.req/ngx.var/ngx.resp raise inside the log timer
// (plugin.lua runs the log event in ngx.timer.at).
func timerErr(api string) error {
	return raise("API disabled in the context of ngx.timer (%s)", api)
}

func (rs *reqState) checkPhase(allowed []string) error {
	for _, p := range allowed {
		if p == rs.phase {
			return nil
		}
	}
	return raise("function cannot be called in %s phase (only in: %s)", rs.phase, strings.Join(allowed, ", "))
}

// pdkFn answers one PDK call: it decodes arg, acts and returns a reply
// message (nil for the empty reply ""), or an error (a Lua error).
type pdkFn func(rs *reqState, pc *pluginConf, arg []byte) (proto.Message, error)

// bridge returns the bridge-loop callback for one plugin's event.
func (rs *reqState) bridge(pc *pluginConf) bridgeFunc {
	return func(method string, arg []byte) ([]byte, bridgeCtl) {
		rs.g.stats.count(rs.id, pc.name, method)
		fn, ok := pdkMethods[method]
		if !ok {
			// call_pdk: return nil, ("method %q not found"):format(method_name)
			if knownUnimplemented[method] {
				return nil, bridgeCtl{rpcErr: fmt.Errorf("method %q is %v", method, ErrUnsupported)}
			}
			return nil, bridgeCtl{rpcErr: fmt.Errorf("method %q not found", method)}
		}
		rs.mu.Lock()
		reply, err := fn(rs, pc, arg)
		rs.mu.Unlock()
		if errors.Is(err, errExited) {
			return nil, bridgeCtl{abandon: true}
		}
		if err != nil {
			return nil, bridgeCtl{luaErr: fmt.Errorf("%s: %w", method, err)}
		}
		if reply == nil {
			return []byte{}, bridgeCtl{}
		}
		if s, ok := reply.(*pb.String); ok && !utf8.ValidString(s.V) {
			// lua-protobuf encodes a Lua string's bytes as they are (a
			// normalized path can hold any byte); go-pdk's decoder then
			// refuses the reply. Go's encoder would refuse to write it.
			return protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte(s.V)), bridgeCtl{}
		}
		b, err := proto.Marshal(reply)
		if err != nil {
			return nil, bridgeCtl{luaErr: err}
		}
		return b, bridgeCtl{}
	}
}

// knownUnimplemented are proto methods the harness refuses loudly.
var knownUnimplemented = map[string]bool{
	"kong.nginx.get_tls1_version_str": true, "kong.node.get_memory_stats": true,
}

func decode(arg []byte, m proto.Message) error {
	if err := proto.Unmarshal(arg, m); err != nil {
		return raise("assertion failed: decoding argument: %v", err)
	}
	return nil
}

func str(v string) proto.Message     { return &pb.String{V: v} }
func numMsg(v float64) proto.Message { return &pb.Number{V: v} }
func integer(v int) proto.Message    { return &pb.Int{V: int32(v)} }

// getter wraps a method without arguments available in the given phases;
// live(rs) is only called outside the log timer.
func getter(phases []string, api string, live func(rs *reqState) proto.Message) pdkFn {
	return func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
		if err := rs.checkPhase(phases); err != nil {
			return nil, err
		}
		if rs.saved != nil && api != "" {
			return nil, timerErr(api)
		}
		return live(rs), nil
	}
}

var pdkMethods map[string]pdkFn

func init() {
	pdkMethods = map[string]pdkFn{
		// kong/pdk/request.lua
		"kong.request.get_scheme":           getter(phRequest, "ngx.var.scheme", func(rs *reqState) proto.Message { return str(rs.scheme()) }),
		"kong.request.get_host":             getter(phRequest, "ngx.var.host", func(rs *reqState) proto.Message { h, _ := rs.requestHostPort(); return str(lower(h)) }),
		"kong.request.get_port":             getter(phRequest, "ngx.var.server_port", func(rs *reqState) proto.Message { _, p := rs.requestHostPort(); return integer(p) }),
		"kong.request.get_forwarded_scheme": getter(phRequest, "ngx.var.scheme", func(rs *reqState) proto.Message { return str(rs.scheme()) }), // trusted_ips = NONE
		"kong.request.get_forwarded_host":   getter(phRequest, "ngx.var.host", func(rs *reqState) proto.Message { h, _ := rs.requestHostPort(); return str(lower(h)) }),
		"kong.request.get_forwarded_port":   getter(phRequest, "ngx.var.server_port", func(rs *reqState) proto.Message { _, p := rs.requestHostPort(); return integer(p) }),
		"kong.request.get_http_version": getter(phRequest, "ngx.req.http_version", func(rs *reqState) proto.Message {
			return numMsg(float64(rs.r.ProtoMajor) + float64(rs.r.ProtoMinor)/10)
		}),
		"kong.request.get_method": getter(phRequest, "ngx.req.get_method", func(rs *reqState) proto.Message { return str(rs.r.Method) }),
		// kong/pdk/request.lua get_path: kong/tools/uri.lua normalize(raw path, true).
		"kong.request.get_path":            getter(phRequest, "ngx.var.request_uri", func(rs *reqState) proto.Message { return str(uri.Normalize(rs.rawPath())) }),
		"kong.request.get_path_with_query": getter(phRequest, "ngx.var.request_uri", func(rs *reqState) proto.Message { return str(rs.requestURI()) }),
		"kong.request.get_raw_query":       getter(phRequest, "ngx.var.args", func(rs *reqState) proto.Message { return str(rs.r.URL.RawQuery) }),
		"kong.request.get_query_arg":       pdkGetQueryArg,
		"kong.request.get_query":           pdkGetQuery,
		"kong.request.get_header":          pdkReqGetHeader,
		"kong.request.get_headers":         pdkReqGetHeaders,
		"kong.request.get_raw_body":        pdkGetRawBody,
		"kong.request.get_uri_captures": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			// router matches hold no captures for prefix paths
			return &pb.UriCapturesResult{}, nil
		},
		// kong/pdk/client.lua
		"kong.client.get_ip":             getter(phRequest, "ngx.var.remote_addr", func(rs *reqState) proto.Message { return str(remoteIP(rs)) }),
		"kong.client.get_forwarded_ip":   getter(phRequest, "ngx.var.remote_addr", func(rs *reqState) proto.Message { return str(remoteIP(rs)) }),
		"kong.client.get_port":           getter(phRequest, "ngx.var.remote_port", func(rs *reqState) proto.Message { return integer(remotePort(rs)) }),
		"kong.client.get_forwarded_port": getter(phRequest, "ngx.var.remote_port", func(rs *reqState) proto.Message { return integer(remotePort(rs)) }),
		"kong.client.get_protocol": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if err := rs.checkPhase(phAuthLater); err != nil {
				return nil, err
			}
			if rs.saved != nil {
				return nil, timerErr("ngx.var.scheme")
			}
			return str(rs.scheme()), nil
		},
		"kong.client.get_credential": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if err := rs.checkPhase(phAuthLater); err != nil {
				return nil, err
			}
			cred := rs.ctxValue("authenticated_credential", rs.cred)
			if cred == nil {
				return nil, nil
			}
			c := &pb.AuthenticatedCredential{}
			c.Id, _ = cred["id"].(string)
			c.ConsumerId, _ = cred["consumer_id"].(string)
			return c, nil
		},
		"kong.client.get_consumer": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if err := rs.checkPhase(phAuthLater); err != nil {
				return nil, err
			}
			cons := rs.ctxValue("authenticated_consumer", rs.consumer)
			if cons == nil {
				return nil, nil
			}
			return consumerMsg(cons), nil
		},
		"kong.client.authenticate": pdkAuthenticate,
		"kong.client.load_consumer": func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
			var spec pb.ConsumerSpec
			if err := decode(arg, &spec); err != nil {
				return nil, err
			}
			if spec.Id == "" {
				return nil, raise("consumer_id must be a string")
			}
			for _, c := range rs.g.cfg.Consumers {
				if c.ID == spec.Id || (spec.ByUsername && c.Username == spec.Id) {
					return consumerMsg(consumerTable(c)), nil
				}
			}
			return nil, nil
		},
		// kong.ctx.shared via plugin.lua exposed_api (saved table in the log timer)
		"kong.ctx.shared.set": tableSet((*reqState).sharedTable),
		"kong.ctx.shared.get": tableGet((*reqState).sharedTable),
		// kong.nginx
		"kong.nginx.get_var": pdkGetVar,
		"kong.nginx.get_ctx": tableGet((*reqState).ngxTable),
		"kong.nginx.set_ctx": tableSet((*reqState).ngxTable),
		"kong.nginx.req_start_time": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if rs.saved != nil {
				return numMsg(rs.saved.reqStartTime), nil
			}
			return numMsg(float64(rs.start.UnixMilli()) / 1000), nil
		},
		"kong.nginx.get_subsystem": func(*reqState, *pluginConf, []byte) (proto.Message, error) { return str("http"), nil },
		// kong.node / kong.ip
		"kong.node.get_id": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) { return str(rs.g.nodeID), nil },
		"kong.ip.is_trusted": func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
			var ip pb.String
			if err := decode(arg, &ip); err != nil {
				return nil, err
			}
			if net.ParseIP(ip.V) == nil {
				return nil, raise("invalid IP address: %s", ip.V)
			}
			return &pb.Bool{V: false}, nil // kong_defaults.lua trusted_ips = NONE
		},
		// kong.log
		"kong.log.alert":               logFn("alert"),
		"kong.log.crit":                logFn("crit"),
		"kong.log.err":                 logFn("error"),
		"kong.log.warn":                logFn("warn"),
		"kong.log.notice":              logFn("notice"),
		"kong.log.info":                logFn("info"),
		"kong.log.debug":               logFn("debug"),
		"kong.log.serialize":           pdkSerialize,
		"kong.log.set_serialize_value": pdkSetSerializeValue,
		// kong/pdk/response.lua
		"kong.response.get_status": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if rs.saved != nil {
				return integer(rs.saved.status), nil
			}
			if err := rs.checkPhase(phHeaderLog); err != nil {
				return nil, err
			}
			return integer(rs.status), nil
		},
		"kong.response.get_header":  pdkRespGetHeader,
		"kong.response.get_headers": pdkRespGetHeaders,
		"kong.response.get_source": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if rs.saved == nil {
				if err := rs.checkPhase(phHeaderLog); err != nil {
					return nil, err
				}
			}
			switch {
			case rs.unexpect:
				return str("error"), nil
			case rs.exited:
				return str("exit"), nil
			case rs.proxied:
				return str("service"), nil
			}
			return str("error"), nil
		},
		"kong.response.set_status": func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
			if err := rs.checkPhase(phRewriteResp); err != nil {
				return nil, err
			}
			var n pb.Int
			if err := decode(arg, &n); err != nil {
				return nil, err
			}
			if err := checkStatus(n.V); err != nil {
				return nil, err
			}
			rs.status = int(n.V)
			return nil, nil
		},
		"kong.response.set_header":   respHeaderFn(false),
		"kong.response.add_header":   respHeaderFn(true),
		"kong.response.clear_header": pdkRespClearHeader,
		"kong.response.set_headers":  pdkRespSetHeaders,
		"kong.response.exit":         pdkExit,
		// kong/pdk/router.lua
		"kong.router.get_route": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if err := rs.checkPhase(phRouter); err != nil {
				return nil, err
			}
			if rs.route == nil {
				return nil, nil
			}
			return routeMsg(rs.route), nil
		},
		"kong.router.get_service": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if err := rs.checkPhase(phRouter); err != nil {
				return nil, err
			}
			if rs.service == nil {
				return nil, nil
			}
			return serviceMsg(rs.service), nil
		},
		// kong/pdk/service.lua
		"kong.service.set_upstream": func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
			if err := rs.checkPhase(phAccess); err != nil {
				return nil, err
			}
			return nil, raise("kong.service.set_upstream: upstream entities are %v", ErrUnsupported)
		},
		"kong.service.set_target": func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
			if err := rs.checkPhase(phAccessRW); err != nil {
				return nil, err
			}
			var t pb.Target
			if err := decode(arg, &t); err != nil {
				return nil, err
			}
			if t.Host == "" {
				return nil, raise("host must be a string")
			}
			if t.Port < 0 || t.Port > 65535 {
				return nil, raise("port must be an integer between 0 and 65535: given %d", t.Port)
			}
			rs.upHost, rs.upPort = t.Host, int(t.Port)
			return nil, nil
		},
		// kong/pdk/service/request.lua
		"kong.service.request.set_scheme": svcStr(func(rs *reqState, s string) error {
			if s != "http" && s != "https" {
				return raise("invalid scheme: %s", s)
			}
			rs.upScheme = s
			return nil
		}),
		"kong.service.request.set_path": svcStr(func(rs *reqState, s string) error {
			if !strings.HasPrefix(s, "/") {
				return raise("path must start with /")
			}
			rs.upURI = uri.Escape(s) // kong/pdk/service/request.lua: ngx_var.upstream_uri = escape(path)
			return nil
		}),
		// set_raw_query is ngx.req.set_uri_args: $args (kong.request.get_query,
		// get_raw_query) changes too, $request_uri does not.
		"kong.service.request.set_raw_query": svcStr(func(rs *reqState, s string) error { rs.upQuery, rs.r.URL.RawQuery = s, s; return nil }),
		"kong.service.request.set_method": svcStr(func(rs *reqState, s string) error {
			switch s {
			case "GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "MKCOL", "COPY", "MOVE", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH", "TRACE":
				rs.upMethod = s
				return nil
			}
			return raise("invalid method: %s", s)
		}),
		"kong.service.request.clear_header": svcStr(func(rs *reqState, s string) error {
			rs.upHeaders.Del(s)
			if strings.EqualFold(s, "host") {
				rs.hostHeader = ""
			}
			return nil
		}),
		"kong.service.request.set_header":  svcHeaderFn(false),
		"kong.service.request.add_header":  svcHeaderFn(true),
		"kong.service.request.set_headers": pdkSvcSetHeaders,
		"kong.service.request.set_query":   pdkSvcSetQuery,
		"kong.service.request.set_raw_body": func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
			if err := rs.checkPhase(phAccessRW); err != nil {
				return nil, err
			}
			var b pb.ByteString
			if err := decode(arg, &b); err != nil {
				return nil, err
			}
			// ngx.req.set_body_data: later kong.request.get_raw_body reads
			// the new body.
			rs.upBody, rs.upBodySet = b.V, true
			rs.body = b.V
			if rs.bodyFile != "" {
				os.Remove(rs.bodyFile)
				rs.bodyFile = ""
			}
			rs.upHeaders.Set("Content-Length", strconv.Itoa(len(b.V)))
			return nil, nil
		},
		// kong/pdk/service/response.lua
		"kong.service.response.get_status": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if err := rs.svcRespPhase(); err != nil {
				return nil, err
			}
			if rs.svcStatus == 0 {
				return nil, nil
			}
			return integer(rs.svcStatus), nil
		},
		"kong.service.response.get_headers": func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
			if err := rs.svcRespPhase(); err != nil {
				return nil, err
			}
			max, err := maxHeaders(arg)
			if err != nil {
				return nil, err
			}
			if rs.phase == "response" {
				// With buffered proxying Kong answers with a proxy table
				// whose headers only an __index lookup reaches
				// (kong/pdk/service/response.lua attach_buffered_headers_mt),
				// and pb_rpc.lua structpb_struct walks it with pairs: the
				// plugin gets no headers (Kong/go-pdk#222). Use
				// kong.response.get_headers in this phase.
				return wrapStruct(map[string]any{}), nil
			}
			return wrapStruct(headersTable(rs.svcHdr, max)), nil
		},
		"kong.service.response.get_header": func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
			if err := rs.svcRespPhase(); err != nil {
				return nil, err
			}
			var k pb.String
			if err := decode(arg, &k); err != nil {
				return nil, err
			}
			return str(firstHeader(rs.svcHdr, k.V)), nil
		},
		"kong.service.response.get_raw_body": func(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
			if err := rs.svcRespPhase(); err != nil {
				return nil, err
			}
			if rs.phase != "response" {
				return nil, raise("kong.service.response.get_raw_body: the body is only buffered for the response phase")
			}
			return &pb.ByteString{V: rs.svcBody}, nil
		},
	}
}

func (rs *reqState) svcRespPhase() error {
	if err := rs.checkPhase(phHeaderLog); err != nil {
		return err
	}
	if rs.saved != nil {
		return timerErr("ngx.var.upstream_status")
	}
	return nil
}

func (rs *reqState) sharedTable() map[string]any {
	if rs.saved != nil {
		return rs.saved.ctxShared
	}
	return rs.ctxShared
}

func (rs *reqState) ngxTable() map[string]any {
	if rs.saved != nil {
		return rs.saved.ngxCtx
	}
	return rs.ngxCtx
}

// ctxValue reads ngx.ctx[key], from the saved clone in the log timer.
func (rs *reqState) ctxValue(key string, live map[string]any) map[string]any {
	return live
}

func remoteIP(rs *reqState) string {
	h, _, _ := net.SplitHostPort(rs.r.RemoteAddr)
	return h
}

func remotePort(rs *reqState) int {
	_, p, _ := net.SplitHostPort(rs.r.RemoteAddr)
	n, _ := strconv.Atoi(p)
	return n
}

// maxHeaders decodes the Int argument of get_headers: 0 is "not set"
// (proto3 default, so d.v is nil and Kong uses its default of 100).
func maxHeaders(arg []byte) (int, error) {
	var n pb.Int
	if err := decode(arg, &n); err != nil {
		return 0, err
	}
	switch {
	case n.V == 0:
		return 100, nil
	case n.V < 1:
		return 0, raise("max_headers must be >= 1")
	case n.V > 1000:
		return 0, raise("max_headers must be <= 1000")
	}
	return int(n.V), nil
}

// firstHeader looks a header up like ngx's normalized tables: case-insensitive,
// underscores as dashes; the first value.
func firstHeader(h map[string][]string, name string) string {
	name = strings.ReplaceAll(lower(name), "_", "-")
	for k, vs := range h {
		if lower(k) == name && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

func pdkReqGetHeader(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	var k pb.String
	if err := decode(arg, &k); err != nil {
		return nil, err
	}
	if rs.saved != nil {
		return str(firstHeader(rs.saved.reqHeaders, k.V)), nil
	}
	if err := rs.checkPhase(phRequest); err != nil {
		return nil, err
	}
	if strings.EqualFold(k.V, "host") {
		return str(rs.r.Host), nil
	}
	return str(firstHeader(rs.r.Header, k.V)), nil
}

func pdkReqGetHeaders(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if rs.saved != nil {
		return wrapStruct(headersTable(withHost(rs.saved.reqHeaders, rs.r.Host), 0)), nil
	}
	if err := rs.checkPhase(phRequest); err != nil {
		return nil, err
	}
	max, err := maxHeaders(arg)
	if err != nil {
		return nil, err
	}
	return wrapStruct(headersTable(withHost(rs.r.Header, rs.r.Host), max)), nil
}

// withHost adds the Host header, which Go keeps out of Request.Header.
func withHost(h map[string][]string, host string) map[string][]string {
	out := make(map[string][]string, len(h)+1)
	for k, v := range h {
		out[k] = v
	}
	out["Host"] = []string{host}
	return out
}

// queryTable is ngx.req.get_uri_args, decoded as nginx decodes
// (uri.Pairs): a flag without "=" is true; repeated keys give a list.
func queryTable(raw string, max int) map[string]any {
	out := map[string]any{}
	n := 0
	for p := range uri.Pairs(raw) {
		if max > 0 && n >= max {
			break
		}
		n++
		var val any = p.Value
		if p.Flag {
			val = true
		}
		switch cur := out[p.Name].(type) {
		case nil:
			out[p.Name] = val
		case []any:
			out[p.Name] = append(cur, val)
		default:
			out[p.Name] = []any{cur, val}
		}
	}
	return out
}

// ngxArg is $arg_NAME (src/http/ngx_http_parse.c ngx_http_arg): the raw,
// undecoded value of the first argument named name, compared ignoring
// case.
func ngxArg(raw, name string) string {
	for arg := range strings.SplitSeq(raw, "&") {
		if k, v, ok := strings.Cut(arg, "="); ok && strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func pdkGetQuery(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if err := rs.checkPhase(phRequest); err != nil {
		return nil, err
	}
	if rs.saved != nil {
		return nil, timerErr("ngx.req.get_uri_args")
	}
	max, err := maxHeaders(arg) // same bounds: max_args 1..1000, default 100
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), "max_headers", "max_args"))
	}
	return wrapStruct(queryTable(rs.r.URL.RawQuery, max)), nil
}

func pdkGetQueryArg(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if err := rs.checkPhase(phRequest); err != nil {
		return nil, err
	}
	if rs.saved != nil {
		return nil, timerErr("ngx.req.get_uri_args")
	}
	var k pb.String
	if err := decode(arg, &k); err != nil {
		return nil, err
	}
	switch v := queryTable(rs.r.URL.RawQuery, 100)[k.V].(type) {
	case string:
		return str(v), nil
	case []any:
		// request.lua get_query_arg returns the first value of a repeated arg
		if s, ok := v[0].(string); ok {
			return str(s), nil
		}
	}
	// nil, or the boolean true of a flag (which the String wrapper cannot carry)
	return str(""), nil
}

func pdkGetRawBody(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
	if err := rs.checkPhase(phBeforeBody); err != nil {
		return nil, err
	}
	if rs.bodyFile != "" {
		// get_raw_body returns nil + error; the RawBodyResult wrapper then
		// answers ngx.req.get_body_file().
		return &pb.RawBodyResult{Kind: &pb.RawBodyResult_BodyFilepath{BodyFilepath: rs.bodyFile}}, nil
	}
	return &pb.RawBodyResult{Kind: &pb.RawBodyResult_Content{Content: append([]byte{}, rs.body...)}}, nil
}

func pdkAuthenticate(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if err := rs.checkPhase(phAccess); err != nil {
		return nil, err
	}
	var a pb.AuthenticateArgs
	if err := decode(arg, &a); err != nil {
		return nil, err
	}
	if a.Consumer == nil && a.Credential == nil {
		return nil, raise("either credential or consumer must be provided")
	}
	rs.consumer, rs.cred = nil, nil
	if c := a.Consumer; c != nil {
		t := map[string]any{}
		setIf(t, "id", c.Id)
		setIf(t, "username", c.Username)
		setIf(t, "custom_id", c.CustomId)
		if c.CreatedAt != 0 {
			t["created_at"] = float64(c.CreatedAt)
		}
		if len(c.Tags) > 0 {
			t["tags"] = toAnyList(c.Tags)
		}
		rs.consumer = t
	}
	if c := a.Credential; c != nil {
		t := map[string]any{}
		setIf(t, "id", c.Id)
		setIf(t, "consumer_id", c.ConsumerId)
		rs.cred = t
	}
	return nil, nil
}

func setIf(t map[string]any, k, v string) {
	if v != "" {
		t[k] = v
	}
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}

func consumerTable(c *Consumer) map[string]any {
	t := map[string]any{"id": c.ID}
	setIf(t, "username", c.Username)
	setIf(t, "custom_id", c.CustomID)
	if len(c.Tags) > 0 {
		t["tags"] = toAnyList(c.Tags)
	}
	return t
}

func consumerMsg(t map[string]any) *pb.Consumer {
	c := &pb.Consumer{}
	c.Id, _ = t["id"].(string)
	c.Username, _ = t["username"].(string)
	c.CustomId, _ = t["custom_id"].(string)
	if n, ok := t["created_at"].(float64); ok {
		c.CreatedAt = int64(n)
	}
	if tags, ok := t["tags"].([]any); ok {
		for _, e := range tags {
			if s, ok := e.(string); ok {
				c.Tags = append(c.Tags, s)
			}
		}
	}
	return c
}

func routeMsg(r *Route) *pb.Route {
	m := &pb.Route{Id: r.ID, Name: r.Name, Protocols: r.Protocols, Methods: r.Methods, Hosts: r.Hosts, Paths: r.Paths,
		HttpsRedirectStatusCode: int32(r.HTTPSRedirectStatusCode), RegexPriority: int32(r.RegexPriority),
		StripPath: r.StripPath, PreserveHost: r.PreserveHost, Tags: r.Tags}
	if r.Service != nil {
		m.Service = &pb.ServiceKey{Id: r.Service.ID}
	}
	return m
}

func serviceMsg(s *Service) *pb.Service {
	return &pb.Service{Id: s.ID, Name: s.Name, Retries: int32(s.Retries), Protocol: s.Protocol, Host: s.Host,
		Port: int32(s.Port), Path: s.Path, ConnectTimeout: int32(s.ConnectTimeout), WriteTimeout: int32(s.WriteTimeout),
		ReadTimeout: int32(s.ReadTimeout), Tags: s.Tags}
}

// getVarSubset are the nginx variables the harness can answer.
func (rs *reqState) ngxVar(name string) (string, bool) {
	switch name {
	case "scheme":
		return rs.scheme(), true
	case "host":
		h, _ := rs.requestHostPort()
		return lower(h), true
	case "http_host":
		return rs.r.Host, true
	case "request_uri":
		return rs.requestURI(), true // the target as sent, as get_path_with_query
	case "uri":
		return rs.r.URL.Path, true
	case "args", "query_string":
		return rs.r.URL.RawQuery, true
	case "is_args":
		if rs.r.URL.RawQuery != "" {
			return "?", true
		}
		return "", true
	case "request_method":
		return rs.r.Method, true
	case "request":
		// nginx $request: the request line as received, target unparsed
		// (ngx_http_variables.c ngx_http_variable_request_line); Go keeps
		// its three parts (nginx builds "METHOD :path HTTP/2.0" for HTTP/2).
		return rs.r.Method + " " + rs.r.RequestURI + " " + rs.r.Proto, true
	case "remote_addr", "realip_remote_addr":
		return remoteIP(rs), true
	case "remote_port", "realip_remote_port":
		return strconv.Itoa(remotePort(rs)), true
	case "server_port":
		_, p := rs.requestHostPort()
		return strconv.Itoa(p), true
	case "server_addr":
		h, _, _ := net.SplitHostPort(rs.g.ln.Addr().String())
		return h, true
	case "https":
		// ngx_http_variable_https: "on" over TLS, "" otherwise.
		if rs.r.TLS != nil {
			return "on", true
		}
		return "", true
	case "ssl_client_escaped_cert":
		return escapedCert(rs.r.TLS), true
	case "ssl_client_verify":
		return clientVerify(rs.r.TLS, rs.g.clientCA), true
	case "server_protocol":
		return rs.r.Proto, true
	case "kong_request_id", "request_id":
		return rs.id, true
	case "content_type":
		return rs.r.Header.Get("Content-Type"), true
	case "content_length":
		return rs.r.Header.Get("Content-Length"), true
	case "request_length":
		return strconv.Itoa(len(rs.body)), true
	case "upstream_uri":
		return rs.upURI, true
	case "upstream_scheme":
		return rs.upScheme, true
	case "upstream_host":
		return rs.hostHeader, true
	}
	if h, ok := strings.CutPrefix(name, "http_"); ok {
		return firstHeader(rs.r.Header, h), true
	}
	if a, ok := strings.CutPrefix(name, "arg_"); ok {
		return ngxArg(rs.r.URL.RawQuery, a), true
	}
	return "", false
}

func pdkGetVar(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	var k pb.String
	if err := decode(arg, &k); err != nil {
		return nil, err
	}
	if rs.saved != nil {
		return nil, timerErr("ngx.var." + k.V)
	}
	v, ok := rs.ngxVar(k.V)
	if !ok {
		return nil, raise("kong.nginx.get_var: variable %q is %v", k.V, ErrUnsupported)
	}
	return str(v), nil
}

// logFn is kong.log.<level>(...): pb_unwrap ListValue unpacks the list into
// arguments, which kong.log concatenates with tostring.
func logFn(level string) pdkFn {
	return func(rs *reqState, pc *pluginConf, arg []byte) (proto.Message, error) {
		var l structpb.ListValue
		if err := decode(arg, &l); err != nil {
			return nil, err
		}
		var b strings.Builder
		for _, v := range l.Values {
			b.WriteString(luaTostring(unwrapValue(v)))
		}
		rs.g.log.logf(level, pc.name, "%s, request_id: %q", b.String(), rs.id)
		return nil, nil
	}
}

func luaTostring(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case map[string]any, []any:
		return "table"
	}
	return luaToString(v)
}

func respHeaderFn(add bool) pdkFn {
	return func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
		if err := rs.checkPhase(phRewriteResp); err != nil {
			return nil, err
		}
		var kv pb.KV
		if err := decode(arg, &kv); err != nil {
			return nil, err
		}
		vals, err := validateHeader(kv.K, unwrapValue(kv.V))
		if err != nil {
			return nil, err
		}
		if low := lower(kv.K); low == "transfer-encoding" || low == "transfer_encoding" {
			rs.g.log.warn("", "manually setting Transfer-Encoding. Ignored.")
			return nil, nil
		}
		name := strings.ReplaceAll(kv.K, "_", "-") // lua_transform_underscores_in_response_headers
		if !add {
			rs.respHdr.Del(name)
		}
		for _, v := range vals {
			rs.respHdr.Add(name, v)
		}
		return nil, nil
	}
}

// validateHeader is validate_header in kong/pdk/private/checks.lua.
func validateHeader(name string, v any) ([]string, error) {
	if name == "" {
		return nil, raise("header name must be a string")
	}
	switch t := v.(type) {
	case string, float64, bool:
		return headerValues(t), nil
	case []any:
		for _, e := range t {
			if _, ok := e.(string); !ok {
				return nil, raise("invalid header value in array %q: got %s, expected string", name, luaType(e))
			}
		}
		return headerValues(t), nil
	case map[string]any:
		// An empty Lua table (how an empty list arrives, see unwrapList)
		// passes checks.lua's ipairs loop, and ngx.req.set_header with an
		// empty table and override clears the header (lua-resty-core
		// resty/core/request.lua set_req_header).
		if len(t) == 0 {
			return nil, nil
		}
	}
	return nil, raise("invalid header value for %q: got %s, expected array of string, string, number or boolean", name, luaType(v))
}

func luaType(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "table"
}

func pdkRespClearHeader(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if err := rs.checkPhase(phRewriteResp); err != nil {
		return nil, err
	}
	var k pb.String
	if err := decode(arg, &k); err != nil {
		return nil, err
	}
	rs.respHdr.Del(k.V)
	return nil, nil
}

func pdkRespSetHeaders(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if err := rs.checkPhase(phRewriteResp); err != nil {
		return nil, err
	}
	var s structpb.Struct
	if err := decode(arg, &s); err != nil {
		return nil, err
	}
	t := unwrapStruct(&s)
	for _, k := range sortedKeys(t) {
		vals, err := validateHeader(k, t[k])
		if err != nil {
			return nil, err
		}
		if low := lower(k); low == "transfer-encoding" || low == "transfer_encoding" {
			continue
		}
		rs.respHdr.Del(k)
		for _, v := range vals {
			rs.respHdr.Add(k, v)
		}
	}
	return nil, nil
}

func pdkRespGetHeader(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	var k pb.String
	if err := decode(arg, &k); err != nil {
		return nil, err
	}
	if rs.saved != nil {
		return str(firstHeader(rs.saved.respHeaders, k.V)), nil
	}
	if err := rs.checkPhase(phHeaderLog); err != nil {
		return nil, err
	}
	return str(firstHeader(rs.respHdr, k.V)), nil
}

func pdkRespGetHeaders(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if rs.saved != nil {
		return wrapStruct(headersTable(rs.saved.respHeaders, 0)), nil
	}
	if err := rs.checkPhase(phHeaderLog); err != nil {
		return nil, err
	}
	max, err := maxHeaders(arg)
	if err != nil {
		return nil, err
	}
	return wrapStruct(headersTable(rs.respHdr, max)), nil
}

// pdkExit is kong.response.exit: in the access iterator the response is
// delayed and the plugin's coroutine yields forever; elsewhere send() runs
// and ngx.exit ends the handler. Either way Kong never answers the call.
func pdkExit(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if rs.saved != nil {
		return nil, raise("function cannot be called in log phase (only in: rewrite, access, response, header_filter, error, admin_api)")
	}
	if err := rs.checkPhase(phRewriteResp); err != nil {
		return nil, err
	}
	var a pb.ExitArgs
	if err := decode(arg, &a); err != nil {
		return nil, err
	}
	if err := checkStatus(a.Status); err != nil {
		return nil, err
	}
	var headers map[string]any
	if a.Headers != nil {
		headers = unwrapStruct(a.Headers)
		for _, k := range sortedKeys(headers) {
			if _, err := validateHeader(k, headers[k]); err != nil {
				return nil, err
			}
		}
	}
	var body []byte
	if len(a.Body) > 0 {
		body = a.Body
	}
	if rs.delay && rs.delayed == nil {
		rs.exited = true
		rs.delayed = &delayed{status: int(a.Status), body: body, headers: headers}
		return nil, errExited
	}
	rs.sendExit(int(a.Status), body, headers, false)
	return nil, errExited
}

func svcStr(set func(rs *reqState, s string) error) pdkFn {
	return func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
		if err := rs.checkPhase(phAccessRW); err != nil {
			return nil, err
		}
		if rs.upMethod == "" {
			return nil, raise("no upstream request before routing (rewrite phase runs before the router)")
		}
		var s pb.String
		if err := decode(arg, &s); err != nil {
			return nil, err
		}
		return nil, set(rs, s.V)
	}
}

func svcHeaderFn(add bool) pdkFn {
	return func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
		if err := rs.checkPhase(phAccessRW); err != nil {
			return nil, err
		}
		var kv pb.KV
		if err := decode(arg, &kv); err != nil {
			return nil, err
		}
		vals, err := validateHeader(kv.K, unwrapValue(kv.V))
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(kv.K, "host") {
			// service/request.lua: set_header("Host") sets var.upstream_host
			if len(vals) > 0 {
				rs.hostHeader = vals[0]
			}
			return nil, nil
		}
		if !add {
			rs.upHeaders.Del(kv.K)
		}
		for _, v := range vals {
			rs.upHeaders.Add(kv.K, v)
		}
		return nil, nil
	}
}

func pdkSvcSetHeaders(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if err := rs.checkPhase(phAccessRW); err != nil {
		return nil, err
	}
	var s structpb.Struct
	if err := decode(arg, &s); err != nil {
		return nil, err
	}
	t := unwrapStruct(&s)
	for _, k := range sortedKeys(t) {
		vals, err := validateHeader(k, t[k])
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(k, "host") && len(vals) > 0 {
			rs.hostHeader = vals[0]
			continue
		}
		rs.upHeaders.Del(k)
		for _, v := range vals {
			rs.upHeaders.Add(k, v)
		}
	}
	return nil, nil
}

// pdkSvcSetQuery is set_query: keys sorted, values string/number/boolean
// (true is a bare flag) or arrays of them, encoded like ngx.encode_args.
func pdkSvcSetQuery(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if err := rs.checkPhase(phAccessRW); err != nil {
		return nil, err
	}
	var s structpb.Struct
	if err := decode(arg, &s); err != nil {
		return nil, err
	}
	t := unwrapStruct(&s)
	var parts []string
	keys := sortedKeys(t)
	sort.Strings(keys)
	for _, k := range keys {
		vals := []any{t[k]}
		if l, ok := t[k].([]any); ok {
			vals = l
		}
		for _, v := range vals {
			switch x := v.(type) {
			case bool:
				if x {
					parts = append(parts, url.QueryEscape(k))
				}
			case string, float64:
				parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(luaToString(x)))
			default:
				return nil, raise("attempt to use %s as query arg value", luaType(v))
			}
		}
	}
	rs.upQuery = strings.Join(parts, "&")
	rs.r.URL.RawQuery = rs.upQuery // ngx.req.set_uri_args changes $args
	return nil, nil
}

// serialize is a subset of kong.log.serialize (kong/pdk/log.lua), computed
// in the log phase before the timer like build_phases does.
func (rs *reqState) serialize() map[string]any {
	reqH := headersTable(withHost(rs.r.Header, rs.r.Host), 0)
	for _, k := range []string{"authorization", "proxy-authorization"} {
		if _, ok := reqH[k]; ok {
			reqH[k] = "REDACTED"
		}
	}
	out := map[string]any{
		"request": map[string]any{
			"uri": rs.r.URL.RequestURI(), "url": "http://" + rs.r.Host + rs.r.URL.RequestURI(),
			"querystring": queryTable(rs.r.URL.RawQuery, 100), "method": rs.r.Method,
			"headers": reqH, "size": float64(len(rs.body)), "id": rs.id,
		},
		"response": map[string]any{
			"status": float64(rs.status), "headers": headersTable(rs.respHdr, 0), "size": float64(len(rs.respBody)),
		},
		"upstream_uri": rs.upURI,
		"client_ip":    remoteIP(rs),
		"started_at":   float64(rs.start.UnixMilli()),
		"source":       map[bool]string{true: "exit", false: "service"}[rs.exited],
	}
	if rs.route != nil {
		out["route"] = map[string]any{"id": rs.route.ID, "name": rs.route.Name, "paths": toAnyList(rs.route.Paths)}
	}
	if rs.service != nil {
		out["service"] = map[string]any{"id": rs.service.ID, "name": rs.service.Name, "host": rs.service.Host, "port": float64(rs.service.Port), "protocol": rs.service.Protocol}
	}
	if rs.consumer != nil {
		out["consumer"] = rs.consumer
	}
	for k, v := range rs.serializeValues {
		setPath(out, k, v)
	}
	return out
}

func setPath(m map[string]any, key string, v any) {
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	if v == nil {
		delete(m, parts[len(parts)-1])
		return
	}
	m[parts[len(parts)-1]] = v
}

func pdkSerialize(rs *reqState, _ *pluginConf, _ []byte) (proto.Message, error) {
	if rs.saved == nil {
		if err := rs.checkPhase(phLog); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(rs.saved.serialize)
	if err != nil {
		return nil, raise("%v", err)
	}
	return str(string(b)), nil
}

func pdkSetSerializeValue(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
	if err := rs.checkPhase(phCtx); err != nil {
		return nil, err
	}
	var kv pb.KV
	if err := decode(arg, &kv); err != nil {
		return nil, err
	}
	if rs.serializeValues == nil {
		rs.serializeValues = map[string]any{}
	}
	rs.serializeValues[kv.K] = unwrapValue(kv.V)
	return nil, nil
}

// tableGet answers a get on a per-request Lua table (kong.ctx.shared,
// ngx.ctx): the value under the key, wrapped as pb_rpc.lua wraps it.
func tableGet(table func(*reqState) map[string]any) pdkFn {
	return func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
		var k pb.String
		if err := decode(arg, &k); err != nil {
			return nil, err
		}
		return wrapValue(table(rs)[k.V]), nil
	}
}

// tableSet answers a set: a value that unwraps to nil (null, or false,
// which pb_rpc.lua's structpb_value turns into nil) removes the key.
func tableSet(table func(*reqState) map[string]any) pdkFn {
	return func(rs *reqState, _ *pluginConf, arg []byte) (proto.Message, error) {
		var kv pb.KV
		if err := decode(arg, &kv); err != nil {
			return nil, err
		}
		if v := unwrapValue(kv.V); v == nil {
			delete(table(rs), kv.K)
		} else {
			table(rs)[kv.K] = v
		}
		return nil, nil
	}
}

// checkStatus is kong/pdk/response.lua's status check for set_status and
// exit (a missing code arrives as 0 over the wire).
func checkStatus(code int32) error {
	if code == 0 {
		return raise("code must be a number")
	}
	if code < 100 || code > 599 {
		return raise("code must be a number between 100 and 599")
	}
	return nil
}
