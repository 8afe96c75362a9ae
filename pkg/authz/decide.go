package authz

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/pkg/identity"
	"github.com/warden-gw/warden/pkg/uri"
)

// Reason codes, stable for audit events and metrics.
const (
	ReasonAllowed           = "allowed"
	ReasonAllowedByDefault  = "allowed_by_default"
	ReasonInvalidPath       = "invalid_path"
	ReasonInvalidMethod     = "invalid_method"
	ReasonInvalidOverride   = "invalid_method_override"
	ReasonNoMatchingRule    = "no_matching_rule"
	ReasonDeniedByRule      = "denied_by_rule"
	ReasonIdentityRequired  = "identity_required"
	ReasonInsufficientScope = "insufficient_scope"
	ReasonMissingRole       = "missing_role"
	ReasonMissingGroup      = "missing_group"
	ReasonConsumer          = "consumer_not_allowed"
	ReasonNotBound          = "sender_constraint_required"
	ReasonIPNotAllowed      = "ip_not_allowed"
	ReasonIPDenied          = "ip_denied"
	ReasonIPUnknown         = "client_ip_unknown"
	ReasonNotOwner          = "not_owner"
	ReasonConditionFalse    = "condition_false"
	ReasonConditionError    = "condition_error"
)

// Request is what a decision reads of a request, as plain values. Only
// Method and Path are always needed; the rest only when Match.Needs says
// so.
type Request struct {
	Method string
	// Path is the raw request target, as kong.request.get_path_with_query
	// returns it: the path, and the query after a '?' if any.
	Path string
	// Host is the host the client asked for, without the port.
	Host string
	// Query holds every value of each query argument.
	Query map[string][]string
	// Headers holds the request headers, names lower case.
	Headers map[string][]string
	// IP is the client IP as Kong resolves it.
	IP string
}

// Decision is the verdict on one request.
type Decision struct {
	// Allow is true when the request goes on, which includes a denial
	// only recorded in shadow (Shadow true).
	Allow  bool
	Shadow bool
	// Status is the answer for a denial (400, 401 or 403), or the answer
	// a shadow denial would have had.
	Status int
	// Reason is a stable snake_case code.
	Reason string
	// Rule names the deciding rule, if one decided.
	Rule string
	// Scopes lists the scopes that were missing, for insufficient_scope.
	Scopes []string
	// Path is the normalized path, empty when it was refused.
	Path string
	// Override is the method an override header or _method parameter
	// named when the decision under it was the stricter one (see
	// Match.Override); empty when the request's own method decided.
	Override string
}

// Match is a request's path and method matched against the policy: the
// first stage of a decision, which tells the caller what else the matched
// rules need to read.
type Match struct {
	p         *Policy
	method    string
	path      string
	segs      []string // as the client wrote them (case kept), for params
	all       []hit    // the rules matching the path, whatever their methods
	hits      []hit    // those of all matching method
	overrides []override
	err       error
}

// override is another method a request names for the upstream, with the
// rules matching it.
type override struct {
	method string
	hits   []hit
}

// Match normalizes the path of target (a raw request target: the path,
// and the query after a '?' if any) and finds the rules matching method
// and path. A refused method (ErrBadMethod) or target (ErrBadPath: a raw
// '#' in the query too) is kept in the Match, which then decides 400.
func (p *Policy) Match(method, target string) *Match {
	m := &Match{p: p, method: method}
	rawPath, rawQuery, _ := strings.Cut(target, "?")
	switch {
	case !uri.ValidMethod(method):
		m.err = ErrBadMethod
		return m
	case uri.HasFragment(rawQuery):
		m.err = ErrFragment
		return m
	}
	m.path, m.err = NormalizePath(rawPath)
	if m.err != nil {
		return m
	}
	var buf [MaxSegments + 1]string
	m.segs = splitPath(m.path, p.strictSlash, make([]string, 0, 8))
	match := m.segs
	if p.fold {
		match = splitPath(lowerASCII(m.path), p.strictSlash, buf[:0])
	}
	m.all = dedupe(p.index.root.match(match, allMethods, make([]hit, 0, 8)))
	m.hits = m.forMethod(method)
	return m
}

// forMethod returns the hits whose rules match method.
func (m *Match) forMethod(method string) []hit {
	bit, ok := m.p.methodBits[method]
	if !ok {
		bit = otherMethod
	}
	n := 0
	rules := m.p.rules
	for _, h := range m.all {
		if rules[h.rule].methods&bit != 0 {
			n++
		}
	}
	if n == len(m.all) {
		return m.all
	}
	out := make([]hit, 0, n)
	for _, h := range m.all {
		if rules[h.rule].methods&bit != 0 {
			out = append(out, h)
		}
	}
	return out
}

// MethodsDiffer reports whether the rules matching the path tell methods
// apart: only then can a method override change a decision, and only
// then does the caller need to read what names one.
func (m *Match) MethodsDiffer() bool {
	if m.err != nil || m.p.ignoreOverride {
		return false
	}
	for _, h := range m.all {
		if m.p.rules[h.rule].methods != allMethods {
			return true
		}
	}
	return false
}

// Method-override spellings: headers (names lower case) and a query
// parameter through which a client asks the upstream to run another
// method than the request line's, as Express's method-override, Rack,
// Symfony, Spring and ASP.NET Core offer.
var (
	OverrideHeaders = []string{"x-http-method-override", "x-method-override", "x-http-method"}
	OverrideParam   = "_method"
)

// maxOverrides bounds the distinct methods one request may name.
const maxOverrides = 8

// Override reads the methods a request names for the upstream in headers
// (lower-case names) and query (decoded, see uri.Pairs): each value of
// OverrideHeaders and OverrideParam, split on commas, trimmed and
// upper-cased as frameworks upper-case it. Decide then decides the request
// under its own method and under each other method named, and the
// strictest decision stands. A name that is no method once upper-cased,
// or more than maxOverrides of them, is refused (ErrBadOverride, 400).
// Nothing happens with method_override unsafe_ignore.
func (m *Match) Override(headers, query map[string][]string) {
	if m.err != nil || m.p.ignoreOverride {
		return
	}
	add := func(v string) bool {
		for item := range strings.SplitSeq(v, ",") {
			name := strings.ToUpper(strings.TrimSpace(item))
			switch {
			case name == "" || name == m.method:
				continue
			case !uri.ValidMethod(name):
				m.err = ErrBadOverride
				return false
			case slices.ContainsFunc(m.overrides, func(o override) bool { return o.method == name }):
				continue
			case len(m.overrides) == maxOverrides:
				m.err = ErrBadOverride
				return false
			}
			m.overrides = append(m.overrides, override{method: name, hits: m.forMethod(name)})
		}
		return true
	}
	for _, h := range OverrideHeaders {
		for _, v := range headers[h] {
			if !add(v) {
				return
			}
		}
	}
	for _, v := range query[OverrideParam] {
		if !add(v) {
			return
		}
	}
}

// OverrideMatters reports whether reading the method overrides could
// change the decision on req: whether, under some method other than the
// request line's, the rules matching the path would decide more strictly,
// or cannot be evaluated without parts of the request that have does not
// hold (or with a CEL condition, which may read the method). When it is
// false, every override, valid or not, leaves the decision as it is, so a
// caller need not read the headers that would name one.
func (m *Match) OverrideMatters(req Request, id *identity.Identity, have Needs) bool {
	if !m.MethodsDiffer() {
		return false
	}
	p := m.p
	var listed uint64 // the methods the path's rules list
	for _, h := range m.all {
		r := p.rules[h.rule]
		if r.cond != nil || r.needs&^have != 0 {
			return true
		}
		if r.methods != allMethods {
			listed |= r.methods
		}
	}
	ev := evaluator{m: m, req: &req, id: id}
	if id != nil && id.IsZero() {
		ev.id = nil
	}
	base := severity(ev.decide(m.method, m.hits))
	if base == 2 {
		return false
	}
	// One method per class: each listed one, and one no rule lists (""),
	// which stands for every other name.
	for bit, name := range p.methodNames {
		if listed&(1<<bit) != 0 && name != m.method && severity(ev.decide(name, m.forMethod(name))) > base {
			return true
		}
	}
	return severity(ev.decide("", m.forMethod(""))) > base
}

// Needs returns the request parts the matched rules read, under the
// request's method and every override.
func (m *Match) Needs() Needs {
	var n Needs
	for _, h := range m.hits {
		n |= m.p.rules[h.rule].needs
	}
	for _, o := range m.overrides {
		for _, h := range o.hits {
			n |= m.p.rules[h.rule].needs
		}
	}
	return n
}

// Decide decides a request in one step: Match, Override with the
// request's headers and query, then Decide.
func (p *Policy) Decide(req Request, id *identity.Identity) Decision {
	m := p.Match(req.Method, req.Path)
	m.Override(req.Headers, req.Query)
	return m.Decide(req, id)
}

// verdict is what one rule said.
type verdict struct {
	rule   *rule
	status int
	reason string
	scopes []string
}

// tally collects the rules' verdicts in order: the first applying deny,
// the first applying allow, the first allow refused for want of an
// identity and the first allow refused otherwise. matched says whether any
// allow rule matched the request's method, path and host.
type tally struct {
	matched                    bool
	deny, allow, noID, refused *verdict
}

func (t *tally) add(v verdict, deny, applies bool) {
	switch {
	case deny && applies:
		if t.deny == nil {
			t.deny = &v
		}
	case deny:
	case applies:
		t.matched = true
		if t.allow == nil {
			t.allow = &v
		}
	case v.status == http.StatusUnauthorized:
		t.matched = true
		if t.noID == nil {
			t.noID = &v
		}
	default:
		t.matched = true
		if t.refused == nil {
			t.refused = &v
		}
	}
}

func (t *tally) decide(allowByDefault bool) Decision {
	switch {
	case t.deny != nil:
		return t.deny.decision(false)
	case t.allow != nil:
		return t.allow.decision(true)
	case !t.matched && allowByDefault:
		return Decision{Allow: true, Reason: ReasonAllowedByDefault}
	case !t.matched:
		return Decision{Status: http.StatusForbidden, Reason: ReasonNoMatchingRule}
	case t.noID != nil:
		return t.noID.decision(false)
	}
	return t.refused.decision(false)
}

func (v *verdict) decision(allow bool) Decision {
	d := Decision{Allow: allow, Status: v.status, Reason: v.reason, Rule: v.rule.name, Scopes: v.scopes}
	if allow {
		d.Status = 0
	}
	return d
}

// Decide evaluates the matched rules. id is nil for an anonymous request.
//
// A matching deny rule that applies refuses the request, whatever its
// template. Among the allow rules matching the request's method, path and
// host, only the most specific decide (see the package documentation for
// the order): the request needs one of them to apply. An error evaluating
// a rule fails closed: the allow rule does not apply, the deny rule does.
// A request naming other methods (Override) is decided under each, and
// the strictest decision stands.
func (m *Match) Decide(req Request, id *identity.Identity) Decision {
	p := m.p
	switch {
	case errors.Is(m.err, ErrBadMethod):
		return p.shadowed(Decision{Status: http.StatusBadRequest, Reason: ReasonInvalidMethod})
	case errors.Is(m.err, ErrBadOverride):
		return p.shadowed(Decision{Status: http.StatusBadRequest, Reason: ReasonInvalidOverride})
	case m.err != nil:
		return p.shadowed(Decision{Status: http.StatusBadRequest, Reason: ReasonInvalidPath})
	}
	ev := evaluator{m: m, req: &req, id: id}
	if id != nil && id.IsZero() {
		ev.id = nil
	}
	d := ev.decide(m.method, m.hits)
	for _, o := range m.overrides {
		if od := ev.decide(o.method, o.hits); severity(od) > severity(d) {
			od.Override = o.method
			d = od
		}
	}
	d = p.shadowed(d)
	d.Path = m.path
	return d
}

// severity orders decisions: an allow, a shadow denial, a denial.
func severity(d Decision) int {
	switch {
	case !d.Allow:
		return 2
	case d.Shadow:
		return 1
	}
	return 0
}

// decide decides the request as if its method were method, hits being
// the rules matching it.
func (ev *evaluator) decide(method string, hits []hit) Decision {
	p := ev.m.p
	ev.method = method
	// The most specific allow templates, of the enforced rules and of
	// all rules (shadow rules included, for the shadow verdict).
	bestEnforced, bestAll := int32(-1), int32(-1)
	for _, h := range hits {
		r := p.rules[h.rule]
		if r.deny || !r.hostMatch(ev.req.Host) {
			continue
		}
		if !r.shadow && h.spec > bestEnforced {
			bestEnforced = h.spec
		}
		if h.spec > bestAll {
			bestAll = h.spec
		}
	}
	var enforced, all tally
	for _, h := range hits {
		r := p.rules[h.rule]
		inEnforced := !r.shadow && (r.deny || h.spec == bestEnforced)
		inAll := r.deny || h.spec == bestAll
		if !inEnforced && !inAll || !r.hostMatch(ev.req.Host) {
			continue
		}
		v, applies := ev.check(r, h.tmpl)
		if inAll {
			all.add(v, r.deny, applies)
		}
		if inEnforced {
			enforced.add(v, r.deny, applies)
			if r.deny && applies {
				break // settled: deny overrides
			}
		}
	}
	d := enforced.decide(p.allowByDefault)
	if d.Allow {
		if full := all.decide(p.allowByDefault); !full.Allow {
			d = full
			d.Allow, d.Shadow = true, true
		}
	}
	return d
}

// shadowed turns a denial into a recorded-only one in shadow mode.
func (p *Policy) shadowed(d Decision) Decision {
	if p.shadowMode && !d.Allow {
		d.Allow, d.Shadow = true, true
	}
	return d
}

// evaluator checks rules against one request, computing what several
// rules share (scopes, the CEL request) once.
type evaluator struct {
	m      *Match
	req    *Request
	id     *identity.Identity
	method string // the method deciding: the request's or an override

	scopes     []string
	haveScopes bool
	ip         netip.Addr
	ipErr      bool
	haveIP     bool
	celReq     *CELRequest
	celID      *CELIdentity
}

// check evaluates r's requirements. For an allow rule, applies means it
// grants the request; otherwise v says why not. For a deny rule, applies
// means it refuses the request, with v's answer.
func (ev *evaluator) check(r *rule, tmpl int32) (v verdict, applies bool) {
	v.rule = r
	fail := func(status int, reason string) (verdict, bool) {
		v.status, v.reason = status, reason
		return v, false
	}
	if len(r.ipAllow)+len(r.ipDeny) > 0 {
		// ip_allow favours its addresses, ip_deny disfavours them: an
		// allow rule applies only in ip_allow and never in ip_deny; a
		// deny rule applies only in ip_deny and never in ip_allow.
		ip, ok := ev.clientIP()
		inAllow, inDeny := inPrefixes(ip, r.ipAllow), inPrefixes(ip, r.ipDeny)
		switch {
		case !ok && r.deny:
			return ev.denyVerdict(v, http.StatusForbidden, ReasonIPUnknown)
		case !ok:
			return fail(http.StatusForbidden, ReasonIPUnknown)
		case r.deny && (inAllow || len(r.ipDeny) > 0 && !inDeny):
			return v, false
		case !r.deny && inDeny:
			return fail(http.StatusForbidden, ReasonIPDenied)
		case !r.deny && len(r.ipAllow) > 0 && !inAllow:
			return fail(http.StatusForbidden, ReasonIPNotAllowed)
		}
	}
	if r.needs&NeedIdentity != 0 && ev.id == nil {
		// Whatever the effect: a rule that needs an identity cannot be
		// decided without one, so the client must authenticate.
		if r.deny {
			return ev.denyVerdict(v, http.StatusUnauthorized, ReasonIdentityRequired)
		}
		return fail(http.StatusUnauthorized, ReasonIdentityRequired)
	}
	id := ev.id
	if len(r.confirmation) > 0 && !slices.Contains(r.confirmation, id.Confirmation) {
		// A valid token the client did not prove it holds: it must come
		// back with one bound to it (401, not 403).
		return fail(http.StatusUnauthorized, ReasonNotBound)
	}
	if len(r.consumers) > 0 && !slices.ContainsFunc(r.consumers, func(c string) bool {
		return c == id.ConsumerID || c == id.ConsumerUsername
	}) {
		return fail(http.StatusForbidden, ReasonConsumer)
	}
	if r.groups != nil && !r.groups.satisfied(id.Groups) {
		return fail(http.StatusForbidden, ReasonMissingGroup)
	}
	if r.roles != nil && !r.roles.satisfied(id.Roles) {
		return fail(http.StatusForbidden, ReasonMissingRole)
	}
	if r.scopes != nil {
		if missing := r.scopes.missing(ev.identityScopes()); len(missing) > 0 {
			v.scopes = missing
			return fail(http.StatusForbidden, ReasonInsufficientScope)
		}
	}
	if r.owner != nil {
		if val, ok := ev.param(r, tmpl, r.owner.Param); !ownerMatches(id, r.owner.Claim, val, ok) {
			return fail(http.StatusForbidden, ReasonNotOwner)
		}
	}
	if r.cond != nil {
		ok, err := r.cond.eval(ev.activation(r, tmpl))
		switch {
		case err != nil && r.deny:
			return ev.denyVerdict(v, http.StatusForbidden, ReasonConditionError)
		case err != nil:
			return fail(http.StatusForbidden, ReasonConditionError)
		case !ok:
			return fail(http.StatusForbidden, ReasonConditionFalse)
		}
	}
	if r.deny {
		return ev.denyVerdict(v, http.StatusForbidden, ReasonDeniedByRule)
	}
	v.reason = ReasonAllowed
	return v, true
}

func (ev *evaluator) denyVerdict(v verdict, status int, reason string) (verdict, bool) {
	v.status, v.reason = status, reason
	return v, true
}

func (ev *evaluator) clientIP() (netip.Addr, bool) {
	if !ev.haveIP {
		ev.haveIP = true
		a, err := netip.ParseAddr(ev.req.IP)
		ev.ip, ev.ipErr = a.Unmap(), err != nil
	}
	return ev.ip, !ev.ipErr
}

func inPrefixes(ip netip.Addr, l []netip.Prefix) bool {
	for _, p := range l {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// identityScopes are the identity's scopes, or else those of its scope
// claim (a space-separated string, RFC 8693 section 4.2) or scp claim (a
// string or an array, as Azure AD and Okta issue it).
func (ev *evaluator) identityScopes() []string {
	if ev.haveScopes {
		return ev.scopes
	}
	ev.haveScopes = true
	ev.scopes = ev.id.Scopes
	if len(ev.scopes) == 0 {
		for _, c := range []string{"scope", "scp"} {
			switch v := ev.id.Claims[c].(type) {
			case string:
				ev.scopes = append(ev.scopes, strings.Fields(v)...)
			case []any:
				for _, e := range v {
					if s, ok := e.(string); ok {
						ev.scopes = append(ev.scopes, s)
					}
				}
			case []string:
				ev.scopes = append(ev.scopes, v...)
			}
		}
	}
	return ev.scopes
}

// param returns a path parameter of the template that matched,
// percent-decoded (NormalizePath refused encoded slashes, so decoding
// cannot change the segment structure).
func (ev *evaluator) param(r *rule, tmpl int32, name string) (string, bool) {
	for _, pp := range r.templates[tmpl].params {
		if pp.name == name && pp.idx < len(ev.m.segs) {
			return unescape(ev.m.segs[pp.idx]), true
		}
	}
	return "", false
}

func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

func (ev *evaluator) params(r *rule, tmpl int32) map[string]string {
	ps := r.templates[tmpl].params
	if len(ps) == 0 {
		return map[string]string{}
	}
	out := make(map[string]string, len(ps))
	for _, pp := range ps {
		if pp.idx < len(ev.m.segs) {
			out[pp.name] = unescape(ev.m.segs[pp.idx])
		}
	}
	return out
}

// activation builds what a condition sees. The request parts and the
// identity are built once per request; the params are the rule's own.
func (ev *evaluator) activation(r *rule, tmpl int32) *celActivation {
	if ev.celReq == nil {
		ev.celReq = &CELRequest{
			Method:  ev.m.method,
			Path:    ev.m.path,
			Host:    strings.ToLower(ev.req.Host),
			Query:   ev.req.Query,
			Headers: joinHeaders(ev.req.Headers),
			IP:      ev.req.IP,
		}
		if ev.celReq.Query == nil {
			ev.celReq.Query = map[string][]string{}
		}
		if id := ev.id; id != nil {
			ev.celID = &CELIdentity{
				Subject: id.Subject, Issuer: id.Issuer, Method: id.Method,
				Claims: id.Claims, Scopes: ev.identityScopes(), Roles: id.Roles, Groups: id.Groups,
				Consumer: CELConsumer{ID: id.ConsumerID, Username: id.ConsumerUsername, CustomID: id.ConsumerCustomID},
			}
			if ev.celID.Claims == nil {
				ev.celID.Claims = map[string]any{}
			}
		}
	}
	req := *ev.celReq
	req.Method = ev.method
	req.Params = ev.params(r, tmpl)
	return &celActivation{req: &req, id: ev.celID}
}

func joinHeaders(h map[string][]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return out
}

func (q *Requirement) satisfied(have []string) bool {
	for _, s := range q.AllOf {
		if !slices.Contains(have, s) {
			return false
		}
	}
	return len(q.AnyOf) == 0 || slices.ContainsFunc(q.AnyOf, func(s string) bool { return slices.Contains(have, s) })
}

// missing lists the scopes lacking: those of AllOf not held, and AnyOf
// when none of it is held.
func (q *Requirement) missing(have []string) []string {
	var out []string
	for _, s := range q.AllOf {
		if !slices.Contains(have, s) {
			out = append(out, s)
		}
	}
	if len(q.AnyOf) > 0 && !slices.ContainsFunc(q.AnyOf, func(s string) bool { return slices.Contains(have, s) }) {
		out = append(out, q.AnyOf...)
	}
	return out
}

// ownerMatches reports whether the path parameter value equals claim, or
// is an element of it when the claim is an array. "sub" falls back to the
// identity's subject. Numbers in claims compare by their JSON form.
func ownerMatches(id *identity.Identity, claim string, value string, ok bool) bool {
	if !ok || value == "" {
		return false
	}
	c, present := id.Claims[claim]
	if !present && claim == "sub" {
		c, present = id.Subject, id.Subject != ""
	}
	if !present {
		return false
	}
	switch v := c.(type) {
	case []any:
		return slices.ContainsFunc(v, func(e any) bool { return scalarEquals(e, value) })
	case []string:
		return slices.Contains(v, value)
	}
	return scalarEquals(c, value)
}

func scalarEquals(c any, value string) bool {
	switch v := c.(type) {
	case string:
		return v == value
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64) == value
	case int64:
		return strconv.FormatInt(v, 10) == value
	case int:
		return strconv.Itoa(v) == value
	}
	return false
}
