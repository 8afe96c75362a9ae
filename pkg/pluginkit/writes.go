package pluginkit

import (
	"fmt"
	"strings"

	"github.com/Kong/go-pdk"
	"github.com/Kong/go-pdk/client"
	"github.com/Kong/go-pdk/entities"

	"github.com/warden-gw/warden/pkg/identity"
)

// writes are an event's changes to the request, the response and Kong's
// context, kept until the event ends and then made in as few calls as
// Kong's PDK allows: one set_headers for every upstream header change of
// every policy, one for every response header, one authenticate. Each PDK
// call is a socket round trip inside Kong's worker.
type writes struct {
	consumer    *entities.Consumer
	credential  *client.AuthenticatedCredential
	authn       bool
	upHeaders   map[string][]string // lower-case names; an empty list clears
	query       *string
	body        []byte
	respHeaders map[string][]string // lower-case names; an empty list clears
	shareID     *identity.Identity
}

// Authenticate marks the request as made by consumer with credential
// (kong.client.authenticate, as Kong's own auth plugins do: later
// plugins, consumer-scoped plugin configs and Kong's log see them). A nil
// credential is Kong's anonymous fallback. Deferred to the end of the
// event, or made just before an Exit.
func (k *Kong) Authenticate(consumer *entities.Consumer, credential *client.AuthenticatedCredential) {
	k.pending.consumer, k.pending.credential, k.pending.authn = consumer, credential, true
}

// SetUpstreamHeaders changes headers of the request Kong sends upstream
// (kong.service.request.set_headers: each name set to its values, an
// empty list clearing it). Later calls in the event win per name, case
// aside; Headers shows the result at once.
func (k *Kong) SetUpstreamHeaders(h map[string][]string) {
	k.pending.upHeaders = merge(k.pending.upHeaders, h)
	k.hdrView = nil
}

// SetUpstreamRawQuery replaces the query Kong sends upstream
// (kong.service.request.set_raw_query).
func (k *Kong) SetUpstreamRawQuery(q string) { k.pending.query = &q }

// SetUpstreamRawBody replaces the body Kong sends upstream, and its
// Content-Length (kong.service.request.set_raw_body).
func (k *Kong) SetUpstreamRawBody(b []byte) {
	if b == nil {
		b = []byte{}
	}
	k.pending.body = b
}

// SetResponseHeaders changes headers of the response Kong will send the
// client (kong.response.set_headers; allowed in access, where Kong's own
// rate-limiting sets its headers, and in the response phase). An Exit
// later in the event carries them unless it sets them itself.
func (k *Kong) SetResponseHeaders(h map[string][]string) {
	k.pending.respHeaders = merge(k.pending.respHeaders, h)
}

// Flush makes the event's deferred writes: the runtime calls it when a
// handler returns without an exit. The order is the order the stand-alone
// plugins made them in: the consumer, the upstream request, the response
// headers, the identity for later plugins.
func (k *Kong) Flush() error {
	w := k.pending
	k.pending = writes{}
	if err := w.authenticate(k.PDK); err != nil {
		return err
	}
	if len(w.upHeaders) > 0 {
		if err := k.PDK.ServiceRequest.SetHeaders(w.upHeaders); err != nil {
			return fmt.Errorf("setting upstream headers: %w", err)
		}
	}
	if w.query != nil {
		if err := k.PDK.ServiceRequest.SetRawQuery(*w.query); err != nil {
			return fmt.Errorf("setting upstream query: %w", err)
		}
	}
	if w.body != nil {
		if err := k.PDK.ServiceRequest.SetRawBody(string(w.body)); err != nil {
			return fmt.Errorf("setting upstream body: %w", err)
		}
	}
	if len(w.respHeaders) > 0 {
		if err := k.PDK.Response.SetHeaders(w.respHeaders); err != nil {
			return fmt.Errorf("setting response headers: %w", err)
		}
	}
	if w.shareID != nil {
		if err := k.PDK.Ctx.SetShared(identity.SharedKey, w.shareID.Shared()); err != nil {
			return fmt.Errorf("storing identity: %w", err)
		}
	}
	return nil
}

func (w *writes) authenticate(p *pdk.PDK) error {
	if !w.authn {
		return nil
	}
	w.authn = false
	if err := p.Client.Authenticate(w.consumer, w.credential); err != nil {
		return fmt.Errorf("authenticating: %w", err)
	}
	return nil
}

// underResponse returns h with the pending response headers h does not
// set itself.
func (w *writes) underResponse(h map[string][]string) map[string][]string {
	if len(w.respHeaders) == 0 {
		return h
	}
	out := make(map[string][]string, len(h)+len(w.respHeaders))
	for name, vs := range w.respHeaders {
		out[name] = vs
	}
	for name, vs := range h {
		delete(out, strings.ToLower(name))
		out[name] = vs
	}
	return out
}

// merge sets each name of h in dst (created if nil) under its lower-case
// form, so a later write replaces an earlier one whatever its case, as
// nginx's header setters do.
func merge(dst, h map[string][]string) map[string][]string {
	if dst == nil {
		dst = make(map[string][]string, len(h))
	}
	for name, vs := range h {
		dst[strings.ToLower(name)] = vs
	}
	return dst
}

// overlay returns headers (lower-case names) with the writes applied: a
// set replaces the values, an empty list removes the header.
func overlay(headers, set map[string][]string) map[string][]string {
	out := make(map[string][]string, len(headers)+len(set))
	for name, vs := range headers {
		out[name] = vs
	}
	for name, vs := range set {
		if len(vs) == 0 {
			delete(out, name)
		} else {
			out[name] = vs
		}
	}
	return out
}
