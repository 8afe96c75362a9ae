package auth

import (
	"context"
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
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/warden-gw/warden/pkg/identity"
)

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestAPIKeys(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	fileKeys := `[{"name":"batch","sha256":"` + sha("file-key-0001") + `","subject":"batch-job","roles":["batch"]}]`
	if err := os.WriteFile(file, []byte(fileKeys), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newAuth(t, map[string]any{"api_keys": map[string]any{
		"query_param": "apikey",
		"keys_file":   file,
		"keys": []any{map[string]any{"name": "partner", "sha256": sha("partner-key-0001"), "subject": "partner",
			"consumer": "partner-consumer", "scopes": []string{"orders:read"}}},
	}})
	hdr := func(v ...string) Request { return Request{Headers: map[string][]string{"apikey": v}} }
	tests := []struct {
		name    string
		req     Request
		subject string
		reason  string
	}{
		{"header key", hdr("partner-key-0001"), "partner", ""},
		{"file key", hdr("file-key-0001"), "batch-job", ""},
		{"query key", Request{Headers: map[string][]string{}, Query: map[string][]string{"apikey": {"partner-key-0001"}}}, "partner", ""},
		{"unknown key", hdr("guess"), "", ReasonUnknownAPIKey},
		{"two keys", hdr("partner-key-0001", "file-key-0001"), "", ReasonMultipleTokens},
		{"header and query", Request{Headers: map[string][]string{"apikey": {"partner-key-0001"}}, Query: map[string][]string{"apikey": {"x"}}}, "", ReasonMultipleTokens},
		{"none", hdr(), "", ReasonNoCredential},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, d := a.Authenticate(context.Background(), tt.req)
			if tt.reason != "" {
				if d == nil || d.Reason != tt.reason {
					t.Fatalf("got %v, want %s", d, tt.reason)
				}
				if _, _, h := a.Answer(d); len(h) != 2 || h[1] != `Key realm="warden"` {
					t.Errorf("challenge %v", h)
				}
				return
			}
			if d != nil {
				t.Fatalf("refused: %v", d)
			}
			if res.Identity.Subject != tt.subject || res.Identity.Method != identity.MethodAPIKey {
				t.Errorf("identity %+v", res.Identity)
			}
		})
	}
}

// introspectionServer is a real RFC 7662 endpoint.
func introspectionServer(t *testing.T, hits *atomic.Int32, down *atomic.Bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		// RFC 6749 2.3.1: both parts are form-encoded inside Basic.
		id, secret, ok := r.BasicAuth()
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if !ok || id != "gateway" || secret != "s3cret:with&chars" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodPost || r.ParseForm() != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		switch r.PostForm.Get("token") {
		case "opaque-good":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "bob", "scope": "orders:read",
				"exp": testNow.Add(time.Hour).Unix(), "iss": "https://as.example", "aud": "orders"})
		case "opaque-other-aud":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "bob", "aud": "billing", "iss": "https://as.example"})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"active": false})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestIntrospection(t *testing.T) {
	var hits atomic.Int32
	var down atomic.Bool
	srv := introspectionServer(t, &hits, &down)
	a := newAuth(t, map[string]any{
		"http": map[string]any{"allow_http": true},
		"introspection": map[string]any{"endpoint": srv.URL, "client_id": "gateway", "client_secret": "s3cret:with&chars",
			"issuer": "https://as.example", "audiences": []string{"orders"},
			"error_ttl_ms": 0}, // the endpoint comes back at once below
	})
	ctx := context.Background()
	res, d := a.Authenticate(ctx, bearer("opaque-good"))
	if d != nil {
		t.Fatalf("active token refused: %v", d)
	}
	if res.Identity.Subject != "bob" || res.Identity.Method != identity.MethodIntrospection || !res.Identity.HasScope("orders:read") {
		t.Errorf("identity %+v", res.Identity)
	}
	// Cached: no second call, even with the endpoint down.
	down.Store(true)
	if _, d := a.Authenticate(ctx, bearer("opaque-good")); d != nil || hits.Load() != 1 {
		t.Errorf("cached token: denial %v, %d calls", d, hits.Load())
	}
	// Down and not cached: fail closed with 503.
	if _, d := a.Authenticate(ctx, bearer("opaque-unseen")); d == nil || d.Reason != ReasonIntrospectionDown || d.Status != 503 {
		t.Errorf("endpoint down: %v", d)
	}
	down.Store(false)
	before := hits.Load()
	for i := 0; i < 3; i++ {
		if _, d := a.Authenticate(ctx, bearer("opaque-revoked")); d == nil || d.Reason != ReasonInactive {
			t.Fatalf("inactive token: %v", d)
		}
	}
	if got := hits.Load() - before; got != 1 {
		t.Errorf("inactive answer not cached: %d calls", got)
	}
	if _, d := a.Authenticate(ctx, bearer("opaque-other-aud")); d == nil || d.Reason != ReasonAudience {
		t.Errorf("other audience: %v", d)
	}
}

// TestIntrospectionFailureCached: against an endpoint that hangs, one
// request waits the timeout; the next ones, other tokens included, fail
// closed at once for error_ttl_ms; then one request probes the endpoint
// again.
func TestIntrospectionFailureCached(t *testing.T) {
	var hang atomic.Bool
	var hits atomic.Int32
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if hang.Load() {
			select {
			case <-stop:
			case <-r.Context().Done():
			}
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "bob"})
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	now := testNow
	a, err := New(loadConfig(t, map[string]any{
		"http":          map[string]any{"allow_http": true, "timeout_ms": 300},
		"introspection": map[string]any{"endpoint": srv.URL, "client_id": "gateway", "client_secret": "secret"},
	}), WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hang.Store(true)
	if _, d := a.Authenticate(ctx, bearer("opaque-1")); d == nil || d.Reason != ReasonIntrospectionDown || d.Status != 503 {
		t.Fatalf("hanging endpoint: %v", d)
	}
	for _, tok := range []string{"opaque-1", "opaque-2", "opaque-3"} {
		t0 := time.Now()
		if _, d := a.Authenticate(ctx, bearer(tok)); d == nil || d.Reason != ReasonIntrospectionDown || d.Status != 503 {
			t.Fatalf("%s within error_ttl_ms: %v, want 503", tok, d)
		}
		if took := time.Since(t0); took > 150*time.Millisecond {
			t.Errorf("%s waited %v within error_ttl_ms", tok, took)
		}
	}
	if got := hits.Load(); got != 1 {
		t.Fatalf("endpoint asked %d times within error_ttl_ms, want 1", got)
	}
	// After error_ttl_ms the endpoint is asked again (it answers now).
	hang.Store(false)
	now = now.Add(DefaultErrorTTLMS*time.Millisecond + time.Millisecond)
	if _, d := a.Authenticate(ctx, bearer("opaque-2")); d != nil || hits.Load() != 2 {
		t.Fatalf("after error_ttl_ms: %v, %d calls", d, hits.Load())
	}
	// A probe under way: the others fail fast until it ends.
	a.intro.failed(now)
	now = now.Add(DefaultErrorTTLMS*time.Millisecond + time.Millisecond)
	if !a.intro.admit(now) || a.intro.admit(now) || a.intro.admit(now.Add(100*time.Millisecond)) {
		t.Error("during a probe other requests were admitted")
	}
}

func TestAssertionRoundTrip(t *testing.T) {
	testKeys(t)
	cfg := staticConfig(t)
	cfg["assertion"] = map[string]any{"private_key": pemPrivate(t, ecA), "audience": "orders-api"}
	cfg["consumer"] = map[string]any{"claim": "sub"}
	cfg["claims_to_headers"] = []any{map[string]any{"claim": "roles", "header": "x-user-roles"}}
	a := newAuth(t, cfg)
	tok := sign(t, jwt.SigningMethodRS256, rsaA, "a1", goodClaims())
	hdrs := map[string][]string{"authorization": {"Bearer " + tok}, "x-consumer-id": {"forged"}, "x-warden-identity": {"forged"}}
	res, d := a.Authenticate(context.Background(), Request{Headers: hdrs})
	if d != nil {
		t.Fatal(d)
	}
	if res.ConsumerRef != "alice" || !res.ConsumerByUsername {
		t.Errorf("consumer ref %q by username %v", res.ConsumerRef, res.ConsumerByUsername)
	}
	res.SetConsumer(Consumer{ID: "c-1", Username: "alice"})
	up, err := a.UpstreamHeaders(res, hdrs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"x-consumer-id": {"c-1"}, "x-consumer-username": {"alice"}, "x-consumer-custom-id": {},
		"x-credential-identifier": {"jti:id-1"}, "x-anonymous-consumer": {}, "authorization": {},
		"x-user-roles": {"user"},
	}
	for k, v := range want {
		if got := up[k]; strings.Join(got, "|") != strings.Join(v, "|") || got == nil {
			t.Errorf("upstream %s = %q, want %q", k, got, v)
		}
	}
	as := up["x-warden-identity"]
	if len(as) != 1 || as[0] == "forged" {
		t.Fatalf("assertion header %q", as)
	}
	c, err := VerifyAssertion(as[0], &ecA.PublicKey, "warden", "orders-api", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "alice" || c.Consumer != "alice" || c.Scope != "orders:read orders:write" || c.IdentityIssuer != testIssuerA {
		t.Errorf("assertion claims %+v", c)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tt := range []struct {
		name string
		run  func() error
	}{
		{"other key", func() error {
			_, err := VerifyAssertion(as[0], &other.PublicKey, "warden", "orders-api", testNow)
			return err
		}},
		{"other audience", func() error {
			_, err := VerifyAssertion(as[0], &ecA.PublicKey, "warden", "billing", testNow)
			return err
		}},
		{"expired", func() error {
			_, err := VerifyAssertion(as[0], &ecA.PublicKey, "warden", "orders-api", testNow.Add(2*time.Minute))
			return err
		}},
		{"access token is not an assertion", func() error {
			_, err := VerifyAssertion(tok, &ecA.PublicKey, "warden", "orders-api", testNow)
			return err
		}},
	} {
		if err := tt.run(); !errors.Is(err, ErrAssertionInvalid) {
			t.Errorf("%s: %v, want ErrAssertionInvalid", tt.name, err)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	testKeys(t)
	tests := []struct {
		name string
		cfg  map[string]any
		want []string
	}{
		{"nothing configured", map[string]any{}, []string{"configure at least one"}},
		{"hmac too short", map[string]any{"issuers": []any{map[string]any{"issuer": "i", "algorithms": []string{"HS256"}, "hmac_secrets": []string{"short"}}}},
			[]string{"issuers[0].hmac_secrets[0]: shorter than 32 bytes"}},
		{"rsa without keys", map[string]any{"issuers": []any{map[string]any{"issuer": "i", "algorithms": []string{"RS256"}}}},
			[]string{"issuers[0].public_keys: asymmetric algorithms need"}},
		{"plain http jwks", map[string]any{"issuers": []any{map[string]any{"issuer": "i", "algorithms": []string{"RS256"}, "jwks_url": "http://idp/jwks"}}},
			[]string{"issuers[0].jwks_url: plain http not allowed"}},
		{"none algorithm", map[string]any{"issuers": []any{map[string]any{"issuer": "i", "algorithms": []string{"none"}, "public_keys": []string{pemPublic(t, &rsaA.PublicKey)}}}},
			[]string{"issuers[0].algorithms[0]: unsupported algorithm"}},
		{"bad api key hash", map[string]any{"api_keys": map[string]any{"keys": []any{map[string]any{"name": "k", "sha256": "not-hex-secret", "subject": "s"}}}},
			[]string{"api_keys.keys[0].sha256: must be 64 hex digits"}},
		{"token and api key in one query parameter", map[string]any{
			"issuers":  []any{map[string]any{"issuer": "i", "algorithms": []string{"HS256"}, "hmac_secrets": []string{hmacSecret}}},
			"token":    map[string]any{"query_param": "access_token"},
			"api_keys": map[string]any{"query_param": "access_token", "keys_file": "/x"}},
			[]string{"api_keys.query_param: must differ from token.query_param"}},
		{"assertion ttl", map[string]any{"api_keys": map[string]any{"keys_file": "/x"}, "assertion": map[string]any{"private_key": pemPrivate(t, ecA), "audience": "a", "ttl_sec": 120}},
			[]string{"assertion.ttl_sec: must be between 1 and 60"}},
		{"assertion key type", map[string]any{"api_keys": map[string]any{"keys_file": "/x"}, "assertion": map[string]any{"private_key": pemPrivate(t, rsaA), "audience": "a"}},
			[]string{"assertion.private_key: assertion key unusable: key type does not match algorithm ES256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(tt.cfg)
			cfg, err := loadRaw(b)
			if err == nil {
				_, err = New(cfg)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "not-hex-secret") || strings.Contains(err.Error(), "short\"") {
				t.Errorf("error echoes a secret: %v", err)
			}
		})
	}
}

// TestSigningKeyForms covers the one-line base64 PKCS8 form meant for
// environment variables, next to PEM, and refusals that never echo the key.
func TestSigningKeyForms(t *testing.T) {
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(edPriv)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(der)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	for _, tt := range []struct {
		name, key, alg string
		ok             bool
	}{
		{"PEM", pemKey, "EdDSA", true},
		{"base64 PKCS8", b64, "EdDSA", true},
		{"base64 with a trailing newline", b64 + "\n", "EdDSA", true},
		{"base64 key for the wrong algorithm", b64, "ES256", false},
		{"truncated base64", b64[:len(b64)-8], "EdDSA", false},
		{"neither", "not a key at all", "EdDSA", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, err := parseSigningKey(tt.key, tt.alg)
			if tt.ok {
				if err != nil || !k.Public().(ed25519.PublicKey).Equal(edPriv.Public()) {
					t.Fatalf("got %v, %v", k, err)
				}
				return
			}
			if !errors.Is(err, ErrAssertionKey) {
				t.Fatalf("err %v, want ErrAssertionKey", err)
			}
			if strings.Contains(err.Error(), b64[:16]) {
				t.Fatal("the error echoes key material")
			}
		})
	}
}

// TestConsumerByIDNeedsUUID: Kong's load_consumer raises an error for an
// id that is not a UUID unless it may search by username
// (kong/pdk/client.lua), which would answer a token's chosen subject with
// a 500. Such a reference names no consumer: refused with 401, or no
// consumer when the mapping is optional.
func TestConsumerByIDNeedsUUID(t *testing.T) {
	testKeys(t)
	tests := []struct {
		name     string
		sub      string
		optional bool
		wantRef  string
		denied   bool
	}{
		{name: "uuid", sub: "6a3e2c1c-2b9f-4c8e-9f3e-2d1b8a7c6e5f", wantRef: "6a3e2c1c-2b9f-4c8e-9f3e-2d1b8a7c6e5f"},
		{name: "not a uuid", sub: "alice", denied: true},
		{name: "not a uuid, optional", sub: "alice", optional: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := staticConfig(t)
			cfg["consumer"] = map[string]any{"claim": "sub", "by": "id", "optional": tt.optional}
			a := newAuth(t, cfg)
			c := goodClaims()
			c["sub"] = tt.sub
			res, d := a.Authenticate(context.Background(), bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", c)))
			if tt.denied {
				if d == nil || d.Reason != ReasonConsumerNotFound || d.Status != 401 {
					t.Fatalf("got %+v %v, want a consumer_not_found denial", res, d)
				}
				return
			}
			if d != nil {
				t.Fatal(d)
			}
			if res.ConsumerRef != tt.wantRef || res.ConsumerByUsername {
				t.Errorf("consumer ref %q by username %v, want %q by id", res.ConsumerRef, res.ConsumerByUsername, tt.wantRef)
			}
		})
	}
}

func TestClaimHeaderValue(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{
		{"gold", "gold"},
		{[]any{"a", "b"}, "a, b"},
		{json.Number("1234567"), "1234567"},
		{float64(1234567), "1234567"},
		{1.5, "1.5"},
		{true, "true"},
		{map[string]any{"x": 1}, ""},
		{"line\nbreak", ""},
	} {
		if got := claimHeaderValue(tt.in); got != tt.want {
			t.Errorf("claimHeaderValue(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
