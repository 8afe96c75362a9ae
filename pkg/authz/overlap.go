package authz

import "fmt"

// Overlap is a rule that another rule takes decisions from: Rule is
// refused or allowed by By on some of the requests it matches (Full false),
// or on all of them (Full true), so that it never decides. Indexes are
// those of Config.Rules.
type Overlap struct {
	Rule, By int
	// Template and ByTemplate are the overlapping path templates.
	Template, ByTemplate string
	// Full is true when Rule never decides: By matches every request Rule
	// matches and wins on each.
	Full bool
	// Deny is true when By is a deny rule refusing every request it
	// matches (no requirement, condition or address list).
	Deny bool

	name, byName string
}

// String describes the overlap for an operator, naming rules by position
// and name; positions count from 1, as Kong's own errors do
// (config.KongPositions).
func (o Overlap) String() string {
	rule := fmt.Sprintf("rules[%d] (%s, %s)", o.Rule+1, o.name, o.Template)
	by := fmt.Sprintf("rules[%d] (%s, %s)", o.By+1, o.byName, o.ByTemplate)
	switch {
	case o.Deny && o.Full:
		return fmt.Sprintf("%s never allows: the deny rule %s refuses every request it matches", rule, by)
	case o.Deny:
		return fmt.Sprintf("%s is refused wherever %s matches: a deny rule without requirements", rule, by)
	case o.Full:
		return fmt.Sprintf("%s never decides: more specific rules take every request it matches, %s among them", rule, by)
	}
	return fmt.Sprintf("%s is shadowed where %s also matches: the more specific template decides there", rule, by)
}

// Overlaps lists, for every enforced allow rule, the enforced rules that
// take decisions from it: more specific allow rules matching some of the
// same requests (the first overlapping template pair is named), and deny
// rules without requirements covering some of its templates. Full is set
// when, between them, they take every request the rule matches. Shadow
// rules are left out: they decide nothing.
func (p *Policy) Overlaps() []Overlap {
	var out []Overlap
	for i, a := range p.rules {
		if a.deny || a.shadow {
			continue
		}
		covered := make([]bool, len(a.templates))
		var found []Overlap
		var covering []bool
		for j, b := range p.rules {
			if i == j || b.shadow || a.methods&b.methods == 0 || !hostsIntersect(a, b) {
				continue
			}
			canCover := a.methods&^b.methods == 0 && hostsCover(b, a)
			if b.deny && (!b.unconditional() || !canCover) {
				continue
			}
			var o *Overlap
			oCovers := false // o names a covering pair, which explains more
			for ti, ta := range a.templates {
				for _, tb := range b.templates {
					c := canCover && covers(tb.segs, ta.segs)
					switch {
					case b.deny && !c:
						continue
					case !b.deny && (tb.key <= ta.key || !intersects(ta.segs, tb.segs)):
						continue
					}
					if c {
						covered[ti] = true
					}
					if o == nil || c && !oCovers {
						o = &Overlap{Rule: i, By: j, Template: ta.raw, ByTemplate: tb.raw, Deny: b.deny,
							name: a.name, byName: b.name}
						oCovers = c
					}
				}
			}
			if o != nil {
				found = append(found, *o)
				covering = append(covering, oCovers)
			}
		}
		full := len(found) > 0
		for _, c := range covered {
			full = full && c
		}
		for k := range found {
			found[k].Full = full && covering[k]
		}
		out = append(out, found...)
	}
	return out
}

// unconditional reports whether a deny rule refuses every request it
// matches: no requirement, condition or address list.
func (r *rule) unconditional() bool {
	return r.needs&(NeedIdentity|NeedIP|NeedQuery|NeedHeaders) == 0 && r.cond == nil &&
		len(r.ipAllow)+len(r.ipDeny) == 0
}

// intersects reports whether some path matches both templates.
func intersects(a, b []tmplSeg) bool {
	for {
		switch {
		case len(a) > 0 && a[0].kind == segGlob, len(b) > 0 && b[0].kind == segGlob:
			return true
		case len(a) == 0 || len(b) == 0:
			return len(a) == len(b)
		case a[0].kind == segLit && b[0].kind == segLit && a[0].lit != b[0].lit:
			return false
		case a[0].kind == segLit && a[0].lit == "" && b[0].kind != segLit,
			b[0].kind == segLit && b[0].lit == "" && a[0].kind != segLit:
			return false // a parameter or * never matches the empty segment
		}
		a, b = a[1:], b[1:]
	}
}

// covers reports whether every path matching a matches b.
func covers(b, a []tmplSeg) bool {
	for {
		switch {
		case len(b) > 0 && b[0].kind == segGlob:
			return true
		case len(a) == 0 || len(b) == 0:
			return len(a) == len(b)
		case a[0].kind == segGlob:
			return false
		case b[0].kind == segLit && (a[0].kind != segLit || a[0].lit != b[0].lit):
			return false
		case b[0].kind != segLit && a[0].kind == segLit && a[0].lit == "":
			return false
		}
		a, b = a[1:], b[1:]
	}
}

// hostsIntersect reports whether some host matches both rules.
func hostsIntersect(a, b *rule) bool {
	if a.anyHost || b.anyHost {
		return true
	}
	for _, h := range a.hosts {
		if b.hostMatch(h) {
			return true
		}
	}
	for _, h := range b.hosts {
		if a.hostMatch(h) {
			return true
		}
	}
	for _, w := range a.wildHosts {
		for _, v := range b.wildHosts {
			if w == v {
				return true
			}
		}
	}
	return false
}

// hostsCover reports whether b matches every host a matches.
func hostsCover(b, a *rule) bool {
	if b.anyHost {
		return true
	}
	if a.anyHost {
		return false
	}
	for _, h := range a.hosts {
		if !b.hostMatch(h) {
			return false
		}
	}
	for _, w := range a.wildHosts {
		ok := false
		for _, v := range b.wildHosts {
			ok = ok || v == w
		}
		if !ok {
			return false
		}
	}
	return true
}
