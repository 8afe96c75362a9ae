package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// MinRSABits is the smallest RSA modulus accepted for verification.
const MinRSABits = 2048

type family int

const (
	familyNone family = iota
	familyHMAC
	familyRSA // RS* and PS*
	familyEC
	familyEd
)

// algFamily tells which key type an algorithm needs.
func algFamily(alg string) family {
	switch alg {
	case "HS256", "HS384", "HS512":
		return familyHMAC
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return familyRSA
	case "ES256", "ES384", "ES512":
		return familyEC
	case "EdDSA":
		return familyEd
	}
	return familyNone
}

// ecCurve is the curve an ES* algorithm requires (RFC 7518 3.4).
func ecCurve(alg string) elliptic.Curve {
	switch alg {
	case "ES256":
		return elliptic.P256()
	case "ES384":
		return elliptic.P384()
	case "ES512":
		return elliptic.P521()
	}
	return nil
}

// verifyKey is one key a token may be checked against.
type verifyKey struct {
	kid string
	// alg, when set (from a JWK), is the only algorithm the key serves.
	alg string
	key any // []byte, *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey
}

// fits reports whether the key may verify a token signed with alg: the key
// type must match the algorithm's family, so an RSA public key can never
// serve as an HMAC secret (algorithm confusion).
func (k verifyKey) fits(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch key := k.key.(type) {
	case []byte:
		return algFamily(alg) == familyHMAC
	case *rsa.PublicKey:
		return algFamily(alg) == familyRSA
	case *ecdsa.PublicKey:
		return algFamily(alg) == familyEC && key.Curve == ecCurve(alg)
	case ed25519.PublicKey:
		return algFamily(alg) == familyEd
	}
	return false
}

// parsePublicKey reads a PEM public key (SPKI, PKCS1 RSA or a
// certificate) or a JWK JSON object.
func parsePublicKey(s string) (verifyKey, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var j jwk
		if err := json.Unmarshal([]byte(s), &j); err != nil {
			return verifyKey{}, fmt.Errorf("not a JWK: %w", err)
		}
		return j.verifyKey()
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return verifyKey{}, errors.New("neither PEM nor JWK")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return verifyKey{}, fmt.Errorf("PEM block %q is not a public key", block.Type)
	}
	if err != nil {
		return verifyKey{}, fmt.Errorf("parsing PEM key: %w", err)
	}
	return checkPublic(verifyKey{key: key})
}

func checkPublic(k verifyKey) (verifyKey, error) {
	switch key := k.key.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() < MinRSABits {
			return verifyKey{}, fmt.Errorf("RSA key shorter than %d bits", MinRSABits)
		}
	case *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return verifyKey{}, fmt.Errorf("unsupported key type %T", k.key)
	}
	return k, nil
}

// jwk is the subset of RFC 7517 members read. Private members (d, p, q,
// ...) are ignored: a public key set never needs them.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// verifyKey converts a public JWK. Symmetric ("oct") keys are refused:
// HMAC secrets only ever come from the config.
func (j jwk) verifyKey() (verifyKey, error) {
	if j.Use != "" && j.Use != "sig" {
		return verifyKey{}, fmt.Errorf("key use %q is not sig", j.Use)
	}
	if j.Alg != "" && (algFamily(j.Alg) == familyNone || algFamily(j.Alg) == familyHMAC) {
		return verifyKey{}, fmt.Errorf("key alg %q not supported", j.Alg)
	}
	out := verifyKey{kid: j.Kid, alg: j.Alg}
	switch j.Kty {
	case "RSA":
		n, err1 := b64Int(j.N)
		e, err2 := b64Int(j.E)
		if err1 != nil || err2 != nil || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
			return verifyKey{}, errors.New("bad RSA key")
		}
		out.key = &rsa.PublicKey{N: n, E: int(e.Int64())}
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return verifyKey{}, fmt.Errorf("unsupported curve %q", j.Crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err1 := base64.RawURLEncoding.DecodeString(j.X)
		y, err2 := base64.RawURLEncoding.DecodeString(j.Y)
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return verifyKey{}, errors.New("bad EC key")
		}
		// ParseUncompressedPublicKey checks the point is on the curve.
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return verifyKey{}, errors.New("bad EC key")
		}
		out.key = pub
	case "OKP":
		x, err := base64.RawURLEncoding.DecodeString(j.X)
		if j.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return verifyKey{}, errors.New("bad OKP key")
		}
		out.key = ed25519.PublicKey(x)
	default:
		return verifyKey{}, fmt.Errorf("unsupported kty %q", j.Kty)
	}
	return checkPublic(out)
}

func b64Int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > 2048 {
		return nil, errors.New("bad integer")
	}
	return new(big.Int).SetBytes(b), nil
}

// keySet is an immutable set of keys, indexed by kid.
type keySet struct {
	byKID map[string][]verifyKey
	all   []verifyKey
}

func newKeySet(keys []verifyKey) *keySet {
	ks := &keySet{byKID: map[string][]verifyKey{}, all: keys}
	for _, k := range keys {
		if k.kid != "" {
			ks.byKID[k.kid] = append(ks.byKID[k.kid], k)
		}
	}
	return ks
}

// candidates returns the keys a token with kid and alg may be verified
// against. A token with a kid only ever meets keys with that kid; one
// without meets every key that fits the algorithm.
func (ks *keySet) candidates(kid, alg string, dst []verifyKey) []verifyKey {
	if ks == nil {
		return dst
	}
	src := ks.all
	if kid != "" {
		src = ks.byKID[kid]
	}
	for _, k := range src {
		if k.fits(alg) {
			dst = append(dst, k)
		}
	}
	return dst
}

// parseJWKS reads a JWK set, keeping the usable signing keys and skipping
// the rest (an IdP may publish encryption keys or algorithms we do not
// support). At most maxKeys are kept.
func parseJWKS(b []byte, maxKeys int) (*keySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: JWKS is not JSON", ErrUnexpectedResponse)
	}
	var keys []verifyKey
	for _, raw := range doc.Keys {
		var j jwk
		if json.Unmarshal(raw, &j) != nil {
			continue
		}
		k, err := j.verifyKey()
		if err != nil {
			continue
		}
		keys = append(keys, k)
		if len(keys) == maxKeys {
			break
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: JWKS has no usable signing key", ErrUnexpectedResponse)
	}
	return newKeySet(keys), nil
}

// publicOf returns the public half of a signing key.
func publicOf(k crypto.Signer) crypto.PublicKey { return k.Public() }
