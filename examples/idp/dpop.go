package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Sender-constrained tokens for the demo (RFC 9449 DPoP, RFC 8705 mTLS).
// A real client keeps its DPoP key to itself and signs its own proofs;
// shell scripts cannot, so the demo IdP also plays two DPoP clients,
// client-a and client-b, whose keys it generates at start, and signs
// their proofs at /demo/dpop-proof. Demo only.

const dpopProofPath = "/demo/dpop-proof"

// demoClients are the DPoP keys the demo IdP holds for shell clients.
type demoClients map[string]*ecdsa.PrivateKey

func newDemoClients() (demoClients, error) {
	c := demoClients{}
	for _, name := range []string{"client-a", "client-b"} {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		c[name] = k
	}
	return c, nil
}

// jkt is the RFC 7638 thumbprint of a demo client's key.
func (c demoClients) jkt(name string) (string, bool) {
	k, ok := c[name]
	if !ok {
		return "", false
	}
	j, err := publicJWK(&k.PublicKey)
	if err != nil {
		return "", false
	}
	return thumbprint(j), true
}

// proof answers a DPoP proof (RFC 9449 4.2) by the named demo client for
// htm, htu and the access token: GET /demo/dpop-proof?client=client-a&
// htm=GET&htu=https://...&token=... It answers the bare proof.
func (p *IdP) proof(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	k, ok := p.clients[q.Get("client")]
	if !ok || q.Get("htm") == "" || q.Get("htu") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client (client-a or client-b), htm and htu are required")
		return
	}
	s, err := signProof(k, q.Get("htm"), q.Get("htu"), q.Get("token"), p.Now())
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "signing failed")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, s)
}

// signProof makes a DPoP proof: typ dpop+jwt, the public key in jwk, a
// fresh jti, and ath when there is an access token.
func signProof(k *ecdsa.PrivateKey, htm, htu, token string, now time.Time) (string, error) {
	enc := base64.RawURLEncoding.EncodeToString
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	c := jwt.MapClaims{"jti": enc(jti), "htm": htm, "htu": htu, "iat": now.Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		c["ath"] = enc(sum[:])
	}
	j, err := publicJWK(&k.PublicKey)
	if err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["typ"] = "dpop+jwt"
	t.Header["jwk"] = j
	return t.SignedString(k)
}

// validThumbprint reports whether s looks like a SHA-256 thumbprint,
// base64url without padding (dpop_jkt, x5t#S256).
func validThumbprint(s string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == sha256.Size
}
