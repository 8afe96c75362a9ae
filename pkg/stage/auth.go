// Package stage holds Warden's five policies as Kong sees them: each
// adapts one policy package (auth, authz, validator, ratelimit,
// leakguard) to a pluginkit.Kong event, reading only what its config
// needs and leaving its writes to the runtime, which makes them in as few
// PDK calls as Kong allows. A stand-alone plugin binary runs one stage;
// warden-suite runs several in one event, so each request fact crosses
// the socket once.
package stage

import (
	"context"
	"errors"
	"fmt"

	"github.com/Kong/go-pdk/client"
	"github.com/Kong/go-pdk/entities"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/auth"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/respond"
	"github.com/warden-gw/warden/pkg/uri"
)

// Auth adapts auth.Authenticator to Kong: read headers (and the query
// only when a query source is configured), decide, then apply the
// decision: the consumer, the upstream headers (one set_headers call with
// whatever later stages set) and, when shared, the identity for later
// plugins.
type Auth struct {
	a     *auth.Authenticator
	share bool
}

// NewAuth compiles cfg. With share, the identity of an authenticated
// request is stored for later plugins (kong.ctx.shared, one call per
// request), as the stand-alone warden-auth must for warden-authz and
// warden-ratelimit.
func NewAuth(cfg *auth.Config, share bool) (*Auth, error) {
	a, err := auth.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Auth{a: a, share: share}, nil
}

// Access authenticates the request.
func (h *Auth) Access(k *pluginkit.Kong) error {
	if h.a.Anonymous() != "" {
		// Logical OR with other auth plugins: a request an earlier plugin
		// authenticated is left alone (kong/plugins/jwt/handler.lua
		// logical_OR_authentication), but for the headers only this
		// plugin may set, which a client could otherwise forge.
		cred, err := k.PDK.Client.GetCredential()
		if err != nil {
			return fmt.Errorf("reading credential: %w", err)
		}
		if cred.Id != "" {
			k.SetUpstreamHeaders(h.a.OwnHeaders())
			return nil
		}
	}
	headers, err := k.Headers()
	if err != nil {
		return fmt.Errorf("reading headers: %w", err)
	}
	req := auth.Request{Headers: headers,
		// Read only for a certificate-bound token (RFC 8705): nginx's
		// $ssl_client_escaped_cert, with ssl_verify_client asked of the
		// proxy server block (see the README).
		ClientCert: func() (string, error) { return k.PDK.Nginx.GetVar("ssl_client_escaped_cert") }}
	if h.a.NeedsQuery() {
		// The raw query, not kong.request.get_query: the credential must
		// be stripped without rewriting the rest (get_query drops flags
		// and order, and stops at a maximum number of arguments).
		if req.RawQuery, err = k.PDK.Request.GetRawQuery(); err != nil {
			return fmt.Errorf("reading query: %w", err)
		}
		req.Query = uri.ParseQuery(req.RawQuery)
	}
	if h.a.NeedsRequestLine(headers) {
		// A DPoP proof names the method and URI the client addressed:
		// nginx's $request is the request line as sent (method and raw
		// target in one call; kong/runloop/plugin_servers/plugin.lua
		// answers kong.nginx.get_var with ngx.var), the scheme is the
		// connection's.
		line, err := k.PDK.Nginx.GetVar("request")
		if err != nil {
			return fmt.Errorf("reading request line: %w", err)
		}
		req.SetRequestLine(line)
		if req.Scheme, err = k.PDK.Request.GetScheme(); err != nil {
			return fmt.Errorf("reading scheme: %w", err)
		}
	}
	res, denial := h.a.Authenticate(context.Background(), req)
	if denial == nil && res.ConsumerRef != "" {
		denial, err = h.mapConsumer(k, res)
		if err != nil {
			return err
		}
	}
	if denial != nil {
		if h.a.Anonymous() != "" {
			return h.anonymous(k, denial)
		}
		status, msg, hdrs := h.a.Answer(denial)
		ev := audit.Event{Decision: audit.Deny, Reason: denial.Reason}
		if rs := denial.Reasons(); len(rs) > 1 {
			ev.Details = map[string]any{"failed_checks": rs} // every rule the token broke
		}
		k.Decide(ev, respond.Error(status, msg, hdrs...))
		return nil
	}
	return h.allow(k, res, req)
}

// mapConsumer loads the consumer res names (Kong's load_consumer, by id
// and optionally username), through a short cache.
func (h *Auth) mapConsumer(k *pluginkit.Kong, res *auth.Result) (*auth.Denial, error) {
	if c, ok := h.a.CachedConsumer(res.ConsumerRef); ok {
		res.SetConsumer(c)
		return nil, nil
	}
	// A consumer that does not exist comes back as an empty reply
	// (kong/runloop/plugin_servers/rpc/pb_rpc.lua call_pdk answers "" for
	// nil), so an empty id, not an error, means not found.
	c, err := k.PDK.Client.LoadConsumer(res.ConsumerRef, res.ConsumerByUsername)
	if err != nil {
		return nil, fmt.Errorf("loading consumer: %w", err)
	}
	if c.Id == "" {
		if res.ConsumerOptional {
			return nil, nil
		}
		return &auth.Denial{Status: 401, Reason: auth.ReasonConsumerNotFound, OAuth: "invalid_token", Err: auth.ErrConsumerNotFound}, nil
	}
	found := auth.Consumer{ID: c.Id, Username: c.Username, CustomID: c.CustomId}
	h.a.CacheConsumer(res.ConsumerRef, found)
	res.SetConsumer(found)
	return nil, nil
}

func (h *Auth) allow(k *pluginkit.Kong, res *auth.Result, req auth.Request) error {
	id := res.Identity
	var consumer *entities.Consumer
	if id.ConsumerID != "" {
		consumer = &entities.Consumer{Id: id.ConsumerID, Username: id.ConsumerUsername, CustomId: id.ConsumerCustomID}
	}
	// kong.client.authenticate marks the request authenticated for later
	// plugins, as Kong's own auth plugins do (jwt/handler.lua set_consumer).
	k.Authenticate(consumer, &client.AuthenticatedCredential{Id: id.CredentialID, ConsumerId: id.ConsumerID})
	up, err := h.a.UpstreamHeaders(res, req.Headers)
	if err != nil {
		return fmt.Errorf("building upstream headers: %w", err)
	}
	k.SetUpstreamHeaders(up)
	if q, ok := h.a.StrippedQuery(res, req.RawQuery); ok {
		k.SetUpstreamRawQuery(q)
	}
	k.SetIdentity(id, h.share)
	k.Audit(audit.Event{Decision: audit.Allow, Reason: auth.ReasonOK, Consumer: id.ConsumerUsername, Subject: id.Subject,
		Details: map[string]any{"method": id.Method, "cached": res.Cached}})
	return nil
}

// anonymous falls back to the anonymous consumer after a failed
// authentication (kong/plugins/jwt/handler.lua set_anonymous_consumer):
// a missing anonymous consumer is a misconfiguration and fails closed.
func (h *Auth) anonymous(k *pluginkit.Kong, d *auth.Denial) error {
	ref := h.a.Anonymous()
	c, ok := h.a.CachedConsumer(ref)
	if !ok {
		kc, err := k.PDK.Client.LoadConsumer(ref, true)
		if err != nil {
			return fmt.Errorf("loading anonymous consumer: %w", err)
		}
		if kc.Id == "" {
			return errors.New("anonymous consumer is configured but does not exist")
		}
		c = auth.Consumer{ID: kc.Id, Username: kc.Username, CustomID: kc.CustomId}
		h.a.CacheConsumer(ref, c)
	}
	k.Authenticate(&entities.Consumer{Id: c.ID, Username: c.Username, CustomId: c.CustomID}, nil)
	k.SetUpstreamHeaders(h.a.AnonymousHeaders(c))
	k.Audit(audit.Event{Decision: audit.Allow, Reason: auth.ReasonAnonymous, Consumer: c.Username,
		Details: map[string]any{"failed": d.Reason}})
	return nil
}
