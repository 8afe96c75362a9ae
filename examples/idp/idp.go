package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// User is a demo principal and what its tokens grant.
type User struct {
	Scopes []string
	Roles  []string
}

// Users are the demo principals, matching the API keys and consumers of
// kong/kong.yml.
var Users = map[string]User{
	"alice": {Scopes: []string{"orders:read", "orders:write"}},
	"bob":   {Scopes: []string{"orders:read"}},
	"ops":   {Roles: []string{"admin"}},
}

// Paths served.
const (
	discoveryPath = "/.well-known/openid-configuration"
	jwksPath      = "/jwks.json"
	tokenPath     = "/token"
)

// maxFormBytes caps a token request body.
const maxFormBytes = 4096

// signingKey is one key the IdP signs with and publishes.
type signingKey struct {
	alg    string
	kid    string
	method jwt.SigningMethod
	priv   crypto.Signer
}

// IdP is the demo identity provider: discovery, JWKS and a token endpoint.
type IdP struct {
	Issuer    string
	Audiences []string
	TTL       time.Duration
	Now       func() time.Time
	keys      []signingKey // keys[0] is the default
	clients   demoClients  // DPoP keys played for shell clients
}

// NewIdP builds an IdP signing with an RSA key (RS256) and a P-256 key
// (ES256).
func NewIdP(issuer string, audiences []string, ttl time.Duration, rsaKey *rsa.PrivateKey, ecKey *ecdsa.PrivateKey) (*IdP, error) {
	if rsaKey.N.BitLen() < 2048 {
		return nil, errors.New("RSA key shorter than 2048 bits")
	}
	if ecKey.Curve != elliptic.P256() {
		return nil, errors.New("EC key is not on P-256")
	}
	clients, err := newDemoClients()
	if err != nil {
		return nil, err
	}
	idp := &IdP{Issuer: strings.TrimSuffix(issuer, "/"), Audiences: audiences, TTL: ttl, Now: time.Now, clients: clients}
	for _, k := range []signingKey{
		{alg: "RS256", method: jwt.SigningMethodRS256, priv: rsaKey},
		{alg: "ES256", method: jwt.SigningMethodES256, priv: ecKey},
	} {
		j, err := publicJWK(k.priv.Public())
		if err != nil {
			return nil, err
		}
		k.kid = thumbprint(j)
		idp.keys = append(idp.keys, k)
	}
	return idp, nil
}

// Handler serves discovery, the JWKS and the token endpoint.
func (p *IdP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+discoveryPath, p.discovery)
	mux.HandleFunc("GET "+jwksPath, p.jwks)
	mux.HandleFunc("GET "+tokenPath, p.token)
	mux.HandleFunc("POST "+tokenPath, p.token)
	mux.HandleFunc("GET "+dpopProofPath, p.proof)
	return mux
}

func (p *IdP) discovery(w http.ResponseWriter, _ *http.Request) {
	algs := make([]string, len(p.keys))
	for i, k := range p.keys {
		algs[i] = k.alg
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer,
		"jwks_uri":                              p.Issuer + jwksPath,
		"token_endpoint":                        p.Issuer + tokenPath,
		"grant_types_supported":                 []string{"password"},
		"response_types_supported":              []string{"token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": algs,
		"scopes_supported":                      []string{"orders:read", "orders:write"},
	})
}

func (p *IdP) jwks(w http.ResponseWriter, _ *http.Request) {
	keys := make([]map[string]string, 0, len(p.keys))
	for _, k := range p.keys {
		j, _ := publicJWK(k.priv.Public()) // checked in NewIdP
		j["kid"], j["alg"], j["use"] = k.kid, k.alg, "sig"
		keys = append(keys, j)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// token issues an access token for the user named by the user parameter
// (query or form), signed with the alg parameter's key (default RS256).
// There is no password: this is a demo. Accept: text/plain answers the
// bare token, handy for shell scripts.
func (p *IdP) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	name := r.Form.Get("user")
	if name == "" {
		name = r.Form.Get("username") // RFC 6749 4.3 password grant
	}
	user, ok := Users[name]
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown demo user: try alice, bob or ops")
		return
	}
	key, ok := p.key(r.Form.Get("alg"))
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_request", "alg must be RS256 or ES256")
		return
	}
	cnf, err := p.confirmation(r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	tok, err := p.IssueBound(name, user, key, cnf)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "signing failed")
		return
	}
	w.Header().Set("Cache-Control", "no-store") // RFC 6749 5.1
	if strings.HasPrefix(r.Header.Get("Accept"), "text/plain") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, tok)
		return
	}
	tokenType := "Bearer"
	if cnf["jkt"] != "" {
		tokenType = "DPoP" // RFC 9449 5.1
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   tokenType,
		"expires_in":   int(p.TTL / time.Second),
		"scope":        strings.Join(user.Scopes, " "),
	})
}

func (p *IdP) key(alg string) (signingKey, bool) {
	if alg == "" {
		return p.keys[0], true
	}
	for _, k := range p.keys {
		if k.alg == alg {
			return k, true
		}
	}
	return signingKey{}, false
}

// confirmation reads how the token is to be bound (RFC 7800 cnf): to a
// DPoP key by dpop_jkt (RFC 9449 10) or by naming a demo client
// (dpop_client=client-a), to a certificate by x5t_s256 (the SHA-256 the
// client certificate must hash to, RFC 8705 3.1; a real authorization
// server takes it from the TLS connection of the token request).
func (p *IdP) confirmation(r *http.Request) (map[string]string, error) {
	cnf := map[string]string{}
	if c := r.Form.Get("dpop_client"); c != "" {
		jkt, ok := p.clients.jkt(c)
		if !ok {
			return nil, errors.New("dpop_client must be client-a or client-b")
		}
		cnf["jkt"] = jkt
	}
	if j := r.Form.Get("dpop_jkt"); j != "" {
		if !validThumbprint(j) {
			return nil, errors.New("dpop_jkt is not a SHA-256 thumbprint")
		}
		cnf["jkt"] = j
	}
	if x := r.Form.Get("x5t_s256"); x != "" {
		if !validThumbprint(x) {
			return nil, errors.New("x5t_s256 is not a SHA-256 thumbprint")
		}
		cnf["x5t#S256"] = x
	}
	return cnf, nil
}

// Issue signs an RFC 9068 access token (typ at+jwt) for user.
func (p *IdP) Issue(name string, user User, key signingKey) (string, error) {
	return p.IssueBound(name, user, key, nil)
}

// IssueBound signs an access token bound by cnf (RFC 7800) when cnf has
// members: jkt (DPoP) or x5t#S256 (certificate).
func (p *IdP) IssueBound(name string, user User, key signingKey, cnf map[string]string) (string, error) {
	now := p.Now()
	jti := make([]byte, 12)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	claims := jwt.MapClaims{
		"iss":       p.Issuer,
		"sub":       name,
		"aud":       p.Audiences,
		"client_id": "warden-demo",
		"iat":       now.Unix(),
		"nbf":       now.Unix(),
		"exp":       now.Add(p.TTL).Unix(),
		"jti":       base64.RawURLEncoding.EncodeToString(jti),
	}
	if len(user.Scopes) > 0 {
		claims["scope"] = strings.Join(user.Scopes, " ")
	}
	if len(user.Roles) > 0 {
		claims["roles"] = user.Roles
	}
	if len(cnf) > 0 {
		claims["cnf"] = cnf
	}
	t := jwt.NewWithClaims(key.method, claims)
	t.Header["typ"] = "at+jwt"
	t.Header["kid"] = key.kid
	return t.SignedString(key.priv)
}

// publicJWK renders a public key's required JWK members (RFC 7518 6).
func publicJWK(pub crypto.PublicKey) (map[string]string, error) {
	enc := base64.RawURLEncoding.EncodeToString
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "n": enc(k.N.Bytes()), "e": enc(big.NewInt(int64(k.E)).Bytes())}, nil
	case *ecdsa.PublicKey:
		raw, err := k.Bytes() // 0x04 || X || Y, each 32 bytes on P-256
		if err != nil {
			return nil, err
		}
		return map[string]string{"kty": "EC", "crv": "P-256", "x": enc(raw[1:33]), "y": enc(raw[33:])}, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", pub)
}

// thumbprint is the RFC 7638 JWK thumbprint: SHA-256 over the required
// members in lexicographic order (json.Marshal sorts map keys).
func thumbprint(j map[string]string) string {
	b, _ := json.Marshal(j)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// loadOrGenerate reads a PEM private key from path, or generates one
// when path is empty.
func loadOrGenerate[K any](path string, gen func() (K, error)) (K, error) {
	var zero K
	if path == "" {
		return gen()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return zero, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return zero, fmt.Errorf("%s: no PEM block", path)
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	k, ok := key.(K)
	if !ok {
		return zero, fmt.Errorf("%s: wrong key type %T", path, key)
	}
	return k, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// oauthError answers an RFC 6749 5.2 error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
