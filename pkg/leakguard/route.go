package leakguard

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/warden-gw/warden/pkg/config"
)

// AllowRoute lets a route's responses carry tokens its API legitimately
// returns: a login endpoint's JWT, an OAuth token endpoint's access
// token. It is scoped (a path, rule ids, JSON pointers) rather than a
// global downgrade of those rules, so the same token leaking anywhere
// else is still caught.
type AllowRoute struct {
	// Path is an RE2 expression over the request path. Required.
	Path string `json:"path" kong:"required" desc:"RE2 expression over the request path whose responses may carry these tokens."`
	// Rules are the rule ids allowed; empty: any rule (then Pointers is
	// required).
	Rules []string `json:"rules" desc:"Rule ids whose findings this route's responses may carry (e.g. jwt, gcp-oauth-access-token); empty: any rule at the given pointers."`
	// Pointers are JSON pointers of response body members (RFC 6901,
	// array indexes as numbers); empty: anywhere in the response.
	Pointers []string `json:"pointers" desc:"JSON pointers (RFC 6901) of the response members allowed, such as /access_token; empty: anywhere in the response."`
}

// compiledRoute is an AllowRoute ready to match.
type compiledRoute struct {
	path     *regexp.Regexp
	rules    []string
	pointers []string
}

// compileRoutes checks and compiles allow_routes; every rule id must be
// one the guard runs, so a typo fails the config instead of allowing
// nothing.
func compileRoutes(routes []AllowRoute, known []string) ([]compiledRoute, error) {
	var errs config.Errors
	var out []compiledRoute
	for i, r := range routes {
		field := "allow_routes[" + strconv.Itoa(i) + "]"
		re, err := regexp.Compile(r.Path)
		switch {
		case r.Path == "":
			errs.Add(field+".path", "required")
		case err != nil:
			errs.Add(field+".path", "not an RE2 expression: %v", err)
		}
		if len(r.Rules) == 0 && len(r.Pointers) == 0 {
			errs.Add(field, "give rules, pointers or both (to allow a whole path, use allow_paths)")
		}
		for j, id := range r.Rules {
			if !slices.Contains(known, id) {
				errs.Add(fmt.Sprintf("%s.rules[%d]", field, j), "unknown rule id %q", id)
			}
		}
		for j, p := range r.Pointers {
			if p == "" || p[0] != '/' {
				errs.Add(fmt.Sprintf("%s.pointers[%d]", field, j), "a JSON pointer starts with /")
			}
		}
		out = append(out, compiledRoute{path: re, rules: r.Rules, pointers: r.Pointers})
	}
	return out, errs.Err()
}

// routesFor returns the allow routes whose path matches.
func (g *Guard) routesFor(path string) []compiledRoute {
	var out []compiledRoute
	for _, r := range g.allowRoutes {
		if r.path.MatchString(path) {
			out = append(out, r)
		}
	}
	return out
}

// allowedOnRoute drops the matches a matching route allows at pointer
// ("" outside a JSON body: only routes without pointers apply), and the
// decoded secrets that go with them (see withWrapped).
func allowedOnRoute(routes []compiledRoute, ms []Match, decoded [][]byte, pointer string) ([]Match, [][]byte) {
	if len(routes) == 0 {
		return ms, decoded
	}
	kept := ms[:0:0]
	var keptDec [][]byte
	for i, m := range ms {
		allowed := false
		for _, r := range routes {
			if (len(r.rules) == 0 || slices.Contains(r.rules, m.Rule)) &&
				(len(r.pointers) == 0 || slices.Contains(r.pointers, pointer)) {
				allowed = true
				break
			}
		}
		if allowed {
			continue
		}
		kept = append(kept, m)
		if decoded != nil {
			keptDec = append(keptDec, decoded[i])
		}
	}
	return kept, keptDec
}
