package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/pkg/auth"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/identity"
)

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
)

// startIdP serves a demo IdP on a real loopback listener, its issuer
// being its own URL.
func startIdP(t *testing.T) (*IdP, string) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	idp, err := NewIdP(issuer, []string{"orders", "admin"}, 5*time.Minute, rsaKey, ecKey)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return idp, issuer
}

// wardenAuth is warden-auth configured as kong/kong.yml configures it
// for the orders service, with the IdP at issuer.
func wardenAuth(t *testing.T, issuer string, opts ...auth.Option) *auth.Authenticator {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{
		"issuers": []any{map[string]any{
			"issuer": issuer, "discovery": true, "algorithms": []string{"RS256", "ES256"},
			"audiences": []string{"orders"}, "types": []string{"at+jwt"},
		}},
		"http": map[string]any{"allow_http": true},
	})
	cfg, err := config.Load[auth.Config](raw)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// fetchToken asks the IdP for a token over HTTP, the way the README does.
func fetchToken(t *testing.T, issuer, user, alg string, post bool) string {
	t.Helper()
	form := url.Values{"user": {user}}
	if alg != "" {
		form.Set("alg", alg)
	}
	var resp *http.Response
	var err error
	if post {
		resp, err = http.PostForm(issuer+"/token", form)
	} else {
		req, _ := http.NewRequest(http.MethodGet, issuer+"/token?"+form.Encode(), nil)
		req.Header.Set("Accept", "text/plain")
		resp, err = http.DefaultClient.Do(req)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token for %s: %d %s", user, resp.StatusCode, body)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	if !post {
		return strings.TrimSpace(string(body))
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.TokenType != "Bearer" || tr.ExpiresIn != 300 {
		t.Errorf("token response %+v", tr)
	}
	return tr.AccessToken
}

func TestTokensVerifyWithWardenAuth(t *testing.T) {
	_, issuer := startIdP(t)
	a := wardenAuth(t, issuer)
	tests := []struct {
		user   string
		alg    string
		post   bool
		scopes []string
		roles  []string
	}{
		{user: "alice", post: true, scopes: []string{"orders:read", "orders:write"}},
		{user: "alice", alg: "ES256", scopes: []string{"orders:read", "orders:write"}},
		{user: "bob", alg: "RS256", scopes: []string{"orders:read"}},
		{user: "bob", alg: "ES256", post: true, scopes: []string{"orders:read"}},
		{user: "ops", roles: []string{"admin"}},
		{user: "ops", alg: "ES256", post: true, roles: []string{"admin"}},
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.alg, func(t *testing.T) {
			tok := fetchToken(t, issuer, tt.user, tt.alg, tt.post)
			res, d := a.Authenticate(context.Background(), auth.Request{Headers: map[string][]string{"authorization": {"Bearer " + tok}}})
			if d != nil {
				t.Fatalf("warden-auth refused the IdP's token: %v", d)
			}
			id := res.Identity
			if id.Subject != tt.user || id.Issuer != issuer || id.Method != identity.MethodJWT {
				t.Errorf("identity %+v", id)
			}
			if !slices.Equal(id.Scopes, tt.scopes) || !slices.Equal(id.Roles, tt.roles) {
				t.Errorf("scopes %v roles %v, want %v %v", id.Scopes, id.Roles, tt.scopes, tt.roles)
			}
		})
	}
}

// TestTokensAreShortLived: a token is refused once its exp (plus
// warden-auth's default 30 s leeway) has passed.
func TestTokensAreShortLived(t *testing.T) {
	_, issuer := startIdP(t)
	tok := fetchToken(t, issuer, "alice", "", true)
	later := wardenAuth(t, issuer, auth.WithTimeFunc(func() time.Time { return time.Now().Add(5*time.Minute + 31*time.Second) }))
	_, d := later.Authenticate(context.Background(), auth.Request{Headers: map[string][]string{"authorization": {"Bearer " + tok}}})
	if d == nil || !errors.Is(d, auth.ErrExpired) {
		t.Fatalf("after exp: %v, want %v", d, auth.ErrExpired)
	}
}

// TestOtherIssuerRefused: warden-auth configured for another IdP (its own
// keys) refuses this IdP's tokens.
func TestOtherIssuerRefused(t *testing.T) {
	_, issuer := startIdP(t)
	_, other := startIdP(t)
	tok := fetchToken(t, issuer, "alice", "", true)
	_, d := wardenAuth(t, other).Authenticate(context.Background(), auth.Request{Headers: map[string][]string{"authorization": {"Bearer " + tok}}})
	if d == nil || !errors.Is(d, auth.ErrUnknownIssuer) {
		t.Fatalf("token of another issuer: %v, want %v", d, auth.ErrUnknownIssuer)
	}
}

func TestDiscoveryAndJWKS(t *testing.T) {
	idp, issuer := startIdP(t)
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
		Token   string `json:"token_endpoint"`
	}
	getJSON(t, issuer+discoveryPath, &disc)
	if disc.Issuer != issuer || disc.JWKSURI != issuer+jwksPath || disc.Token != issuer+tokenPath {
		t.Errorf("discovery %+v", disc)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	resp := getJSON(t, disc.JWKSURI, &set)
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=300" {
		t.Errorf("JWKS Cache-Control %q", got)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("%d keys, want 2", len(set.Keys))
	}
	for i, want := range []struct{ kty, alg string }{{"RSA", "RS256"}, {"EC", "ES256"}} {
		k := set.Keys[i]
		if k["kty"] != want.kty || k["alg"] != want.alg || k["use"] != "sig" || k["kid"] != idp.keys[i].kid {
			t.Errorf("key %d: %v", i, k)
		}
		if _, private := k["d"]; private {
			t.Errorf("key %d publishes its private part", i)
		}
	}
}

func TestTokenRequestErrors(t *testing.T) {
	_, issuer := startIdP(t)
	tests := []struct {
		name   string
		method string
		query  string
		status int
		code   string
	}{
		{"unknown user", http.MethodPost, "user=mallory", http.StatusBadRequest, "invalid_grant"},
		{"no user", http.MethodGet, "", http.StatusBadRequest, "invalid_grant"},
		{"alg none", http.MethodGet, "user=alice&alg=none", http.StatusBadRequest, "invalid_request"},
		{"HS256", http.MethodPost, "user=alice&alg=HS256", http.StatusBadRequest, "invalid_request"},
		{"wrong method", http.MethodPut, "user=alice", http.StatusMethodNotAllowed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, issuer+tokenPath+"?"+tt.query, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.code == "" {
				return
			}
			var e struct {
				Error string `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error != tt.code {
				t.Errorf("error %q (%v), want %q", e.Error, err, tt.code)
			}
		})
	}
}

func TestLoadKeysFromFiles(t *testing.T) {
	startIdP(t) // generates the keys
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	sec1, _ := x509.MarshalECPrivateKey(ecKey)
	noGen := func() (*ecdsa.PrivateKey, error) { return nil, errors.New("generated") }
	for _, p := range []string{write("ec8.pem", "PRIVATE KEY", pkcs8), write("ec1.pem", "EC PRIVATE KEY", sec1)} {
		k, err := loadOrGenerate(p, noGen)
		if err != nil || !k.Equal(ecKey) {
			t.Errorf("%s: %v", p, err)
		}
	}
	rsaPath := write("rsa.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))
	if k, err := loadOrGenerate(rsaPath, func() (*rsa.PrivateKey, error) { return nil, errors.New("generated") }); err != nil || !k.Equal(rsaKey) {
		t.Errorf("rsa: %v", err)
	}
	if _, err := loadOrGenerate(rsaPath, noGen); err == nil || !strings.Contains(err.Error(), "wrong key type") {
		t.Errorf("RSA file as EC key: %v", err)
	}
	if _, err := loadOrGenerate(filepath.Join(dir, "missing.pem"), noGen); err == nil {
		t.Error("missing file accepted")
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if _, err := NewIdP("http://x", nil, time.Minute, small, ecKey); err == nil {
		t.Error("1024-bit RSA key accepted")
	}
}

func getJSON(t *testing.T, u string, v any) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
	return resp
}
