package auth

import (
	"net/http"
	"strings"
)

// clearedHeaders are the identity headers every request has removed
// unless this plugin sets them, so a client can never forge them.
func (a *Authenticator) clearedHeaders() map[string][]string {
	h := map[string][]string{
		headerConsumerID:       {},
		headerConsumerCustomID: {},
		headerConsumerUsername: {},
		headerCredential:       {},
		headerAnonymous:        {},
	}
	for _, ch := range a.cfg.ClaimsToHeaders {
		h[strings.ToLower(ch.Header)] = []string{}
	}
	// x-warden-identity is always dropped, assertion on or off: an
	// upstream that verifies assertions on some routes must never get a
	// client's on the others.
	h[DefaultAssertionHeader] = []string{}
	if a.cfg.Assertion != nil {
		h[strings.ToLower(a.cfg.Assertion.Header)] = []string{}
	}
	return h
}

// OwnHeaders returns the headers only this plugin sets (claims_to_headers
// and the identity assertion, x-warden-identity always), cleared, for a
// request another auth plugin authenticated: Kong's consumer headers are
// that plugin's, but these must not reach the upstream as the client
// sent them.
func (a *Authenticator) OwnHeaders() map[string][]string {
	h := map[string][]string{DefaultAssertionHeader: {}}
	for _, ch := range a.cfg.ClaimsToHeaders {
		h[strings.ToLower(ch.Header)] = []string{}
	}
	if a.cfg.Assertion != nil {
		h[strings.ToLower(a.cfg.Assertion.Header)] = []string{}
	}
	return h
}

// UpstreamHeaders returns the headers to set on the upstream request for
// an authenticated res, in the form kong.service.request.set_headers
// takes: an empty list clears a header (ngx.req.set_header with an empty
// table removes it, which is what kong/pdk/service/request.lua
// set_headers calls). Kong's consumer headers follow
// kong/plugins/jwt/handler.lua set_consumer; the credential is removed
// when hide_credentials is on (kong/plugins/key-auth/handler.lua).
// headers are the client's request headers, needed to strip one cookie.
func (a *Authenticator) UpstreamHeaders(res *Result, headers map[string][]string) (map[string][]string, error) {
	h := a.clearedHeaders()
	id := res.Identity
	set := func(name, v string) {
		if v != "" {
			h[name] = []string{v}
		}
	}
	set(headerConsumerID, id.ConsumerID)
	set(headerConsumerCustomID, id.ConsumerCustomID)
	set(headerConsumerUsername, id.ConsumerUsername)
	set(headerCredential, id.CredentialID)
	for name, v := range res.claimHdrs {
		h[name] = []string{v}
	}
	if a.cfg.HideCredentials && a.dpop != nil {
		h["dpop"] = []string{} // the proof goes with the token it proves
	}
	if a.cfg.HideCredentials && res.loc.header != "" {
		if res.loc.cookie != "" {
			h["cookie"] = stripCookie(headers["cookie"], res.loc.cookie)
		} else {
			h[res.loc.header] = []string{}
		}
	}
	if a.signer != nil {
		tok, err := a.signer.sign(id)
		if err != nil {
			return nil, err
		}
		h[strings.ToLower(a.cfg.Assertion.Header)] = []string{tok}
	}
	return h, nil
}

// AnonymousHeaders returns the upstream headers for a request that falls
// back to the anonymous consumer c: Kong's consumer headers for c,
// X-Anonymous-Consumer: true, everything else cleared.
func (a *Authenticator) AnonymousHeaders(c Consumer) map[string][]string {
	h := a.clearedHeaders()
	if c.ID != "" {
		h[headerConsumerID] = []string{c.ID}
	}
	if c.CustomID != "" {
		h[headerConsumerCustomID] = []string{c.CustomID}
	}
	if c.Username != "" {
		h[headerConsumerUsername] = []string{c.Username}
	}
	h[headerAnonymous] = []string{"true"}
	return h
}

// StrippedQuery returns the raw query without the credential's parameter
// when the credential came from the query string and hide_credentials is
// on, every other parameter kept byte for byte and in order (flags,
// repeated names and escapes included); ok is false when the query needs
// no change.
func (a *Authenticator) StrippedQuery(res *Result, rawQuery string) (string, bool) {
	if !a.cfg.HideCredentials || res.loc.queryParam == "" {
		return "", false
	}
	return stripQueryParam(rawQuery, res.loc.queryParam)
}

// Answer turns a Denial into the client's answer: status, a generic
// message that does not say which check failed, and the challenge header
// (RFC 6750 3; Kong's key-auth answers `Key realm="kong"`).
func (a *Authenticator) Answer(d *Denial) (status int, message string, headers []string) {
	status = d.Status
	message = http.StatusText(status)
	if status == http.StatusServiceUnavailable {
		return status, message, nil
	}
	if d.DPoP && a.dpop != nil {
		// RFC 9449 7.1: the DPoP scheme, with the algorithms accepted.
		ch := `DPoP realm="` + a.cfg.Realm + `", algs="` + a.dpop.algsText + `"`
		if d.OAuth != "" {
			ch += `, error="` + d.OAuth + `"`
		}
		if d.Nonce != "" {
			return status, message, []string{"WWW-Authenticate", ch, "DPoP-Nonce", d.Nonce}
		}
		return status, message, []string{"WWW-Authenticate", ch}
	}
	scheme := "Bearer"
	if !a.tokens() {
		scheme = "Key"
	}
	ch := scheme + ` realm="` + a.cfg.Realm + `"`
	if d.OAuth != "" && scheme == "Bearer" {
		ch += `, error="` + d.OAuth + `"`
	}
	return status, message, []string{"WWW-Authenticate", ch}
}
