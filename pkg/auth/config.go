package auth

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/ratelimit"
)

// Defaults.
const (
	DefaultRealm            = "warden"
	DefaultTokenHeader      = "authorization"
	DefaultMaxTokenBytes    = 8192
	DefaultLeewaySec        = 30
	DefaultMaxLifetimeSec   = 86400
	DefaultSubjectClaim     = "sub"
	DefaultScopeClaim       = "scope"
	DefaultRolesClaim       = "roles"
	DefaultGroupsClaim      = "groups"
	DefaultJWKSRefreshSec   = 300
	DefaultJWKSMinRefresh   = 60
	DefaultJWKSMaxRefresh   = 86400
	DefaultUnknownKIDSec    = 30
	DefaultAPIKeyHeader     = "apikey"
	DefaultTimeoutMS        = 3000
	DefaultMaxResponseBytes = 256 << 10
	DefaultCacheEntries     = 10000
	DefaultCacheTTLSec      = 300
	DefaultNegativeTTLSec   = 5
	DefaultErrorTTLMS       = 2000
	DefaultDPoPWindowSec    = 60
	DefaultDPoPMaxBytes     = 4096
	DefaultDPoPReplay       = "local"
	DefaultDPoPLocalEntries = 100000
	DefaultDPoPNonceSec     = 60
	DefaultConsumerBy       = "username"
	DefaultConsumerClaim    = "sub"
	DefaultConsumerCacheSec = 10
	DefaultAssertionHeader  = "x-warden-identity"
	DefaultAssertionIssuer  = "warden"
	DefaultAssertionAlg     = "ES256"
	DefaultAssertionTTLSec  = 30
	// MaxAssertionTTLSec caps an identity assertion's lifetime.
	MaxAssertionTTLSec = 60
	// MinHMACSecretBytes is the shortest HMAC secret accepted (RFC 7518
	// 3.2: a key at least as long as the hash output).
	MinHMACSecretBytes = 32
	maxIssuers         = 32
	maxStaticKeys      = 32
	maxAPIKeys         = 10000
)

// Config is warden-auth's configuration.
type Config struct {
	// Realm is the realm named in WWW-Authenticate challenges.
	Realm string `json:"realm" match:"^[^\"\\]*$" desc:"Realm named in WWW-Authenticate challenges (RFC 6750)."`
	// Token says where bearer tokens are read from.
	Token TokenSource `json:"token" desc:"Where bearer tokens are read from: a header, and optionally a query parameter or a cookie. A request carrying more than one token is refused."`
	// HideCredentials removes the credential from the request before it is
	// proxied.
	HideCredentials bool `json:"hide_credentials" desc:"Remove the credential (token, API key) from the request before proxying it."`
	// Issuers are the JWT issuers accepted, each with its own keys.
	Issuers []Issuer `json:"issuers" desc:"JWT issuers accepted, each with its own key source and algorithm allow-list."`
	// APIKeys enables API keys.
	APIKeys *APIKeys `json:"api_keys" desc:"API keys: SHA-256 hashes of the accepted keys, and where to read a key from."`
	// Introspection enables RFC 7662 token introspection for opaque tokens.
	Introspection *Introspection `json:"introspection" desc:"OAuth 2.0 token introspection (RFC 7662) for opaque bearer tokens."`
	// Consumer maps the authenticated principal to a Kong consumer.
	Consumer *ConsumerMapping `json:"consumer" desc:"Map the authenticated principal to a Kong consumer by a claim (or the API key's consumer)."`
	// Anonymous is the id or username of the Kong consumer used when
	// authentication fails, for OR-chaining with other auth plugins.
	// Empty: failures are refused.
	Anonymous string `json:"anonymous" desc:"Consumer id or username to use when authentication fails (OR-chaining with other auth plugins). Empty refuses failures."`
	// ClaimsToHeaders copies claims to upstream request headers (arrays
	// joined with ", "). Each header is cleared from the client's request.
	ClaimsToHeaders []ClaimHeader `json:"claims_to_headers" desc:"Copy selected claims to upstream headers; arrays are joined with a comma. Clients can never set these headers."`
	// IdentityClaims are claims copied into the identity for later plugins.
	IdentityClaims []string `json:"identity_claims" desc:"Claims copied into the identity stored in kong.ctx.shared for later Warden plugins."`
	// Assertion forwards a signed identity assertion to the upstream.
	Assertion *Assertion `json:"assertion" desc:"Forward a short-lived signed JWT describing the authenticated principal to the upstream."`
	// HTTP configures outbound requests (JWKS, discovery, introspection).
	HTTP HTTPSettings `json:"http" desc:"Outbound HTTP requests of the plugin: JWKS, OIDC discovery and token introspection."`
	// Cache configures the verified-token cache.
	Cache CacheSettings `json:"cache" desc:"Cache of verified tokens and of active introspection answers, so a token's signature is checked, or the introspection endpoint asked, once, not on every request. A token revoked at the introspection endpoint passes until its entry expires (max_ttl_sec)."`
	// DPoP configures DPoP proof checks (RFC 9449), for issuers whose
	// dpop mode is allowed or required.
	DPoP DPoPSettings `json:"dpop" desc:"How DPoP proofs (RFC 9449) are checked, for issuers whose dpop mode is allowed or required."`
}

// DPoPSettings configures how DPoP proofs are checked.
type DPoPSettings struct {
	// Algorithms are the proof signing algorithms accepted, asymmetric
	// only.
	Algorithms []string `json:"algorithms" kong:"one_of=RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512|EdDSA" desc:"Proof signing algorithms accepted (asymmetric only); announced in WWW-Authenticate algs."`
	// IATWindowSec: a proof's iat must be within this many seconds of
	// now, either way. A proof id is remembered twice as long.
	IATWindowSec int `json:"iat_window_sec" kong:"between=5:600" desc:"A proof's iat must be within this many seconds of now, either way; proof ids are remembered twice as long."`
	// MaxProofBytes bounds the DPoP header.
	MaxProofBytes int `json:"max_proof_bytes" kong:"between=512:16384" desc:"Largest DPoP proof header accepted, in bytes."`
	// Replay is where proof ids are remembered: local (this process;
	// one Kong node only) or redis (shared by every node).
	Replay string `json:"replay" kong:"one_of=local|redis" desc:"Where proof ids are remembered against replay: local (in this process; a single Kong node only) or redis (shared by every node; Redis unavailable refuses DPoP requests with 503)."`
	// Redis is the connection for replay redis, with warden-ratelimit's
	// settings and client; keys are key_prefix + "dpop:" + a hash.
	Redis ratelimit.RedisConfig `json:"redis" desc:"Redis for replay redis: the same settings (and client) as warden-ratelimit's redis; keys are key_prefix followed by dpop: and a hash."`
	// NonceSecret, when set, makes every proof carry a server nonce
	// (RFC 9449 8): an HMAC of a time slot under this secret, so every
	// node with the same secret accepts it and none stores it. A proof
	// without a good one gets 401 use_dpop_nonce with a DPoP-Nonce
	// header. At least 32 bytes. Empty: no nonce.
	NonceSecret string `json:"nonce_secret" kong:"referenceable,encrypted" desc:"Require server nonces (RFC 9449 8): HMAC secret, at least 32 bytes, the same on every node; use a vault reference. Empty: no nonce."`
	// NonceLifetimeSec is a nonce's time slot; a nonce is accepted in its
	// slot and the next.
	NonceLifetimeSec int `json:"nonce_lifetime_sec" kong:"between=10:3600" desc:"Length of a nonce's time slot, in seconds; a nonce is accepted in its slot and the next."`
	// LocalMaxEntries bounds the local store; when it is full of live
	// ids new proofs are refused (503).
	LocalMaxEntries int `json:"local_max_entries" kong:"between=1000:10000000" desc:"Most proof ids the local store holds; when it is full of live ids, new proofs are refused with 503."`
}

// TokenSource says where a bearer token may come from. Only the sources
// configured are read; a request carrying more than one token is refused.
type TokenSource struct {
	// Header is the header holding the token. For "authorization" the
	// value must use the Bearer scheme; for any other header the whole
	// value is the token. Empty disables header tokens.
	Header string `json:"header" match:"^[%w%-]*$" desc:"Header holding the bearer token: for authorization the value must use the Bearer scheme, for any other header the whole value is the token. Empty: no header is read."`
	// QueryParam, when set, also accepts the token from this query
	// parameter, which query strings in logs make risky.
	QueryParam string `json:"query_param" desc:"Also accept the token from this query parameter. Empty: not accepted, which is safer, since URLs end up in logs."`
	// Cookie, when set, also accepts the token from this cookie.
	Cookie string `json:"cookie" desc:"Also accept the token from this cookie. Empty: not accepted."`
	// MaxBytes caps a credential's length in bytes.
	MaxBytes int `json:"max_bytes" kong:"between=64:65536" desc:"Longest credential (token, or API key) accepted, in bytes; a longer one is refused before it is parsed."`
}

// Issuer is one accepted JWT issuer.
type Issuer struct {
	// Issuer is the exact iss value.
	Issuer string `json:"issuer" kong:"required,len_min=1" desc:"Exact value of the iss claim of this issuer's tokens."`
	// Algorithms is the allow-list of signing algorithms.
	Algorithms []string `json:"algorithms" kong:"required,len_min=1,one_of=HS256|HS384|HS512|RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512|EdDSA" desc:"Signing algorithms accepted for this issuer."`
	// JWKSURL is a JWKS endpoint to fetch keys from.
	JWKSURL string `json:"jwks_url" desc:"JWKS endpoint to fetch this issuer's public keys from."`
	// Discovery fetches the JWKS URL from the issuer's OIDC discovery
	// document (issuer + /.well-known/openid-configuration).
	Discovery bool `json:"discovery" desc:"Find the JWKS URL with OIDC discovery: issuer followed by /.well-known/openid-configuration."`
	// PublicKeys are static public keys, PEM or JWK (JSON).
	PublicKeys []string `json:"public_keys" desc:"Static public keys for this issuer, each PEM (SPKI or PKCS1) or a JWK JSON object."`
	// HMACSecrets are shared secrets for HS* algorithms, at least 32 bytes.
	HMACSecrets []string `json:"hmac_secrets" kong:"referenceable,encrypted" desc:"Shared secrets for HS256/384/512, at least 32 bytes each; use vault references."`
	// Audiences: the token's aud must contain one of these. Empty: aud
	// is not checked.
	Audiences []string `json:"audiences" desc:"The aud claim must contain at least one of these. Empty skips the audience check."`
	// Types is an allow-list for the typ header (compared case
	// insensitively, "application/" prefix ignored). Empty: any.
	Types []string `json:"types" desc:"Accepted values of the typ header, such as at+jwt. Empty accepts any."`
	// LeewaySec is the clock skew allowed for exp, nbf and iat.
	LeewaySec int `json:"leeway_sec" kong:"between=0:300" desc:"Clock skew allowed when checking exp, nbf and iat, in seconds."`
	// MaxLifetimeSec caps exp minus iat (or exp minus now without iat).
	// 0 disables the cap.
	MaxLifetimeSec int `json:"max_lifetime_sec" kong:"between=0:31536000" desc:"Longest accepted token lifetime (exp minus iat, or exp minus now without iat), in seconds; 0 disables the cap."`
	// UnsafeAllowMissingExp accepts tokens without exp. Dangerous: such a
	// token never expires.
	UnsafeAllowMissingExp bool `json:"unsafe_allow_missing_exp" desc:"Accept tokens without an exp claim. Dangerous: such tokens never expire."`
	// RequiredClaims must be present.
	RequiredClaims []string `json:"required_claims" desc:"Claims every token must carry."`
	// ClaimValues restrict claims to allowed values.
	ClaimValues []ClaimValue `json:"claim_values" desc:"Claim checks: the claim (string or array) must hold one of the listed values."`
	// SubjectClaim names the principal.
	SubjectClaim string `json:"subject_claim" desc:"Claim naming the principal."`
	// ScopeClaim holds scopes, a space-separated string or an array.
	ScopeClaim string `json:"scope_claim" desc:"Claim holding scopes, a space-separated string or an array."`
	// RolesClaim holds roles.
	RolesClaim string `json:"roles_claim" desc:"Claim holding roles, an array or a space-separated string."`
	// GroupsClaim holds groups.
	GroupsClaim string `json:"groups_claim" desc:"Claim holding groups, an array or a space-separated string."`
	// JWKSRefreshSec is how often keys are refreshed when the response has
	// no usable Cache-Control max-age.
	JWKSRefreshSec int `json:"jwks_refresh_sec" kong:"between=10:86400" desc:"JWKS refresh interval when the response has no usable Cache-Control max-age, in seconds."`
	// JWKSMinRefreshSec and JWKSMaxRefreshSec bound a Cache-Control max-age.
	JWKSMinRefreshSec int `json:"jwks_min_refresh_sec" kong:"between=10:86400" desc:"Shortest JWKS refresh interval honoured from Cache-Control max-age, in seconds."`
	JWKSMaxRefreshSec int `json:"jwks_max_refresh_sec" kong:"between=10:604800" desc:"Longest JWKS refresh interval honoured from Cache-Control max-age, in seconds."`
	// UnknownKIDRefetchSec is the least time between two refetches caused
	// by a token naming an unknown kid.
	UnknownKIDRefetchSec int `json:"unknown_kid_refetch_sec" kong:"between=1:3600" desc:"Least time between two JWKS refetches triggered by a token naming an unknown kid, in seconds."`
	// DPoP says whether this issuer's tokens may (allowed) or must
	// (required) be presented with a DPoP proof (RFC 9449). With allowed
	// or required, a token carrying cnf.jkt is refused as Bearer. Off:
	// the DPoP scheme is refused and cnf is not looked at.
	DPoP string `json:"dpop" kong:"one_of=off|allowed|required" desc:"DPoP (RFC 9449) for this issuer: off (the DPoP scheme is refused and cnf is ignored), allowed, or required. With allowed or required a DPoP-bound token (cnf.jkt) is refused as Bearer."`
	// MTLSBinding says whether this issuer's certificate-bound tokens
	// (cnf["x5t#S256"], RFC 8705 3) are checked against the TLS client
	// certificate (allowed), or every token must be bound (required).
	// Off: cnf is not looked at.
	MTLSBinding string `json:"mtls_binding" kong:"one_of=off|allowed|required" desc:"Certificate-bound tokens (RFC 8705): off (cnf is ignored), allowed (a token with cnf x5t#S256 must come over TLS with that client certificate), or required (every token must be bound). Needs nginx to ask for client certificates (see the README)."`
}

// ClaimValue requires a claim to hold one of Values.
type ClaimValue struct {
	Claim  string   `json:"claim" kong:"required,len_min=1" desc:"Name of the claim to check."`
	Values []string `json:"values" kong:"required,len_min=1" desc:"Accepted values; for an array claim, one element must match."`
}

// ClaimHeader copies a claim to an upstream header.
type ClaimHeader struct {
	Claim  string `json:"claim" kong:"required,len_min=1" desc:"Name of the claim to copy."`
	Header string `json:"header" kong:"required,len_min=1" match:"^[%w%-]+$" desc:"Upstream header receiving the claim value."`
}

// APIKeys configures API-key authentication.
type APIKeys struct {
	// Header holds the key.
	Header string `json:"header" match:"^[%w%-]*$" desc:"Header holding the API key. Empty: no header is read."`
	// QueryParam, when set, also accepts the key from this query parameter.
	QueryParam string `json:"query_param" desc:"Also accept the API key from this query parameter. Empty: not accepted."`
	// Keys are the accepted keys.
	Keys []APIKey `json:"keys" desc:"Accepted API keys, each by its SHA-256 hash."`
	// KeysFile is a JSON file holding more keys (an array of the same
	// records), read when the instance starts.
	KeysFile string `json:"keys_file" desc:"Path of a JSON file with more keys, an array of records like keys, read at instance start."`
}

// APIKey is one accepted key.
type APIKey struct {
	// Name identifies the key in audit events and X-Credential-Identifier.
	Name string `json:"name" kong:"required,len_min=1" desc:"Name of the key, used as credential identifier. Not secret."`
	// SHA256 is the hex SHA-256 of the key.
	SHA256 string `json:"sha256" kong:"required,referenceable,encrypted" desc:"Hex SHA-256 of the key (64 hex digits); may be a vault reference."`
	// Subject is the principal the key authenticates.
	Subject string `json:"subject" kong:"required,len_min=1" desc:"Principal the key authenticates."`
	// Consumer is the Kong consumer (id or username) the key maps to.
	Consumer string   `json:"consumer" desc:"Kong consumer (id or username) the key maps to, when consumer mapping is on."`
	Scopes   []string `json:"scopes" desc:"Scopes granted to the key."`
	Roles    []string `json:"roles" desc:"Roles granted to the key."`
}

// Introspection configures RFC 7662 token introspection.
type Introspection struct {
	// Endpoint is the introspection URL.
	Endpoint string `json:"endpoint" kong:"required" desc:"Token introspection endpoint (RFC 7662)."`
	// ClientID and ClientSecret authenticate to the endpoint (HTTP Basic).
	ClientID     string `json:"client_id" kong:"required,referenceable" desc:"Client id used to authenticate to the introspection endpoint."`
	ClientSecret string `json:"client_secret" kong:"required,referenceable,encrypted" desc:"Client secret used to authenticate to the introspection endpoint; use a vault reference."`
	// Issuer, when set, must equal the response's iss.
	Issuer string `json:"issuer" desc:"When set, the introspection response's iss must equal it; also the identity's issuer."`
	// Audiences: the response's aud must contain one of these, when set.
	Audiences []string `json:"audiences" desc:"The response's aud must contain one of these. Empty skips the check."`
	// RequiredClaims and ClaimValues are checked as for JWTs.
	RequiredClaims []string     `json:"required_claims" desc:"Members the introspection response must carry."`
	ClaimValues    []ClaimValue `json:"claim_values" desc:"Checks on response members, as for JWT claims."`
	// NegativeTTLSec caches an inactive answer this long.
	NegativeTTLSec int `json:"negative_ttl_sec" kong:"between=0:300" desc:"How long an inactive answer is cached, in seconds; 0 disables."`
	// DPoP is the DPoP mode of introspected tokens (cnf.jkt of the
	// answer), as for an issuer.
	DPoP string `json:"dpop" kong:"one_of=off|allowed|required" desc:"DPoP (RFC 9449) for introspected tokens (cnf.jkt of the answer): off, allowed, or required, as for an issuer."`
	// MTLSBinding is the certificate binding mode of introspected tokens
	// (cnf x5t#S256 of the answer), as for an issuer.
	MTLSBinding string `json:"mtls_binding" kong:"one_of=off|allowed|required" desc:"Certificate-bound introspected tokens (RFC 8705, cnf x5t#S256 of the answer): off, allowed, or required, as for an issuer."`
	// ErrorTTLMS: after the endpoint fails (unreachable, timeout, an
	// answer other than a JSON 200), tokens not in the cache are refused
	// with 503 for this long without asking it, so a hanging endpoint
	// costs one timeout per period, not one per request. Then one
	// request probes it while the others keep failing fast. 0 disables.
	ErrorTTLMS int `json:"error_ttl_ms" kong:"between=0:60000" desc:"After the endpoint fails (unreachable, timeout, bad answer), refuse uncached tokens with 503 for this long, in milliseconds, without asking it, then let one request probe it. Fails closed. 0 disables."`
}

// ConsumerMapping maps principals to Kong consumers.
type ConsumerMapping struct {
	// Claim holds the consumer's id or username. API keys use their own
	// consumer field.
	Claim string `json:"claim" desc:"Claim holding the consumer id or username. API keys use their consumer field."`
	// By is "id" or "username" (Kong's load_consumer tries the id, then
	// the username).
	By string `json:"by" kong:"one_of=id|username" desc:"Look the consumer up by id only (id), or by id then username (username, as Kong's load_consumer does)."`
	// Optional accepts principals with no consumer instead of refusing them.
	Optional bool `json:"optional" desc:"Accept principals that map to no consumer instead of refusing them."`
	// CacheTTLSec caches found consumers this long (a PDK round trip
	// saved per request). A deleted consumer keeps working this long.
	// 0 disables.
	CacheTTLSec int `json:"cache_ttl_sec" kong:"between=0:3600" desc:"Cache found consumers this many seconds (a PDK round trip saved per request); a deleted consumer keeps working that long. 0 disables."`
}

// Assertion configures the signed identity assertion.
type Assertion struct {
	// Header carries the assertion upstream.
	Header string `json:"header" match:"^[%w%-]+$" desc:"Upstream header carrying the assertion. Always cleared from client requests."`
	// PrivateKey is the signing key: PEM (PKCS8, or SEC1 for ECDSA), or
	// one line of base64 PKCS8 DER (fits an environment variable).
	PrivateKey string `json:"private_key" kong:"required,referenceable,encrypted" desc:"Private key signing assertions (P-256 for ES256, Ed25519 for EdDSA), PEM or one-line base64 PKCS8 DER; use a vault reference."`
	// Algorithm is ES256 or EdDSA.
	Algorithm string `json:"algorithm" kong:"one_of=ES256|EdDSA" desc:"Signing algorithm, ES256 or EdDSA; the private key must match it."`
	// KeyID is the kid header. Empty: the key's RFC 7638 thumbprint.
	KeyID string `json:"key_id" desc:"kid header of assertions. Empty: the key's RFC 7638 thumbprint."`
	// Issuer is the iss claim.
	Issuer string `json:"issuer" desc:"iss claim of assertions; the upstream checks it."`
	// Audience is the aud claim: the upstream service.
	Audience string `json:"audience" kong:"required,len_min=1" desc:"aud claim of assertions: the name of the upstream service that verifies them."`
	// TTLSec is the assertion lifetime, at most MaxAssertionTTLSec.
	TTLSec int `json:"ttl_sec" kong:"between=1:60" desc:"Assertion lifetime in seconds, at most 60."`
}

// HTTPSettings configures outbound HTTP (JWKS, discovery, introspection).
type HTTPSettings struct {
	// TimeoutMS bounds each request.
	TimeoutMS int `json:"timeout_ms" kong:"between=100:60000" desc:"Timeout of each outbound request (JWKS, discovery, introspection), in milliseconds."`
	// MaxResponseBytes caps a response body.
	MaxResponseBytes int `json:"max_response_bytes" kong:"between=1024:10485760" desc:"Largest response body read from JWKS, discovery or introspection endpoints, in bytes."`
	// AllowHTTP permits plain-http URLs. Only for tests and local demos.
	AllowHTTP bool `json:"allow_http" desc:"Allow plain http URLs for JWKS, discovery and introspection. Only for tests and local demos."`
	// CACertPEM is an extra CA (PEM) trusted for these requests.
	CACertPEM string `json:"ca_cert_pem" desc:"PEM CA certificate(s) trusted for outbound requests, in addition to the system roots."`
}

// CacheSettings configures the verified-token cache.
type CacheSettings struct {
	// MaxEntries bounds the cache. 0 disables caching.
	MaxEntries int `json:"max_entries" kong:"between=0:1000000" desc:"Most verified tokens cached; 0 disables the cache."`
	// MaxTTLSec caps how long a verified token stays cached (it never
	// outlives its exp).
	MaxTTLSec int `json:"max_ttl_sec" kong:"between=1:86400" desc:"Longest a verified token or an active introspection answer stays cached, in seconds, and so the longest a revoked token can still pass; never past its exp."`
}

// SetDefaults fills defaults.
func (c *Config) SetDefaults() {
	c.Realm = DefaultRealm
	c.HideCredentials = true
}

// SetDefaults fills defaults.
func (t *TokenSource) SetDefaults() {
	t.Header = DefaultTokenHeader
	t.MaxBytes = DefaultMaxTokenBytes
}

// SetDefaults fills defaults.
func (is *Issuer) SetDefaults() {
	is.LeewaySec = DefaultLeewaySec
	is.MaxLifetimeSec = DefaultMaxLifetimeSec
	is.SubjectClaim = DefaultSubjectClaim
	is.ScopeClaim = DefaultScopeClaim
	is.RolesClaim = DefaultRolesClaim
	is.GroupsClaim = DefaultGroupsClaim
	is.JWKSRefreshSec = DefaultJWKSRefreshSec
	is.JWKSMinRefreshSec = DefaultJWKSMinRefresh
	is.JWKSMaxRefreshSec = DefaultJWKSMaxRefresh
	is.UnknownKIDRefetchSec = DefaultUnknownKIDSec
	is.DPoP = DPoPOff
	is.MTLSBinding = MTLSOff
}

// SetDefaults fills defaults.
func (d *DPoPSettings) SetDefaults() {
	d.Algorithms = []string{"ES256", "EdDSA", "PS256", "RS256"}
	d.IATWindowSec = DefaultDPoPWindowSec
	d.MaxProofBytes = DefaultDPoPMaxBytes
	d.Replay = DefaultDPoPReplay
	d.LocalMaxEntries = DefaultDPoPLocalEntries
	d.NonceLifetimeSec = DefaultDPoPNonceSec
}

// SetDefaults fills defaults.
func (a *APIKeys) SetDefaults() { a.Header = DefaultAPIKeyHeader }

// SetDefaults fills defaults.
func (in *Introspection) SetDefaults() {
	in.NegativeTTLSec = DefaultNegativeTTLSec
	in.ErrorTTLMS = DefaultErrorTTLMS
	in.DPoP = DPoPOff
	in.MTLSBinding = MTLSOff
}

// SetDefaults fills defaults.
func (m *ConsumerMapping) SetDefaults() {
	m.Claim = DefaultConsumerClaim
	m.By = DefaultConsumerBy
	m.CacheTTLSec = DefaultConsumerCacheSec
}

// SetDefaults fills defaults.
func (a *Assertion) SetDefaults() {
	a.Header = DefaultAssertionHeader
	a.Algorithm = DefaultAssertionAlg
	a.Issuer = DefaultAssertionIssuer
	a.TTLSec = DefaultAssertionTTLSec
}

// SetDefaults fills defaults.
func (h *HTTPSettings) SetDefaults() {
	h.TimeoutMS = DefaultTimeoutMS
	h.MaxResponseBytes = DefaultMaxResponseBytes
}

// SetDefaults fills defaults.
func (c *CacheSettings) SetDefaults() {
	c.MaxEntries = DefaultCacheEntries
	c.MaxTTLSec = DefaultCacheTTLSec
}

// Validate checks the config; errors name the field, never a secret.
func (c *Config) Validate() error {
	var errs config.Errors
	if strings.ContainsAny(c.Realm, "\"\\\r\n") {
		errs.Add("realm", "must not contain quotes, backslashes or line breaks")
	}
	if c.Token.Header == "" && c.Token.QueryParam == "" && c.Token.Cookie == "" &&
		(len(c.Issuers) > 0 || c.Introspection != nil) {
		errs.Add("token", "no token source: set header, query_param or cookie")
	}
	if len(c.Issuers) == 0 && c.APIKeys == nil && c.Introspection == nil {
		errs.Add("", "configure at least one of issuers, api_keys or introspection")
	}
	if len(c.Issuers) > maxIssuers {
		errs.Add("issuers", "at most %d issuers", maxIssuers)
	}
	seen := map[string]bool{}
	for i := range c.Issuers {
		p := fmt.Sprintf("issuers[%d]", i)
		errs.Check(p, c.Issuers[i].validate(c.HTTP.AllowHTTP))
		if seen[c.Issuers[i].Issuer] {
			errs.Add(p+".issuer", "duplicate issuer")
		}
		seen[c.Issuers[i].Issuer] = true
	}
	if c.APIKeys != nil {
		errs.Check("api_keys", c.APIKeys.validate())
		if c.APIKeys.Header != "" && strings.EqualFold(c.APIKeys.Header, c.Token.Header) {
			errs.Add("api_keys.header", "must differ from token.header")
		}
		// One parameter read as both would hold two credentials on every
		// request that sends it: all refused as multiple (400).
		if c.APIKeys.QueryParam != "" && c.APIKeys.QueryParam == c.Token.QueryParam &&
			(len(c.Issuers) > 0 || c.Introspection != nil) {
			errs.Add("api_keys.query_param", "must differ from token.query_param")
		}
	}
	if c.Introspection != nil {
		errs.Check("introspection", c.Introspection.validate(c.HTTP.AllowHTTP))
	}
	for i, ch := range c.ClaimsToHeaders {
		if isReservedHeader(ch.Header) {
			errs.Add(fmt.Sprintf("claims_to_headers[%d].header", i), "reserved header")
		}
	}
	if c.Assertion != nil {
		if c.Assertion.TTLSec < 1 || c.Assertion.TTLSec > MaxAssertionTTLSec {
			errs.Add("assertion.ttl_sec", "must be between 1 and %d", MaxAssertionTTLSec)
		}
		if c.Assertion.Algorithm != "ES256" && c.Assertion.Algorithm != "EdDSA" {
			errs.Add("assertion.algorithm", "must be ES256 or EdDSA")
		}
		if c.Assertion.Audience == "" {
			errs.Add("assertion.audience", "required")
		}
		if isReservedHeader(c.Assertion.Header) {
			errs.Add("assertion.header", "reserved header")
		}
		if _, err := parseSigningKey(c.Assertion.PrivateKey, c.Assertion.Algorithm); err != nil {
			errs.Add("assertion.private_key", "%v", err)
		}
	}
	errs.Check("dpop", c.DPoP.validate())
	if c.dpopOn() && !strings.EqualFold(c.Token.Header, "authorization") {
		errs.Add("token.header", "DPoP needs the authorization header (RFC 9449 7.1)")
	}
	if c.Introspection != nil && !validDPoPMode(c.Introspection.DPoP) {
		errs.Add("introspection.dpop", "must be off, allowed or required")
	}
	if c.Introspection != nil && !validDPoPMode(c.Introspection.MTLSBinding) {
		errs.Add("introspection.mtls_binding", "must be off, allowed or required")
	}
	if c.HTTP.CACertPEM != "" {
		if _, err := certPool(c.HTTP.CACertPEM); err != nil {
			errs.Add("http.ca_cert_pem", "%v", err)
		}
	}
	if c.Consumer != nil && c.Consumer.By != "id" && c.Consumer.By != "username" {
		errs.Add("consumer.by", "must be id or username")
	}
	return errs.Err()
}

func (is *Issuer) validate(allowHTTP bool) error {
	var errs config.Errors
	if is.Issuer == "" {
		errs.Add("issuer", "required")
	}
	if len(is.Algorithms) == 0 {
		errs.Add("algorithms", "at least one algorithm")
	}
	var hmacAlg, asymAlg bool
	for i, a := range is.Algorithms {
		switch algFamily(a) {
		case familyHMAC:
			hmacAlg = true
		case familyNone:
			errs.Add(fmt.Sprintf("algorithms[%d]", i), "unsupported algorithm")
		default:
			asymAlg = true
		}
	}
	remote := is.JWKSURL != "" || is.Discovery
	if is.JWKSURL != "" && is.Discovery {
		errs.Add("discovery", "set either jwks_url or discovery, not both")
	}
	if is.JWKSURL != "" {
		errs.Check("jwks_url", checkURL(is.JWKSURL, allowHTTP))
	}
	if is.Discovery {
		errs.Check("issuer", checkURL(is.Issuer, allowHTTP))
	}
	if hmacAlg && len(is.HMACSecrets) == 0 {
		errs.Add("hmac_secrets", "HS* algorithms need at least one secret")
	}
	if !hmacAlg && len(is.HMACSecrets) > 0 {
		errs.Add("hmac_secrets", "secrets given but no HS* algorithm allowed")
	}
	for i, s := range is.HMACSecrets {
		if len(s) < MinHMACSecretBytes {
			errs.Add(fmt.Sprintf("hmac_secrets[%d]", i), "shorter than %d bytes", MinHMACSecretBytes)
		}
	}
	if asymAlg && !remote && len(is.PublicKeys) == 0 {
		errs.Add("public_keys", "asymmetric algorithms need public_keys, jwks_url or discovery")
	}
	if len(is.PublicKeys) > maxStaticKeys || len(is.HMACSecrets) > maxStaticKeys {
		errs.Add("public_keys", "at most %d static keys or secrets", maxStaticKeys)
	}
	for i, pk := range is.PublicKeys {
		if _, err := parsePublicKey(pk); err != nil {
			errs.Add(fmt.Sprintf("public_keys[%d]", i), "%v", err)
		}
	}
	if is.JWKSMinRefreshSec > is.JWKSMaxRefreshSec {
		errs.Add("jwks_min_refresh_sec", "greater than jwks_max_refresh_sec")
	}
	if !validDPoPMode(is.DPoP) {
		errs.Add("dpop", "must be off, allowed or required")
	}
	if !validDPoPMode(is.MTLSBinding) {
		errs.Add("mtls_binding", "must be off, allowed or required")
	}
	for i, cv := range is.ClaimValues {
		if cv.Claim == "" || len(cv.Values) == 0 {
			errs.Add(fmt.Sprintf("claim_values[%d]", i), "needs a claim and values")
		}
	}
	return errs.Err()
}

// dpopOn reports whether any issuer, or introspection, accepts DPoP.
func (c *Config) dpopOn() bool {
	for i := range c.Issuers {
		if c.Issuers[i].DPoP != DPoPOff && c.Issuers[i].DPoP != "" {
			return true
		}
	}
	return c.Introspection != nil && c.Introspection.DPoP != DPoPOff && c.Introspection.DPoP != ""
}

func validDPoPMode(m string) bool { return m == DPoPOff || m == DPoPAllowed || m == DPoPRequired }

func (d *DPoPSettings) validate() error {
	var errs config.Errors
	if len(d.Algorithms) == 0 {
		errs.Add("algorithms", "at least one algorithm")
	}
	for i, a := range d.Algorithms {
		if f := algFamily(a); f == familyNone || f == familyHMAC {
			errs.Add(fmt.Sprintf("algorithms[%d]", i), "must be an asymmetric algorithm")
		}
	}
	if d.IATWindowSec < 5 || d.IATWindowSec > 600 {
		errs.Add("iat_window_sec", "must be between 5 and 600")
	}
	if d.MaxProofBytes < 512 || d.MaxProofBytes > 16384 {
		errs.Add("max_proof_bytes", "must be between 512 and 16384")
	}
	if d.NonceSecret != "" && len(d.NonceSecret) < MinHMACSecretBytes {
		errs.Add("nonce_secret", "shorter than %d bytes", MinHMACSecretBytes)
	}
	if d.NonceLifetimeSec < 10 || d.NonceLifetimeSec > 3600 {
		errs.Add("nonce_lifetime_sec", "must be between 10 and 3600")
	}
	switch d.Replay {
	case "local":
	case "redis":
		errs.Check("redis", d.Redis.Validate())
	default:
		errs.Add("replay", "must be local or redis")
	}
	return errs.Err()
}

func (a *APIKeys) validate() error {
	var errs config.Errors
	if a.Header == "" && a.QueryParam == "" {
		errs.Add("header", "set header or query_param")
	}
	if len(a.Keys) == 0 && a.KeysFile == "" {
		errs.Add("keys", "set keys or keys_file")
	}
	if len(a.Keys) > maxAPIKeys {
		errs.Add("keys", "at most %d keys", maxAPIKeys)
	}
	names := map[string]bool{}
	for i, k := range a.Keys {
		errs.Check(fmt.Sprintf("keys[%d]", i), k.validate())
		if names[k.Name] {
			errs.Add(fmt.Sprintf("keys[%d].name", i), "duplicate name")
		}
		names[k.Name] = true
	}
	return errs.Err()
}

func (k *APIKey) validate() error {
	var errs config.Errors
	if k.Name == "" {
		errs.Add("name", "required")
	}
	if k.Subject == "" {
		errs.Add("subject", "required")
	}
	// Never echo the value: it is a (hashed) secret.
	if b, err := hex.DecodeString(k.SHA256); err != nil || len(b) != 32 {
		errs.Add("sha256", "must be 64 hex digits")
	}
	return errs.Err()
}

func (in *Introspection) validate(allowHTTP bool) error {
	var errs config.Errors
	errs.Check("endpoint", checkURL(in.Endpoint, allowHTTP))
	if in.ClientID == "" {
		errs.Add("client_id", "required")
	}
	if in.ClientSecret == "" {
		errs.Add("client_secret", "required")
	}
	return errs.Err()
}

// checkURL accepts an absolute https URL, or http when allowed.
func checkURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("must be an absolute URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return fmt.Errorf("%w: use https or set http.allow_http", ErrInsecureURL)
	default:
		return fmt.Errorf("must be an https URL")
	}
	if u.User != nil {
		return fmt.Errorf("must not carry credentials")
	}
	return nil
}

// reservedHeaders are set by the plugin itself and cannot be a target of
// claims_to_headers or the assertion.
var reservedHeaders = []string{
	"authorization", "cookie", "host", "content-length", "transfer-encoding",
	headerConsumerID, headerConsumerCustomID, headerConsumerUsername,
	headerCredential, headerAnonymous,
}

func isReservedHeader(h string) bool {
	for _, r := range reservedHeaders {
		if strings.EqualFold(h, r) {
			return true
		}
	}
	return false
}
