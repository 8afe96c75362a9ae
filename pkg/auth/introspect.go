package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// introspector asks an RFC 7662 endpoint about opaque tokens.
type introspector struct {
	cfg    *Introspection
	f      *fetcher
	auth   string // precomputed Basic credentials header value
	checks claimChecks
}

func newIntrospector(c *Introspection, f *fetcher) *introspector {
	// RFC 6749 2.3.1: client id and secret are form-encoded before Basic.
	basic := url.QueryEscape(c.ClientID) + ":" + url.QueryEscape(c.ClientSecret)
	return &introspector{
		cfg:    c,
		f:      f,
		auth:   "Basic " + base64.StdEncoding.EncodeToString([]byte(basic)),
		checks: claimChecks{audiences: c.Audiences, required: c.RequiredClaims, values: c.ClaimValues},
	}
}

// introspect returns the response members of an active token and its
// expiry (zero when the response has none). An endpoint that cannot be
// reached or answers badly gives ErrIntrospectionDown: the request fails
// closed with 503, never open.
func (in *introspector) introspect(ctx context.Context, token string, now time.Time) (map[string]any, time.Time, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.cfg.Endpoint, bytes.NewReader([]byte(form)))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: building request", ErrIntrospectionDown)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", in.auth)
	resp, err := in.f.do(req)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %v", ErrIntrospectionDown, err)
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(resp.body))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, time.Time{}, fmt.Errorf("%w: response is not a JSON object", ErrIntrospectionDown)
	}
	if active, _ := claims["active"].(bool); !active {
		return nil, time.Time{}, ErrInactive
	}
	// An inactive token is refused outright; for an active one every
	// failed check is reported, joined.
	var errs []error
	exp, hasExp, err := numericDate(claims, "exp")
	if err != nil {
		errs = append(errs, fmt.Errorf("%w: exp", ErrInactive))
	}
	if hasExp && !now.Before(exp) {
		errs = append(errs, ErrExpired)
	}
	if nbf, ok, _ := numericDate(claims, "nbf"); ok && now.Before(nbf) {
		errs = append(errs, ErrNotYetValid)
	}
	if in.cfg.Issuer != "" {
		if iss, _ := claims["iss"].(string); iss != in.cfg.Issuer {
			errs = append(errs, fmt.Errorf("%w: iss", ErrClaim))
		}
	}
	errs = appendErr(errs, in.checks.check(claims))
	if len(errs) > 0 {
		return nil, time.Time{}, errors.Join(errs...)
	}
	return claims, exp, nil
}

// introspectionSubject picks the principal of an introspection answer:
// sub, else username, else client_id (RFC 7662 2.2).
func introspectionSubject(claims map[string]any) string {
	for _, k := range []string{"sub", "username", "client_id"} {
		if s, ok := claims[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
