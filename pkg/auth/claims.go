package auth

import (
	"encoding/json"
	"errors"
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
// failures are returned, joined, so a log line names every rule a token
// broke (the client still gets one generic answer).
func (c *claimChecks) check(claims map[string]any) error {
	var buf [8]error
	errs := buf[:0]
	if len(c.audiences) > 0 && !audienceMatches(claims["aud"], c.audiences) {
		errs = append(errs, ErrAudience)
	}
	for _, name := range c.required {
		if _, ok := claims[name]; !ok {
			errs = append(errs, fmt.Errorf("%w: required claim %q missing", ErrClaim, name))
		}
	}
	for _, cv := range c.values {
		if !claimValueAllowed(claims[cv.Claim], cv.Values) {
			errs = append(errs, fmt.Errorf("%w: claim %q value not allowed", ErrClaim, cv.Claim))
		}
	}
	return errors.Join(errs...)
}

// claimValueAllowed reports whether a claim is one of allowed, or is an
// array with an element in allowed. A string is compared whole: unlike a
// scope it is not a space-separated list, or "evil acme" would pass for
// "acme".
func claimValueAllowed(v any, allowed []string) bool {
	switch t := v.(type) {
	case string:
		return slices.Contains(allowed, t)
	case []any:
		return slices.ContainsFunc(t, func(e any) bool { s, ok := e.(string); return ok && slices.Contains(allowed, s) })
	}
	return false
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
// absent and allowed). All failures are returned, joined.
func (r timeRules) check(claims map[string]any, now time.Time) (time.Time, error) {
	var buf [6]error
	errs := buf[:0]
	// A malformed date is reported once and skips the checks using it.
	exp, hasExp, expErr := numericDate(claims, "exp")
	nbf, hasNbf, nbfErr := numericDate(claims, "nbf")
	iat, hasIat, iatErr := numericDate(claims, "iat")
	for _, err := range [...]error{expErr, nbfErr, iatErr} {
		errs = appendErr(errs, err)
	}
	hasExp, hasNbf, hasIat = hasExp && expErr == nil, hasNbf && nbfErr == nil, hasIat && iatErr == nil
	if !hasExp && expErr == nil && !r.allowNoExp {
		errs = append(errs, ErrMissingExp)
	}
	if hasExp && !now.Before(exp.Add(r.leeway)) {
		errs = append(errs, ErrExpired)
	}
	if hasNbf && now.Add(r.leeway).Before(nbf) {
		errs = append(errs, ErrNotYetValid)
	}
	if hasIat && now.Add(r.leeway).Before(iat) {
		errs = append(errs, ErrIssuedInFuture)
	}
	if r.maxLifetime > 0 && hasExp {
		start := now
		if hasIat {
			start = iat
		}
		if exp.Sub(start) > r.maxLifetime+r.leeway {
			errs = append(errs, ErrLifetime)
		}
	}
	if len(errs) > 0 {
		return time.Time{}, errors.Join(errs...)
	}
	return exp, nil
}

func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}
