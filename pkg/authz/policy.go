package authz

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
)

// Policy is a compiled Config. It is safe for concurrent use and never
// changes after Compile.
type Policy struct {
	rules          []*rule
	index          trie
	methodBits     map[string]uint64
	methodNames    []string // by bit position
	fold           bool
	strictSlash    bool
	shadowMode     bool
	allowByDefault bool
	ignoreOverride bool
	needs          Needs
}

// rule is one compiled Rule.
type rule struct {
	name      string
	deny      bool
	shadow    bool
	templates []template
	methods   uint64   // method bits; allMethods when the rule lists none
	hosts     []string // exact, lower case
	wildHosts []string // ".example.com" for *.example.com
	anyHost   bool

	authenticated bool
	scopes        *Requirement
	roles         *Requirement
	groups        *Requirement
	consumers     []string
	confirmation  []string
	ipAllow       []netip.Prefix
	ipDeny        []netip.Prefix
	owner         *Owner
	cond          *condition
	needs         Needs
}

// Method bits: every method a rule lists gets a bit; a request whose
// method no rule lists gets otherMethod, which only method-less rules
// (allMethods) match.
const (
	otherMethod uint64 = 1 << 63
	allMethods  uint64 = ^uint64(0)
	maxMethods         = 63
)

// Compile checks c (Validate, then the CEL conditions) and builds the
// policy. Errors name the field: rules[3].condition.
func Compile(c *Config) (*Policy, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	p := &Policy{
		methodBits:     map[string]uint64{},
		fold:           !c.CaseSensitive,
		strictSlash:    c.TrailingSlash == TrailingSlashStrict,
		shadowMode:     c.ShadowMode,
		allowByDefault: c.UnsafeAllowByDefault,
		ignoreOverride: c.MethodOverride == MethodOverrideUnsafeIgnore,
	}
	var errs config.Errors
	for i := range c.Rules {
		r, err := p.compileRule(i, &c.Rules[i], uint64(c.ConditionCostLimit))
		if err != nil {
			errs.Check(fmt.Sprintf("rules[%d]", i), err)
			continue
		}
		p.rules = append(p.rules, r)
		p.needs |= r.needs
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	p.index = newTrie(p.rules)
	return p, nil
}

func (p *Policy) compileRule(i int, cr *Rule, costLimit uint64) (*rule, error) {
	r := &rule{
		name:          cr.Name,
		deny:          cr.Effect == EffectDeny,
		shadow:        cr.Shadow,
		authenticated: cr.Authenticated,
		scopes:        cr.Scopes,
		roles:         cr.Roles,
		groups:        cr.Groups,
		consumers:     cr.Consumers,
		confirmation:  cr.Confirmation,
		owner:         cr.Owner,
		anyHost:       len(cr.Hosts) == 0,
	}
	if r.name == "" {
		// Named by its position as an operator counts it, from 1, as
		// Kong's own errors do (config.KongPositions).
		r.name = fmt.Sprintf("rules[%d]", i+1)
	}
	methods := allMethods
	if len(cr.Methods) > 0 {
		methods = 0
		for _, m := range cr.Methods {
			methods |= p.methodBit(m)
			if m == "GET" {
				// RFC 9110 section 9.3.2: HEAD is GET without the
				// content, and most servers answer it with the GET
				// handler, so a rule about GET covers HEAD too.
				methods |= p.methodBit("HEAD")
			}
		}
	}
	if len(p.methodBits) > maxMethods {
		return nil, config.Errorf("methods", "at most %d distinct methods in a policy", maxMethods)
	}
	r.methods = methods
	for _, s := range cr.Paths {
		t, err := parseTemplate(s, p.fold, p.strictSlash)
		if err != nil { // Validate has reported it
			return nil, config.Errorf("paths", "%v", err)
		}
		t.key = t.specificity(len(cr.Methods) > 0, len(cr.Hosts) > 0)
		r.templates = append(r.templates, t)
	}
	for _, h := range cr.Hosts {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if strings.HasPrefix(h, "*.") {
			r.wildHosts = append(r.wildHosts, h[1:])
		} else {
			r.hosts = append(r.hosts, h)
		}
	}
	for _, s := range cr.IPAllow {
		pr, _ := parseCIDR(s)
		r.ipAllow = append(r.ipAllow, pr)
	}
	for _, s := range cr.IPDeny {
		pr, _ := parseCIDR(s)
		r.ipDeny = append(r.ipDeny, pr)
	}
	if !r.anyHost {
		r.needs |= NeedHost
	}
	if len(r.ipAllow)+len(r.ipDeny) > 0 {
		r.needs |= NeedIP
	}
	if r.authenticated || r.scopes != nil || r.roles != nil || r.groups != nil || len(r.consumers) > 0 || len(r.confirmation) > 0 || r.owner != nil {
		r.needs |= NeedIdentity
	}
	if cr.Condition != "" {
		cond, err := compileCondition(cr.Condition, costLimit)
		if err != nil {
			return nil, config.Errorf("condition", "%v", err)
		}
		r.cond = cond
		r.needs |= cond.needs
	}
	return r, nil
}

func (p *Policy) methodBit(m string) uint64 {
	if b, ok := p.methodBits[m]; ok {
		return b
	}
	b := uint64(1) << len(p.methodBits)
	p.methodBits[m] = b
	p.methodNames = append(p.methodNames, m)
	return b
}

// Needs returns every request part some rule of the policy reads.
func (p *Policy) Needs() Needs { return p.needs }

// hostMatch reports whether the rule covers host (lower case, no port).
func (r *rule) hostMatch(host string) bool {
	if r.anyHost {
		return true
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, h := range r.hosts {
		if h == host {
			return true
		}
	}
	for _, w := range r.wildHosts {
		if len(host) > len(w) && strings.HasSuffix(host, w) && !strings.Contains(host[:len(host)-len(w)], ".") {
			return true
		}
	}
	return false
}
