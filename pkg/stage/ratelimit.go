package stage

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/identity"
	"github.com/warden-gw/warden/pkg/metrics"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/ratelimit"
	"github.com/warden-gw/warden/pkg/respond"
)

// RateLimit adapts a compiled ratelimit.Policy to Kong's access phase.
type RateLimit struct {
	policy *ratelimit.Policy
	limits string
}

// NewRateLimit compiles cfg, counting outages in m.
func NewRateLimit(cfg *ratelimit.Config, m *metrics.Registry) (*RateLimit, error) {
	p, err := ratelimit.CompileWith(cfg, ratelimit.CompileOptions{Hooks: hooks(m)})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(p.Limiter().Limits()))
	for i, l := range p.Limiter().Limits() {
		names[i] = l.String()
	}
	return &RateLimit{policy: p, limits: strings.Join(names, ",")}, nil
}

// Access reads only what the policy needs (one PDK call per item), decides,
// and either refuses with the headers in the exit (one call) or sets them
// on the response to come (kong.response.set_headers, allowed in access
// as Kong's rate-limiting sets ngx.header there,
// kong/plugins/rate-limiting/handler.lua and
// kong/pdk/private/rate_limiting.lua; made with the event's other
// response headers, or carried by a later stage's exit).
func (h *RateLimit) Access(k *pluginkit.Kong) error {
	req, id, err := h.read(k)
	if err != nil {
		return err
	}
	v := h.policy.Decide(context.Background(), req)
	e, audited := h.event(v, id)
	if v.Refuse {
		r := respond.Error(v.Status, v.Message)
		for name, vals := range v.Headers {
			r.Headers[name] = vals
		}
		k.Decide(e, r)
		return nil
	}
	if audited {
		k.Audit(e)
	}
	if len(v.Headers) > 0 {
		k.SetResponseHeaders(v.Headers)
	}
	return nil
}

// read fills the request data the policy needs, the fallback
// identifier's only when a limit_by value is missing, and the client IP
// only when the fallback's is missing too.
func (h *RateLimit) read(k *pluginkit.Kong) (ratelimit.Request, *identity.Identity, error) {
	var r ratelimit.Request
	n := h.policy.Needs()
	if err := fill(k, &r, n); err != nil {
		return r, nil, err
	}
	if h.policy.Missing(r) {
		fb := h.policy.FallbackNeeds()
		fb.Identity = fb.Identity && !n.Identity
		fb.IP = fb.IP && !n.IP
		fb.Path = fb.Path && !n.Path
		fb.Headers = fb.Headers && !n.Headers
		fb.Service = fb.Service && !n.Service
		fb.Route = fb.Route && !n.Route
		if err := fill(k, &r, fb); err != nil {
			return r, nil, err
		}
		// Neither has a value: the client IP, as Kong's rate-limiting
		// falls back to it (kong/plugins/rate-limiting/handler.lua).
		if r.IP == "" && h.policy.Unidentified(r) {
			if err := fill(k, &r, ratelimit.Needs{IP: true}); err != nil {
				return r, nil, err
			}
		}
	}
	return r, r.Identity, nil
}

// fill reads the items n asks for, one PDK call each (one for service
// and route together).
func fill(k *pluginkit.Kong, r *ratelimit.Request, n ratelimit.Needs) error {
	var err error
	if n.Identity {
		id, ok, err := k.Identity()
		if err != nil {
			return err
		}
		if ok {
			r.Identity = &id
		}
	}
	if n.IP {
		if r.IP, err = k.PDK.Client.GetForwardedIp(); err != nil {
			return fmt.Errorf("reading client ip: %w", err)
		}
	}
	if n.Path {
		if r.Path, err = k.Path(); err != nil {
			return fmt.Errorf("reading path: %w", err)
		}
	}
	if n.Headers {
		if r.Headers, err = k.Headers(); err != nil {
			return fmt.Errorf("reading headers: %w", err)
		}
	}
	// The route entity carries its service's id (kong/pdk/router.lua
	// get_route returns the matched route with its service foreign key),
	// so one call serves both identifiers.
	if (n.Service || n.Route) && r.RouteID == "" {
		rt, err := k.PDK.Router.GetRoute()
		if err != nil {
			return fmt.Errorf("reading route: %w", err)
		}
		r.RouteID, r.ServiceID = rt.Id, rt.Service.Id
	}
	return nil
}

// event is the audit event of a refusal, a shadow refusal or an outage
// decision; a plain allow is not audited (ok false). Details never hold
// the identifier: it may be a header value.
func (h *RateLimit) event(v ratelimit.Verdict, id *identity.Identity) (e audit.Event, ok bool) {
	var d audit.Decision
	switch {
	case v.Refuse:
		d = audit.Deny
	case v.ShadowRefused:
		d = audit.ShadowDeny
	case v.Source.Fallback():
		d = audit.Allow
	default:
		return e, false
	}
	e = audit.Event{Decision: d, Reason: v.Reason(), Details: map[string]any{
		"limits": h.limits,
		"source": string(v.Source),
	}}
	if v.Refuse {
		e.Status = v.Status
	}
	if ra := v.RetryAfter(); ra > 0 {
		e.Details["retry_after_ms"] = ra.Milliseconds()
	}
	if v.Tier != nil {
		e.Details["tier"] = v.Tier.By + ":" + v.Tier.Value
	}
	if v.Err != nil {
		e.Details["redis_error"] = redisErrorClass(v.Err)
	}
	if id != nil {
		e.Consumer, e.Subject = id.ConsumerUsername, id.Subject
	}
	return e, true
}

// redisErrorClass names an outage without the driver's text, which could
// quote an address or a server reply.
func redisErrorClass(err error) string {
	return ratelimit.ErrorClass(err)
}

// quietRedis drops go-redis's own log lines: during an outage it logs
// every failed dial, which would flood Kong's error log; the breaker, the
// audit events and the decision metrics report outages instead.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quietRedis{}) }
