package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/warden-gw/warden/pkg/identity"
)

// rawToken assembles a compact JWS from parts, signed with HS256 over
// secret when secret is set.
func rawToken(t testing.TB, hdr, claims map[string]any, secret []byte) string {
	t.Helper()
	hb, _ := json.Marshal(hdr)
	cb, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	in := enc(hb) + "." + enc(cb)
	sig := []byte("x")
	if secret != nil {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(in))
		sig = m.Sum(nil)
	}
	return in + "." + enc(sig)
}

func TestAttacks(t *testing.T) {
	a := newAuth(t, staticConfig(t))
	good := goodClaims()
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range good {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	rsaPubPEM := []byte(pemPublic(t, &rsaA.PublicKey))
	claimsA := map[string]any(good)
	valid := sign(t, jwt.SigningMethodRS256, rsaA, "a1", good)
	parts := strings.Split(valid, ".")

	tests := []struct {
		name   string
		req    Request
		reason string
		status int
	}{
		{"alg none", bearer(rawToken(t, map[string]any{"alg": "none", "kid": "a1"}, claimsA, nil)), ReasonAlgorithm, 401},
		{"alg NoNe", bearer(rawToken(t, map[string]any{"alg": "NoNe"}, claimsA, nil)), ReasonAlgorithm, 401},
		{"HS256 signed with the RSA public key", bearer(rawToken(t, map[string]any{"alg": "HS256", "kid": "a1"}, claimsA, rsaPubPEM)), ReasonAlgorithm, 401},
		{"kid path traversal", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "../../../../etc/passwd", good)), ReasonUnknownKey, 401},
		{"kid sql", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "' OR 1=1 --", good)), ReasonUnknownKey, 401},
		{"jku header", bearer(rawHeader(t, valid, "jku", "https://evil.example/jwks")), ReasonHeader, 401},
		{"x5u header", bearer(rawHeader(t, valid, "x5u", "https://evil.example/cert")), ReasonHeader, 401},
		{"jwk header", bearer(rawHeader(t, valid, "jwk", jwkOf(&rsaB.PublicKey, "a1"))), ReasonHeader, 401},
		{"x5c header", bearer(rawHeader(t, valid, "x5c", []string{"MIIB"})), ReasonHeader, 401},
		{"unknown crit", bearer(rawHeader(t, valid, "crit", []string{"exp"})), ReasonHeader, 401},
		{"expired", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", with("exp", testNow.Add(-time.Minute).Unix()))), ReasonExpired, 401},
		{"nbf in future", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", with("nbf", testNow.Add(time.Minute).Unix()))), ReasonNotYetValid, 401},
		{"iat in future", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", with("iat", testNow.Add(time.Minute).Unix()))), ReasonIssuedInFuture, 401},
		{"wrong iss", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", with("iss", "https://evil.example"))), ReasonUnknownIssuer, 401},
		{"wrong aud", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", with("aud", "billing"))), ReasonAudience, 401},
		{"missing exp", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", with("exp", nil))), ReasonMissingExp, 401},
		{"lifetime too long", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", with("exp", testNow.Add(48*time.Hour).Unix()))), ReasonLifetime, 401},
		{"exp as string", bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", with("exp", "9999999999"))), ReasonMalformed, 401},
		{"issuer A token signed with issuer B key", bearer(sign(t, jwt.SigningMethodRS256, rsaB, "a1", good)), ReasonSignature, 401},
		{"issuer A claims signed with issuer B's HMAC secret", bearer(sign(t, jwt.SigningMethodHS256, []byte(hmacSecret), "", good)), ReasonAlgorithm, 401},
		{"stripped signature", bearer(parts[0] + "." + parts[1] + "."), ReasonMalformed, 401},
		{"stripped signature no dot", bearer(parts[0] + "." + parts[1]), ReasonMalformed, 401},
		{"malformed base64", bearer(parts[0] + "." + parts[1] + "!." + parts[2]), ReasonMalformed, 401},
		{"padded base64", bearer(parts[0] + "=." + parts[1] + "." + parts[2]), ReasonMalformed, 401},
		{"4 parts", bearer(valid + ".e30"), ReasonMalformed, 401},
		{"oversized", bearer(valid + strings.Repeat("A", DefaultMaxTokenBytes)), ReasonTokenTooLarge, 401},
		{"two tokens", Request{Headers: map[string][]string{"authorization": {"Bearer " + valid, "Bearer " + valid}}}, ReasonMultipleTokens, 400},
		{"two tokens in one header", bearer(valid + ", Bearer " + valid), ReasonMalformed, 401},
		{"duplicate claim", bearer(dupClaim(t, valid)), ReasonMalformed, 401},
		{"escaped duplicate alg", bearer(b64s(`{"alg":"RS256","kid":"a1","\u0061lg":"none"}`) + "." + parts[1] + "." + parts[2]), ReasonMalformed, 401},
		{"escaped duplicate claim", bearer(parts[0] + "." + b64s(`{"sub":"alice","\u0073ub":"admin"}`) + "." + parts[2]), ReasonMalformed, 401},
		{"payload with trailing brace", bearer(parts[0] + "." + b64s(`{"sub":"alice"}}`) + "." + parts[2]), ReasonMalformed, 401},
		{"alg not a string", bearer(b64s(`{"alg":["RS256"],"kid":"a1"}`) + "." + parts[1] + "." + parts[2]), ReasonMalformed, 401},
		{"no credential", Request{Headers: map[string][]string{}}, ReasonNoCredential, 401},
		{"basic scheme is not ours", Request{Headers: map[string][]string{"authorization": {"Basic dXNlcjpwYXNz"}}}, ReasonNoCredential, 401},
		{"empty bearer", Request{Headers: map[string][]string{"authorization": {"Bearer "}}}, ReasonMalformed, 401},
		{"opaque token without introspection", bearer("opaque-token-value"), ReasonMalformed, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, d := a.Authenticate(context.Background(), tt.req)
			if d == nil {
				t.Fatalf("accepted as %+v", res.Identity)
			}
			if d.Reason != tt.reason || d.Status != tt.status {
				t.Errorf("got %s/%d (%v), want %s/%d", d.Reason, d.Status, d.Err, tt.reason, tt.status)
			}
		})
	}
}

// rawHeader re-encodes tok's header with one more member; the signature
// stays the original (it covers the old header, so only a verifier that
// used the new member could accept it).
func rawHeader(t testing.TB, tok, k string, v any) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	_ = json.Unmarshal(hb, &h)
	h[k] = v
	hb, _ = json.Marshal(h)
	return base64.RawURLEncoding.EncodeToString(hb) + "." + parts[1] + "." + parts[2]
}

func b64s(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// dupClaim adds a second sub to the payload.
func dupClaim(t testing.TB, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	pb = append([]byte(`{"sub":"admin",`), pb[1:]...)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(pb) + "." + parts[2]
}

func TestAcceptsValidTokens(t *testing.T) {
	a := newAuth(t, staticConfig(t))
	hsClaims := goodClaims()
	hsClaims["iss"] = testIssuerB
	tests := []struct {
		name, tok, iss string
	}{
		{"RS256 JWK with kid", sign(t, jwt.SigningMethodRS256, rsaA, "a1", goodClaims()), testIssuerA},
		{"ES256 PEM without kid", sign(t, jwt.SigningMethodES256, ecA, "", goodClaims()), testIssuerA},
		{"HS256 secret", sign(t, jwt.SigningMethodHS256, []byte(hmacSecret), "", hsClaims), testIssuerB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, d := a.Authenticate(context.Background(), bearer(tt.tok))
			if d != nil {
				t.Fatalf("refused: %v", d)
			}
			id := res.Identity
			if id.Subject != "alice" || id.Issuer != tt.iss || id.Method != identity.MethodJWT ||
				!id.HasScope("orders:write") || !id.HasRole("user") || id.CredentialID != "jti:id-1" {
				t.Errorf("identity %+v", id)
			}
			if res.Cached {
				t.Error("first use reported cached")
			}
			res, d = a.Authenticate(context.Background(), bearer(tt.tok))
			if d != nil || !res.Cached {
				t.Errorf("second use: cached=%v denial=%v", res != nil && res.Cached, d)
			}
		})
	}
}

func TestCacheExpiresWithToken(t *testing.T) {
	now := testNow
	cfg := loadConfig(t, staticConfig(t))
	a, err := New(cfg, WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	c := goodClaims()
	c["exp"] = testNow.Add(time.Minute).Unix()
	tok := sign(t, jwt.SigningMethodRS256, rsaA, "a1", c)
	if _, d := a.Authenticate(context.Background(), bearer(tok)); d != nil {
		t.Fatal(d)
	}
	now = testNow.Add(2 * time.Minute) // past exp and leeway
	_, d := a.Authenticate(context.Background(), bearer(tok))
	if d == nil || d.Reason != ReasonExpired {
		t.Fatalf("after exp: %v, want %s", d, ReasonExpired)
	}
}

func TestTypAllowList(t *testing.T) {
	cfg := staticConfig(t)
	cfg["issuers"].([]any)[0].(map[string]any)["types"] = []string{"at+jwt"}
	a := newAuth(t, cfg)
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, goodClaims())
	tok.Header["kid"] = "a1"
	plain, _ := tok.SignedString(rsaA)
	tok.Header["typ"] = "application/at+JWT"
	at, _ := tok.SignedString(rsaA)
	if _, d := a.Authenticate(context.Background(), bearer(at)); d != nil {
		t.Errorf("at+jwt refused: %v", d)
	}
	if _, d := a.Authenticate(context.Background(), bearer(plain)); d == nil || d.Reason != ReasonType {
		t.Errorf("typ JWT: %v, want %s", d, ReasonType)
	}
}

func TestClaimRules(t *testing.T) {
	cfg := staticConfig(t)
	is := cfg["issuers"].([]any)[0].(map[string]any)
	is["required_claims"] = []string{"tenant"}
	is["claim_values"] = []any{map[string]any{"claim": "tenant", "values": []string{"acme"}}}
	a := newAuth(t, cfg)
	for _, tt := range []struct {
		name   string
		tenant any
		ok     bool
	}{{"allowed", "acme", true}, {"other value", "evil", false}, {"missing", nil, false}, {"array with allowed", []string{"x", "acme"}, true}} {
		t.Run(tt.name, func(t *testing.T) {
			c := goodClaims()
			if tt.tenant != nil {
				c["tenant"] = tt.tenant
			}
			_, d := a.Authenticate(context.Background(), bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", c)))
			if (d == nil) != tt.ok {
				t.Fatalf("ok=%v, denial %v", tt.ok, d)
			}
			if d != nil && !errors.Is(d, ErrClaim) {
				t.Errorf("denial %v, want ErrClaim", d)
			}
		})
	}
}
