package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/warden-gw/warden/pkg/identity"
)

// Headers Kong's auth plugins set upstream (kong/constants.lua HEADERS;
// set and cleared by kong/plugins/jwt/handler.lua set_consumer).
const (
	headerConsumerID       = "x-consumer-id"
	headerConsumerCustomID = "x-consumer-custom-id"
	headerConsumerUsername = "x-consumer-username"
	headerCredential       = "x-credential-identifier"
	headerAnonymous        = "x-anonymous-consumer"
)

// maxCredentialIDBytes bounds a jti used as credential identifier.
const maxCredentialIDBytes = 128

// Authenticator is a compiled config: it authenticates requests and
// builds what goes upstream. It is safe for concurrent use and never
// changes after New.
type Authenticator struct {
	cfg       *Config
	issuers   map[string]*issuerVerifier
	apiKeys   *apiKeyStore
	intro     *introspector
	cache     *cache[*verified]
	consumers *cache[Consumer]
	signer    *assertionSigner
	dpop      *dpopVerifier // nil when no issuer accepts DPoP
	now       func() time.Time
	maxTTL    time.Duration
	offline   bool // compile only: no key fetch at New
}

// Option changes an Authenticator.
type Option func(*Authenticator)

// WithTimeFunc sets the clock (default time.Now).
func WithTimeFunc(now func() time.Time) Option { return func(a *Authenticator) { a.now = now } }

// Offline compiles the config without starting the background key fetch
// New otherwise starts, for checking a config away from the network (the
// offline checker). Keys are still fetched when a token needs them.
func Offline() Option { return func(a *Authenticator) { a.offline = true } }

// New compiles cfg (already defaulted and validated): parses keys, builds
// the caches and the shared HTTP client and key sources.
func New(cfg *Config, opts ...Option) (*Authenticator, error) {
	a := &Authenticator{
		cfg:     cfg,
		issuers: make(map[string]*issuerVerifier, len(cfg.Issuers)),
		cache:   newCache[*verified](cfg.Cache.MaxEntries),
		now:     time.Now,
		maxTTL:  time.Duration(cfg.Cache.MaxTTLSec) * time.Second,
	}
	for _, o := range opts {
		o(a)
	}
	var f *fetcher
	if len(cfg.Issuers) > 0 || cfg.Introspection != nil {
		var err error
		if f, err = newFetcher(cfg.HTTP); err != nil {
			return nil, fmt.Errorf("http: %w", err)
		}
	}
	for i := range cfg.Issuers {
		v, err := newIssuerVerifier(&cfg.Issuers[i], cfg.HTTP, f)
		if err != nil {
			return nil, fmt.Errorf("issuers[%d]: %w", i, err)
		}
		if v.remote != nil && !a.offline {
			v.remote.start() // fetch keys before the first request needs them
		}
		a.issuers[cfg.Issuers[i].Issuer] = v
	}
	if cfg.APIKeys != nil {
		s, err := newAPIKeyStore(cfg.APIKeys)
		if err != nil {
			return nil, err
		}
		a.apiKeys = s
	}
	if cfg.Introspection != nil {
		a.intro = newIntrospector(cfg.Introspection, f, cfg.HTTP)
	}
	if cfg.Assertion != nil {
		s, err := newAssertionSigner(cfg.Assertion, func() time.Time { return a.now() })
		if err != nil {
			return nil, fmt.Errorf("assertion.private_key: %w", err)
		}
		a.signer = s
	}
	if cfg.dpopOn() {
		var store replayStore
		var err error
		if cfg.DPoP.Replay == "redis" {
			store, err = newRedisReplay(cfg.DPoP.Redis)
		} else {
			store, err = sharedLocalReplay(cfg.DPoP.LocalMaxEntries)
		}
		if err != nil {
			return nil, fmt.Errorf("dpop: %w", err)
		}
		a.dpop = newDPoPVerifier(&cfg.DPoP, store)
	}
	if cfg.Consumer != nil && cfg.Consumer.CacheTTLSec > 0 {
		a.consumers = newCache[Consumer](cfg.Cache.MaxEntries)
	}
	return a, nil
}

// tokens reports whether bearer tokens are accepted at all.
func (a *Authenticator) tokens() bool { return len(a.issuers) > 0 || a.intro != nil }

// NeedsQuery reports whether Request.Query must be filled (a query
// parameter source is configured); otherwise the adapter saves the call.
func (a *Authenticator) NeedsQuery() bool {
	return a.tokens() && a.cfg.Token.QueryParam != "" || a.cfg.APIKeys != nil && a.cfg.APIKeys.QueryParam != ""
}

// Anonymous returns the configured anonymous consumer, "" when none.
func (a *Authenticator) Anonymous() string { return a.cfg.Anonymous }

// verified is a cached authentication outcome: an identity, or (for
// introspection's brief negative cache) a refusal.
type verified struct {
	id          identity.Identity
	consumerRef string
	claimHdrs   map[string]string
	denial      error
	dpop        string // the DPoP mode of the token's issuer
	jkt         string // the token's cnf.jkt: "" when not DPoP-bound
	mtls        string // the mtls_binding mode of the token's issuer
	x5t         string // the token's cnf["x5t#S256"]: "" when not certificate-bound
}

// Result is a successful authentication.
type Result struct {
	// Identity is the principal; consumer fields are filled by the
	// adapter after the consumer lookup (see SetConsumer).
	Identity identity.Identity
	// ConsumerRef is the consumer id or username to load, when consumer
	// mapping is on; ConsumerByUsername tells load_consumer to also try
	// the username.
	ConsumerRef        string
	ConsumerByUsername bool
	// ConsumerOptional accepts a ConsumerRef that names no consumer.
	ConsumerOptional bool
	// Cached reports a verified-token cache hit.
	Cached bool

	claimHdrs map[string]string
	loc       location
}

// Authenticate establishes who made req, or says why not. The Denial
// carries the status, reason code and challenge; it never holds the
// credential.
func (a *Authenticator) Authenticate(ctx context.Context, req Request) (*Result, *Denial) {
	cred, err := a.extract(req)
	if err != nil {
		return nil, deny(err)
	}
	deny := func(err error) *Denial {
		d := deny(err)
		d.DPoP = cred.loc.dpop || errors.Is(err, ErrDPoPRequired)
		if errors.Is(err, ErrDPoPNonce) && a.dpop != nil && a.dpop.nonces != nil {
			d.Nonce = a.dpop.nonces.current(a.now())
		}
		return d
	}
	now := a.now()
	var v *verified
	cached := false
	switch cred.kind {
	case credAPIKey:
		k, ok := a.apiKeys.lookup(cred.value)
		if !ok {
			return nil, deny(ErrUnknownAPIKey)
		}
		v = &verified{
			id: identity.Identity{Subject: k.Subject, CredentialID: k.Name, Method: identity.MethodAPIKey,
				Scopes: k.Scopes, Roles: k.Roles},
			consumerRef: k.Consumer,
		}
	case credToken:
		key := tokenKey(cred.value)
		if v, cached = a.cache.get(key, now); !cached {
			v, err = a.verifyToken(ctx, cred.value, key, now)
			if err != nil {
				return nil, deny(err)
			}
		}
		if v.denial != nil {
			return nil, deny(v.denial)
		}
		if a.dpop != nil {
			if err := a.dpop.check(ctx, v.dpop, v.jkt, cred, req, now); err != nil {
				return nil, deny(err)
			}
		}
	}
	certBound := false
	if cred.kind == credToken && v.mtls != "" && v.mtls != MTLSOff {
		switch {
		case v.x5t != "":
			if err := checkCertBinding(req, v.x5t); err != nil {
				return nil, deny(err)
			}
			certBound = true
		case v.mtls == MTLSRequired:
			return nil, deny(fmt.Errorf("%w: token has no cnf x5t#S256", ErrMTLSRequired))
		}
	}
	res := &Result{Identity: v.id, claimHdrs: v.claimHdrs, loc: cred.loc, Cached: cached}
	if certBound {
		res.Identity.Confirmation = identity.ConfirmationMTLS
	}
	if cred.loc.dpop {
		// check passed with a proof by the token's key: sender-constrained.
		res.Identity.Confirmation = identity.ConfirmationDPoP
	}
	if m := a.cfg.Consumer; m != nil {
		res.ConsumerRef = v.consumerRef
		res.ConsumerByUsername = m.By == "username"
		res.ConsumerOptional = m.Optional
		if !res.ConsumerByUsername && !isUUID(res.ConsumerRef) {
			// Kong's load_consumer raises an error for such an id
			// (kong/pdk/client.lua): it names no consumer.
			res.ConsumerRef = ""
		}
		if res.ConsumerRef == "" && !m.Optional {
			return nil, deny(ErrConsumerNotFound)
		}
	}
	return res, nil
}

// isUUID reports whether s is a UUID as Kong's is_valid_uuid checks it
// (kong/tools/uuid.lua: 8-4-4-4-12 hex digits, any case).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// tokenKey is a token's verified-token cache key, its SHA-256. Tokens up
// to 4 KiB are hashed from a stack copy: []byte(token) would cost a heap
// allocation on every request.
func tokenKey(token string) [32]byte {
	var buf [4096]byte
	if len(token) <= len(buf) {
		n := copy(buf[:], token)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(token))
}

// verifyToken verifies a token not in the cache and caches the outcome.
func (a *Authenticator) verifyToken(ctx context.Context, token string, key [32]byte, now time.Time) (*verified, error) {
	if looksLikeJWT(token) {
		p, err := parseCompact(token)
		if err != nil {
			return nil, err
		}
		iss, _ := p.claims["iss"].(string)
		iv := a.issuers[iss]
		if iv == nil {
			if a.intro != nil {
				return a.introspect(ctx, token, key, now)
			}
			return nil, ErrUnknownIssuer
		}
		exp, err := iv.verify(ctx, p, now)
		if err != nil {
			return nil, err
		}
		v, err := a.fromClaims(p.claims, iv.cfg, key)
		if err != nil {
			return nil, err
		}
		until := now.Add(a.maxTTL)
		if !exp.IsZero() && exp.Before(until) {
			until = exp
		}
		a.cache.put(key, v, until, now)
		return v, nil
	}
	if a.intro != nil {
		return a.introspect(ctx, token, key, now)
	}
	if len(a.issuers) > 0 {
		return nil, fmt.Errorf("%w: not a JWT", ErrMalformedToken)
	}
	return nil, ErrMalformedToken
}

func (a *Authenticator) introspect(ctx context.Context, token string, key [32]byte, now time.Time) (*verified, error) {
	claims, exp, err := a.intro.introspect(ctx, token, now)
	if err != nil {
		if deny(err).Status == http.StatusUnauthorized {
			neg := &verified{denial: err}
			a.cache.put(key, neg, now.Add(time.Duration(a.cfg.Introspection.NegativeTTLSec)*time.Second), now)
		}
		return nil, err
	}
	sub := introspectionSubject(claims)
	if sub == "" {
		return nil, fmt.Errorf("%w: no subject", ErrClaim)
	}
	is := &Issuer{ScopeClaim: DefaultScopeClaim, RolesClaim: DefaultRolesClaim, GroupsClaim: DefaultGroupsClaim}
	v := a.buildVerified(claims, is, sub, key)
	v.id.Method = identity.MethodIntrospection
	v.id.Issuer = a.cfg.Introspection.Issuer
	v.dpop, v.jkt = a.cfg.Introspection.DPoP, boundJKT(claims)
	v.mtls, v.x5t = a.cfg.Introspection.MTLSBinding, boundX5t(claims)
	until := now.Add(a.maxTTL)
	if !exp.IsZero() && exp.Before(until) {
		until = exp
	}
	a.cache.put(key, v, until, now)
	return v, nil
}

// fromClaims builds the identity of a verified JWT.
func (a *Authenticator) fromClaims(claims map[string]any, is *Issuer, key [32]byte) (*verified, error) {
	sub, _ := claims[is.SubjectClaim].(string)
	if sub == "" {
		return nil, fmt.Errorf("%w: no subject", ErrClaim)
	}
	v := a.buildVerified(claims, is, sub, key)
	v.id.Method = identity.MethodJWT
	v.id.Issuer = is.Issuer
	v.dpop, v.jkt = is.DPoP, boundJKT(claims)
	v.mtls, v.x5t = is.MTLSBinding, boundX5t(claims)
	return v, nil
}

func (a *Authenticator) buildVerified(claims map[string]any, is *Issuer, sub string, key [32]byte) *verified {
	id := identity.Identity{
		Subject: sub,
		Scopes:  stringList(claims[is.ScopeClaim]),
		Roles:   stringList(claims[is.RolesClaim]),
		Groups:  stringList(claims[is.GroupsClaim]),
	}
	if id.Scopes == nil && is.ScopeClaim == DefaultScopeClaim {
		id.Scopes = stringList(claims["scp"]) // Azure AD, Okta
	}
	// The jti goes upstream in X-Credential-Identifier: it follows the
	// claims_to_headers rule (no control bytes), else the hash stands in.
	if jti, ok := claims["jti"].(string); ok && jti != "" && len(jti) <= maxCredentialIDBytes && headerSafe(jti) {
		id.CredentialID = "jti:" + jti
	} else {
		id.CredentialID = "sha256:" + hex.EncodeToString(key[:8])
	}
	if len(a.cfg.IdentityClaims) > 0 {
		id.Claims = map[string]any{}
		for _, c := range a.cfg.IdentityClaims {
			if val, ok := claims[c]; ok {
				id.Claims[c] = val
			}
		}
	}
	v := &verified{id: id}
	if m := a.cfg.Consumer; m != nil {
		v.consumerRef, _ = claims[m.Claim].(string)
	}
	if len(a.cfg.ClaimsToHeaders) > 0 {
		v.claimHdrs = map[string]string{}
		for _, ch := range a.cfg.ClaimsToHeaders {
			if s := claimHeaderValue(claims[ch.Claim]); s != "" {
				v.claimHdrs[strings.ToLower(ch.Header)] = s
			}
		}
	}
	return v
}

// claimHeaderValue renders a claim for a header: strings as they are,
// arrays joined with ", ", numbers and booleans in JSON form. Control
// characters are refused (header injection).
func claimHeaderValue(v any) string {
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case []any:
		s = strings.Join(stringList(t), ", ")
	case json.Number: // introspection answers decode numbers as json.Number
		s = t.String()
	case float64:
		s = strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(t)
	default:
		return ""
	}
	if !headerSafe(s) {
		return ""
	}
	return s
}

// headerSafe reports whether s may be sent as a header value: no control
// bytes (CR and LF would inject headers; NUL and the rest are refused by
// HTTP servers, RFC 9110 5.5).
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// Consumer is a Kong consumer, as load_consumer returns it.
type Consumer struct {
	ID       string
	Username string
	CustomID string
}

// CachedConsumer returns a consumer found recently for ref.
func (a *Authenticator) CachedConsumer(ref string) (Consumer, bool) {
	return a.consumers.get(sha256.Sum256([]byte(ref)), a.now())
}

// CacheConsumer remembers a found consumer for consumer.cache_ttl_sec.
func (a *Authenticator) CacheConsumer(ref string, c Consumer) {
	if a.consumers == nil {
		return
	}
	now := a.now()
	a.consumers.put(sha256.Sum256([]byte(ref)), c, now.Add(time.Duration(a.cfg.Consumer.CacheTTLSec)*time.Second), now)
}

// SetConsumer records the consumer res maps to in its identity.
func (res *Result) SetConsumer(c Consumer) {
	res.Identity.ConsumerID = c.ID
	res.Identity.ConsumerUsername = c.Username
	res.Identity.ConsumerCustomID = c.CustomID
}
