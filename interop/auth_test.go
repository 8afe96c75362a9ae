package interop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
	"github.com/warden-gw/warden/pkg/auth"
)

// kongYML protects six routes with warden-auth: /id accepts the OP's ID
// tokens (keys found by OIDC discovery, audience web), /billing the same
// issuer for another audience, /at-jwt only RFC 9068 access tokens; /intro asks the OP's introspection endpoint
// about opaque access tokens as the web client, /intro-cached too with
// answers cached for a second, /intro-issuer with introspection.issuer
// set. The verified-token cache is off on /id and /intro, so every request
// is verified anew: the discovery and JWKS counts are what 20
// verifications cost, and a revocation shows on the next request.
const kongYML = `
_format_version: "3.0"
services:
  - name: api
    url: UPSTREAM
    routes:
      - name: id
        paths: ["/id"]
        plugins:
          - name: warden-auth
            config:
              http: {allow_http: true}
              cache: {max_entries: 0}
              issuers:
                - issuer: ISSUER
                  algorithms: [RS256]
                  discovery: true
                  audiences: [web]
              claims_to_headers:
                - {claim: sub, header: x-sub}
                - {claim: azp, header: x-azp}
                - {claim: amr, header: x-amr}
              assertion:
                private_key: "{vault://env/WARDEN_ASSERTION_KEY}"
                audience: api
      - name: billing
        paths: ["/billing"]
        plugins:
          - name: warden-auth
            config:
              http: {allow_http: true}
              issuers:
                - issuer: ISSUER
                  algorithms: [RS256]
                  discovery: true
                  audiences: [billing]
      - name: at-jwt
        paths: ["/at-jwt"]
        plugins:
          - name: warden-auth
            config:
              http: {allow_http: true}
              issuers:
                - issuer: ISSUER
                  algorithms: [RS256]
                  discovery: true
                  audiences: [web]
                  types: [at+jwt]
      - name: intro
        paths: ["/intro"]
        plugins:
          - name: warden-auth
            config:
              http: {allow_http: true}
              cache: {max_entries: 0}
              introspection:
                endpoint: INTROSPECT
                client_id: web
                client_secret: "{vault://env/OP_CLIENT_SECRET}"
                negative_ttl_sec: 0
              claims_to_headers:
                - {claim: sub, header: x-sub}
                - {claim: scope, header: x-scope}
                - {claim: username, header: x-username}
              assertion:
                private_key: "{vault://env/WARDEN_ASSERTION_KEY}"
                audience: api
      - name: intro-cached
        paths: ["/intro-cached"]
        plugins:
          - name: warden-auth
            config:
              http: {allow_http: true}
              cache: {max_ttl_sec: 1}
              introspection: {endpoint: INTROSPECT, client_id: web, client_secret: "{vault://env/OP_CLIENT_SECRET}"}
              claims_to_headers: [{claim: sub, header: x-sub}]
              assertion:
                private_key: "{vault://env/WARDEN_ASSERTION_KEY}"
                audience: api
      - name: intro-issuer
        paths: ["/intro-issuer"]
        plugins:
          - name: warden-auth
            config:
              http: {allow_http: true}
              introspection: {endpoint: INTROSPECT, client_id: web, client_secret: "{vault://env/OP_CLIENT_SECRET}", issuer: ISSUER}
`

type gateway struct {
	g     *harness.Gateway
	up    *harnesstest.EchoUpstream
	logs  *harnesstest.LogBuffer
	asKey *ecdsa.PrivateKey
}

// startGateway serves doc (UPSTREAM, ISSUER and INTROSPECT replaced) for op through the harness with the real
// warden-auth binary.
func startGateway(t *testing.T, op *provider, doc string) *gateway {
	t.Helper()
	// BuildPlugins builds from the module it finds in the working
	// directory: the warden module, so the binary is the one make build
	// makes, with the main module's own dependency versions.
	t.Chdir("..")
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-auth")
	asKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(asKey)
	asPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	up := harnesstest.NewEchoUpstream(t)
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	yml := strings.NewReplacer("UPSTREAM", up.URL, "ISSUER", op.URL,
		"INTROSPECT", op.endpoint(t, "introspection_endpoint")).Replace(doc)
	g := harnesstest.StartGateway(t, harness.Options{
		Config:    []byte(yml),
		PluginDir: dir,
		Log:       logs,
		LookupEnv: func(name string) (string, bool) {
			switch name {
			case "WARDEN_ASSERTION_KEY":
				return asPEM, true
			case "OP_CLIENT_SECRET":
				return webSecret, true
			}
			return "", false
		},
	})
	return &gateway{g: g, up: up, logs: logs, asKey: asKey}
}

// get sends GET path with the token as a bearer credential.
func (gw *gateway) get(t *testing.T, path, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", gw.g.URL()+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// audit returns the last audit event of warden-auth's with marker in
// its line, waiting for the n-th such line. A deny's event names its
// request; an allow's does not (it costs no PDK call, so carries no
// request id), so allows are told apart by count: requests run one at a
// time.
func (gw *gateway) audit(t *testing.T, marker string, n int) map[string]any {
	t.Helper()
	if !gw.logs.AwaitCount(marker, n) {
		t.Fatalf("no audit event with %s", marker)
	}
	lines := strings.Split(gw.logs.String(), "\n")
	for j := len(lines) - 1; j >= 0; j-- {
		line := lines[j]
		i := strings.Index(line, `{"type":"warden.audit"`)
		if i < 0 || !strings.Contains(line, marker) {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line[i:]), &ev); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		return ev
	}
	t.Fatalf("no audit event with %s", marker)
	return nil
}

const allowMarker = `"decision":"allow"`

// allowed checks a request warden-auth let through: the upstream got it
// once, without the credential, with the identity it forwards; the audit
// event says allow for sub.
func (gw *gateway) allowed(t *testing.T, path, token, sub string) harnesstest.Request {
	t.Helper()
	before, allows := gw.up.Count(), gw.logs.Count(allowMarker)
	resp, body := gw.get(t, path, token)
	if resp.StatusCode != 200 || gw.up.Count() != before+1 {
		t.Fatalf("%s: %d %s (upstream saw %d requests)", path, resp.StatusCode, body, gw.up.Count()-before)
	}
	last, _ := gw.up.Last()
	if v := last.Header.Values("Authorization"); len(v) > 0 {
		t.Errorf("the credential reached the upstream (%d Authorization headers)", len(v))
	}
	if got := last.Header.Get("X-Sub"); got != sub {
		t.Errorf("upstream x-sub %q, want %q", got, sub)
	}
	a, err := auth.VerifyAssertion(last.Header.Get("X-Warden-Identity"), &gw.asKey.PublicKey, "warden", "api", time.Now())
	if err != nil || a.Subject != sub {
		t.Errorf("identity assertion: %v %+v", err, a)
	}
	if got, err := joseSubject(last.Header.Get("X-Warden-Identity"), &gw.asKey.PublicKey); err != nil || got != sub {
		t.Errorf("identity assertion, as go-jose reads it: subject %q, %v; want %q", got, err, sub)
	}
	if ev := gw.audit(t, allowMarker, allows+1); ev["decision"] != "allow" || ev["subject"] != sub {
		t.Errorf("audit event %v, want allow for %s", ev, sub)
	}
	return last
}

// refused checks a request warden-auth refused with 401 invalid_token
// without proxying it, and returns its audit event.
func (gw *gateway) refused(t *testing.T, path, token string) map[string]any {
	t.Helper()
	before := gw.up.Count()
	resp, body := gw.get(t, path, token)
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="warden", error="invalid_token"` {
		t.Errorf("%s: %d %q %s, want 401 invalid_token", path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	if gw.up.Count() != before {
		t.Errorf("refused request reached the upstream")
	}
	ev := gw.audit(t, `"request_id":"`+resp.Header.Get("X-Kong-Request-Id")+`"`, 1)
	if ev["decision"] != "deny" {
		t.Errorf("audit event %v, want deny", ev)
	}
	return ev
}

// TestZitadelExampleOP drives warden-auth, through the harness, against
// zitadel/oidc's example OpenID Provider: tokens come from its real
// authorization and token endpoints, keys from its discovery document
// and JWKS, answers about opaque tokens from its introspection endpoint.
func TestZitadelExampleOP(t *testing.T) {
	op := startProvider(t, "")
	gw := startGateway(t, op, kongYML)

	// The example's clients all get opaque access tokens (JWE, five
	// parts, readable only by the OP), so the JWT warden-auth verifies is
	// the ID token of an authorization code flow.
	login := op.login(t, "openid profile email")
	if strings.Count(login.IDToken, ".") != 2 || strings.Count(login.AccessToken, ".") != 4 {
		t.Fatalf("ID token %d parts, access token %d parts: the example OP's token formats changed",
			strings.Count(login.IDToken, ".")+1, strings.Count(login.AccessToken, ".")+1)
	}

	t.Run("ID token from the token endpoint accepted by discovery", func(t *testing.T) {
		last := gw.allowed(t, "/id", login.IDToken, userID)
		if got := last.Header.Get("X-Azp"); got != webClient {
			t.Errorf("upstream x-azp %q, want %q", got, webClient)
		}
		if got := last.Header.Get("X-Amr"); got != "pwd" {
			t.Errorf("upstream x-amr %q, want pwd", got)
		}
	})

	t.Run("discovery and JWKS fetched once over 20 requests", func(t *testing.T) {
		disc, keys := op.Hits("/.well-known/openid-configuration"), op.Hits("/keys")
		for range 20 {
			gw.allowed(t, "/id", op.login(t, "openid").IDToken, userID)
		}
		if d, k := op.Hits("/.well-known/openid-configuration"), op.Hits("/keys"); d != 1 || k != 1 {
			t.Errorf("over 21 requests the OP served discovery %d times (%d before the 20) and its JWKS %d times (%d before), want once each",
				d, disc, k, keys)
		}
	})

	impostor := startProvider(t, op.URL) // claims op's issuer, signs with its own key
	other := startProvider(t, "")        // an issuer of its own
	sig := func(tok string) string { return tok[strings.LastIndex(tok, ".")+1:] }
	for _, tc := range []struct {
		name, path, token, reason string
	}{
		{"signature with one byte changed", "/id", flipSignatureByte(t, login.IDToken), "bad_signature"},
		{"audience not accepted", "/billing", login.IDToken, "audience_mismatch"},
		// zitadel/oidc signs every JWT with typ JWT (pkg/op/signer.go),
		// its JWT access tokens too, not at+jwt as RFC 9068 2.1 asks.
		{"typ JWT where at+jwt is required", "/at-jwt", login.IDToken, "type_not_allowed"},
		{"another OP claiming the issuer, own key", "/id", impostor.login(t, "openid").IDToken, "unknown_key"},
		{"another OP, issuer not configured", "/id", other.login(t, "openid").IDToken, "unknown_issuer"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			ev := gw.refused(t, tc.path, tc.token)
			if ev["reason"] != tc.reason {
				t.Errorf("audit reason %v, want %s", ev["reason"], tc.reason)
			}
			gw.g.WaitLogs()
			if logs := gw.logs.String(); strings.Contains(logs, sig(tc.token)) {
				t.Errorf("the refused token's signature is in the logs")
			}
		})
	}

	t.Run("opaque access token introspected", func(t *testing.T) {
		last := gw.allowed(t, "/intro", login.AccessToken, userID)
		if got := last.Header.Get("X-Scope"); got != "openid profile email" {
			t.Errorf("upstream x-scope %q", got)
		}
		if got := last.Header.Get("X-Username"); got != "test-user@127.0.0.1" {
			t.Errorf("upstream x-username %q", got)
		}
	})

	// RFC 7662 2.2 makes iss optional and the example OP sends none, so
	// introspection.issuer (the answer's iss must equal it) refuses all
	// of its tokens: with this OP it must stay empty.
	t.Run("introspection.issuer refuses answers without iss", func(t *testing.T) {
		tok := op.login(t, "openid").AccessToken
		if ans := op.introspect(t, tok); ans["active"] != true || ans["iss"] != nil {
			t.Fatalf("the OP's answer changed: %v", ans)
		}
		if ev := gw.refused(t, "/intro-issuer", tok); ev["reason"] != "claim_check_failed" {
			t.Errorf("audit reason %v, want claim_check_failed", ev["reason"])
		}
	})

	// warden-auth caches an active answer like a verified JWT, up to
	// cache.max_ttl_sec (default 300 s, never past exp): a token revoked
	// at the OP keeps passing until its entry expires (RFC 7662 4 lets
	// the resource server cache, trading revocation latency for load).
	t.Run("revocation seen once the cached answer expires", func(t *testing.T) {
		tok := op.login(t, "openid").AccessToken
		gw.allowed(t, "/intro-cached", tok, userID)
		op.revoke(t, tok)
		gw.allowed(t, "/intro-cached", tok, userID)
		time.Sleep(1100 * time.Millisecond)
		gw.refused(t, "/intro-cached", tok)
	})

	t.Run("revoked and unknown opaque tokens refused", func(t *testing.T) {
		fresh := op.login(t, "openid").AccessToken
		gw.allowed(t, "/intro", fresh, userID)
		op.revoke(t, fresh)
		for _, tok := range []string{fresh, "not-a-token-the-op-issued", flipSignatureByte(t, fresh)} {
			gw.refused(t, "/intro", tok)
		}
		gw.g.WaitLogs()
		if strings.Contains(gw.logs.String(), sig(fresh)) {
			t.Errorf("the revoked token is in the logs")
		}
	})

	t.Run("no token in logs", func(t *testing.T) {
		gw.g.WaitLogs()
		logs := gw.logs.String()
		for name, tok := range map[string]string{"ID token": login.IDToken, "access token": login.AccessToken} {
			if strings.Contains(logs, sig(tok)) {
				t.Errorf("the accepted %s is in the logs", name)
			}
		}
	})
}

// flipSignatureByte changes one byte of a compact JWS or JWE's last part
// (the signature, or the JWE's authentication tag), keeping it valid
// base64url.
func flipSignatureByte(t *testing.T, tok string) string {
	t.Helper()
	i := strings.LastIndex(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil || len(raw) == 0 {
		t.Fatalf("last part of the token: %v", err)
	}
	raw[len(raw)/2] ^= 0x01
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(raw)
}

// joseSubject verifies an identity assertion as a backend using another
// JOSE library would (go-jose, which zitadel/oidc builds on): ES256 only,
// typ warden-id+jwt, issuer warden, audience api, not expired (5 s of
// leeway), and returns its subject.
func joseSubject(token string, pub *ecdsa.PublicKey) (string, error) {
	tok, err := josejwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return "", err
	}
	if typ := tok.Headers[0].ExtraHeaders[jose.HeaderType]; typ != auth.AssertionType {
		return "", fmt.Errorf("typ %v, want %s", typ, auth.AssertionType)
	}
	var c josejwt.Claims
	if err := tok.Claims(pub, &c); err != nil {
		return "", err
	}
	if err := c.ValidateWithLeeway(josejwt.Expected{Issuer: "warden", AnyAudience: josejwt.Audience{"api"}, Time: time.Now()}, 5*time.Second); err != nil {
		return "", err
	}
	if c.Expiry == nil {
		return "", fmt.Errorf("no exp")
	}
	return c.Subject, nil
}
