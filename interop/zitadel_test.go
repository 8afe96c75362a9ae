package interop

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// The example OP's fixed accounts (example/server/storage): the web client
// authenticates with client_secret_basic at the token, introspection and
// revocation endpoints; the service user sid1 may use client_credentials;
// the user logs in through the example's login form (username is
// "test-user@" and the issuer's host name).
const (
	webClient     = "web"
	webSecret     = "secret"
	serviceUser   = "sid1"
	serviceSecret = "verysecret"
	userID        = "id1"
	userPassword  = "verysecure"
	redirectURI   = "http://127.0.0.1/callback"
)

var registerOnce sync.Once

// provider is one running instance of zitadel/oidc's example OpenID
// Provider, counting the requests it serves by path (the test's own login
// flows aside, those are the gateway's: the test reads the discovery
// document once, before counting).
type provider struct {
	URL   string // the issuer, exactly the URL it is served on
	store *storage.Storage
	mu    sync.Mutex
	hits  map[string]int
	doc   map[string]any // discovery document, read once at start
}

// startProvider starts the example OP on a real loopback listener. With
// issuer empty its issuer is its own URL; otherwise it claims issuer
// while listening elsewhere (an impostor with its own signing key:
// storage.NewStorage generates one per instance).
func startProvider(t *testing.T, issuer string) *provider {
	t.Helper()
	// The example's clients live in a package-level map that every
	// storage shares; they must be registered before any storage is used.
	registerOnce.Do(func() {
		storage.RegisterClients(storage.WebClient(webClient, webSecret, redirectURI))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	if issuer == "" {
		issuer = base
	}
	p := &provider{URL: base, hits: map[string]int{}}
	p.store = storage.NewStorage(storage.NewUserStore(issuer))
	// A logger makes SetupServer replace slog's default (process-wide):
	// the example logs every request, which these tests need not see.
	router := exampleop.SetupServer(issuer, p.store, slog.New(slog.DiscardHandler), false)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hits[r.URL.Path]++
		p.mu.Unlock()
		router.ServeHTTP(w, r)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	p.doc = p.fetchDiscovery(t)
	p.mu.Lock()
	clear(p.hits) // count the gateway's requests only
	p.mu.Unlock()
	return p
}

// Hits is how many requests the OP served at path.
func (p *provider) Hits(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

// fetchDiscovery reads the OP's discovery document.
func (p *provider) fetchDiscovery(t *testing.T) map[string]any {
	t.Helper()
	resp, err := http.Get(p.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// endpoint is the path of one of the OP's endpoints, as its discovery
// document names it, resolved against the URL the OP listens on.
func (p *provider) endpoint(t *testing.T, name string) string {
	t.Helper()
	raw, _ := p.doc[name].(string)
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		t.Fatalf("discovery %s = %q", name, raw)
	}
	return p.URL + u.RequestURI()
}

// tokenResponse is the token endpoint's answer (RFC 6749 5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// login runs the authorization code flow for the example user over HTTP,
// as a browser and the web client would: the authorization request, the
// example's login form, the callback, then the token request with the
// code. Redirects are followed by path on p's own listener, so an
// impostor claiming another issuer works the same.
func (p *provider) login(t *testing.T, scope string) tokenResponse {
	t.Helper()
	q := url.Values{"client_id": {webClient}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {scope}, "state": {"st"}, "nonce": {"n0"}}
	loc := p.step(t, "GET", p.endpoint(t, "authorization_endpoint")+"?"+q.Encode(), nil)
	authReq := loc.Query().Get("authRequestID")
	if authReq == "" {
		t.Fatalf("authorization request redirected to %s", loc)
	}
	host, _, _ := strings.Cut(strings.TrimPrefix(p.issuer(t), "http://"), ":")
	loc = p.step(t, "POST", p.URL+"/login/username", url.Values{"id": {authReq},
		"username": {"test-user@" + host}, "password": {userPassword}})
	loc = p.step(t, "GET", p.URL+loc.RequestURI(), nil)
	code := loc.Query().Get("code")
	if code == "" || loc.Query().Get("state") != "st" {
		t.Fatalf("callback redirected to %s", loc)
	}
	return p.token(t, webClient, webSecret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirectURI}})
}

// issuer is the issuer p claims, from its discovery document.
func (p *provider) issuer(t *testing.T) string {
	t.Helper()
	iss, _ := p.doc["issuer"].(string)
	return iss
}

// step sends one request of the login flow and returns where it
// redirects to.
func (p *provider) step(t *testing.T, method, target string, form url.Values) *url.URL {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s %s: %d %s", method, target, resp.StatusCode, b)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// token posts a token request, authenticating with client_secret_basic.
func (p *provider) token(t *testing.T, client, secret string, form url.Values) tokenResponse {
	t.Helper()
	var tr tokenResponse
	p.post(t, p.endpoint(t, "token_endpoint"), client, secret, form, &tr)
	return tr
}

// post sends a form with client_secret_basic (RFC 6749 2.3.1: id and
// secret form-encoded first) and decodes a 200 JSON answer into out.
func (p *provider) post(t *testing.T, target, client, secret string, form url.Values, out any) {
	t.Helper()
	req, _ := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(client), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", target, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("POST %s: %v in %s", target, err, b)
		}
	}
}

// revoke revokes a token at the OP's revocation endpoint (RFC 7009).
func (p *provider) revoke(t *testing.T, token string) {
	t.Helper()
	p.post(t, p.endpoint(t, "revocation_endpoint"), webClient, webSecret, url.Values{"token": {token}, "token_type_hint": {"access_token"}}, nil)
}

// introspect asks the OP itself about a token, as the web client.
func (p *provider) introspect(t *testing.T, token string) map[string]any {
	t.Helper()
	var out map[string]any
	p.post(t, p.endpoint(t, "introspection_endpoint"), webClient, webSecret, url.Values{"token": {token}}, &out)
	return out
}

// String names the provider in failure messages.
func (p *provider) String() string { return fmt.Sprintf("example OP at %s", p.URL) }
