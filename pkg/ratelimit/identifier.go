package ratelimit

import (
	"slices"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/pkg/identity"
)

// Identifier kinds: what a counter belongs to.
const (
	IdentifierConsumer   = "consumer"
	IdentifierCredential = "credential"
	IdentifierIP         = "ip"
	IdentifierHeader     = "header"
	IdentifierPath       = "path"
	IdentifierService    = "service"
	IdentifierRoute      = "route"
	IdentifierClaim      = "claim"
)

func validIdentifier(s string) bool {
	switch s {
	case IdentifierConsumer, IdentifierCredential, IdentifierIP, IdentifierHeader,
		IdentifierPath, IdentifierService, IdentifierRoute, IdentifierClaim:
		return true
	}
	return false
}

// Request is what a decision needs to know about a request, read by the
// plugin adapter. Only the fields Needs asks for are filled.
type Request struct {
	// Identity is the authenticated principal, nil when anonymous.
	Identity *identity.Identity
	// IP is the client address Kong resolved (trusted proxies applied).
	IP string
	// Path is the request path.
	Path string
	// ServiceID and RouteID are the matched Kong service and route.
	ServiceID, RouteID string
	// Headers are the request headers, names lower-cased.
	Headers map[string][]string
}

// Needs lists what the adapter must read for a policy, so that it makes
// no PDK call it does not need.
type Needs struct {
	Identity, IP, Path, Service, Route, Headers bool
}

func needsFor(kinds []string, tiers bool) Needs {
	n := Needs{Identity: tiers}
	for _, k := range kinds {
		switch k {
		case IdentifierConsumer, IdentifierCredential, IdentifierClaim:
			n.Identity = true
		case IdentifierIP:
			n.IP = true
		case IdentifierHeader:
			n.Headers = true
		case IdentifierPath:
			n.Path = true
		case IdentifierService:
			n.Service = true
		case IdentifierRoute:
			n.Route = true
		}
	}
	return n
}

// maxIdentifierPart bounds one identifier value taken from the request.
const maxIdentifierPart = 1024

// identifierValue returns the value of one identifier kind for r.
func identifierValue(kind string, r Request, header, claim string) (string, bool) {
	var v string
	switch kind {
	case IdentifierConsumer:
		if id := r.Identity; id != nil {
			if v = id.ConsumerID; v == "" && id.Subject != "" {
				// A principal with no Kong consumer: its issuer keeps two
				// issuers' equal subjects apart.
				v = "sub:" + id.Issuer + "|" + id.Subject
			}
		}
	case IdentifierCredential:
		if r.Identity != nil {
			v = r.Identity.CredentialID
		}
	case IdentifierIP:
		v = r.IP
	case IdentifierHeader:
		if vals := r.Headers[header]; len(vals) > 0 {
			v = vals[0]
		}
	case IdentifierPath:
		v = r.Path
	case IdentifierService:
		v = r.ServiceID
	case IdentifierRoute:
		v = r.RouteID
	case IdentifierClaim:
		if r.Identity != nil {
			v, _ = claimString(r.Identity.Claims[claim])
		}
	}
	if v == "" {
		return "", false
	}
	if len(v) > maxIdentifierPart {
		v = v[:maxIdentifierPart] // still distinct enough after hashing; bounds the work
	}
	return v, true
}

// claimString renders a scalar claim; lists and objects do not identify.
func claimString(v any) (string, bool) {
	switch c := v.(type) {
	case string:
		return c, c != ""
	case float64:
		return strconv.FormatFloat(c, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(c), true
	}
	return "", false
}

// identify builds the counter identifier of r: the configured kinds joined,
// or the fallback kind when one of them is missing, or the client IP when
// even that is missing, as Kong's rate-limiting ends every identifier
// with `or kong.client.get_forwarded_ip()` (kong/plugins/rate-limiting/
// handler.lua get_identifier); ok is false in that last case. Only a
// request without an IP lands in the shared "unidentified" bucket. The
// result is raw request data (a header may carry a credential): callers
// hash it before it becomes a key and never log it.
func identify(kinds []string, fallback string, r Request, header, claim string) (id string, ok bool) {
	var b strings.Builder
	for i, k := range kinds {
		v, ok := identifierValue(k, r, header, claim)
		if !ok {
			if v, ok := identifierValue(fallback, r, header, claim); ok {
				return fallback + "=" + v, true
			}
			if r.IP != "" {
				return IdentifierIP + "=" + r.IP, false
			}
			return "unidentified", false
		}
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String(), true
}

// Tier is a compiled tier.
type Tier struct {
	By, Claim, Value string
	Multiplier       float64
}

// matches reports whether the principal belongs to the tier.
func (t Tier) matches(id *identity.Identity) bool {
	if id == nil {
		return false
	}
	switch t.By {
	case "group":
		return id.HasGroup(t.Value)
	case "role":
		return id.HasRole(t.Value)
	case "scope":
		return id.HasScope(t.Value)
	case "consumer":
		return id.ConsumerUsername == t.Value || id.ConsumerID == t.Value
	case "claim":
		switch c := id.Claims[t.Claim].(type) {
		case []any:
			return slices.ContainsFunc(c, func(e any) bool { s, _ := claimString(e); return s == t.Value })
		default:
			s, _ := claimString(c)
			return s == t.Value
		}
	}
	return false
}

// tierFor returns the first matching tier, or nil.
func tierFor(tiers []Tier, id *identity.Identity) *Tier {
	for i := range tiers {
		if tiers[i].matches(id) {
			return &tiers[i]
		}
	}
	return nil
}
