package authz

import (
	"net/http"
	"strings"

	"github.com/warden-gw/warden/pkg/respond"
)

// Answer is what the client gets for a denial: a generic Kong-style body,
// with the challenge RFC 6750 section 3 asks for. The reason and the rule
// go to the audit event, never to the client.
func Answer(d Decision) respond.Response {
	switch d.Status {
	case http.StatusBadRequest:
		return respond.Error(http.StatusBadRequest, "Bad request")
	case http.StatusUnauthorized:
		return respond.Error(http.StatusUnauthorized, "Unauthorized", "WWW-Authenticate", "Bearer")
	}
	if d.Reason == ReasonInsufficientScope && len(d.Scopes) > 0 {
		// Scopes were checked to be RFC 6749 scope-tokens, which never
		// hold a quote or a backslash.
		return respond.Error(http.StatusForbidden, "Forbidden", "WWW-Authenticate",
			`Bearer error="insufficient_scope", scope="`+strings.Join(d.Scopes, " ")+`"`)
	}
	return respond.Error(http.StatusForbidden, "Forbidden")
}
