// Package identity is the contract between Warden's authentication step and
// every later plugin: one structured value that warden-auth stores in
// kong.ctx.shared and that warden-authz, warden-ratelimit and the others
// read in one PDK call.
//
// kong.ctx.shared is one table per request shared by all plugins, Lua and
// Go alike, so the value is a plain map of strings, lists and maps that a
// Lua plugin can read too (kong.ctx.shared["warden.identity"].sub).
package identity

import (
	"errors"
	"fmt"
	"slices"
)

// SharedKey is the kong.ctx.shared key holding the identity.
const SharedKey = "warden.identity"

// GroupsSharedKey is where Kong's group-aware plugins leave the groups of
// the authenticated principal (kong/plugins/acl/groups.lua reads
// kong.ctx.shared.authenticated_groups).
const GroupsSharedKey = "authenticated_groups"

// Authentication methods.
const (
	MethodJWT           = "jwt"
	MethodAPIKey        = "api_key"
	MethodIntrospection = "introspection"
	// MethodKong marks an identity built from the consumer that one of
	// Kong's own auth plugins authenticated.
	MethodKong = "kong"
)

// Confirmation methods: how a sender-constrained token was bound to the
// client that presented it.
const (
	// ConfirmationDPoP: a DPoP proof by the key the token's cnf.jkt names
	// (RFC 9449).
	ConfirmationDPoP = "dpop"
	// ConfirmationMTLS: the TLS client certificate the token's
	// cnf["x5t#S256"] names (RFC 8705).
	ConfirmationMTLS = "mtls"
)

// ErrMalformed reports a shared value that is not an identity.
var ErrMalformed = errors.New("malformed identity in kong.ctx.shared")

// Identity is who made the request, as established by authentication.
type Identity struct {
	// Subject is the principal: the token's sub, or the API key's subject.
	Subject string `json:"sub"`
	// Issuer is the token issuer, empty for API keys.
	Issuer string `json:"iss,omitempty"`
	// ConsumerID, ConsumerUsername and ConsumerCustomID name the Kong
	// consumer the principal maps to, when it maps to one.
	ConsumerID       string `json:"consumer_id,omitempty"`
	ConsumerUsername string `json:"consumer_username,omitempty"`
	ConsumerCustomID string `json:"consumer_custom_id,omitempty"`
	// CredentialID identifies the credential used (a key id, a token's
	// jti or a hash of it), never the credential itself.
	CredentialID string `json:"credential_id,omitempty"`
	// Method is how the principal authenticated (MethodJWT, ...).
	Method string `json:"method"`
	// Confirmation is how the token was proven to belong to the client
	// that sent it (ConfirmationDPoP, ConfirmationMTLS); empty for a
	// bearer credential, which works for whoever holds it.
	Confirmation string `json:"confirmation,omitempty"`
	// Scopes, Roles and Groups are what the principal was granted.
	Scopes []string `json:"scopes,omitempty"`
	Roles  []string `json:"roles,omitempty"`
	Groups []string `json:"groups,omitempty"`
	// Claims holds the selected token claims later plugins may use.
	Claims map[string]any `json:"claims,omitempty"`
}

// IsZero reports whether no principal is known.
func (id Identity) IsZero() bool {
	return id.Subject == "" && id.ConsumerID == "" && id.ConsumerUsername == ""
}

// SenderConstrained reports whether the credential was bound to the
// client that presented it (Confirmation is set).
func (id Identity) SenderConstrained() bool { return id.Confirmation != "" }

// HasScope reports whether the identity was granted scope.
func (id Identity) HasScope(scope string) bool { return slices.Contains(id.Scopes, scope) }

// HasRole reports whether the identity has role.
func (id Identity) HasRole(role string) bool { return slices.Contains(id.Roles, role) }

// HasGroup reports whether the identity belongs to group.
func (id Identity) HasGroup(group string) bool { return slices.Contains(id.Groups, group) }

// Shared returns the value to store under SharedKey: plain maps and lists,
// which cross the plugin socket as google.protobuf.Value.
func (id Identity) Shared() map[string]any {
	m := map[string]any{"sub": id.Subject, "method": id.Method}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put("iss", id.Issuer)
	put("consumer_id", id.ConsumerID)
	put("consumer_username", id.ConsumerUsername)
	put("consumer_custom_id", id.ConsumerCustomID)
	put("credential_id", id.CredentialID)
	put("confirmation", id.Confirmation)
	putList := func(k string, v []string) {
		if len(v) > 0 {
			l := make([]any, len(v))
			for i, s := range v {
				l[i] = s
			}
			m[k] = l
		}
	}
	putList("scopes", id.Scopes)
	putList("roles", id.Roles)
	putList("groups", id.Groups)
	if len(id.Claims) > 0 {
		m["claims"] = id.Claims
	}
	return m
}

// FromShared reads the value stored under SharedKey. ok is false when
// there is none. It tolerates what the trip through Kong does to values
// (kong/runloop/plugin_servers/rpc/pb_rpc.lua): numbers come back as
// float64, an empty list comes back as an empty map, and false as null.
func FromShared(v any) (id Identity, ok bool, err error) {
	if v == nil {
		return Identity{}, false, nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return Identity{}, false, fmt.Errorf("%w: %T", ErrMalformed, v)
	}
	str := func(k string) (string, error) {
		switch s := m[k].(type) {
		case nil:
			return "", nil
		case string:
			return s, nil
		}
		return "", fmt.Errorf("%w: %s is %T", ErrMalformed, k, m[k])
	}
	var errs []error
	get := func(dst *string, k string) {
		s, err := str(k)
		*dst = s
		if err != nil {
			errs = append(errs, err)
		}
	}
	get(&id.Subject, "sub")
	get(&id.Issuer, "iss")
	get(&id.ConsumerID, "consumer_id")
	get(&id.ConsumerUsername, "consumer_username")
	get(&id.ConsumerCustomID, "consumer_custom_id")
	get(&id.CredentialID, "credential_id")
	get(&id.Method, "method")
	get(&id.Confirmation, "confirmation")
	for k, dst := range map[string]*[]string{"scopes": &id.Scopes, "roles": &id.Roles, "groups": &id.Groups} {
		l, err := Strings(m[k])
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrMalformed, k, err))
		}
		*dst = l
	}
	switch c := m["claims"].(type) {
	case nil:
	case map[string]any:
		if len(c) > 0 {
			id.Claims = c
		}
	default:
		errs = append(errs, fmt.Errorf("%w: claims is %T", ErrMalformed, c))
	}
	if err := errors.Join(errs...); err != nil {
		return Identity{}, false, err
	}
	return id, true, nil
}

// Strings reads a list of strings as it comes back from kong.ctx.shared:
// nil and an empty map (Kong's encoding of an empty table) are an empty
// list.
func Strings(v any) ([]string, error) {
	switch l := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		if len(l) == 0 {
			return nil, nil
		}
	case []string:
		return l, nil
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("element is %T, not a string", e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%T is not a list of strings", v)
}
