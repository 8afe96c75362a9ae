package pluginkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Kong/go-pdk"
	"github.com/Kong/go-pdk/server/kong_plugin_protocol"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/identity"
	"github.com/warden-gw/warden/pkg/respond"
	"github.com/warden-gw/warden/pkg/uri"
)

// ErrBodyTooLarge is returned by RawBody for a body over the limit.
var ErrBodyTooLarge = errors.New("request body too large")

// ErrTooManyHeaders is returned by Headers for a request with at least
// MaxHeaders header lines: Kong returns the first MaxHeaders and drops
// the "truncated" result on the way to the plugin
// (kong/runloop/plugin_servers/rpc/pb_rpc.lua), so a header past them
// would go unseen. The plugin fails closed.
var ErrTooManyHeaders = errors.New("too many request headers to inspect")

// MaxHeaders is the most headers Kong's PDK returns in one call, for the
// request and the response alike (kong/pdk/request.lua and
// kong/pdk/response.lua MAX_HEADERS). Asking for the maximum keeps a
// client or an upstream from hiding a header behind 100 others (the
// default).
const MaxHeaders = 1000

// Kong is one phase event of one request. Every method that talks to Kong
// is a socket round trip, so values are fetched once and cached for the
// event; handlers should read what they need through these helpers.
type Kong struct {
	// PDK is go-pdk's handle, for calls the helpers do not cover.
	PDK   *pdk.PDK
	Phase string

	in     *instance
	start  time.Time
	exited bool

	headers    map[string][]string
	headersErr error
	haveHdrs   bool
	hdrView    map[string][]string // headers with this event's upstream header writes applied

	line     *requestLine
	body     *rawBody
	bodyHint int64
	id       *identity.Identity // who made the request, once known in this event
	haveID   bool
	stage    *Stage
	pending  writes

	ids *requestIDs
}

func newKong(in *instance, phase string, p *pdk.PDK) *Kong {
	return &Kong{PDK: p, Phase: phase, in: in, start: time.Now()}
}

// Exit answers the client with r instead of the upstream (or, in the
// response phase, instead of the upstream's answer). Later plugins and the
// upstream do not run.
//
// Exit must be the event's last PDK call: in the access phase Kong's
// kong.response.exit yields the plugin's coroutine (kong/pdk/response.lua,
// delayed_response), so the call is never answered and every later call
// fails. Use Decide to audit and exit in the right order.
//
// Writes deferred in this event are settled first: the consumer is
// authenticated (so Kong logs who was refused), response headers set
// earlier (rate-limit headers) go out with r unless r sets them, and
// writes to the upstream request are dropped, there being no upstream
// request.
func (k *Kong) Exit(r respond.Response) {
	if k.exited {
		return
	}
	if err := k.pending.authenticate(k.PDK); err != nil {
		k.Logf("authenticating before exit: %v", err)
	}
	r.Headers = k.pending.underResponse(r.Headers)
	k.exited = true
	k.pending = writes{}
	k.PDK.Response.Exit(r.Status, r.Body, r.Headers)
}

// Decide audits e (its Status taken from r) and then answers with r.
func (k *Kong) Decide(e audit.Event, r respond.Response) {
	e.Status = r.Status
	k.Audit(e)
	k.Exit(r)
}

// Exited reports whether Exit was called in this event.
func (k *Kong) Exited() bool { return k.exited }

// Headers returns all request headers, names lower-cased, in one call for
// the event, as later plugins would read them: with the writes to the
// upstream request's headers made in this event applied, as Kong's
// kong.service.request.set_headers changes what kong.request.get_headers
// returns (kong/pdk/service/request.lua calls ngx.req.set_header).
func (k *Kong) Headers() (map[string][]string, error) {
	h, err := k.clientHeaders()
	if err != nil || len(k.pending.upHeaders) == 0 {
		return h, err
	}
	if k.hdrView == nil {
		k.hdrView = overlay(h, k.pending.upHeaders)
	}
	return k.hdrView, nil
}

func (k *Kong) clientHeaders() (map[string][]string, error) {
	if !k.haveHdrs {
		k.headers, k.headersErr = k.PDK.Request.GetHeaders(MaxHeaders)
		k.haveHdrs = true
		n := 0
		for _, vs := range k.headers {
			n += len(vs)
		}
		if k.headersErr == nil && n >= MaxHeaders {
			k.headers, k.headersErr = nil, ErrTooManyHeaders
		}
	}
	return k.headers, k.headersErr
}

// Path is what kong.request.get_path returns: the raw path of the
// request target, cut at '?' and normalized as Kong does
// (kong/pdk/request.lua get_path: normalize(ngx.var.request_uri) with
// kong/tools/uri.lua, which package uri matches byte for byte). It comes
// from RequestLine, so it shares that call with the method and the
// target, and may hold invalid UTF-8, as Kong's may.
func (k *Kong) Path() (string, error) {
	_, target, err := k.RequestLine()
	if err != nil {
		return "", err
	}
	path, _, _ := strings.Cut(target, "?")
	return uri.Normalize(path), nil
}

// Header returns the values of one request header. It reads all headers
// once (one call) and answers later lookups from the cache.
func (k *Kong) Header(name string) ([]string, error) {
	h, err := k.Headers()
	if err != nil {
		return nil, err
	}
	return h[strings.ToLower(name)], nil
}

// RawBody returns the request body, refusing one larger than max bytes
// with ErrBodyTooLarge. Kong hands a body nginx spooled to disk over as a
// file path (kong/runloop/plugin_servers/rpc/pb_rpc.lua RawBodyResult);
// go-pdk would read such a file whole, so this reads it with the limit.
// The body is read once per event, with the larger of max and the hint
// WantBody gave, and every later caller gets it under its own limit; a
// body replaced in this event (SetUpstreamRawBody) is what later callers
// read, as kong.request.get_raw_body returns what set_raw_body set.
func (k *Kong) RawBody(limit int64) ([]byte, error) {
	if k.pending.body != nil {
		return k.pending.body, nil
	}
	if k.body == nil || k.body.tooLarge && k.body.limit < limit {
		k.body = k.readBody(max(limit, k.bodyHint))
	}
	switch {
	case k.body.err != nil:
		return nil, k.body.err
	case k.body.tooLarge || int64(len(k.body.b)) > limit:
		return nil, ErrBodyTooLarge
	}
	return k.body.b, nil
}

// WantBody tells RawBody the largest limit any reader of this event will
// ask for, so the body crosses the socket once.
func (k *Kong) WantBody(max int64) { k.bodyHint = max }

type rawBody struct {
	b        []byte
	tooLarge bool
	limit    int64
	err      error
}

func (k *Kong) readBody(limit int64) *rawBody {
	rb := &rawBody{limit: limit}
	var out kong_plugin_protocol.RawBodyResult
	if err := k.PDK.Request.Ask("kong.request.get_raw_body", nil, &out); err != nil {
		rb.err = fmt.Errorf("reading request body: %w", err)
		return rb
	}
	switch kind := out.Kind.(type) {
	case *kong_plugin_protocol.RawBodyResult_Content:
		rb.b = kind.Content
		rb.tooLarge = int64(len(kind.Content)) > limit
	case *kong_plugin_protocol.RawBodyResult_BodyFilepath:
		rb.b, rb.err = readLimited(kind.BodyFilepath, limit)
		if errors.Is(rb.err, ErrBodyTooLarge) {
			rb.b, rb.err, rb.tooLarge = nil, nil, true
		}
	case *kong_plugin_protocol.RawBodyResult_Error:
		rb.err = fmt.Errorf("reading request body: %s", kind.Error)
	}
	return rb
}

func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading spooled request body: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > max {
		return nil, ErrBodyTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading spooled request body: %w", err)
	}
	if int64(len(b)) > max {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// Identity returns who made the request: the identity a policy of this
// event set (no call), or the one warden-auth stored for later plugins
// (one call), or else the consumer one of Kong's own auth plugins
// authenticated, with the groups Kong's group-aware plugins share (four
// calls). ok is false when the request is anonymous, which includes a
// fallback to an anonymous consumer (a consumer with no credential).
// Read once per event.
func (k *Kong) Identity() (id identity.Identity, ok bool, err error) {
	if !k.haveID {
		var v identity.Identity
		v, ok, err = k.readIdentity()
		if err != nil {
			return id, false, err
		}
		k.haveID = true
		if ok {
			k.id = &v
		}
	}
	if k.id == nil {
		return id, false, nil
	}
	return *k.id, true, nil
}

func (k *Kong) readIdentity() (id identity.Identity, ok bool, err error) {
	v, err := k.PDK.Ctx.GetSharedAny(identity.SharedKey)
	if err != nil {
		return id, false, fmt.Errorf("reading identity: %w", err)
	}
	if id, ok, err = identity.FromShared(v); ok || err != nil {
		return id, ok, err
	}
	c, err := k.PDK.Client.GetConsumer()
	if err != nil {
		return id, false, fmt.Errorf("reading consumer: %w", err)
	}
	if c.Id == "" {
		return id, false, nil
	}
	// A consumer authenticated with no credential is the anonymous
	// consumer an auth plugin fell back to: Kong's auth plugins set it
	// with kong.client.authenticate(consumer, nil) and take a credential
	// as proof of real authentication (kong/plugins/jwt/handler.lua
	// set_anonymous_consumer and logical_OR_authentication). It is no
	// identity.
	cred, err := k.PDK.Client.GetCredential()
	if err != nil {
		return id, false, fmt.Errorf("reading credential: %w", err)
	}
	if cred.Id == "" {
		return id, false, nil
	}
	id = identity.Identity{
		Subject:          c.Username,
		ConsumerID:       c.Id,
		ConsumerUsername: c.Username,
		ConsumerCustomID: c.CustomId,
		Method:           identity.MethodKong,
	}
	if id.Subject == "" {
		id.Subject = c.CustomId
	}
	groups, err := k.PDK.Ctx.GetSharedAny(identity.GroupsSharedKey)
	if err != nil {
		return id, false, fmt.Errorf("reading authenticated groups: %w", err)
	}
	if id.Groups, err = identity.Strings(groups); err != nil {
		return id, false, fmt.Errorf("reading authenticated groups: %w", err)
	}
	return id, true, nil
}

// SetIdentity records who made the request for the rest of the event;
// with share, it is also stored for later plugins (kong.ctx.shared, one
// call when the event ends: see Flush).
func (k *Kong) SetIdentity(id identity.Identity, share bool) {
	k.id, k.haveID = &id, true
	if share {
		k.pending.shareID = k.id
	}
}

// Logf writes a line to the plugin server's stderr, which Kong copies into
// its error log. It costs no PDK call. Never pass a secret.
func (k *Kong) Logf(format string, args ...any) { k.in.rt.logf(format, args...) }

// Audit records a security decision: one JSON line (see package audit) and
// a metric. It fills the plugin name and latency. A deny, error or shadow
// decision also gets the request, route and service ids (at most two
// calls, made once per event). An allow gets only the ids the instance's
// config names (its route or service scope), at no PDK cost: fetching them
// would double the calls of an allowed request, and Kong's access log
// already records allowed requests; WARDEN_AUDIT=all_ids fetches them for
// allows too.
func (k *Kong) Audit(e audit.Event) {
	rt := k.in.rt
	k.decisionMetrics().Decision(string(e.Decision), e.Reason)
	if !rt.auditLevel.wants(e.Decision) {
		return
	}
	e.Plugin = rt.name
	if k.stage != nil {
		e.Plugin, e.Via = k.stage.Name, rt.name
	}
	e.LatencyUS = time.Since(k.start).Microseconds()
	if e.Decision != audit.Allow || rt.auditLevel == auditAllIDs {
		ids := k.requestIDs()
		e.RequestID, e.RouteID, e.ServiceID = ids.request, ids.route, ids.service
	} else {
		e.RouteID, e.ServiceID = k.in.routeID, k.in.serviceID
	}
	rt.audit.Write(e)
}

type requestIDs struct{ request, route, service string }

// requestIDs reads the ids for audit events. In the log phase Kong serves
// saved data from a timer where nginx variables are gone, so the ids come
// from kong.log.serialize (one call, kong/runloop/plugin_servers/plugin.lua
// exposed_api); elsewhere from $kong_request_id and the router.
func (k *Kong) requestIDs() requestIDs {
	if k.ids != nil {
		return *k.ids
	}
	k.ids = &requestIDs{}
	if k.Phase == PhaseLog {
		s, err := k.PDK.Log.Serialize()
		if err == nil {
			var v struct {
				Request struct {
					ID string `json:"id"`
				} `json:"request"`
				Route struct {
					ID string `json:"id"`
				} `json:"route"`
				Service struct {
					ID string `json:"id"`
				} `json:"service"`
			}
			if json.Unmarshal([]byte(s), &v) == nil {
				*k.ids = requestIDs{v.Request.ID, v.Route.ID, v.Service.ID}
			}
		}
		return *k.ids
	}
	// kong/templates/nginx_kong.lua defines $kong_request_id. The route
	// entity carries its service's id, so one router call gives both; an
	// instance scoped to a route and a service (Kong puts the scope in the
	// config: plugins_iterator.lua get_config) needs none.
	k.ids.request, _ = k.PDK.Nginx.GetVar("kong_request_id")
	k.ids.route, k.ids.service = k.in.routeID, k.in.serviceID
	if k.ids.route != "" && k.ids.service == "" {
		// A route-scoped instance runs on one route, whose service is
		// remembered for routeServiceTTL (a cache hit costs no call).
		if svc, ok := k.in.routeService.get(); ok {
			k.ids.service = svc
			return *k.ids
		}
	}
	if k.ids.route == "" || k.ids.service == "" {
		if r, err := k.PDK.Router.GetRoute(); err == nil {
			if k.ids.route == "" {
				k.ids.route = r.Id
			}
			if k.ids.service == "" {
				k.ids.service = r.Service.Id
				if k.in.routeID != "" && r.Id == k.in.routeID {
					k.in.routeService.put(r.Service.Id)
				}
			}
		}
	}
	return *k.ids
}

// routeServiceTTL bounds how long a route-scoped instance trusts the
// service it read for its route. Kong starts a new instance whenever it
// rebuilds its plugins iterator (kong/runloop/plugins_iterator.lua
// get_plugin_config gives each build's configs a new __seq__, and
// plugin_servers/plugin.lua get_instance_id starts an instance for a new
// one), but moving a route to another service rebuilds the router only,
// so a route's service can change under a running instance: its audit
// events name the new one within this time.
const routeServiceTTL = 10 * time.Second

// serviceCache is the service of an instance's route, with when it was
// read.
type serviceCache struct {
	mu   sync.Mutex
	id   string
	read time.Time
}

func (c *serviceCache) get() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id, c.id != "" && time.Since(c.read) < routeServiceTTL
}

func (c *serviceCache) put(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.id, c.read = id, time.Now()
}

// auditLevel selects which decisions become audit lines.
type auditLevel int

const (
	auditAll auditLevel = iota
	auditAllIDs
	auditDeny
	auditOff
)

func parseAuditLevel(s string) (auditLevel, error) {
	switch strings.ToLower(s) {
	case "", "all":
		return auditAll, nil
	case "all_ids":
		return auditAllIDs, nil
	case "deny":
		return auditDeny, nil
	case "off":
		return auditOff, nil
	}
	return 0, fmt.Errorf("audit level %s: want all, all_ids, deny or off", strconv.Quote(s))
}

func (l auditLevel) wants(d audit.Decision) bool {
	switch l {
	case auditAll, auditAllIDs:
		return true
	case auditDeny:
		return d != audit.Allow
	}
	return false
}
