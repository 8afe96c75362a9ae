package pluginkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/Kong/go-pdk"
	"github.com/Kong/go-pdk/server/kong_plugin_protocol"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/identity"
	"github.com/warden-gw/warden/pkg/respond"
)

// ErrBodyTooLarge is returned by RawBody for a body over the limit.
var ErrBodyTooLarge = errors.New("request body too large")

// ErrTooManyHeaders is returned by Headers for a request with at least
// maxHeaders header lines: Kong returns the first maxHeaders and drops
// the "truncated" result on the way to the plugin
// (kong/runloop/plugin_servers/rpc/pb_rpc.lua), so a header past them
// would go unseen. The plugin fails closed.
var ErrTooManyHeaders = errors.New("too many request headers to inspect")

// maxHeaders is the most headers Kong's PDK returns in one call
// (kong/pdk/request.lua MAX_HEADERS). Asking for the maximum keeps a client
// from hiding a header behind 100 others (the default).
const maxHeaders = 1000

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
func (k *Kong) Exit(r respond.Response) {
	k.exited = true
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

// Headers returns all request headers, names lower-cased, in one call.
func (k *Kong) Headers() (map[string][]string, error) {
	if !k.haveHdrs {
		k.headers, k.headersErr = k.PDK.Request.GetHeaders(maxHeaders)
		k.haveHdrs = true
		n := 0
		for _, vs := range k.headers {
			n += len(vs)
		}
		if k.headersErr == nil && n >= maxHeaders {
			k.headers, k.headersErr = nil, ErrTooManyHeaders
		}
	}
	return k.headers, k.headersErr
}

// Path is kong.request.get_path: the path normalized as Kong does
// (kong/tools/uri.lua), which decodes escapes of bytes above 0x7F and so
// may hold invalid UTF-8. go-pdk's string reply refuses that, and a client
// could turn any request into a 500; read as bytes, it is just a path.
func (k *Kong) Path() (string, error) { return k.askBytes("kong.request.get_path") }

// PathWithQuery is kong.request.get_path_with_query, the raw request
// target, read as bytes like Path: nginx accepts bytes above 0x7F in it.
func (k *Kong) PathWithQuery() (string, error) {
	return k.askBytes("kong.request.get_path_with_query")
}

// askBytes reads a string reply into a bytes field, which has the same
// wire encoding (field 1, length-delimited) without the UTF-8 check.
func (k *Kong) askBytes(method string) (string, error) {
	out := new(kong_plugin_protocol.ByteString)
	if err := k.PDK.Request.Ask(method, nil, out); err != nil {
		return "", err
	}
	return string(out.V), nil
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
func (k *Kong) RawBody(max int64) ([]byte, error) {
	var out kong_plugin_protocol.RawBodyResult
	if err := k.PDK.Request.Ask("kong.request.get_raw_body", nil, &out); err != nil {
		return nil, fmt.Errorf("reading request body: %w", err)
	}
	switch kind := out.Kind.(type) {
	case *kong_plugin_protocol.RawBodyResult_Content:
		if int64(len(kind.Content)) > max {
			return nil, ErrBodyTooLarge
		}
		return kind.Content, nil
	case *kong_plugin_protocol.RawBodyResult_BodyFilepath:
		return readLimited(kind.BodyFilepath, max)
	case *kong_plugin_protocol.RawBodyResult_Error:
		return nil, fmt.Errorf("reading request body: %s", kind.Error)
	}
	return nil, nil
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

// Identity returns who made the request: the identity warden-auth stored
// (one call), or else the consumer one of Kong's own auth plugins
// authenticated, with the groups Kong's group-aware plugins share (four
// calls). ok is false when the request is anonymous, which includes a
// fallback to an anonymous consumer (a consumer with no credential).
func (k *Kong) Identity() (id identity.Identity, ok bool, err error) {
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

// SetIdentity stores id for later plugins (one call).
func (k *Kong) SetIdentity(id identity.Identity) error {
	if err := k.PDK.Ctx.SetShared(identity.SharedKey, id.Shared()); err != nil {
		return fmt.Errorf("storing identity: %w", err)
	}
	return nil
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
	rt.metrics.Decision(string(e.Decision), e.Reason)
	if !rt.auditLevel.wants(e.Decision) {
		return
	}
	e.Plugin = rt.name
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
	if k.ids.route == "" || k.ids.service == "" {
		if r, err := k.PDK.Router.GetRoute(); err == nil {
			if k.ids.route == "" {
				k.ids.route = r.Id
			}
			if k.ids.service == "" {
				k.ids.service = r.Service.Id
			}
		}
	}
	return *k.ids
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
