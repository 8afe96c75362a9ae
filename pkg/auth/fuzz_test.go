package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzParseCompact: any input is refused or parsed without panicking, and
// a parsed token always has a supported alg and no embedded key members.
func FuzzParseCompact(f *testing.F) {
	testKeys(f)
	f.Add(sign(f, jwt.SigningMethodRS256, rsaA, "a1", goodClaims()))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiZXhwIl19.e30.eA")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := parseCompact(tok)
		if err != nil {
			return
		}
		if algFamily(p.header.Alg) == familyNone || p.header.JKU || p.header.JWK || p.header.X5U || p.header.X5C || p.header.Crit || p.header.B64 {
			t.Fatalf("parsed a token the header rules forbid: %+v", p.header)
		}
		if len(p.signature) == 0 {
			t.Fatal("parsed a token without signature")
		}
	})
}

// FuzzAuthenticate drives extraction and verification with hostile
// header values: never a panic, never an acceptance without a valid
// signature.
func FuzzAuthenticate(f *testing.F) {
	a := newAuth(f, staticConfig(f))
	valid := sign(f, jwt.SigningMethodRS256, rsaA, "a1", goodClaims())
	f.Add("Bearer "+valid, "")
	f.Add("Bearer "+valid+", Bearer x", "")
	f.Add("bearer  a.b.c", "session=x")
	f.Add("Basic Zm9vOmJhcg==", "")
	f.Add("Bearer ==", "")
	f.Fuzz(func(t *testing.T, authz, cookie string) {
		req := Request{Headers: map[string][]string{"authorization": {authz}, "cookie": {cookie}}}
		res, d := a.Authenticate(context.Background(), req)
		if d == nil && !strings.Contains(authz, valid) {
			t.Fatalf("accepted %q as %+v", authz, res.Identity)
		}
		if d != nil && (d.Status == 0 || d.Reason == "") {
			t.Fatalf("denial without status or reason: %+v", d)
		}
	})
}

// FuzzExtractCookie: cookie parsing of hostile headers is bounded and
// never panics.
func FuzzExtractCookie(f *testing.F) {
	f.Add("a=b; access_token=x.y.z", "access_token")
	f.Add("access_token=1; access_token=2", "access_token")
	f.Fuzz(func(t *testing.T, line, name string) {
		vals, err := cookieValues([]string{line}, name)
		if err == nil && len(vals) > strings.Count(line, "=") {
			t.Fatalf("more values than assignments: %q", vals)
		}
		_ = stripCookie([]string{line}, name)
	})
}

// FuzzDPoPProof: a hostile DPoP header and htu never panic, and a proof
// that verifies was signed by the key its jwk names for this request.
func FuzzDPoPProof(f *testing.F) {
	testKeys(f)
	key := newDPoPKey(f)
	valid := key.proof(f, "tok", nil)
	f.Add(valid, "https://api.example/orders/1")
	f.Add(noneProof(f, valid), "https://api.example/orders/1")
	f.Add("e30.e30.e30", "https://API.example:443/a/../orders/./1")
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwiZCI6IngifX0.e30.AA", "http://x/%zz")
	d := newDPoPVerifier(&DPoPSettings{Algorithms: []string{"ES256", "EdDSA", "PS256", "RS256"}, IATWindowSec: 60, MaxProofBytes: 4096}, newLocalReplay(1000))
	f.Fuzz(func(t *testing.T, proof, htu string) {
		n, err := normalizeHTUClaim(htu)
		if err == nil {
			if again, err := normalizeHTUClaim(n); err != nil || again != n {
				t.Fatalf("normalization not idempotent: %q -> %q -> %q %v", htu, n, again, err)
			}
		}
		p, err := d.verify(proof, proofRequest{method: "GET", htu: "https://api.example/orders/1", token: "tok"}, testNow)
		if err != nil {
			return
		}
		// What verified must verify for golang-jwt too, with the key of
		// the jwk header, whose thumbprint is the one returned.
		_, err = jwt.Parse(proof, func(tok *jwt.Token) (any, error) {
			raw, _ := json.Marshal(tok.Header["jwk"])
			k, jkt, err := proofKey(raw)
			if err != nil || jkt != p.jkt {
				return nil, fmt.Errorf("jwk %v thumbprint %q, want %q", err, jkt, p.jkt)
			}
			return k.key, nil
		}, jwt.WithValidMethods([]string{"ES256", "EdDSA", "PS256", "RS256"}), jwt.WithoutClaimsValidation())
		if err != nil {
			t.Fatalf("verified a proof golang-jwt refuses: %v", err)
		}
	})
}
