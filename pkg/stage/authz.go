package stage

import (
	"fmt"
	"strings"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/authz"
	"github.com/warden-gw/warden/pkg/identity"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/uri"
)

// Authz adapts a compiled authz.Policy to Kong's access phase.
type Authz struct {
	policy *authz.Policy
}

// NewAuthz compiles cfg.
func NewAuthz(cfg *authz.Config) (*Authz, error) {
	p, err := authz.Compile(cfg)
	if err != nil {
		return nil, err
	}
	return &Authz{policy: p}, nil
}

// Access reads the method and the raw request URI (one call: the request
// line), matches them, then reads only what the matched rules need: the identity (one
// call, four for a Kong consumer), the host, the headers and the client
// IP (one call each). The query comes with the URI. Where the rules
// matching the path tell methods apart and another method would be
// decided more strictly (authz.Match.OverrideMatters), the method-override
// headers are read (the one get_headers call a header condition would
// make) with the _method parameter, and the request is decided under each
// method named too.
func (h *Authz) Access(k *pluginkit.Kong) error {
	// The raw target, as kong.request.get_path_with_query
	// (ngx.var.request_uri, kong/pdk/request.lua) would return it: the
	// normalized kong.request.get_path would hide what we refuse.
	method, target, err := k.RequestLine()
	if err != nil {
		return err
	}
	_, rawQuery, _ := strings.Cut(target, "?")
	m := h.policy.Match(method, target)
	r := request{Request: authz.Request{Method: method, Path: target}, rawQuery: rawQuery}
	if err := r.read(k, m.Needs()); err != nil {
		return err
	}
	if m.OverrideMatters(r.Request, r.id, r.have) {
		if err := r.read(k, authz.NeedHeaders|authz.NeedQuery); err != nil {
			return err
		}
		m.Override(r.Headers, r.Query)
		if err := r.read(k, m.Needs()); err != nil {
			return err
		}
	}
	req, id := r.Request, r.id
	d := m.Decide(req, id)
	if d.Allow {
		k.Audit(authzEvent(d, method, id))
		return nil
	}
	k.Decide(authzEvent(d, method, id), authz.Answer(d))
	return nil
}

// request is what Access has read of a request so far.
type request struct {
	authz.Request
	rawQuery string
	id       *identity.Identity
	have     authz.Needs
}

// read reads the parts of needs not read yet: the identity (one call,
// four for a Kong consumer), the host, the headers and the client IP (one
// call each); the query is parsed from the target.
func (r *request) read(k *pluginkit.Kong, needs authz.Needs) error {
	needs &^= r.have
	r.have |= needs
	var err error
	if needs&authz.NeedIdentity != 0 {
		v, ok, err := k.Identity()
		if err != nil {
			return err
		}
		if ok {
			r.id = &v
		}
	}
	if needs&authz.NeedHost != 0 {
		if r.Host, err = k.PDK.Request.GetHost(); err != nil {
			return fmt.Errorf("reading host: %w", err)
		}
	}
	if needs&authz.NeedHeaders != 0 {
		if r.Headers, err = k.Headers(); err != nil {
			return fmt.Errorf("reading headers: %w", err)
		}
	}
	if needs&authz.NeedIP != 0 {
		// kong.client.get_forwarded_ip is ngx.var.remote_addr after
		// trusted_ips and real_ip_header (kong/pdk/client.lua), the
		// address Kong's ip-restriction matches.
		if r.IP, err = k.PDK.Client.GetForwardedIp(); err != nil {
			return fmt.Errorf("reading client ip: %w", err)
		}
	}
	if needs&authz.NeedQuery != 0 {
		r.Query = parseQuery(r.rawQuery)
	}
	return nil
}

func authzEvent(d authz.Decision, method string, id *identity.Identity) audit.Event {
	e := audit.Event{Decision: audit.Allow, Reason: d.Reason, Status: d.Status,
		Details: map[string]any{"method": method}}
	switch {
	case d.Shadow:
		e.Decision = audit.ShadowDeny
	case !d.Allow:
		e.Decision = audit.Deny
	}
	if d.Rule != "" {
		e.Details["rule"] = d.Rule
	}
	if d.Override != "" {
		e.Details["method_override"] = d.Override
	}
	if len(d.Scopes) > 0 {
		e.Details["missing_scopes"] = d.Scopes
	}
	if id != nil {
		e.Subject = id.Subject
		e.Consumer = id.ConsumerUsername
		if e.Consumer == "" {
			e.Consumer = id.ConsumerID
		}
	}
	return e
}

// parseQuery decodes a raw query as nginx does (uri.Pairs), keeping every
// value of a repeated name in order and at most uri.MaxArgs arguments. A
// flag (?debug) has the value "", so a condition sees that it was sent.
func parseQuery(raw string) map[string][]string {
	q := map[string][]string{}
	n := 0
	for p := range uri.Pairs(raw) {
		if n++; n > uri.MaxArgs {
			break
		}
		q[p.Name] = append(q[p.Name], p.Value)
	}
	return q
}
