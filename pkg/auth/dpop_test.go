package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/warden-gw/warden/pkg/identity"
)

// dpopKey is a client's proof key and its RFC 7638 thumbprint.
type dpopKey struct {
	priv *ecdsa.PrivateKey
	jkt  string
}

func newDPoPKey(t testing.TB) dpopKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jkt, err := jwkThumbprint(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return dpopKey{priv: k, jkt: jkt}
}

// proof makes a DPoP proof for GET https://api.example/orders/1 and
// token, signed by k, at testNow; mod changes header or claims first.
func (k dpopKey) proof(t testing.TB, token string, mod func(h, c map[string]any)) string {
	t.Helper()
	sum := sha256.Sum256([]byte(token))
	c := jwt.MapClaims{"jti": randomID(t), "htm": "GET", "htu": "https://api.example/orders/1",
		"iat": testNow.Unix(), "ath": base64.RawURLEncoding.EncodeToString(sum[:])}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["typ"] = "dpop+jwt"
	j := jwkOf(&k.priv.PublicKey, "")
	delete(j, "kid")
	delete(j, "use")
	tok.Header["jwk"] = j
	if mod != nil {
		mod(tok.Header, c)
	}
	var key crypto.Signer = k.priv
	if m, ok := tok.Header["alg"].(string); ok && m != "ES256" {
		tok.Method = jwt.GetSigningMethod(m)
	}
	var signKey any = key
	if strings.HasPrefix(tok.Method.Alg(), "HS") {
		signKey = []byte(hmacSecret)
	}
	s, err := tok.SignedString(signKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomID(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// dpopRequest is GET https://api.example/orders/1?page=2 with the token
// under the given scheme and the proofs in DPoP headers.
func dpopRequest(scheme, token string, proofs ...string) Request {
	h := map[string][]string{"authorization": {scheme + " " + token}, "host": {"api.example"}}
	if len(proofs) > 0 {
		h["dpop"] = proofs
	}
	return Request{Headers: h, Method: "GET", Target: "/orders/1?page=2", Scheme: "https"}
}

func dpopAuth(t testing.TB, mode string) *Authenticator {
	cfg := staticConfig(t)
	cfg["issuers"].([]any)[0].(map[string]any)["dpop"] = mode
	return newAuth(t, cfg)
}

func boundToken(t testing.TB, jkt string) string {
	c := goodClaims()
	if jkt != "" {
		c["cnf"] = map[string]any{"jkt": jkt}
	}
	return sign(t, jwt.SigningMethodRS256, rsaA, "a1", c)
}

// TestDPoPAttacks is the attack list of issue #16: each request must be
// refused with the reason, status and challenge given.
func TestDPoPAttacks(t *testing.T) {
	testKeys(t)
	a := dpopAuth(t, DPoPRequired)
	keyA, keyB := newDPoPKey(t), newDPoPKey(t)
	tok := boundToken(t, keyA.jkt)
	other := boundToken(t, keyB.jkt)
	unbound := boundToken(t, "")
	replayed := keyA.proof(t, tok, nil)
	if _, d := a.Authenticate(context.Background(), dpopRequest("DPoP", tok, replayed)); d != nil {
		t.Fatalf("valid DPoP request refused: %v", d)
	}
	const proofErr = `DPoP realm="warden", algs="ES256 EdDSA PS256 RS256", error="invalid_dpop_proof"`
	const tokenErr = `DPoP realm="warden", algs="ES256 EdDSA PS256 RS256", error="invalid_token"`
	for _, tt := range []struct {
		name      string
		req       Request
		reason    string
		status    int
		challenge string
	}{
		{"proof for another method", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { c["htm"] = "POST" })), ReasonDPoPProof, 401, proofErr},
		{"proof for another URI", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { c["htu"] = "https://api.example/admin" })), ReasonDPoPProof, 401, proofErr},
		{"proof for another host", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { c["htu"] = "https://evil.example/orders/1" })), ReasonDPoPProof, 401, proofErr},
		{"proof for another scheme", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { c["htu"] = "http://api.example/orders/1" })), ReasonDPoPProof, 401, proofErr},
		{"ath of another token", dpopRequest("DPoP", tok, keyA.proof(t, other, nil)), ReasonDPoPProof, 401, proofErr},
		{"no ath", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { delete(c, "ath") })), ReasonDPoPProof, 401, proofErr},
		{"proof replayed", dpopRequest("DPoP", tok, replayed), ReasonDPoPReplay, 401, proofErr},
		{"iat too old", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { c["iat"] = testNow.Add(-61 * time.Second).Unix() })), ReasonDPoPProof, 401, proofErr},
		{"iat in the future", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { c["iat"] = testNow.Add(61 * time.Second).Unix() })), ReasonDPoPProof, 401, proofErr},
		{"no iat", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { delete(c, "iat") })), ReasonDPoPProof, 401, proofErr},
		{"no jti", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { delete(c, "jti") })), ReasonDPoPProof, 401, proofErr},
		{"alg none", dpopRequest("DPoP", tok, noneProof(t, keyA.proof(t, tok, nil))), ReasonDPoPProof, 401, proofErr},
		{"HMAC alg", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(h, _ map[string]any) { h["alg"] = "HS256" })), ReasonDPoPProof, 401, proofErr},
		{"private key in jwk", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(h, _ map[string]any) {
			h["jwk"].(map[string]any)["d"] = base64.RawURLEncoding.EncodeToString(keyA.priv.D.Bytes())
		})), ReasonDPoPProof, 401, proofErr},
		{"symmetric jwk", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(h, _ map[string]any) {
			h["jwk"] = map[string]any{"kty": "oct", "k": "c2VjcmV0"}
		})), ReasonDPoPProof, 401, proofErr},
		{"jku", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(h, _ map[string]any) { h["jku"] = "https://evil.example/jwks" })), ReasonDPoPProof, 401, proofErr},
		{"x5u", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(h, _ map[string]any) { h["x5u"] = "https://evil.example/cert" })), ReasonDPoPProof, 401, proofErr},
		{"x5c", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(h, _ map[string]any) { h["x5c"] = []string{"MIIB"} })), ReasonDPoPProof, 401, proofErr},
		{"no jwk", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(h, _ map[string]any) { delete(h, "jwk") })), ReasonDPoPProof, 401, proofErr},
		{"typ not dpop+jwt", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(h, _ map[string]any) { h["typ"] = "JWT" })), ReasonDPoPProof, 401, proofErr},
		{"signed by another key than its jwk", dpopRequest("DPoP", tok, keyB.proof(t, tok, func(h, _ map[string]any) {
			h["jwk"] = jwkOf(&keyA.priv.PublicKey, "")
		})), ReasonDPoPProof, 401, proofErr},
		{"token bound to A, proof by B", dpopRequest("DPoP", tok, keyB.proof(t, tok, nil)), ReasonDPoPBinding, 401, tokenErr},
		{"bound token sent as Bearer", dpopRequest("Bearer", tok, keyA.proof(t, tok, nil)), ReasonDPoPRequired, 401, tokenErr},
		{"bound token as Bearer, no proof", dpopRequest("Bearer", tok), ReasonDPoPRequired, 401, tokenErr},
		{"unbound token with DPoP", dpopRequest("DPoP", unbound, keyA.proof(t, unbound, nil)), ReasonDPoPNotBound, 401, tokenErr},
		{"unbound Bearer where DPoP is required", dpopRequest("Bearer", unbound), ReasonDPoPRequired, 401, tokenErr},
		{"two DPoP headers", dpopRequest("DPoP", tok, keyA.proof(t, tok, nil), keyA.proof(t, tok, nil)), ReasonDPoPProof, 401, proofErr},
		{"no DPoP header", dpopRequest("DPoP", tok), ReasonDPoPProof, 401, proofErr},
		{"proof over the size limit", dpopRequest("DPoP", tok, keyA.proof(t, tok, func(_, c map[string]any) { c["pad"] = strings.Repeat("x", 4096) })), ReasonDPoPProof, 401, proofErr},
		{"no request line", Request{Headers: dpopRequest("DPoP", tok, keyA.proof(t, tok, nil)).Headers}, ReasonDPoPProof, 401, proofErr},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, d := a.Authenticate(context.Background(), tt.req)
			if d == nil {
				t.Fatal("accepted")
			}
			status, _, hdrs := a.Answer(d)
			if d.Reason != tt.reason || status != tt.status || len(hdrs) != 2 || hdrs[1] != tt.challenge {
				t.Fatalf("got %s %d %q (%v), want %s %d %q", d.Reason, status, hdrs, d.Err, tt.reason, tt.status, tt.challenge)
			}
		})
	}
}

// noneProof re-signs a proof as alg none, with no signature.
func noneProof(t testing.TB, p string) string {
	parts := strings.Split(p, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	if err := json.Unmarshal(hb, &h); err != nil {
		t.Fatal(err)
	}
	h["alg"] = "none"
	hb, _ = json.Marshal(h)
	return base64.RawURLEncoding.EncodeToString(hb) + "." + parts[1] + "."
}

func TestDPoPModes(t *testing.T) {
	testKeys(t)
	key := newDPoPKey(t)
	tok := boundToken(t, key.jkt)
	unbound := boundToken(t, "")
	ctx := context.Background()
	allowed := dpopAuth(t, DPoPAllowed)
	if _, d := allowed.Authenticate(ctx, dpopRequest("Bearer", unbound)); d != nil {
		t.Errorf("allowed: unbound Bearer refused: %v", d)
	}
	if _, d := allowed.Authenticate(ctx, dpopRequest("DPoP", tok, key.proof(t, tok, nil))); d != nil {
		t.Errorf("allowed: DPoP refused: %v", d)
	}
	if _, d := allowed.Authenticate(ctx, dpopRequest("Bearer", tok)); d == nil || d.Reason != ReasonDPoPRequired {
		t.Errorf("allowed: bound token as Bearer: %v", d)
	}
	// Off (the default): nothing changes for existing users; the DPoP
	// scheme is not this plugin's.
	off := newAuth(t, staticConfig(t))
	if _, d := off.Authenticate(ctx, dpopRequest("Bearer", tok)); d != nil {
		t.Errorf("off: bound token as Bearer refused: %v", d)
	}
	if _, d := off.Authenticate(ctx, dpopRequest("DPoP", tok, key.proof(t, tok, nil))); d == nil || d.Reason != ReasonNoCredential {
		t.Errorf("off: DPoP scheme: %v", d)
	}
	// A verified token is cached; its proof is checked on every request.
	req := dpopRequest("DPoP", tok, key.proof(t, tok, nil))
	if res, d := allowed.Authenticate(ctx, req); d != nil || !res.Cached {
		t.Fatalf("second request with the token: %v", d)
	}
	if _, d := allowed.Authenticate(ctx, req); d == nil || d.Reason != ReasonDPoPReplay {
		t.Errorf("cached token, replayed proof: %v", d)
	}
}

// TestDPoPHTU: the proof's htu and the request's URI compare after RFC
// 3986 normalization; the query and fragment are ignored.
func TestDPoPHTU(t *testing.T) {
	testKeys(t)
	a := dpopAuth(t, DPoPRequired)
	key := newDPoPKey(t)
	tok := boundToken(t, key.jkt)
	for _, tt := range []struct {
		htu, host, target string
		ok                bool
	}{
		{"https://api.example/orders/1", "api.example", "/orders/1", true},
		{"HTTPS://API.Example:443/orders/./x/../1", "api.example", "/orders/1", true},
		{"https://api.example/orders/1?a=1#f", "api.example:443", "/orders/1?b=2", true},
		{"https://api.example/%6Frders/1", "api.example", "/orders/1", true},
		{"https://api.example/orders/%2f", "api.example", "/orders/%2F", true},
		{"https://api.example:8443/orders/1", "api.example:8443", "/orders/1", true},
		{"https://api.example/orders/1", "api.example", "https://api.example/orders/1", true},
		{"https://api.example:8443/orders/1", "api.example", "/orders/1", false},
		{"https://api.example/orders/1", "api.example", "/orders/2", false},
		{"https://api.example/orders/%2f", "api.example", "/orders//", false},
		{"https://user@api.example/orders/1", "api.example", "/orders/1", false},
		{"api.example/orders/1", "api.example", "/orders/1", false},
		{"https://api.example/orders/1", "api.example", "https://evil.example/orders/1", false},
	} {
		p := key.proof(t, tok, func(_, c map[string]any) { c["htu"] = tt.htu })
		req := dpopRequest("DPoP", tok, p)
		req.Headers["host"], req.Target = []string{tt.host}, tt.target
		_, d := a.Authenticate(context.Background(), req)
		if (d == nil) != tt.ok {
			t.Errorf("htu %q, Host %q, target %q: %v, want ok=%v", tt.htu, tt.host, tt.target, d, tt.ok)
		}
	}
}

// TestJWKThumbprint checks RFC 7638 3.1's example.
func TestJWKThumbprint(t *testing.T) {
	raw := `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`
	_, jkt, err := proofKey([]byte(raw))
	if err != nil || jkt != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("thumbprint %q, %v", jkt, err)
	}
}

func TestLocalReplayBounded(t *testing.T) {
	r := newLocalReplay(0) // one entry a shard
	ctx := context.Background()
	k := replayKey("jkt", "a")
	if fresh, err := r.add(ctx, k, time.Minute, testNow); !fresh || err != nil {
		t.Fatal(fresh, err)
	}
	if fresh, _ := r.add(ctx, k, time.Minute, testNow); fresh {
		t.Fatal("replay accepted")
	}
	// Same shard, store full of live ids: refused, not evicted.
	var k2 [32]byte
	k2[0] = k[0]
	k2[1] = 1
	if _, err := r.add(ctx, k2, time.Minute, testNow); !errors.Is(err, errReplayFull) {
		t.Fatalf("full store: %v", err)
	}
	// Once the first expires, its place is reused.
	if fresh, err := r.add(ctx, k2, time.Minute, testNow.Add(2*time.Minute)); !fresh || err != nil {
		t.Fatalf("after expiry: %v %v", fresh, err)
	}
}

// TestDPoPRedisReplay: with replay redis, a proof is accepted once by
// any number of authenticators (gateway nodes) sharing Redis, and Redis
// unreachable refuses DPoP requests with 503 (fail closed).
func TestDPoPRedisReplay(t *testing.T) {
	testKeys(t)
	redisCfg := func(addr string) map[string]any {
		cfg := staticConfig(t)
		cfg["issuers"].([]any)[0].(map[string]any)["dpop"] = DPoPRequired
		cfg["dpop"] = map[string]any{"replay": "redis", "redis": map[string]any{"addresses": []string{addr},
			"key_prefix": "warden:test:" + randomID(t) + ":", "timeout_ms": 200}}
		return cfg
	}
	cfg := redisCfg("127.0.0.1:6379")
	nodes := []*Authenticator{newAuth(t, cfg), newAuth(t, cfg)}
	// A node that shares nothing in process with the others: another
	// client to the same Redis.
	cfg2 := redisCfg("127.0.0.1:6379")
	cfg2["dpop"].(map[string]any)["redis"].(map[string]any)["key_prefix"] = cfg["dpop"].(map[string]any)["redis"].(map[string]any)["key_prefix"]
	cfg2["dpop"].(map[string]any)["redis"].(map[string]any)["pool_size"] = 3
	nodes = append(nodes, newAuth(t, cfg2))
	key := newDPoPKey(t)
	tok := boundToken(t, key.jkt)
	ctx := context.Background()
	for i := range 20 {
		req := dpopRequest("DPoP", tok, key.proof(t, tok, nil))
		accepted := 0
		for _, n := range nodes {
			_, d := n.Authenticate(ctx, req)
			switch {
			case d == nil:
				accepted++
			case d.Reason != ReasonDPoPReplay:
				t.Fatalf("proof %d: %v", i, d)
			}
		}
		if accepted != 1 {
			t.Fatalf("proof %d accepted %d times by 3 nodes", i, accepted)
		}
	}
	down := newAuth(t, redisCfg("127.0.0.1:1"))
	_, d := down.Authenticate(ctx, dpopRequest("DPoP", tok, key.proof(t, tok, nil)))
	if d == nil || d.Reason != ReasonReplayStoreDown || d.Status != 503 {
		t.Fatalf("Redis down: %v, want %s/503", d, ReasonReplayStoreDown)
	}
	if status, _, hdrs := down.Answer(d); status != 503 || len(hdrs) != 0 {
		t.Errorf("Redis down answer: %d %q", status, hdrs)
	}
}

// TestDPoPNonce: with nonce_secret, a proof without a nonce gets 401
// use_dpop_nonce and a DPoP-Nonce; a proof with it passes on any node
// sharing the secret (nothing is stored); stale, forged and foreign
// nonces are refused.
func TestDPoPNonce(t *testing.T) {
	testKeys(t)
	now := testNow
	mk := func(secret string) *Authenticator {
		cfg := staticConfig(t)
		cfg["issuers"].([]any)[0].(map[string]any)["dpop"] = DPoPRequired
		cfg["dpop"] = map[string]any{"nonce_secret": secret, "nonce_lifetime_sec": 60}
		a, err := New(loadConfig(t, cfg), WithTimeFunc(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	const secret = "0123456789abcdef0123456789abcdef-nonce"
	nodeA, nodeB, other := mk(secret), mk(secret), mk(secret+"-other")
	key := newDPoPKey(t)
	tok := boundToken(t, key.jkt)
	ctx := context.Background()
	withNonce := func(n string) Request {
		return dpopRequest("DPoP", tok, key.proof(t, tok, func(_, c map[string]any) {
			c["iat"] = now.Unix()
			if n != "" {
				c["nonce"] = n
			}
		}))
	}
	_, d := nodeA.Authenticate(ctx, withNonce(""))
	if d == nil || d.Reason != ReasonDPoPNonce {
		t.Fatalf("no nonce: %v", d)
	}
	status, _, hdrs := nodeA.Answer(d)
	if status != 401 || len(hdrs) != 4 || !strings.HasSuffix(hdrs[1], `error="use_dpop_nonce"`) || hdrs[2] != "DPoP-Nonce" {
		t.Fatalf("answer %d %q", status, hdrs)
	}
	nonce := hdrs[3]
	if _, d := nodeB.Authenticate(ctx, withNonce(nonce)); d != nil {
		t.Fatalf("nonce of node A refused by node B: %v", d)
	}
	now = now.Add(61 * time.Second) // the next slot: still good
	if _, d := nodeA.Authenticate(ctx, withNonce(nonce)); d != nil {
		t.Fatalf("nonce of the previous slot refused: %v", d)
	}
	for name, n := range map[string]string{
		"stale":   nonce,
		"forged":  nonce[:len(nonce)-2] + "AA",
		"foreign": other.dpop.nonces.current(now.Add(61 * time.Second)),
		"garbage": "not-a-nonce",
	} {
		now = testNow.Add(121 * time.Second)
		if _, d := nodeA.Authenticate(ctx, withNonce(n)); d == nil || d.Reason != ReasonDPoPNonce {
			t.Errorf("%s nonce: %v", name, d)
		}
	}
}

// TestDPoPConfirmation: a request proven with DPoP has the confirmation
// method in its identity (for later plugins) and in the signed identity
// assertion; a bearer request has none.
func TestDPoPConfirmation(t *testing.T) {
	testKeys(t)
	cfg := staticConfig(t)
	cfg["issuers"].([]any)[0].(map[string]any)["dpop"] = DPoPAllowed
	cfg["assertion"] = map[string]any{"private_key": pemPrivate(t, ecA), "audience": "orders-api"}
	a := newAuth(t, cfg)
	key := newDPoPKey(t)
	tok, plain := boundToken(t, key.jkt), boundToken(t, "")
	for _, tt := range []struct {
		name string
		req  Request
		want string
	}{
		{"dpop", dpopRequest("DPoP", tok, key.proof(t, tok, nil)), identity.ConfirmationDPoP},
		{"bearer", dpopRequest("Bearer", plain), ""},
	} {
		res, d := a.Authenticate(context.Background(), tt.req)
		if d != nil {
			t.Fatalf("%s: %v", tt.name, d)
		}
		if res.Identity.Confirmation != tt.want || res.Identity.Shared()["confirmation"] != nil != (tt.want != "") {
			t.Errorf("%s: identity confirmation %q, want %q", tt.name, res.Identity.Confirmation, tt.want)
		}
		up, err := a.UpstreamHeaders(res, tt.req.Headers)
		if err != nil {
			t.Fatal(err)
		}
		c, err := VerifyAssertion(up["x-warden-identity"][0], &ecA.PublicKey, "warden", "orders-api", testNow)
		if err != nil || c.Confirmation != tt.want {
			t.Errorf("%s: assertion confirmation %q (%v), want %q", tt.name, c.Confirmation, err, tt.want)
		}
		if _, ok := up["dpop"]; !ok || len(up["dpop"]) != 0 {
			t.Errorf("%s: DPoP header not cleared upstream: %v", tt.name, up["dpop"])
		}
	}
}

// TestCertificateBinding: a token with cnf x5t#S256 passes only with
// that client certificate on the connection (RFC 8705 3); required
// refuses unbound tokens; the identity says mtls.
func TestCertificateBinding(t *testing.T) {
	testKeys(t)
	certA, certB := selfSignedPEM(t), selfSignedPEM(t)
	x5t := func(p string) string {
		b, _ := pem.Decode([]byte(p))
		sum := sha256.Sum256(b.Bytes)
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}
	mk := func(mode string) *Authenticator {
		cfg := staticConfig(t)
		cfg["issuers"].([]any)[0].(map[string]any)["mtls_binding"] = mode
		return newAuth(t, cfg)
	}
	tokenFor := func(thumb string) string {
		c := goodClaims()
		if thumb != "" {
			c["cnf"] = map[string]any{"x5t#S256": thumb}
		}
		return sign(t, jwt.SigningMethodRS256, rsaA, "a1", c)
	}
	withCert := func(tok, certPEM string) Request {
		r := bearer(tok)
		// As nginx escapes it: a URI component ("+" kept as %2B).
		r.ClientCert = func() (string, error) { return url.PathEscape(certPEM), nil }
		if certPEM == "" {
			r.ClientCert = func() (string, error) { return "", nil }
		}
		return r
	}
	bound, unbound := tokenFor(x5t(certA)), tokenFor("")
	allowed, required, off := mk(MTLSAllowed), mk(MTLSRequired), mk(MTLSOff)
	ctx := context.Background()
	res, d := allowed.Authenticate(ctx, withCert(bound, certA))
	if d != nil || res.Identity.Confirmation != identity.ConfirmationMTLS {
		t.Fatalf("right certificate: %v %+v", d, res)
	}
	for _, tt := range []struct {
		name   string
		a      *Authenticator
		req    Request
		reason string
	}{
		{"another certificate", allowed, withCert(bound, certB), ReasonCertBinding},
		{"no certificate", allowed, withCert(bound, ""), ReasonCertBinding},
		{"no TLS variable reader", allowed, bearer(bound), ReasonCertBinding},
		{"unbound token where binding is required", required, withCert(unbound, certA), ReasonMTLSRequired},
		{"garbage certificate", allowed, withCert(bound, "-----BEGIN CERTIFICATE-----\nAAAA\n"), ReasonCertBinding},
	} {
		_, d := tt.a.Authenticate(ctx, tt.req)
		if d == nil || d.Reason != tt.reason || d.Status != 401 || d.OAuth != "invalid_token" {
			t.Errorf("%s: %v, want %s", tt.name, d, tt.reason)
		}
	}
	if _, d := allowed.Authenticate(ctx, withCert(unbound, "")); d != nil {
		t.Errorf("allowed: unbound token refused: %v", d)
	}
	if res, d := off.Authenticate(ctx, withCert(bound, certB)); d != nil || res.Identity.Confirmation != "" {
		t.Errorf("off: %v", d)
	}
}

func selfSignedPEM(t *testing.T) string {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
