package auth

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// claimChecks are the claim rules shared by JWTs and introspection.
type claimChecks struct {
	audiences []string
	required  []string
	values    []ClaimValue
}

// check applies the audience, required-claim and value rules. All
// failures are returned, joined.
func (c *claimChecks) check(claims map[string]any) error {
	if len(c.audiences) > 0 && !audienceMatches(claims["aud"], c.audiences) {
		return fmt.Errorf("%w", ErrAudience)
	}
	for _, name := range c.required {
		if _, ok := claims[name]; !ok {
			return fmt.Errorf("%w: required claim missing", ErrClaim)
		}
	}
	for _, cv := range c.values {
		if !slices.ContainsFunc(stringList(claims[cv.Claim]), func(s string) bool { return slices.Contains(cv.Values, s) }) {
			return fmt.Errorf("%w: claim value not allowed", ErrClaim)
		}
	}
	return nil
}

// audienceMatches reports whether aud (a string or an array of strings,
// RFC 7519 4.1.3) contains one of want.
func audienceMatches(aud any, want []string) bool {
	switch a := aud.(type) {
	case string:
		return slices.Contains(want, a)
	case []any:
		for _, e := range a {
			if s, ok := e.(string); ok && slices.Contains(want, s) {
				return true
			}
		}
	}
	return false
}

// stringList reads a claim that is a string (space-separated, as OAuth
// scope is) or an array of strings. Other types give nil.
func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return strings.Fields(t)
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// numericDate reads a NumericDate claim (RFC 7519 2). ok is false when the
// claim is absent; err is set when it is present but not a finite number.
func numericDate(claims map[string]any, name string) (t time.Time, ok bool, err error) {
	v, present := claims[name]
	if !present {
		return time.Time{}, false, nil
	}
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case json.Number:
		f, err = n.Float64()
	default:
		err = fmt.Errorf("not a number")
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1<<40 {
		return time.Time{}, true, fmt.Errorf("%w: %s is not a NumericDate", ErrMalformedToken, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// timeRules are the time checks of an issuer.
type timeRules struct {
	leeway      time.Duration
	maxLifetime time.Duration // 0: unlimited
	allowNoExp  bool
}

// check validates exp, nbf and iat at now, and returns exp (zero when
// absent and allowed).
func (r timeRules) check(claims map[string]any, now time.Time) (time.Time, error) {
	exp, hasExp, err := numericDate(claims, "exp")
	if err != nil {
		return time.Time{}, err
	}
	nbf, hasNbf, err := numericDate(claims, "nbf")
	if err != nil {
		return time.Time{}, err
	}
	iat, hasIat, err := numericDate(claims, "iat")
	if err != nil {
		return time.Time{}, err
	}
	switch {
	case !hasExp && !r.allowNoExp:
		return time.Time{}, ErrMissingExp
	case hasExp && !now.Before(exp.Add(r.leeway)):
		return time.Time{}, ErrExpired
	case hasNbf && now.Add(r.leeway).Before(nbf):
		return time.Time{}, ErrNotYetValid
	case hasIat && now.Add(r.leeway).Before(iat):
		return time.Time{}, ErrIssuedInFuture
	}
	if r.maxLifetime > 0 && hasExp {
		start := now
		if hasIat {
			start = iat
		}
		if exp.Sub(start) > r.maxLifetime+r.leeway {
			return time.Time{}, ErrLifetime
		}
	}
	return exp, nil
}
