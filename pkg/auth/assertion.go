package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/warden-gw/warden/pkg/identity"
)

// AssertionClaims are the claims of a signed identity assertion.
type AssertionClaims struct {
	jwt.RegisteredClaims
	// Scope holds the granted scopes, space-separated (RFC 8693 4.2).
	Scope string   `json:"scope,omitempty"`
	Roles []string `json:"roles,omitempty"`
	// Method is how the principal authenticated (jwt, api_key, ...).
	Method string `json:"method,omitempty"`
	// Confirmation is how the token was bound to the client (dpop,
	// mtls); absent for a bearer token.
	Confirmation string `json:"confirmation,omitempty"`
	// Consumer is the Kong consumer's username (or id) when mapped.
	Consumer string `json:"consumer,omitempty"`
	// IdentityIssuer is the iss of the token the principal presented.
	IdentityIssuer string `json:"idp_iss,omitempty"`
}

// assertionSigner signs identity assertions with the gateway key.
type assertionSigner struct {
	cfg    *Assertion
	method jwt.SigningMethod
	key    crypto.Signer
	kid    string
	now    func() time.Time
}

func newAssertionSigner(c *Assertion, now func() time.Time) (*assertionSigner, error) {
	key, err := parseSigningKey(c.PrivateKey, c.Algorithm)
	if err != nil {
		return nil, err
	}
	kid := c.KeyID
	if kid == "" {
		kid, err = Thumbprint(key.Public())
		if err != nil {
			return nil, err
		}
	}
	return &assertionSigner{cfg: c, method: jwt.GetSigningMethod(c.Algorithm), key: key, kid: kid, now: now}, nil
}

// parseSigningKey reads a private key of the type alg needs: PEM (PKCS8,
// or SEC1 "EC PRIVATE KEY"), or the standard base64 of a PKCS8 DER key on
// one line, the form that fits an environment variable behind a Kong
// vault reference. Errors never include key material.
func parseSigningKey(pemKey, alg string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(pemKey))
	if block == nil {
		der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(pemKey))
		if err != nil {
			return nil, fmt.Errorf("%w: neither PEM nor base64 PKCS8", ErrAssertionKey)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block is not a private key", ErrAssertionKey)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: unreadable private key", ErrAssertionKey)
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		if alg == "ES256" && k.Curve == elliptic.P256() {
			return k, nil
		}
	case ed25519.PrivateKey:
		if alg == "EdDSA" {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: key type does not match algorithm %s", ErrAssertionKey, alg)
}

// sign returns an assertion for id, valid for the configured lifetime.
func (s *assertionSigner) sign(id identity.Identity) (string, error) {
	now := s.now()
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", err
	}
	c := AssertionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Subject:   id.Subject,
			Audience:  jwt.ClaimStrings{s.cfg.Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Duration(s.cfg.TTLSec) * time.Second)),
			ID:        hex.EncodeToString(jti[:]),
		},
		Roles:          id.Roles,
		Method:         id.Method,
		Confirmation:   id.Confirmation,
		IdentityIssuer: id.Issuer,
	}
	if len(id.Scopes) > 0 {
		c.Scope = joinSpace(id.Scopes)
	}
	c.Consumer = id.ConsumerUsername
	if c.Consumer == "" {
		c.Consumer = id.ConsumerID
	}
	t := jwt.NewWithClaims(s.method, c)
	t.Header["kid"] = s.kid
	t.Header["typ"] = AssertionType
	return t.SignedString(s.key)
}

// AssertionType is the typ header of identity assertions, so they cannot
// be confused with access tokens (RFC 8725 3.11).
const AssertionType = "warden-id+jwt"

// VerifyAssertion checks an identity assertion the way a backend should:
// signature by pub (an *ecdsa.PublicKey for ES256 or ed25519.PublicKey
// for EdDSA; no other algorithm is accepted), typ, exact issuer and
// audience, exp required, lifetime at most 60 seconds, at time now with
// 5 seconds of leeway.
func VerifyAssertion(token string, pub crypto.PublicKey, issuer, audience string, now time.Time) (*AssertionClaims, error) {
	var alg string
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%w: unsupported curve", ErrAssertionKey)
		}
		alg = "ES256"
	case ed25519.PublicKey:
		alg = "EdDSA"
	default:
		return nil, fmt.Errorf("%w: unsupported key type %T", ErrAssertionKey, pub)
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{alg}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	var c AssertionClaims
	t, err := p.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != AssertionType {
			return nil, errors.New("wrong typ")
		}
		return pub, nil
	})
	if err != nil || !t.Valid {
		return nil, fmt.Errorf("%w: %v", ErrAssertionInvalid, err)
	}
	if c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > MaxAssertionTTLSec*time.Second {
		return nil, fmt.Errorf("%w: lifetime", ErrAssertionInvalid)
	}
	if c.Subject == "" {
		return nil, fmt.Errorf("%w: no subject", ErrAssertionInvalid)
	}
	return &c, nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint of an ES256 (P-256) or
// Ed25519 public key, base64url.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	var members string
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil || k.Curve != elliptic.P256() {
			return "", fmt.Errorf("%w: unsupported key", ErrAssertionKey)
		}
		x, y := raw[1:33], raw[33:]
		b, _ := json.Marshal(map[string]string{"crv": "P-256", "kty": "EC",
			"x": base64.RawURLEncoding.EncodeToString(x), "y": base64.RawURLEncoding.EncodeToString(y)})
		members = string(b)
	case ed25519.PublicKey:
		b, _ := json.Marshal(map[string]string{"crv": "Ed25519", "kty": "OKP",
			"x": base64.RawURLEncoding.EncodeToString(k)})
		members = string(b)
	default:
		return "", fmt.Errorf("%w: unsupported key type %T", ErrAssertionKey, pub)
	}
	sum := sha256.Sum256([]byte(members))
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

func joinSpace(ss []string) string {
	n := 0
	for _, s := range ss {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range ss {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, s...)
	}
	return string(b)
}
