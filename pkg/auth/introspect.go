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
	"sync/atomic"
	"time"
)

// introspector asks an RFC 7662 endpoint about opaque tokens.
type introspector struct {
	cfg    *Introspection
	f      *fetcher
	auth   string // precomputed Basic credentials header value
	checks claimChecks
	// downUntil (unix nanoseconds, 0 when up) is when the endpoint, after
	// a failure, may be asked again (see admit).
	downUntil atomic.Int64
	errorTTL  time.Duration
	timeout   time.Duration
}

func newIntrospector(c *Introspection, f *fetcher, hs HTTPSettings) *introspector {
	// RFC 6749 2.3.1: client id and secret are form-encoded before Basic.
	basic := url.QueryEscape(c.ClientID) + ":" + url.QueryEscape(c.ClientSecret)
	return &introspector{
		cfg:      c,
		f:        f,
		auth:     "Basic " + base64.StdEncoding.EncodeToString([]byte(basic)),
		checks:   claimChecks{audiences: c.Audiences, required: c.RequiredClaims, values: c.ClaimValues},
		errorTTL: time.Duration(c.ErrorTTLMS) * time.Millisecond,
		timeout:  time.Duration(hs.TimeoutMS) * time.Millisecond,
	}
}

// errEndpointDown refuses a request while a recent failure is cached.
var errEndpointDown = errors.New("failed recently, not asked")

// admit reports whether the endpoint may be asked at now. After a
// failure it may not until downUntil; then the first request to come
// probes it, and the others keep failing fast until the probe ends (at
// most one timeout), so a hanging endpoint costs one request's timeout
// per error_ttl_ms, not every request's.
func (in *introspector) admit(now time.Time) bool {
	for {
		u := in.downUntil.Load()
		if u == 0 {
			return true
		}
		if now.UnixNano() < u {
			return false
		}
		if in.downUntil.CompareAndSwap(u, now.Add(in.timeout).UnixNano()) {
			return true
		}
	}
}

// failed records a failure at now: the endpoint rests for errorTTL.
func (in *introspector) failed(now time.Time) {
	if in.errorTTL > 0 {
		in.downUntil.Store(now.Add(in.errorTTL).UnixNano())
	}
}

// introspect returns the response members of an active token and its
// expiry (zero when the response has none). An endpoint that cannot be
// reached or answers badly gives ErrIntrospectionDown: the request fails
// closed with 503, never open.
func (in *introspector) introspect(ctx context.Context, token string, now time.Time) (map[string]any, time.Time, error) {
	if !in.admit(now) {
		return nil, time.Time{}, fmt.Errorf("%w: %w", ErrIntrospectionDown, errEndpointDown)
	}
	claims, exp, err := in.ask(ctx, token, now)
	if errors.Is(err, ErrIntrospectionDown) {
		in.failed(now)
	} else {
		in.downUntil.Store(0) // it answered
	}
	return claims, exp, err
}

// ask sends one introspection request and checks the answer.
func (in *introspector) ask(ctx context.Context, token string, now time.Time) (map[string]any, time.Time, error) {
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
