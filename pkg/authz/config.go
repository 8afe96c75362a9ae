package authz

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/identity"
)

// Defaults.
const (
	DefaultEffect             = EffectAllow
	DefaultTrailingSlash      = TrailingSlashIgnore
	DefaultOwnerClaim         = "sub"
	DefaultConditionCostLimit = 1000000
	DefaultMethodOverride     = MethodOverrideCheck
)

// Method override handling.
const (
	// MethodOverrideCheck decides a request that names another method
	// (X-HTTP-Method-Override, X-Method-Override, X-HTTP-Method, a
	// _method query parameter) under its own method and under each one it
	// names; the strictest decision stands.
	MethodOverrideCheck = "check"
	// MethodOverrideUnsafeIgnore decides on the request line's method
	// alone, for upstreams that honour no override.
	MethodOverrideUnsafeIgnore = "unsafe_ignore"
)

// Rule effects.
const (
	EffectAllow = "allow"
	EffectDeny  = "deny"
)

// Trailing slash handling.
const (
	// TrailingSlashIgnore matches /admin/ exactly like /admin.
	TrailingSlashIgnore = "ignore"
	// TrailingSlashStrict tells /admin/ and /admin apart: a template
	// matches a trailing slash only if it ends with one (or with **).
	TrailingSlashStrict = "strict"
)

// Limits on a config, so a policy costs bounded work to compile and run.
const (
	maxRules          = 1000
	maxConditionBytes = 4096
	maxListLen        = 256
)

// Config is the warden-authz configuration of one plugin instance: a list
// of rules. A request is allowed when no matching deny rule applies and
// one of the most specific matching allow rules applies (see the package
// documentation for the precedence); anything else is refused.
type Config struct {
	// Rules is the policy. With none, every request is refused.
	Rules []Rule `json:"rules" desc:"Authorization rules. A matching deny rule refuses; otherwise the most specific matching allow rules decide (literal > {param} > * > ** segment by segment from the left, then rules listing methods, then hosts), and one of them must apply. Order only names the rule in audit events. With no rules every request is refused."`
	// CaseSensitive makes path literals match case-sensitively, as most
	// upstreams route.
	CaseSensitive bool `json:"case_sensitive" desc:"Match path literals case-sensitively. Turn off only if the upstream routes case-insensitively."`
	// TrailingSlash is how a trailing slash matches: "ignore" (/admin/ is
	// /admin) or "strict".
	TrailingSlash string `json:"trailing_slash" kong:"one_of=ignore|strict" desc:"ignore: /admin/ matches like /admin. strict: only templates ending in / or ** match a trailing slash."`
	// ShadowMode evaluates and audits every decision but enforces none:
	// would-be denials are audited as shadow_deny and proxied.
	ShadowMode bool `json:"shadow_mode" desc:"Evaluate and audit (shadow_deny) but never refuse a request, to roll out a policy safely."`
	// UnsafeAllowByDefault proxies requests that no rule matches at all
	// (by method, path and host) instead of refusing them.
	UnsafeAllowByDefault bool `json:"unsafe_allow_by_default" desc:"DANGEROUS: proxy requests that no rule matches (by method, path and host) instead of refusing them."`
	// ConditionCostLimit bounds the CEL cost of one condition evaluation
	// (cel-go cost units); an expression whose worst case exceeds it is
	// refused at config time.
	ConditionCostLimit int `json:"condition_cost_limit" kong:"between=1:10000000" desc:"Most CEL cost units one condition evaluation may take; a condition whose worst case exceeds it is refused when the config loads."`
	// MethodOverride is how a request naming another method for the
	// upstream is decided: "check" (under every method it names, the
	// strictest decision standing) or "unsafe_ignore" (under the request
	// line's method alone). Empty means "check".
	MethodOverride string `json:"method_override" kong:"one_of=check|unsafe_ignore" desc:"check: a request naming another method (X-HTTP-Method-Override, X-Method-Override, X-HTTP-Method headers, _method query parameter) is decided under each method it names and its own, the strictest decision standing; a name that is no method is refused with 400 where an override could change the decision. unsafe_ignore: only the request line's method decides (only for upstreams that honour no override)."`
}

// SetDefaults fills the defaults.
func (c *Config) SetDefaults() {
	c.CaseSensitive = true
	c.TrailingSlash = DefaultTrailingSlash
	c.ConditionCostLimit = DefaultConditionCostLimit
	c.MethodOverride = DefaultMethodOverride
}

// Rule is one authorization rule. It matches a request by method, path and
// host; it applies when, in addition, every requirement it lists holds.
type Rule struct {
	// Name labels the rule in audit events. Empty: the rule's position,
	// counted from 1 as Kong counts list positions ("rules[1]").
	Name string `json:"name" kong:"len_max=64" desc:"Name of the rule in audit events and warden check notes. Empty: its position counted from 1, as Kong counts list positions (rules[1] is the first rule)."`
	// Effect is "allow" or "deny".
	Effect string `json:"effect" kong:"one_of=allow|deny" desc:"allow: the rule lets a request through when its requirements hold. deny: the rule refuses a request when its requirements hold, whatever allow rules say."`
	// Methods the rule matches, upper case; GET also matches HEAD. Empty
	// matches every method.
	Methods []string `json:"methods" desc:"HTTP methods (upper case). GET also covers HEAD. Empty matches every method."`
	// Paths are path templates: /orders/{id}, * for one segment, ** (last)
	// for zero or more. Required.
	Paths []string `json:"paths" kong:"required,len_min=1" desc:"Path templates: /orders/{id} captures a segment, * matches one segment, a final ** matches the rest (including none)."`
	// Hosts the rule matches (exact, or *.example.com for one label).
	// Empty matches every host.
	Hosts []string `json:"hosts" desc:"Request hosts the rule matches: exact names, or *.example.com for one label. Empty matches every host."`
	// Authenticated requires an identity, with no other requirement.
	Authenticated bool `json:"authenticated" desc:"Require an identity (from warden-auth), with no other requirement; an anonymous request gets 401."`
	// Scopes, Roles and Groups the identity must have.
	Scopes *Requirement `json:"scopes" desc:"OAuth scopes the identity must have: all of all_of and at least one of any_of."`
	Roles  *Requirement `json:"roles" desc:"Roles the identity must have: all of all_of and at least one of any_of."`
	Groups *Requirement `json:"groups" desc:"Groups the identity must have: all of all_of and at least one of any_of."`
	// Consumers lists Kong consumers (username or id), any of which may
	// match.
	Consumers []string `json:"consumers" desc:"Kong consumers (username or id) the request's consumer must be one of. Empty: any consumer."`
	// Confirmation requires a sender-constrained token, bound to the
	// client by one of these methods (dpop: RFC 9449 proof; mtls: RFC 8705
	// certificate), as warden-auth records it in the identity. A bearer
	// token, however valid, gets 401.
	Confirmation []string `json:"confirmation" kong:"one_of=dpop|mtls" desc:"Require a sender-constrained token bound by one of these methods: dpop (RFC 9449 proof of possession) or mtls (RFC 8705 certificate-bound). A plain bearer token gets 401."`
	// IPAllow lists CIDRs the client IP (as Kong resolves it, honouring
	// trusted_ips and real_ip_header) must be in; IPDeny CIDRs it must not
	// be in.
	IPAllow []string `json:"ip_allow" desc:"IP addresses or CIDRs the client IP (as Kong resolves it, honouring trusted_ips and real_ip_header) must be in. Empty: any address."`
	IPDeny  []string `json:"ip_deny" desc:"IP addresses or CIDRs the client IP (as Kong resolves it, honouring trusted_ips and real_ip_header) must not be in."`
	// Owner checks object ownership without CEL.
	Owner *Owner `json:"owner" desc:"Object ownership without CEL: a path parameter must equal a claim of the identity, or be an element of it. Allow rules only."`
	// Condition is a CEL expression over request and identity that must
	// be true.
	Condition string `json:"condition" desc:"CEL expression over request (method, path, params, query, headers, host, ip) and identity (subject, claims, scopes, roles, groups, consumer)."`
	// Shadow evaluates and audits the rule without enforcing it.
	Shadow bool `json:"shadow" desc:"Evaluate the rule and audit what it would refuse (shadow_deny), but never refuse because of it."`
}

// SetDefaults fills a rule's defaults.
func (r *Rule) SetDefaults() { r.Effect = DefaultEffect }

// Requirement is a set of values an identity must have: all of AllOf and
// at least one of AnyOf (each only when given).
type Requirement struct {
	AnyOf []string `json:"any_of" desc:"The identity must have at least one of these. Empty: no such requirement."`
	AllOf []string `json:"all_of" desc:"The identity must have every one of these. Empty: no such requirement."`
}

// Owner requires a path parameter to equal a claim of the identity, or to
// be an element of a claim that is an array (tenant and account ids).
type Owner struct {
	// Param is the path parameter, captured by every path of the rule.
	Param string `json:"param" kong:"required" desc:"Path parameter holding the object's owner, such as user_id for /users/{user_id}/orders; every path of the rule must capture it."`
	// Claim is the claim it must equal or be in.
	Claim string `json:"claim" desc:"Identity claim the parameter must equal, or be an element of when the claim is an array (tenant and account ids)."`
}

// SetDefaults fills the owner check's defaults.
func (o *Owner) SetDefaults() { o.Claim = DefaultOwnerClaim }

// Validate checks everything but the CEL conditions, which Compile checks,
// naming each field and index.
func (c *Config) Validate() error {
	var errs config.Errors
	if c.TrailingSlash != TrailingSlashIgnore && c.TrailingSlash != TrailingSlashStrict {
		errs.Add("trailing_slash", "must be ignore or strict")
	}
	if len(c.Rules) > maxRules {
		errs.Add("rules", "at most %d rules", maxRules)
	}
	if c.ConditionCostLimit < 1 {
		errs.Add("condition_cost_limit", "must be positive")
	}
	switch c.MethodOverride {
	case "", MethodOverrideCheck, MethodOverrideUnsafeIgnore: // empty is the safe default
	default:
		errs.Add("method_override", "must be check or unsafe_ignore")
	}
	for i := range c.Rules {
		errs.Check(fmt.Sprintf("rules[%d]", i), c.Rules[i].validate(c))
	}
	return errs.Err()
}

func (r *Rule) validate(c *Config) error {
	var errs config.Errors
	if len(r.Name) > 64 {
		errs.Add("name", "at most 64 characters")
	}
	if r.Effect != EffectAllow && r.Effect != EffectDeny {
		errs.Add("effect", "must be allow or deny")
	}
	for i, c := range r.Confirmation {
		if c != identity.ConfirmationDPoP && c != identity.ConfirmationMTLS {
			errs.Add(fmt.Sprintf("confirmation[%d]", i), "must be dpop or mtls")
		}
	}
	for i, m := range r.Methods {
		if !validMethod(m) {
			errs.Add(fmt.Sprintf("methods[%d]", i), "must be an upper-case HTTP method")
		}
	}
	if len(r.Paths) == 0 {
		errs.Add("paths", "list at least one path template (/** matches every path)")
	}
	for i, p := range r.Paths {
		t, err := parseTemplate(p, !c.CaseSensitive, c.TrailingSlash == TrailingSlashStrict)
		if err != nil {
			errs.Add(fmt.Sprintf("paths[%d]", i), "%v", err)
			continue
		}
		if r.Owner != nil && r.Owner.Param != "" && !t.hasParam(r.Owner.Param) {
			errs.Add(fmt.Sprintf("paths[%d]", i), "does not capture {%s}, which owner.param needs", r.Owner.Param)
		}
	}
	for i, h := range r.Hosts {
		if !validHost(h) {
			errs.Add(fmt.Sprintf("hosts[%d]", i), "must be a host name, or *.domain")
		}
	}
	checkList(&errs, "consumers", r.Consumers)
	for _, rq := range []struct {
		name string
		q    *Requirement
	}{{"scopes", r.Scopes}, {"roles", r.Roles}, {"groups", r.Groups}} {
		name, q := rq.name, rq.q
		if q == nil {
			continue
		}
		if len(q.AnyOf) == 0 && len(q.AllOf) == 0 {
			errs.Add(name, "set any_of or all_of")
		}
		checkList(&errs, name+".any_of", q.AnyOf)
		checkList(&errs, name+".all_of", q.AllOf)
		if name == "scopes" {
			for _, l := range [][]string{q.AnyOf, q.AllOf} {
				for _, s := range l {
					if !validScope(s) {
						errs.Add("scopes", "%q is not an OAuth scope token (RFC 6749 section 3.3)", s)
					}
				}
			}
		}
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"ip_allow", r.IPAllow}, {"ip_deny", r.IPDeny}} {
		for i, s := range l.list {
			if _, err := parseCIDR(s); err != nil {
				errs.Add(fmt.Sprintf("%s[%d]", l.name, i), "not an IP address or CIDR")
			}
		}
	}
	if r.Owner != nil {
		if r.Effect == EffectDeny {
			errs.Add("owner", "applies to allow rules only; use a condition on a deny rule")
		}
		if !validParamName(r.Owner.Param) {
			errs.Add("owner.param", "must name a path parameter")
		}
		if r.Owner.Claim == "" {
			errs.Add("owner.claim", "must name a claim")
		}
	}
	if len(r.Condition) > maxConditionBytes {
		errs.Add("condition", "at most %d bytes", maxConditionBytes)
	}
	return errs.Err()
}

func checkList(errs *config.Errors, name string, l []string) {
	if len(l) > maxListLen {
		errs.Add(name, "at most %d entries", maxListLen)
	}
	for i, s := range l {
		if s == "" {
			errs.Add(fmt.Sprintf("%s[%d]", name, i), "must not be empty")
		}
	}
}

func validMethod(m string) bool {
	if m == "" || len(m) > 32 {
		return false
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return false
		}
	}
	return true
}

// validScope checks an RFC 6749 scope-token, which also keeps the scope
// safe to quote in WWW-Authenticate.
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == '"' || c == '\\' || c > 0x7e {
			return false
		}
	}
	return true
}

func validHost(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	if h == "" || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// parseCIDR accepts a CIDR or a single address. An IPv4-mapped IPv6
// range (::ffff:10.0.0.0/104) becomes the IPv4 range it maps, since client
// addresses are compared unmapped.
func parseCIDR(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked(), nil
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}
