// Package authz decides whether a request may go on: rules per method,
// path template and host, with requirements on the identity (scopes,
// roles, groups, consumers), the client IP, object ownership and CEL
// conditions.
//
// # Matching
//
// A rule matches a request when one of its methods is the request's (no
// methods: every method; GET also covers HEAD), one of its path templates
// matches the normalized path (NormalizePath; templates: literal
// segments, {param} and * for one segment, a final ** for zero or more),
// and one of its hosts is the request's (no hosts: every host). A rule
// applies when, in addition, every requirement it lists holds.
//
// # Precedence
//
// A request is refused when a matching deny rule applies, whatever its
// template: deny rules override everything. Otherwise, among the allow
// rules matching the request, only the most specific decide, and the
// request goes on when one of them applies; a less specific allow rule
// never allows what a more specific one refuses. With rules
//
//	/admin/**  roles: [admin]
//	/**        authenticated
//
// /admin and /admin/users need the admin role, and every other path an
// identity. Specificity compares the template each rule matched with,
// then the rule's methods and hosts:
//
//  1. Templates, segment by segment from the left: at the first segment
//     where they differ, a literal beats a {param}, a {param} beats a *,
//     and any of them beats a **. A template ending where the path ends
//     beats a ** matching nothing there, so /admin beats /admin/** on
//     /admin. Templates matching the same path never tie on a prefix of
//     each other, so the first difference always settles it:
//     /orders/{id} beats /orders/* beats /orders/**, and /orders/{id}/items
//     beats /orders/*/** and /orders/**.
//  2. Equal templates (the same kinds of segment, the same literals): a
//     rule listing methods beats one for every method, so DELETE
//     /orders/** with roles [admin] decides DELETE requests that /orders/**
//     with authenticated decides otherwise.
//  3. Then a rule listing hosts beats one for every host.
//  4. Rules still equal share the decision: any of them applying allows
//     (an owner rule and an admin rule on the same templates and methods).
//
// A rule with several templates competes with the most specific of those
// matching the request. Rules for other methods or hosts than the
// request's never take part. Shadow rules are ranked the same way among
// all rules to tell what they would have decided. Rule order only picks
// which of the rules deciding is named in the audit event.
//
// Policy.Overlaps lists the rules another rule takes decisions from;
// warden check prints them.
//
// # Method override
//
// A request naming another method for the upstream (X-HTTP-Method-Override,
// X-Method-Override or X-HTTP-Method headers, a _method query parameter;
// values split on commas and upper-cased, as frameworks read them) is
// decided under its own method and under each method named, and the
// strictest decision stands; a name that is no method is refused (400).
// method_override: unsafe_ignore decides on the request line's method
// alone. The plugin reads the headers only when an override could change
// the decision (Match.OverrideMatters): where the rules matching the path
// tell methods apart and some other method (one they list, or one they do
// not, which no rule may allow) would be decided more strictly than the
// request's own. A request refused anyway costs no extra call.
//
// # Refused requests
//
// A method nginx would refuse (anything but A-Z, '_' and '-': "get"), a
// raw '#' anywhere in the target, and a path an upstream might read
// differently (see NormalizePath) are answered 400 before any rule is
// looked at.
package authz
