package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
	"github.com/warden-gw/warden/pkg/auth"
)

var update = flag.Bool("update", false, "rewrite golden files")

const kongYML = `
_format_version: "3.0"
consumers:
  - username: alice
    custom_id: cust-alice
  - username: anonymous
services:
  - name: orders
    url: UPSTREAM
    routes:
      - name: orders
        paths: ["/orders"]
        plugins:
          - name: warden-auth
            config:
              http: {allow_http: true}
              issuers:
                - issuer: IDP
                  algorithms: [RS256]
                  jwks_url: IDP/jwks
                  audiences: [orders]
              consumer: {claim: sub, by: username}
              claims_to_headers: [{claim: roles, header: x-user-roles}]
              assertion:
                private_key: "{vault://env/WARDEN_ASSERTION_KEY}"
                audience: orders-api
      - name: keys
        paths: ["/keys"]
        plugins:
          - name: warden-auth
            config:
              api_keys:
                query_param: apikey
                keys: [{name: partner, sha256: KEYHASH, subject: partner}]
      - name: anon
        paths: ["/anon"]
        plugins:
          - name: warden-auth
            config:
              anonymous: anonymous
              issuers:
                - issuer: IDP
                  algorithms: [RS256]
                  jwks_url: IDP/jwks
                  http_unused: true
      - name: broken
        paths: ["/broken"]
        plugins:
          - name: warden-auth
            config:
              issuers:
                - issuer: x
                  algorithms: [HS256]
                  hmac_secrets: ["{vault://env/WARDEN_SHORT_SECRET}"]
`

const apiKey = "partner-key-0123456789"

type env struct {
	g      *harness.Gateway
	up     *harnesstest.EchoUpstream
	logs   *harnesstest.LogBuffer
	signer *rsa.PrivateKey
	asKey  *ecdsa.PrivateKey
	idp    string
}

func start(t *testing.T) *env {
	t.Helper()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	asKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	enc := base64.RawURLEncoding.EncodeToString
	jwks, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{"kty": "RSA", "kid": "k1", "use": "sig",
		"n": enc(rsaKey.N.Bytes()), "e": enc(big.NewInt(int64(rsaKey.E)).Bytes())}}})
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	}))
	t.Cleanup(idp.Close)
	der, _ := x509.MarshalPKCS8PrivateKey(asKey)
	asPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))

	dir := harnesstest.BuildPlugins(t, "./plugins/warden-auth")
	up := harnesstest.NewEchoUpstream(t)
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	yml := strings.NewReplacer("UPSTREAM", up.URL, "IDP", idp.URL, "KEYHASH", sha(apiKey),
		"                  http_unused: true\n", "").Replace(kongYML)
	yml = strings.Replace(yml, "              anonymous: anonymous\n", "              anonymous: anonymous\n              http: {allow_http: true}\n", 1)
	g := harnesstest.StartGateway(t, harness.Options{
		Config:    []byte(yml),
		PluginDir: dir,
		Log:       logs,
		LookupEnv: func(name string) (string, bool) {
			switch name {
			case "WARDEN_ASSERTION_KEY":
				return asPEM, true
			case "WARDEN_SHORT_SECRET":
				return "too-short-secret", true
			}
			return "", false
		},
	})
	return &env{g: g, up: up, logs: logs, signer: rsaKey, asKey: asKey, idp: idp.URL}
}

func sha(s string) string {
	h := sha256Sum([]byte(s))
	return h
}

func (e *env) token(t *testing.T, mod func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": e.idp, "sub": "alice", "aud": "orders", "exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Unix(), "scope": "orders:read", "roles": []string{"user", "auditor"}}
	if mod != nil {
		mod(c)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(e.signer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func do(t *testing.T, url string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestEndToEnd(t *testing.T) {
	e := start(t)
	valid := e.token(t, nil)

	t.Run("valid token: consumer headers, forged ones replaced, credential stripped, assertion verifies", func(t *testing.T) {
		before := e.up.Count()
		resp, _ := do(t, e.g.URL()+"/orders/42", "Authorization", "Bearer "+valid,
			"X-Consumer-ID", "forged", "X-Anonymous-Consumer", "true", "X-Warden-Identity", "forged", "X-User-Roles", "admin")
		if resp.StatusCode != 200 || e.up.Count() != before+1 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		last, _ := e.up.Last()
		h := last.Header
		if h.Get("X-Consumer-Username") != "alice" || h.Get("X-Consumer-Custom-Id") != "cust-alice" ||
			h.Get("X-Consumer-Id") == "forged" || h.Get("X-Consumer-Id") == "" {
			t.Errorf("consumer headers %v", h)
		}
		if h.Get("X-Anonymous-Consumer") != "" || h.Get("Authorization") != "" {
			t.Errorf("forged anonymous header or credential reached upstream: %v", h)
		}
		if got := h.Values("X-User-Roles"); len(got) != 1 || got[0] != "user, auditor" {
			t.Errorf("claim header %q", got)
		}
		c, err := auth.VerifyAssertion(h.Get("X-Warden-Identity"), &e.asKey.PublicKey, "warden", "orders-api", time.Now())
		if err != nil || c.Subject != "alice" || c.Consumer != "alice" {
			t.Fatalf("assertion: %v %+v", err, c)
		}
		e.g.WaitLogs()
		calls := e.g.Calls(resp.Header.Get("X-Kong-Request-Id"))
		t.Logf("PDK calls on the JWT happy path (first request): %d %v", calls.Total[harnesstest.Runner("warden-auth")], calls.ByPlugin[harnesstest.Runner("warden-auth")])
		// Second request: consumer cached.
		resp, _ = do(t, e.g.URL()+"/orders/42", "Authorization", "Bearer "+valid)
		e.g.WaitLogs()
		calls = e.g.Calls(resp.Header.Get("X-Kong-Request-Id"))
		t.Logf("PDK calls on the JWT happy path (repeat): %d %v", calls.Total[harnesstest.Runner("warden-auth")], calls.ByPlugin[harnesstest.Runner("warden-auth")])
		// kong.ctx.shared.set hands the identity to the Warden plugins
		// after this one; warden-suite hands it on in process and shares
		// it only with share_identity.
		want := map[string]int{"kong.request.get_headers": 1, "kong.client.authenticate": 1, "kong.service.request.set_headers": 1, "kong.ctx.shared.set": 1}
		if harnesstest.Suite() {
			want["kong.ctx.shared.set"] = 0
		}
		wantTotal := 0
		for m, n := range want {
			wantTotal += n
			if calls.Count(harnesstest.Runner("warden-auth"), m) != n {
				t.Errorf("%s called %d times, want %d", m, calls.Count(harnesstest.Runner("warden-auth"), m), n)
			}
		}
		if own := ownCalls(calls); own != wantTotal {
			t.Errorf("happy path made %d PDK calls besides audit ids, want %d", own, wantTotal)
		}
		if total := calls.Total[harnesstest.Runner("warden-auth")]; total != wantTotal {
			t.Errorf("happy path made %d PDK calls in all, want %d (an allow's audit event costs none)", total, wantTotal)
		}
		if calls.Count(harnesstest.Runner("warden-auth"), "kong.client.load_consumer") != 0 {
			t.Error("consumer not served from the cache")
		}
	})

	for _, tt := range []struct {
		name      string
		headers   []string
		status    int
		challenge string
	}{
		{"no token", nil, 401, `Bearer realm="warden"`},
		{"expired", []string{"Authorization", "Bearer " + e.token(t, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })}, 401, `Bearer realm="warden", error="invalid_token"`},
		{"wrong audience", []string{"Authorization", "Bearer " + e.token(t, func(c jwt.MapClaims) { c["aud"] = "billing" })}, 401, `Bearer realm="warden", error="invalid_token"`},
		{"expired and wrong audience", []string{"Authorization", "Bearer " + e.token(t, func(c jwt.MapClaims) {
			c["exp"], c["aud"] = time.Now().Add(-time.Hour).Unix(), "billing"
		})}, 401, `Bearer realm="warden", error="invalid_token"`},
		{"unknown consumer", []string{"Authorization", "Bearer " + e.token(t, func(c jwt.MapClaims) { c["sub"] = "mallory" })}, 401, `Bearer realm="warden", error="invalid_token"`},
		{"alg none", []string{"Authorization", "Bearer eyJhbGciOiJub25lIn0." + strings.Split(valid, ".")[1] + "."}, 401, `Bearer realm="warden", error="invalid_token"`},
		{"two tokens", []string{"Authorization", "Bearer " + valid, "Authorization", "Bearer " + valid}, 400, `Bearer realm="warden", error="invalid_request"`},
	} {
		t.Run("deny: "+tt.name, func(t *testing.T) {
			before := e.up.Count()
			resp, body := do(t, e.g.URL()+"/orders/42", tt.headers...)
			if resp.StatusCode != tt.status || resp.Header.Get("WWW-Authenticate") != tt.challenge {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tt.status, tt.challenge)
			}
			if want := `{"message":"` + http.StatusText(tt.status) + `"}`; body != want {
				t.Errorf("body %q, want %q", body, want)
			}
			if e.up.Count() != before {
				t.Error("denied request reached the upstream")
			}
			e.g.WaitLogs()
			calls := e.g.Calls(resp.Header.Get("X-Kong-Request-Id"))
			t.Logf("PDK calls on a rejection: %d %v", calls.Total[harnesstest.Runner("warden-auth")], calls.ByPlugin[harnesstest.Runner("warden-auth")])
			if own := ownCalls(calls); tt.name != "unknown consumer" && own != 2 {
				t.Errorf("rejection made %d PDK calls besides audit ids, want 2 (get_headers, exit)", own)
			}
			// The deny's audit event adds the request id, and the route's
			// service, which a route-scoped instance reads once and then
			// remembers for a while (a cache hit on later refusals).
			routeReads := calls.ByPlugin[harnesstest.Runner("warden-auth")]["kong.router.get_route"]
			if total := calls.Total[harnesstest.Runner("warden-auth")]; tt.name != "unknown consumer" && (total != 3+routeReads || routeReads > 1) {
				t.Errorf("rejection made %d PDK calls in all (%d route reads), want 3 and at most one route read", total, routeReads)
			}
		})
	}

	t.Run("api key", func(t *testing.T) {
		resp, _ := do(t, e.g.URL()+"/keys", "apikey", apiKey)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if last, _ := e.up.Last(); last.Header.Get("Apikey") != "" || last.Header.Get("X-Credential-Identifier") != "partner" {
			t.Errorf("upstream headers %v", last.Header)
		}
		resp, _ = do(t, e.g.URL()+"/keys", "apikey", "wrong-key")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Key realm="warden"` {
			t.Errorf("unknown key: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		// From the query, the key alone is stripped: the rest reaches the
		// upstream as sent (flags, order, repeats and escapes).
		resp, _ = do(t, e.g.URL()+"/keys?debug&b=2&apikey="+apiKey+"&a=1&a=%zz&ApiKey=x+y")
		last, _ := e.up.Last()
		if resp.StatusCode != 200 || last.RawQuery != "debug&b=2&a=1&a=%zz&ApiKey=x+y" {
			t.Errorf("query key: %d, upstream query %q", resp.StatusCode, last.RawQuery)
		}
	})

	t.Run("anonymous fallback", func(t *testing.T) {
		resp, _ := do(t, e.g.URL()+"/anon", "X-Consumer-Username", "alice")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		last, _ := e.up.Last()
		if last.Header.Get("X-Anonymous-Consumer") != "true" || last.Header.Get("X-Consumer-Username") != "anonymous" {
			t.Errorf("upstream headers %v", last.Header)
		}
	})

	t.Run("bad config fails closed", func(t *testing.T) {
		before := e.up.Count()
		resp, body := do(t, e.g.URL()+"/broken", "Authorization", "Bearer "+valid)
		if resp.StatusCode != 500 || body != `{"message":"An unexpected error occurred"}` || e.up.Count() != before {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
	})

	t.Run("no secret in logs", func(t *testing.T) {
		e.g.WaitLogs()
		short := harnesstest.Field("warden-auth", "issuers[1].hmac_secrets[1]") + ": shorter than 32 bytes"
		for _, want := range []string{`"reason":"audience_mismatch"`, short, `"failed_checks":["token_expired","audience_mismatch"]`} {
			e.logs.Await(want) // stderr reaches the buffer through a pipe
		}
		logs := e.logs.String()
		sig := strings.Split(valid, ".")[2]
		for _, s := range []string{sig, apiKey, "too-short-secret", "PRIVATE KEY"} {
			if strings.Contains(logs, s) {
				t.Errorf("logs contain a secret")
			}
		}
		if !strings.Contains(logs, `"reason":"audience_mismatch"`) || !strings.Contains(logs, short) {
			t.Errorf("audit reason or config error missing from logs")
		}
		if !strings.Contains(logs, `"failed_checks":["token_expired","audience_mismatch"]`) {
			t.Errorf("audit event of a token breaking two rules does not list both")
		}
	})
}

// ownCalls counts warden-auth's PDK calls without the ones pluginkit's
// Audit makes for request, route and service ids.
func ownCalls(c harness.CallStats) int {
	p := harnesstest.Runner("warden-auth")
	return c.Total[p] - c.Count(p, "kong.nginx.get_var") -
		c.Count(p, "kong.router.get_route") - c.Count(p, "kong.router.get_service")
}

func TestDumpGolden(t *testing.T) {
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-auth")
	harnesstest.DumpGolden(t, dir, "warden-auth", filepath.Join("testdata", "dump.golden.json"), *update)
}

// TestEndToEndLogicalOR: with anonymous set, warden-auth leaves a request
// an earlier auth plugin authenticated alone (Kong's logical OR), but the
// headers only it may set (claims_to_headers, the identity assertion)
// are still dropped: a client must not forge them past it.
func TestEndToEndLogicalOR(t *testing.T) {
	asKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(asKey)
	asPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-auth", "./plugins/warden-auth/testdata/first-auth")
	up := harnesstest.NewEchoUpstream(t)
	yml := `
_format_version: "3.0"
consumers:
  - username: alice
  - username: anonymous
services:
  - name: orders
    url: ` + up.URL + `
    routes:
      - name: orders
        paths: ["/orders"]
        plugins:
          - name: first-auth
          - name: warden-auth
            config:
              anonymous: anonymous
              api_keys:
                keys: [{name: partner, sha256: ` + sha(apiKey) + `, subject: partner}]
              claims_to_headers: [{claim: roles, header: x-user-roles}]
              assertion:
                private_key: "{vault://env/WARDEN_ASSERTION_KEY}"
                audience: orders-api
`
	g := harnesstest.StartGateway(t, harness.Options{Config: []byte(yml), PluginDir: dir,
		LookupEnv: func(name string) (string, bool) { return asPEM, name == "WARDEN_ASSERTION_KEY" }})
	forged := []string{"X-User-Roles", "admin", "X-Warden-Identity", "forged.assertion.value"}
	for _, tc := range []struct {
		name    string
		headers []string
		user    string
	}{
		{"authenticated by the earlier plugin", append([]string{"X-First-Auth", "alice"}, forged...), ""},
		{"anonymous fallback", forged, "anonymous"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := up.Count()
			resp, _ := do(t, g.URL()+"/orders/1", tc.headers...)
			if resp.StatusCode != 200 || up.Count() != before+1 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			last, _ := up.Last()
			if got := last.Header.Get("X-Consumer-Username"); tc.user != "" && got != tc.user {
				t.Errorf("consumer %q, want %q", got, tc.user)
			}
			if v := last.Header.Values("X-User-Roles"); len(v) > 0 {
				t.Errorf("forged claim header reached upstream: %q", v)
			}
			if v := last.Header.Values("X-Warden-Identity"); len(v) > 0 {
				t.Errorf("forged identity assertion reached upstream: %q", v)
			}
		})
	}
}

// TestEndToEndUnderFailure (issue #13 items 7-10): a JWKS server that
// stops answering costs concurrent unknown-kid requests one shared fetch
// deadline, not one timeout each in turn; a hanging introspection
// endpoint costs one timeout per error_ttl_ms, not one per request; a jti
// with control bytes never reaches X-Credential-Identifier; a client's
// X-Warden-Identity never reaches the upstream, assertion on or off.
func TestEndToEndUnderFailure(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	enc := base64.RawURLEncoding.EncodeToString
	jwks, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{"kty": "RSA", "kid": "k1", "use": "sig",
		"n": enc(rsaKey.N.Bytes()), "e": enc(big.NewInt(int64(rsaKey.E)).Bytes())}}})
	var hang atomic.Bool
	var jwksHits, introHits atomic.Int32
	stop := make(chan struct{})
	wait := func(r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/introspect" {
			introHits.Add(1)
			wait(r) // hangs always
			return
		}
		jwksHits.Add(1)
		if hang.Load() {
			wait(r)
			return
		}
		_, _ = w.Write(jwks)
	}))
	t.Cleanup(func() { close(stop); idp.Close() })
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-auth")
	up := harnesstest.NewEchoUpstream(t)
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	yml := strings.NewReplacer("UPSTREAM", up.URL, "IDP", idp.URL).Replace(`
_format_version: "3.0"
services:
  - name: s
    url: UPSTREAM
    routes:
      - name: jwt
        paths: ["/jwt"]
        plugins:
          - name: warden-auth
            config:
              http: {allow_http: true, timeout_ms: 1000}
              issuers:
                - issuer: IDP
                  algorithms: [RS256]
                  jwks_url: IDP/jwks
                  unknown_kid_refetch_sec: 1
      - name: intro
        paths: ["/intro"]
        plugins:
          - name: warden-auth
            config:
              http: {allow_http: true, timeout_ms: 1500}
              introspection: {endpoint: IDP/introspect, client_id: gw, client_secret: s}
`)
	g := harnesstest.StartGateway(t, harness.Options{Config: []byte(yml), PluginDir: dir, Log: logs})
	token := func(key *rsa.PrivateKey, kid string, mod func(jwt.MapClaims)) string {
		c := jwt.MapClaims{"iss": idp.URL, "sub": "alice", "exp": time.Now().Add(5 * time.Minute).Unix(), "iat": time.Now().Unix()}
		if mod != nil {
			mod(c)
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("forged X-Warden-Identity dropped without assertion", func(t *testing.T) {
		resp, _ := do(t, g.URL()+"/jwt", "Authorization", "Bearer "+token(rsaKey, "k1", nil), "X-Warden-Identity", "forged")
		last, _ := up.Last()
		if resp.StatusCode != 200 || len(last.Header.Values("X-Warden-Identity")) > 0 {
			t.Fatalf("status %d, upstream X-Warden-Identity %q", resp.StatusCode, last.Header.Values("X-Warden-Identity"))
		}
		g.WaitLogs()
		e := g.Calls(resp.Header.Get("X-Kong-Request-Id"))
		if n := e.Count(harnesstest.Runner("warden-auth"), "kong.service.request.set_headers"); n != 1 {
			t.Errorf("set_headers called %d times, want the one write that also sets the consumer headers", n)
		}
	})

	t.Run("jti with control bytes falls back to the hashed identifier", func(t *testing.T) {
		for _, jti := range []string{"jtiq\r\nX-Injected: 1", "jtiq\x00def", "tab\there", "del\x7f"} {
			resp, _ := do(t, g.URL()+"/jwt", "Authorization", "Bearer "+token(rsaKey, "k1", func(c jwt.MapClaims) { c["jti"] = jti }))
			last, _ := up.Last()
			if resp.StatusCode != 200 {
				t.Fatalf("jti %q: status %d", jti, resp.StatusCode)
			}
			if id := last.Header.Get("X-Credential-Identifier"); !strings.HasPrefix(id, "sha256:") || last.Header.Get("X-Injected") != "" {
				t.Errorf("jti %q: upstream X-Credential-Identifier %q, X-Injected %q", jti, id, last.Header.Get("X-Injected"))
			}
		}
		resp, _ := do(t, g.URL()+"/jwt", "Authorization", "Bearer "+token(rsaKey, "k1", func(c jwt.MapClaims) { c["jti"] = "plain-id" }))
		if last, _ := up.Last(); resp.StatusCode != 200 || last.Header.Get("X-Credential-Identifier") != "jti:plain-id" {
			t.Errorf("clean jti: %d %q", resp.StatusCode, last.Header.Get("X-Credential-Identifier"))
		}
	})

	t.Run("concurrent unknown kids share one JWKS fetch", func(t *testing.T) {
		time.Sleep(1100 * time.Millisecond) // past unknown_kid_refetch_sec since the last fetch
		hang.Store(true)
		before := jwksHits.Load()
		const n = 6
		var wg sync.WaitGroup
		status := make([]int, n)
		took := make([]time.Duration, n)
		start := time.Now()
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("GET", g.URL()+"/jwt", nil)
				req.Header.Set("Authorization", "Bearer "+token(otherKey, "k2", nil))
				resp, err := http.DefaultClient.Do(req)
				took[i] = time.Since(start)
				if err == nil {
					status[i] = resp.StatusCode
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		for i := range n {
			// One fetch deadline (1 s) and slack for a loaded host; waiting
			// in turn took 2, 3, ... 6 s.
			if status[i] != 401 || took[i] > 2500*time.Millisecond {
				t.Errorf("request %d: %d after %v, want 401 within one fetch deadline", i, status[i], took[i])
			}
		}
		if got := jwksHits.Load() - before; got != 1 {
			t.Errorf("%d unknown-kid requests made %d JWKS fetches, want 1", n, got)
		}
		logs.Await("unavailable from " + idp.URL + "/jwks")
	})

	t.Run("hanging introspection endpoint: one timeout, then 503 at once", func(t *testing.T) {
		for i := range 4 {
			t0 := time.Now()
			resp, _ := do(t, g.URL()+"/intro", "Authorization", "Bearer opaque-"+strconv.Itoa(i))
			if resp.StatusCode != 503 {
				t.Fatalf("request %d: status %d, want 503", i, resp.StatusCode)
			}
			if took := time.Since(t0); i > 0 && took > 700*time.Millisecond {
				t.Errorf("request %d waited %v after the endpoint failed", i, took)
			}
		}
		if got := introHits.Load(); got != 1 {
			t.Errorf("endpoint asked %d times, want 1 within error_ttl_ms", got)
		}
	})

	// "jtiq" cannot occur in a request id or any other hex the logs hold.
	if strings.Contains(logs.String(), "jtiq") {
		t.Error("a token's claim reached the log")
	}
}

// dpopProof makes a DPoP proof (RFC 9449) by key for method and URL,
// bound to token.
func dpopProof(t *testing.T, key *ecdsa.PrivateKey, method, url, token string) string {
	return dpopProofWith(t, key, method, url, token, nil)
}

// dpopProofWith makes a proof with extra claims.
func dpopProofWith(t *testing.T, key *ecdsa.PrivateKey, method, url, token string, extra map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	sum := sha256.Sum256([]byte(token))
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	c := jwt.MapClaims{"jti": enc(jti), "htm": method, "htu": url, "iat": time.Now().Unix(), "ath": enc(sum[:])}
	for k, v := range extra {
		c[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	raw, _ := key.PublicKey.Bytes()
	tok.Header["typ"] = "dpop+jwt"
	tok.Header["jwk"] = map[string]any{"kty": "EC", "crv": "P-256", "x": enc(raw[1:33]), "y": enc(raw[33:])}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jkt is the RFC 7638 thumbprint of a P-256 key.
func jkt(key *ecdsa.PrivateKey) string {
	enc := base64.RawURLEncoding.EncodeToString
	raw, _ := key.PublicKey.Bytes()
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + enc(raw[1:33]) + `","y":"` + enc(raw[33:]) + `"}`))
	return enc(sum[:])
}

// TestEndToEndDPoP: a DPoP-bound token is accepted with a proof by its
// key (the proof and token stripped before proxying), refused when the
// proof is replayed, made by another key, or the token is sent as
// Bearer; a DPoP request costs two PDK calls more than a Bearer one.
func TestEndToEndDPoP(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "\n", "\\n")
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-auth")
	up := harnesstest.NewEchoUpstream(t)
	yml := `
_format_version: "3.0"
services:
  - name: s
    url: ` + up.URL + `
    routes:
      - name: dpop
        paths: ["/dpop"]
        plugins:
          - name: warden-auth
            config:
              issuers:
                - issuer: https://idp.example
                  algorithms: [RS256]
                  public_keys: ["` + pubPEM + `"]
                  dpop: allowed
      - name: nonce
        paths: ["/nonce"]
        plugins:
          - name: warden-auth
            config:
              issuers:
                - issuer: https://idp.example
                  algorithms: [RS256]
                  public_keys: ["` + pubPEM + `"]
                  dpop: required
              dpop: {nonce_secret: "0123456789abcdef0123456789abcdef-nonce"}
`
	g := harnesstest.StartGateway(t, harness.Options{Config: []byte(yml), PluginDir: dir})
	client, thief := mustEC(t), mustEC(t)
	token := func(jkt string) string {
		c := jwt.MapClaims{"iss": "https://idp.example", "sub": "alice", "exp": time.Now().Add(5 * time.Minute).Unix(), "iat": time.Now().Unix()}
		if jkt != "" {
			c["cnf"] = map[string]any{"jkt": jkt}
		}
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(rsaKey)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	bound, plain := token(jkt(client)), token("")
	url := g.URL() + "/dpop/orders?page=1"
	htu := g.URL() + "/dpop/orders"

	proof := dpopProof(t, client, "GET", htu, bound)
	resp, _ := do(t, url, "Authorization", "DPoP "+bound, "DPoP", proof)
	if resp.StatusCode != 200 {
		t.Fatalf("DPoP request: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	last, _ := up.Last()
	if last.Header.Get("Authorization") != "" || last.Header.Get("DPoP") != "" {
		t.Errorf("credential reached the upstream: %v", last.Header)
	}
	g.WaitLogs()
	dpopCalls := g.Calls(resp.Header.Get("X-Kong-Request-Id")).Total[harnesstest.Runner("warden-auth")]

	resp, _ = do(t, url, "Authorization", "Bearer "+plain)
	if resp.StatusCode != 200 {
		t.Fatalf("Bearer request: %d", resp.StatusCode)
	}
	g.WaitLogs()
	bearerCalls := g.Calls(resp.Header.Get("X-Kong-Request-Id")).Total[harnesstest.Runner("warden-auth")]
	t.Logf("PDK calls: DPoP %d, Bearer %d", dpopCalls, bearerCalls)
	if dpopCalls > bearerCalls+2 {
		t.Errorf("a DPoP request made %d PDK calls, a Bearer one %d: more than 2 extra", dpopCalls, bearerCalls)
	}

	t.Run("server nonce", func(t *testing.T) {
		resp, _ := do(t, g.URL()+"/nonce", "Authorization", "DPoP "+bound, "DPoP", dpopProof(t, client, "GET", g.URL()+"/nonce", bound))
		nonce := resp.Header.Get("DPoP-Nonce")
		if resp.StatusCode != 401 || nonce == "" || !strings.HasSuffix(resp.Header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`) {
			t.Fatalf("proof without nonce: %d %q %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), nonce)
		}
		p := dpopProofWith(t, client, "GET", g.URL()+"/nonce", bound, map[string]any{"nonce": nonce})
		if resp, _ := do(t, g.URL()+"/nonce", "Authorization", "DPoP "+bound, "DPoP", p); resp.StatusCode != 200 {
			t.Fatalf("proof with the nonce: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})

	const proofErr = `DPoP realm="warden", algs="ES256 EdDSA PS256 RS256", error="invalid_dpop_proof"`
	const tokenErr = `DPoP realm="warden", algs="ES256 EdDSA PS256 RS256", error="invalid_token"`
	for _, tt := range []struct {
		name      string
		headers   []string
		challenge string
	}{
		{"replayed proof", []string{"Authorization", "DPoP " + bound, "DPoP", proof}, proofErr},
		{"stolen token, thief's key", []string{"Authorization", "DPoP " + bound, "DPoP", dpopProof(t, thief, "GET", htu, bound)}, tokenErr},
		{"bound token as Bearer", []string{"Authorization", "Bearer " + bound}, tokenErr},
		{"proof for another path", []string{"Authorization", "DPoP " + bound, "DPoP", dpopProof(t, client, "GET", g.URL()+"/dpop/admin", bound)}, proofErr},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := up.Count()
			resp, _ := do(t, url, tt.headers...)
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != tt.challenge || up.Count() != before {
				t.Errorf("got %d %q, want 401 %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tt.challenge)
			}
		})
	}
}

func mustEC(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestEndToEndDPoPReplayAcrossGateways: three gateway processes sharing
// Redis (dpop.replay: redis) accept each proof once, however the same
// proof is raced to all three. WARDEN_DPOP_REPLAYS sets the number of
// proofs (default 200; the goal is measured with 10000).
func TestEndToEndDPoPReplayAcrossGateways(t *testing.T) {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("WARDEN_DPOP_REPLAYS")); err == nil && v > 0 {
		n = v
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "\n", "\\n")
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-auth")
	up := harnesstest.NewEchoUpstream(t)
	prefix := "warden:e2e:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	yml := `
_format_version: "3.0"
services:
  - name: s
    url: ` + up.URL + `
    routes:
      - name: dpop
        paths: ["/dpop"]
        hosts: ["api.example"]
        plugins:
          - name: warden-auth
            config:
              issuers:
                - issuer: https://idp.example
                  algorithms: [RS256]
                  public_keys: ["` + pubPEM + `"]
                  dpop: required
              dpop:
                replay: redis
                redis: {addresses: ["127.0.0.1:6379"], key_prefix: "` + prefix + `", timeout_ms: 1000}
`
	var gws []*harness.Gateway
	for range 3 {
		gws = append(gws, harnesstest.StartGateway(t, harness.Options{Config: []byte(yml), PluginDir: dir}))
	}
	client := mustEC(t)
	c := jwt.MapClaims{"iss": "https://idp.example", "sub": "alice", "exp": time.Now().Add(30 * time.Minute).Unix(),
		"iat": time.Now().Unix(), "cnf": map[string]any{"jkt": jkt(client)}}
	token, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	// One Host for all three gateways, so one proof fits each of them.
	htu := "http://api.example/dpop/orders"
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var replayed, other atomic.Int64
	oks := make([]atomic.Int32, n) // 200s per proof
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range n {
		proof := dpopProof(t, client, "GET", htu, token)
		for _, g := range gws {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				req, _ := http.NewRequest("GET", g.URL()+"/dpop/orders", nil)
				req.Host = "api.example"
				req.Header.Set("Authorization", "DPoP "+token)
				req.Header.Set("DPoP", proof)
				resp, err := hc.Do(req)
				if err != nil {
					other.Add(1)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode == 200:
					oks[i].Add(1)
				case resp.StatusCode == 401 && strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_dpop_proof"):
					replayed.Add(1)
				default:
					other.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	var accepted int64 // replays accepted: 200s past the first of a proof
	for i := range oks {
		accepted += max(0, int64(oks[i].Load())-1)
	}
	t.Logf("%d proofs raced to 3 gateways: %d replays refused, %d replays accepted, %d other answers", n, replayed.Load(), accepted, other.Load())
	if accepted != 0 || other.Load() != 0 || replayed.Load() != int64(2*n) {
		t.Fatalf("replays accepted %d, refused %d of %d, other %d", accepted, replayed.Load(), 2*n, other.Load())
	}
}

// TestEndToEndCertificateBound: over the harness's HTTPS listener, which
// asks for client certificates as nginx does with ssl_verify_client
// optional_no_ca, a token bound to certificate A (cnf x5t#S256, RFC 8705)
// passes with A, and is refused with certificate B, with none, and over
// plain HTTP.
func TestEndToEndCertificateBound(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "\n", "\\n")
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-auth")
	up := harnesstest.NewEchoUpstream(t)
	yml := `
_format_version: "3.0"
services:
  - name: s
    url: ` + up.URL + `
    routes:
      - name: mtls
        paths: ["/mtls"]
        plugins:
          - name: warden-auth
            config:
              issuers:
                - issuer: https://idp.example
                  algorithms: [RS256]
                  public_keys: ["` + pubPEM + `"]
                  mtls_binding: required
`
	g := harnesstest.StartGateway(t, harness.Options{Config: []byte(yml), PluginDir: dir,
		ListenTLS: "127.0.0.1:0", TLSVerifyClient: "optional_no_ca"})
	certA, certB := clientCert(t), clientCert(t)
	sum := sha256.Sum256(certA.Certificate[0])
	c := jwt.MapClaims{"iss": "https://idp.example", "sub": "machine-1", "exp": time.Now().Add(5 * time.Minute).Unix(),
		"iat": time.Now().Unix(), "cnf": map[string]any{"x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:])}}
	token, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	get := func(base string, cert *tls.Certificate) int {
		tc := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the harness's self-signed certificate
		if cert != nil {
			tc.Certificates = []tls.Certificate{*cert}
		}
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
		defer hc.CloseIdleConnections()
		req, _ := http.NewRequest("GET", base+"/mtls", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tt := range []struct {
		name string
		base string
		cert *tls.Certificate
		want int
	}{
		{"the bound certificate", g.TLSURL(), &certA, 200},
		{"another certificate", g.TLSURL(), &certB, 401},
		{"no certificate", g.TLSURL(), nil, 401},
		{"plain HTTP", g.URL(), nil, 401},
	} {
		if got := get(tt.base, tt.cert); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

// clientCert is a self-signed client certificate and its key.
func clientCert(t *testing.T) tls.Certificate {
	certPEM, keyPEM, err := harness.SelfSignedCert("client.example")
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
