package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/warden-gw/warden/pkg/config"
)

// Test keys are generated once per test binary.
var (
	keysOnce    sync.Once
	rsaA, rsaB  *rsa.PrivateKey
	ecA         *ecdsa.PrivateKey
	edA         ed25519.PrivateKey
	hmacSecret  = "0123456789abcdef0123456789abcdef-test-only"
	testNow     = time.Unix(1_900_000_000, 0)
	testIssuerA = "https://idp-a.example"
	testIssuerB = "https://idp-b.example"
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if rsaB, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecA, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if _, edA, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
}

func pemPublic(t testing.TB, pub crypto.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func pemPrivate(t testing.TB, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// jwkOf renders a public key as a JWK map.
func jwkOf(pub crypto.PublicKey, kid string) map[string]any {
	enc := base64.RawURLEncoding.EncodeToString
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "n": enc(k.N.Bytes()), "e": enc(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		raw, _ := k.Bytes()
		return map[string]any{"kty": "EC", "kid": kid, "crv": "P-256", "x": enc(raw[1:33]), "y": enc(raw[33:])}
	case ed25519.PublicKey:
		return map[string]any{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": enc(k)}
	}
	panic("unsupported key")
}

// sign makes a token with golang-jwt.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// goodClaims are valid claims for issuer A at testNow.
func goodClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss":   testIssuerA,
		"sub":   "alice",
		"aud":   []string{"orders"},
		"exp":   testNow.Add(10 * time.Minute).Unix(),
		"iat":   testNow.Add(-time.Minute).Unix(),
		"scope": "orders:read orders:write",
		"roles": []string{"user"},
		"jti":   "id-1",
	}
}

// loadConfig runs raw through the same decode, defaults and Validate
// steps Kong's config goes through.
func loadConfig(t testing.TB, raw any) *Config {
	t.Helper()
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load[Config](b)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func newAuth(t testing.TB, raw any) *Authenticator {
	t.Helper()
	a, err := New(loadConfig(t, raw), WithTimeFunc(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// staticConfig accepts RS256 tokens of issuer A (rsaA, kid "a1"), HS256
// tokens of issuer B, audience orders.
func staticConfig(t testing.TB) map[string]any {
	testKeys(t)
	jwkA, _ := json.Marshal(jwkOf(&rsaA.PublicKey, "a1"))
	return map[string]any{
		"issuers": []any{
			map[string]any{"issuer": testIssuerA, "algorithms": []string{"RS256", "ES256"},
				"public_keys": []string{string(jwkA), pemPublic(t, &ecA.PublicKey)}, "audiences": []string{"orders"}},
			map[string]any{"issuer": testIssuerB, "algorithms": []string{"HS256"},
				"hmac_secrets": []string{hmacSecret}},
		},
	}
}

func bearer(tok string) Request {
	return Request{Headers: map[string][]string{"authorization": {"Bearer " + tok}}}
}

func loadRaw(b []byte) (*Config, error) { return config.Load[Config](b) }
