package harness

// The request flow of kong/init.lua (Kong.rewrite, Kong.access, Kong.response,
// Kong.header_filter, Kong.log) and kong/runloop/handler.lua, driving external
// plugins the way kong/runloop/plugins_iterator.lua selects them.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/warden-gw/warden/pkg/uri"

	pb "github.com/Kong/go-pdk/server/kong_plugin_protocol"
)

const (
	serverHeader = "kong/3.9.1" // kong/meta.lua _SERVER_TOKENS at tag 3.9.1, the version kong/Dockerfile runs
	// clientBodyBufferSize is kong_defaults.lua client_body_buffer_size = 8k:
	// larger bodies are spooled to a file and get_raw_body answers body_filepath.
	clientBodyBufferSize = 8 << 10
	// maxClientBody bounds what the harness reads from a client.
	maxClientBody = 64 << 20
	// maxUpstreamBody bounds a buffered upstream response.
	maxUpstreamBody = 64 << 20
)

// reqState is ngx.ctx plus the nginx variables for one request.
type reqState struct {
	g     *Gateway
	id    string
	r     *http.Request
	start time.Time
	phase string // KONG_PHASE name

	body     []byte
	bodyFile string

	route    *Route
	service  *Service
	prefix   string
	consumer map[string]any // ctx.authenticated_consumer (as the Lua table)
	cred     map[string]any // ctx.authenticated_credential

	mu        sync.Mutex
	ctxShared map[string]any
	ngxCtx    map[string]any

	// upstream request (var.upstream_*)
	upScheme   string
	upHost     string
	upPort     int
	upURI      string // path
	routePath  string // the normalized path the router matched
	upQuery    string
	upQuerySet bool
	upMethod   string
	upHeaders  http.Header
	upBody     []byte
	upBodySet  bool
	hostHeader string

	// downstream response
	status   int
	respHdr  http.Header
	respBody []byte
	exited   bool
	proxied  bool
	// kongProxied is ctx.KONG_PROXIED: set once Kong means to proxy and
	// never cleared, not by an exit in the response phase nor by an
	// upstream failure; header_filter.after reads only it.
	kongProxied bool
	// clientUpgrade is the first Upgrade header the client sent.
	clientUpgrade string
	unexpect      bool
	sent          bool
	delay         bool // ctx.delay_response during the access iterator
	delayed       *delayed
	buffered      bool // ctx.buffered_proxying
	svcStatus     int
	svcHdr        http.Header
	svcBody       []byte

	collected map[string][]*pluginConf // ctx.plugins[phase]
	abandoned []net.Conn

	saved    *savedData // set in the log phase
	iterated bool       // the access iterator ran, so ctx.plugins holds collected plugins

	serializeValues map[string]any // kong.log.set_serialize_value
}

type delayed struct {
	status  int
	body    []byte
	headers map[string]any
	isError bool
	message string
}

// savedData is what plugin.lua build_phases saves for the log timer.
type savedData struct {
	serialize    map[string]any
	ngxCtx       map[string]any
	ctxShared    map[string]any
	reqHeaders   http.Header
	respHeaders  http.Header
	status       int
	reqStartTime float64
}

// exitSignal unwinds a phase after kong.response.exit sent the response.
var errExited = errors.New("exited")

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) // $kong_request_id: 32 hex digits
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	// net/http moves Transfer-Encoding out of the header map; nginx keeps
	// the header the client sent, and ngx.req.get_headers returns it.
	if len(r.TransferEncoding) > 0 && r.Header.Get("Transfer-Encoding") == "" {
		r.Header.Set("Transfer-Encoding", strings.Join(r.TransferEncoding, ", "))
	}
	// handler.lua reads Upgrade from the request headers cached before
	// any plugin ran (get_header("upgrade", ctx)), so a plugin cannot
	// change the decision.
	clientUpgrade := r.Header.Get("Upgrade")
	// upHeaders is the request's own header map: kong.service.request's
	// header functions call ngx.req.set_header and ngx.req.clear_header
	// (kong/pdk/service/request.lua), which change what every later
	// kong.request.get_header(s) returns as well as what is proxied.
	rs := &reqState{g: g, id: newRequestID(), r: r, start: time.Now(), ctxShared: map[string]any{}, ngxCtx: map[string]any{},
		respHdr: http.Header{}, collected: map[string][]*pluginConf{}, upHeaders: r.Header, clientUpgrade: clientUpgrade}
	// nginx (src/http/ngx_http_parse.c ngx_http_parse_request_line, 1.25.3
	// as OpenResty 1.25.3.2 in Kong 3.9.1's .requirements) refuses a method
	// with anything but A-Z, '_' and '-' with 400 before any Lua runs; the
	// error_page of kong/templates/nginx_kong.lua answers it.
	if !uri.ValidMethod(r.Method) {
		rs.kongError(http.StatusBadRequest, "", nil)
		rs.write(w)
		return
	}
	// A raw "#" makes the URI complex; ngx_http_parse_complex_uri then
	// ends $args at the "#" ($request_uri keeps it).
	if i := strings.IndexByte(r.URL.RawQuery, '#'); i >= 0 {
		r.URL.RawQuery = r.URL.RawQuery[:i]
	}
	defer func() {
		for _, c := range rs.abandoned {
			c.Close()
		}
		if rs.bodyFile != "" {
			os.Remove(rs.bodyFile)
		}
	}()
	if err := rs.readBody(); err != nil {
		rs.kongError(http.StatusRequestEntityTooLarge, "", nil)
		rs.write(w)
		return
	}
	rs.run()
	rs.headerFilter()
	rs.write(w)
	rs.logPhase()
}

func (rs *reqState) readBody() error {
	if rs.r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(rs.r.Body, maxClientBody+1))
	if err != nil {
		return err
	}
	if len(b) > maxClientBody {
		return errors.New("body too large")
	}
	rs.body = b
	if len(b) > clientBodyBufferSize {
		// nginx writes bodies beyond client_body_buffer_size to client_body_temp.
		dir := filepath.Join(rs.g.opts.Prefix, "client_body_temp")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		f, err := os.CreateTemp(dir, "body")
		if err != nil {
			return err
		}
		_, werr := f.Write(b)
		cerr := f.Close()
		if werr != nil || cerr != nil {
			return errors.Join(werr, cerr)
		}
		rs.bodyFile = f.Name()
	}
	return nil
}

// run is rewrite + access (+ response), stopping at an exit.
func (rs *reqState) run() {
	g := rs.g
	// Kong.rewrite: global plugins only (execute_global_plugins_iterator).
	rs.phase = "rewrite"
	for _, pc := range g.globals("rewrite") {
		if err := rs.runPlugin(pc, "rewrite"); err != nil {
			return // ngx.exit or a Lua error ended the request
		}
	}
	// Kong.access -> runloop access.before: the router.
	rs.phase = "access"
	// kong/router/atc.lua exec: the router matches ctx.request_uri (the
	// raw $request_uri) cut at its first "?" and normalized
	// (kong/router/utils.lua strip_uri_args: normalize(req_uri, true)), so
	// /admin/%2e%2e/x is /x, and a raw "#" stays in the path.
	rs.routePath = uri.Normalize(rs.rawPath())
	m := g.router.find(rs.r.Method, rs.r.Host, rs.routePath)
	if m == nil {
		rs.kongError(404, "no Route matched with those values", nil)
		return
	}
	rs.route, rs.service, rs.prefix = m.route, m.route.Service, m.prefix
	if containsFold(rs.route.Protocols, "https") && !containsFold(rs.route.Protocols, "http") && rs.scheme() != "https" {
		// handler.lua: https-only route reached over plain http
		// (forwarded_proto is ctx.scheme: trusted_ips = NONE). Protocols
		// are no router criterion for http routes (router/transform.lua).
		code := rs.route.HTTPSRedirectStatusCode
		switch code {
		case 301, 302, 307, 308:
			rs.respHdr.Set("Location", "https://"+rs.r.Host+rs.r.URL.RequestURI())
			rs.sendExit(code, nil, nil, false)
		default:
			rs.kongError(426, "Please use HTTPS protocol", map[string]any{"Connection": "Upgrade", "Upgrade": "TLS/1.2, HTTP/1.1"})
		}
		return
	}
	rs.prepareUpstream()
	// execute_collecting_plugins_iterator with ctx.delay_response = true.
	rs.delay = true
	rs.iterated = true
	for _, pc := range g.confs {
		cfg := rs.lookupCfg(pc.name)
		if cfg != pc {
			continue
		}
		info := pc.server.info
		for _, ph := range []string{"response", "log"} {
			if info.hasPhase(ph) {
				rs.collected[ph] = append(rs.collected[ph], pc)
				if ph == "response" {
					rs.buffered = true
				}
			}
		}
		if !info.hasPhase("access") || rs.delayed != nil {
			continue
		}
		if err := rs.runPlugin(pc, "access"); err != nil && rs.delayed == nil {
			rs.delayed = &delayed{status: 500, isError: true, message: "An unexpected error occurred"}
			rs.unexpect = true
		}
	}
	rs.delay = false
	if d := rs.delayed; d != nil {
		// flush_delayed_response
		rs.buffered = false
		if d.isError {
			rs.kongError(d.status, d.message, d.headers)
		} else {
			rs.sendExit(d.status, d.body, d.headers, false)
		}
		return
	}
	if rs.service == nil {
		rs.buffered = false
		rs.kongError(503, "no Service found with those values", nil)
		return
	}
	rs.proxied, rs.kongProxied = true, true
	if rs.buffered {
		// kong/init.lua Kong.access: a connection upgrade turns buffering
		// off, so the response handlers never run. kong/runloop/handler.lua
		// sets $upstream_upgrade to "websocket" when the first Upgrade
		// header (kong/tools/http.lua get_header) is websocket in any case.
		if strings.ToLower(rs.clientUpgrade) == "websocket" {
			rs.g.log.notice("", "response buffering was turned off: connection upgrade (websocket)")
			rs.buffered = false
		}
	}
	if rs.buffered {
		rs.responsePhase()
		return
	}
	rs.proxy()
}

// globals is the global iterator for a phase: plugins configured without
// route, service or consumer.
func (g *Gateway) globals(phase string) []*pluginConf {
	var out []*pluginConf
	for _, pc := range g.confs {
		if pc.routeID == "" && pc.svcID == "" && pc.consID == "" && pc.server.info.hasPhase(phase) {
			out = append(out, pc)
		}
	}
	return out
}

// lookupCfg is plugins_iterator.lua lookup_cfg for one plugin name, using
// the route, service and the consumer authenticated so far.
func (rs *reqState) lookupCfg(name string) *pluginConf {
	var routeID, svcID, consID string
	if rs.route != nil {
		routeID = rs.route.ID
	}
	if rs.service != nil {
		svcID = rs.service.ID
	}
	if rs.consumer != nil {
		consID, _ = rs.consumer["id"].(string)
	}
	combos := map[[3]string]*pluginConf{}
	for _, pc := range rs.g.confs {
		if pc.name == name {
			combos[[3]string{pc.routeID, pc.svcID, pc.consID}] = pc
		}
	}
	try := func(r, s, c string) *pluginConf { return combos[[3]string{r, s, c}] }
	order := [][3]string{}
	if routeID != "" && svcID != "" && consID != "" {
		order = append(order, [3]string{routeID, svcID, consID})
	}
	if routeID != "" && consID != "" {
		order = append(order, [3]string{routeID, "", consID})
	}
	if svcID != "" && consID != "" {
		order = append(order, [3]string{"", svcID, consID})
	}
	if routeID != "" && svcID != "" {
		order = append(order, [3]string{routeID, svcID, ""})
	}
	if consID != "" {
		order = append(order, [3]string{"", "", consID})
	}
	if routeID != "" {
		order = append(order, [3]string{routeID, "", ""})
	}
	if svcID != "" {
		order = append(order, [3]string{"", svcID, ""})
	}
	order = append(order, [3]string{"", "", ""})
	for _, k := range order {
		if pc := try(k[0], k[1], k[2]); pc != nil {
			return pc
		}
	}
	return nil
}

// prepareUpstream sets the var.upstream_* values of handler.lua access.before.
func (rs *reqState) prepareUpstream() {
	svc := rs.service
	if svc == nil {
		return
	}
	rs.upScheme, rs.upHost, rs.upPort = svc.Protocol, svc.Host, svc.Port
	// handler.lua access.before: var.upstream_uri = escape(match_t.upstream_uri),
	// built from the normalized path the router matched (atc.lua
	// set_upstream_uri); kong/tools/uri.lua escape leaves reserved
	// characters raw, "#" included.
	rs.upURI = uri.Escape(upstreamURI(rs.route, rs.prefix, rs.routePath, svc.Path))
	rs.upQuery = rs.r.URL.RawQuery
	rs.upMethod = rs.r.Method
	if rs.route.PreserveHost {
		rs.hostHeader = rs.r.Host
	}
}

// runPlugin runs one plugin's phase handler (plugin.rpc:handle_event). A
// non-nil error means the phase must stop: errExited after an exit, or a Lua
// error that the caller turns into a 500.
func (rs *reqState) runPlugin(pc *pluginConf, phase string) error {
	ps := pc.server
	for attempt := 0; ; attempt++ {
		id, err := ps.instanceID(pc)
		if err != nil {
			rs.g.log.err(pc.name, "%v", err)
			return rs.luaError(pc, err)
		}
		rs.g.stats.event(rs.id, pc.name)
		res := ps.call(&pb.RpcCall{Call: &pb.RpcCall_CmdHandleEvent{CmdHandleEvent: &pb.CmdHandleEvent{
			InstanceId: id, EventName: phase,
		}}}, rs.bridge(pc))
		switch {
		case res.abandoned != nil:
			rs.abandoned = append(rs.abandoned, res.abandoned)
			return errExited
		case res.luaErr != nil:
			if errors.Is(res.luaErr, errExited) {
				return errExited
			}
			rs.g.log.err(pc.name, "%v", res.luaErr)
			return rs.luaError(pc, res.luaErr)
		case res.err == nil:
			return nil
		}
		low := strings.ToLower(res.err.Error())
		retry := strings.Contains(low, "no plugin instance") || strings.Contains(low, "closed")
		if retry && attempt < 3 {
			// pb_rpc.lua handle_event: reset instances, warn, retry. Kong retries
			// without bound; the harness stops after 3 attempts.
			ps.resetInstances()
			rs.g.log.warn(pc.name, "%v", res.err)
			continue
		}
		if retry {
			rs.g.log.err(pc.name, "the harness gives up here with a 500; Kong retries without bound (pb_rpc.lua handle_event calls itself) and the request hangs")
		}
		rs.g.log.err(pc.name, "pluginserver error: %v", res.err)
		// kong.response.error(500)
		if rs.phase == "log" {
			rs.g.log.err(pc.name, "no phase in ngx.ctx.KONG_PHASE for kong.response.error in the log timer")
			return res.err
		}
		rs.kongError(500, "", nil)
		return errExited
	}
}

// luaError: in the access iterator the coroutine fails and Kong delays a
// 500; elsewhere the Lua error reaches nginx, whose error page is Kong's
// error handler (kong/error_handlers.lua) -- also a 500 with the template.
func (rs *reqState) luaError(pc *pluginConf, err error) error {
	switch rs.phase {
	case "access":
		return err
	case "log":
		return err
	}
	rs.unexpect = true
	rs.kongError(500, "", nil)
	return errExited
}

// kongError is kong.response.error: the message in the template chosen by
// the Accept header, with the request id (kong/pdk/response.lua, kong/tools/http.lua).
func (rs *reqState) kongError(status int, message string, headers map[string]any) {
	if rs.delay && rs.delayed == nil {
		rs.delayed = &delayed{status: status, isError: true, message: message, headers: headers}
		return
	}
	if message == "" {
		message = httpErrorMessage(status)
	}
	ctype := ""
	if headers != nil {
		if v, ok := headers["Content-Type"].(string); ok {
			ctype = v
		}
	}
	if ctype == "" {
		ctype = responseType(rs.r.Header.Values("Accept"))
	}
	if headers == nil {
		headers = map[string]any{}
	}
	headers["Content-Type"] = ctype
	body := fmt.Sprintf(errorTemplate(ctype), message, rs.id)
	rs.sendExit(status, []byte(body), headers, false)
}

// sendExit is send() in kong/pdk/response.lua: headers from the table
// (Transfer-Encoding ignored), Content-Length for the body, status set.
func (rs *reqState) sendExit(status int, body []byte, headers map[string]any, _ bool) {
	rs.exited = true
	rs.status = status
	hasLen := false
	for name, v := range headers {
		low := strings.ToLower(name)
		if low == "transfer-encoding" || low == "transfer_encoding" {
			rs.g.log.warn("", "manually setting Transfer-Encoding. Ignored.")
			continue
		}
		if low == "content-length" || low == "content_length" {
			hasLen = true
		}
		rs.respHdr.Del(name)
		for _, s := range headerValues(v) {
			rs.respHdr.Add(name, s)
		}
	}
	if !hasLen {
		rs.respHdr.Set("Content-Length", strconv.Itoa(len(body)))
	}
	rs.respBody = body
	rs.sent = true
}

// headerValues is normalize_multi_header: a string, number, boolean or list.
func headerValues(v any) []string {
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, luaToString(e))
		}
		return out
	case nil:
		return nil
	case map[string]any:
		// An empty Lua table (an empty list, see unwrapList): ipairs
		// yields nothing, and ngx.header[name] = {} removes the header
		// (lua-nginx-module, ngx.header.HEADER).
		return nil
	}
	return []string{luaToString(v)}
}

func newUpstreamClient(resolve map[string]string) *http.Client {
	dialer := &net.Dialer{Timeout: 60 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err == nil {
				if ip, ok := resolve[host]; ok {
					addr = net.JoinHostPort(ip, port)
				}
			}
			return dialer.DialContext(ctx, network, addr)
		},
		DisableCompression:  true,
		MaxIdleConnsPerHost: 32,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// callUpstream sends the upstream request built from var.upstream_* and the
// proxy_set_header lines of kong/templates/nginx_kong.lua.
func (rs *reqState) callUpstream() (*http.Response, []byte, error) {
	svc := rs.service
	u := &url.URL{Scheme: rs.upScheme, Host: net.JoinHostPort(rs.upHost, strconv.Itoa(rs.upPort))}
	u.Path = "/" // replaced by Opaque below
	u.RawQuery = rs.upQuery
	body := rs.body
	if rs.upBodySet {
		body = rs.upBody
	}
	ctx, cancel := context.WithTimeout(rs.r.Context(), time.Duration(svc.ConnectTimeout+svc.ReadTimeout+svc.WriteTimeout)*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, rs.upMethod, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	// The path goes on the request line byte for byte as Kong's
	// $upstream_uri has it (already escaped; "#" raw): an Opaque URL is
	// written as is by net/http.
	req.URL.Opaque = rs.upURI
	if strings.HasPrefix(rs.upURI, "//") {
		// net/http would write "//x" as "scheme://x": send the absolute form.
		req.URL.Opaque = u.Scheme + "://" + u.Host + rs.upURI
	}
	req.Header = rs.upHeaders.Clone()
	for _, h := range []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"} {
		req.Header.Del(h)
	}
	remote, _, _ := net.SplitHostPort(rs.r.RemoteAddr)
	// handler.lua: X-Forwarded-* (trusted_ips = NONE, so the client's own
	// X-Forwarded-Proto/Host/Port are not trusted; X-Forwarded-For is appended).
	if xff := rs.r.Header.Get("X-Forwarded-For"); xff != "" {
		req.Header.Set("X-Forwarded-For", xff+", "+remote)
	} else {
		req.Header.Set("X-Forwarded-For", remote)
	}
	host, port := rs.requestHostPort()
	req.Header.Set("X-Forwarded-Proto", rs.scheme())
	req.Header.Set("X-Forwarded-Host", host)
	req.Header.Set("X-Forwarded-Port", strconv.Itoa(port))
	// handler.lua: forwarded_path is ctx.request_uri up to its "?", raw.
	req.Header.Set("X-Forwarded-Path", rs.rawPath())
	if rs.prefix != "/" && rs.prefix != "" {
		req.Header.Set("X-Forwarded-Prefix", rs.prefix)
	} else {
		req.Header.Del("X-Forwarded-Prefix")
	}
	req.Header.Set("X-Real-IP", remote)
	req.Header.Set("X-Kong-Request-Id", rs.id) // headers_upstream = x-kong-request-id
	via := fmt.Sprintf("%d.%d %s", rs.r.ProtoMajor, rs.r.ProtoMinor, serverHeader)
	if rs.r.ProtoMinor == 0 && rs.r.ProtoMajor == 2 {
		via = "2 " + serverHeader
	}
	if v := rs.r.Header.Get("Via"); v != "" {
		via = v + ", " + via
	}
	req.Header.Set("Via", via)
	if rs.hostHeader != "" {
		req.Host = rs.hostHeader
	} else if (rs.upScheme == "http" && rs.upPort == 80) || (rs.upScheme == "https" && rs.upPort == 443) {
		req.Host = rs.upHost
	} else {
		req.Host = net.JoinHostPort(rs.upHost, strconv.Itoa(rs.upPort))
	}
	req.ContentLength = int64(len(body))
	res, err := rs.g.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxUpstreamBody+1))
	if err != nil {
		return nil, nil, err
	}
	if len(b) > maxUpstreamBody {
		return nil, nil, errors.New("upstream body too large")
	}
	return res, b, nil
}

func (rs *reqState) requestHostPort() (string, int) {
	host := rs.r.Host
	_, lport, _ := net.SplitHostPort(rs.g.ln.Addr().String())
	port, _ := strconv.Atoi(lport)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host, port
}

// proxy is the unbuffered proxy_pass path.
func (rs *reqState) proxy() {
	res, body, err := rs.callUpstream()
	if err != nil {
		rs.upstreamFailed(err)
		return
	}
	rs.svcStatus, rs.svcHdr, rs.svcBody = res.StatusCode, res.Header, body
	rs.status = res.StatusCode
	for k, v := range res.Header {
		rs.respHdr[k] = append([]string(nil), v...)
	}
	rs.respBody = body
}

func (rs *reqState) upstreamFailed(err error) {
	rs.g.log.err("", "upstream request failed: %v", err)
	status := 502
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		status = 504
	}
	rs.proxied = false
	rs.unexpect = true
	rs.kongError(status, "", nil)
}

// responsePhase is Kong.response: buffered proxying, response handlers.
func (rs *reqState) responsePhase() {
	res, body, err := rs.callUpstream()
	if err != nil {
		rs.upstreamFailed(err)
		return
	}
	rs.phase = "response"
	rs.svcStatus, rs.svcHdr, rs.svcBody = res.StatusCode, res.Header, body
	rs.status = res.StatusCode
	for k, v := range res.Header {
		if strings.EqualFold(k, "Transfer-Encoding") {
			continue
		}
		rs.respHdr[k] = append([]string(nil), v...)
	}
	for _, pc := range rs.collected["response"] {
		if err := rs.runPlugin(pc, "response"); err != nil {
			return // ngx.exit in the response phase: the exit is the response
		}
	}
	// ngx.print(body) then ngx.exit(status)
	rs.respBody = body
	rs.respHdr.Set("Content-Length", strconv.Itoa(len(body)))
}

// headerFilter adds Kong's own response headers (handler.lua header_filter.after).
func (rs *reqState) headerFilter() {
	h := rs.respHdr
	if rs.kongProxied {
		lat := time.Since(rs.start).Milliseconds()
		h.Set("X-Kong-Upstream-Latency", strconv.FormatInt(lat, 10))
		h.Set("X-Kong-Proxy-Latency", "0")
		via := fmt.Sprintf("1.1 %s", serverHeader)
		if v := rs.svcHdr.Get("Via"); v != "" {
			via = v + ", " + via
		}
		h.Set("Via", via)
		if h.Get("Server") == "" {
			h.Set("Server", serverHeader)
		}
	} else {
		h.Set("X-Kong-Response-Latency", strconv.FormatInt(time.Since(rs.start).Milliseconds(), 10))
		if h.Get("Via") != serverHeader {
			h.Set("Server", serverHeader)
		}
	}
	h.Set("X-Kong-Request-Id", rs.id)
}

func (rs *reqState) write(w http.ResponseWriter) {
	for k, v := range rs.respHdr {
		w.Header()[k] = v
	}
	status := rs.status
	if status == 0 {
		status = 200
	}
	w.WriteHeader(status)
	if rs.r.Method != http.MethodHead {
		_, _ = w.Write(rs.respBody)
	}
}

// logPhase saves the request data (plugin.lua build_phases) and runs the
// collected log handlers in a "timer" after the response was written.
func (rs *reqState) logPhase() {
	var plugins []*pluginConf
	if rs.iterated {
		plugins = rs.collected["log"]
	} else {
		plugins = rs.g.globals("log") // get_collected_iterator falls back to the global iterator
	}
	if len(plugins) == 0 {
		return
	}
	rs.mu.Lock()
	saved := &savedData{
		serialize:    rs.serialize(),
		ngxCtx:       cloneMap(rs.ngxCtx),
		ctxShared:    rs.ctxShared, // the same table, not a copy
		reqHeaders:   rs.r.Header.Clone(),
		respHeaders:  rs.respHdr.Clone(),
		status:       rs.status,
		reqStartTime: float64(rs.start.UnixMilli()) / 1000,
	}
	rs.mu.Unlock()
	rs.g.logWG.Add(1)
	go func() {
		defer rs.g.logWG.Done()
		rs.phase = "log"
		rs.saved = saved
		for _, pc := range plugins {
			_ = rs.runPlugin(pc, "log")
		}
	}()
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// scheme is ngx.var.scheme: https on the TLS listener.
func (rs *reqState) scheme() string {
	if rs.r.TLS != nil {
		return "https"
	}
	return "http"
}
