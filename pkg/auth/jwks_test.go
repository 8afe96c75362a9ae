package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// idp is a real local identity provider: discovery document and JWKS,
// with key rotation and an outage switch.
type idp struct {
	srv          *httptest.Server
	mu           sync.Mutex
	keys         []map[string]any
	down         atomic.Bool
	jwksHits     atomic.Int32
	cacheControl string
	issuer       string // discovery's issuer; defaults to the server URL
}

func newIDP(t *testing.T, keys ...map[string]any) *idp {
	t.Helper()
	p := &idp{keys: keys}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			iss := p.issuer
			if iss == "" {
				iss = p.srv.URL
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "jwks_uri": p.srv.URL + "/jwks"})
		case "/jwks":
			p.jwksHits.Add(1)
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.cacheControl != "" {
				w.Header().Set("Cache-Control", p.cacheControl)
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"keys": p.keys})
		case "/big":
			_, _ = w.Write([]byte(`{"keys":[` + strings.Repeat(" ", 1<<20) + `]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) rotate(keys ...map[string]any) {
	p.mu.Lock()
	p.keys = keys
	p.mu.Unlock()
}

func discoveryConfig(issuer string) map[string]any {
	return map[string]any{
		"http":    map[string]any{"allow_http": true, "timeout_ms": 2000},
		"issuers": []any{map[string]any{"issuer": issuer, "algorithms": []string{"RS256", "ES256"}, "discovery": true}},
	}
}

func TestDiscoveryAndRotation(t *testing.T) {
	testKeys(t)
	p := newIDP(t, jwkOf(&rsaA.PublicKey, "k1"))
	a := newAuth(t, discoveryConfig(p.srv.URL))
	claims := func() jwt.MapClaims {
		c := goodClaims()
		c["iss"] = p.srv.URL
		return c
	}
	ctx := context.Background()
	if _, d := a.Authenticate(ctx, bearer(sign(t, jwt.SigningMethodRS256, rsaA, "k1", claims()))); d != nil {
		t.Fatalf("token with discovered key refused: %v", d)
	}
	// The provider rotates to a new key: a token naming the new kid makes
	// the set refetch at once (first unknown kid).
	p.rotate(jwkOf(&rsaA.PublicKey, "k1"), jwkOf(&ecA.PublicKey, "k2"))
	if _, d := a.Authenticate(ctx, bearer(sign(t, jwt.SigningMethodES256, ecA, "k2", claims()))); d != nil {
		t.Fatalf("token with rotated-in key refused: %v", d)
	}
	// The provider goes down: the last good keys keep serving.
	p.down.Store(true)
	c := claims()
	c["jti"] = "another"
	if _, d := a.Authenticate(ctx, bearer(sign(t, jwt.SigningMethodRS256, rsaA, "k1", c))); d != nil {
		t.Fatalf("last good keys not used while the provider is down: %v", d)
	}
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	testKeys(t)
	p := newIDP(t, jwkOf(&rsaA.PublicKey, "k1"))
	p.issuer = "https://someone-else.example"
	a := newAuth(t, discoveryConfig(p.srv.URL))
	c := goodClaims()
	c["iss"] = p.srv.URL
	_, d := a.Authenticate(context.Background(), bearer(sign(t, jwt.SigningMethodRS256, rsaA, "k1", c)))
	if d == nil || d.Reason != ReasonKeysUnavailable || d.Status != 503 {
		t.Fatalf("got %v, want %s/503", d, ReasonKeysUnavailable)
	}
}

// manualKeys builds a key source with a controlled clock and no
// background refresher.
func manualKeys(t *testing.T, url string, now *time.Time) *remoteKeys {
	t.Helper()
	f, err := newFetcher(HTTPSettings{TimeoutMS: 2000, MaxResponseBytes: 64 << 10, AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	return &remoteKeys{f: f, jwksURL: url, refresh: time.Minute, minRefresh: 10 * time.Second,
		maxRefresh: time.Hour, unknownKID: 30 * time.Second, budget: 2 * time.Second,
		now: func() time.Time { return *now }, logf: t.Logf, manual: true}
}

func TestUnknownKIDRefetchIsRateLimited(t *testing.T) {
	testKeys(t)
	p := newIDP(t, jwkOf(&rsaA.PublicKey, "k1"))
	now := testNow
	r := manualKeys(t, p.srv.URL+"/jwks", &now)
	ctx := context.Background()
	if k, err := r.keys(ctx, "k1", "RS256", nil); err != nil || len(k) != 1 {
		t.Fatalf("first fetch: %v %v", k, err)
	}
	for i := 0; i < 50; i++ {
		if k, err := r.keys(ctx, "made-up", "RS256", nil); err != nil || len(k) != 0 {
			t.Fatalf("unknown kid: %v %v", k, err)
		}
	}
	// The initial fetch, then one refetch for the first unknown kid.
	if got := p.jwksHits.Load(); got != 2 {
		t.Fatalf("50 unknown kids within the interval cost %d fetches, want 1 refetch (2 in all)", got-1)
	}
	now = now.Add(31 * time.Second)
	_, _ = r.keys(ctx, "made-up", "RS256", nil)
	if got := p.jwksHits.Load(); got != 3 {
		t.Fatalf("after the interval: %d fetches, want 3", got)
	}
}

func TestKeysUnavailableWhenNeverFetched(t *testing.T) {
	p := newIDP(t)
	p.down.Store(true)
	now := testNow
	r := manualKeys(t, p.srv.URL+"/jwks", &now)
	_, err := r.keys(context.Background(), "k1", "RS256", nil)
	if !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("got %v, want ErrKeysUnavailable", err)
	}
	// Within the interval no new request is made and the answer stays.
	_, err = r.keys(context.Background(), "k1", "RS256", nil)
	if !errors.Is(err, ErrKeysUnavailable) || r.fetches != 1 {
		t.Fatalf("got %v after %d fetches", err, r.fetches)
	}
}

func TestFetchLimits(t *testing.T) {
	p := newIDP(t)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p.srv.URL+"/jwks", http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	f, _ := newFetcher(HTTPSettings{TimeoutMS: 1000, MaxResponseBytes: 64 << 10})
	fHTTP, _ := newFetcher(HTTPSettings{TimeoutMS: 1000, MaxResponseBytes: 64 << 10, AllowHTTP: true})
	ctx := context.Background()
	if _, err := f.get(ctx, p.srv.URL+"/jwks"); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("plain http without allow_http: %v", err)
	}
	if _, err := fHTTP.get(ctx, p.srv.URL+"/big"); !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("oversized body: %v", err)
	}
	if _, err := fHTTP.get(ctx, redirect.URL); !errors.Is(err, ErrUnexpectedResponse) {
		t.Errorf("redirect followed: %v", err)
	}
}

func TestCacheControlBounds(t *testing.T) {
	r := &remoteKeys{refresh: 5 * time.Minute, minRefresh: time.Minute, maxRefresh: time.Hour}
	for _, tt := range []struct {
		cc   string
		want time.Duration
	}{
		{"", 5 * time.Minute},
		{"max-age=1", time.Minute},
		{"public, max-age=600", 10 * time.Minute},
		{"max-age=999999", time.Hour},
		{"no-store", time.Minute},
		{"max-age=abc", 5 * time.Minute},
	} {
		if got := r.interval(maxAge(tt.cc)); got != tt.want {
			t.Errorf("Cache-Control %q: %v, want %v", tt.cc, got, tt.want)
		}
	}
}

// hangingJWKS is a real JWKS server that serves kid "k1" until hang is
// set, then accepts requests and never answers them.
type hangingJWKS struct {
	srv  *httptest.Server
	hang atomic.Bool
	hits atomic.Int32
	stop chan struct{}
}

func newHangingJWKS(t *testing.T) *hangingJWKS {
	t.Helper()
	h := &hangingJWKS{stop: make(chan struct{})}
	body, _ := json.Marshal(map[string]any{"keys": []any{jwkOf(&rsaA.PublicKey, "k1")}})
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.hits.Add(1)
		if h.hang.Load() {
			select {
			case <-h.stop:
			case <-r.Context().Done():
			}
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(func() { close(h.stop); h.srv.Close() })
	return h
}

// TestUnknownKIDWaitersShareOneFetch: with a JWKS server that stops
// answering and an unknown-kid interval no longer than the request
// timeout, concurrent requests for an unknown kid wait for one shared
// fetch and all end by its deadline (they used to refetch in turn under
// the lock: 1, 2, ... 6 timeouts). The interval counts from the fetch's
// end, and a request's own deadline ends its wait earlier.
func TestUnknownKIDWaitersShareOneFetch(t *testing.T) {
	testKeys(t)
	h := newHangingJWKS(t)
	const timeout = time.Second
	f, err := newFetcher(HTTPSettings{TimeoutMS: int(timeout / time.Millisecond), MaxResponseBytes: 64 << 10, AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	var logMu sync.Mutex
	var logs []string
	r := &remoteKeys{f: f, jwksURL: h.srv.URL + "/jwks", issuer: "https://idp.example", refresh: time.Minute,
		minRefresh: 10 * time.Second, maxRefresh: time.Hour, unknownKID: timeout, budget: timeout, now: time.Now,
		logf: func(format string, args ...any) {
			logMu.Lock()
			logs = append(logs, fmt.Sprintf(format, args...))
			logMu.Unlock()
		}, manual: true}
	ctx := context.Background()
	if k, err := r.keys(ctx, "k1", "RS256", nil); err != nil || len(k) != 1 {
		t.Fatalf("first fetch: %v %v", k, err)
	}
	time.Sleep(timeout) // the unknown-kid interval since that fetch passes
	h.hang.Store(true)
	before := h.hits.Load()

	const waiters = 6
	var wg sync.WaitGroup
	took := make([]time.Duration, waiters)
	start := time.Now()
	for i := range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := r.keys(ctx, "rotated-in", "RS256", nil)
			took[i] = time.Since(start)
			if err != nil || len(k) != 0 {
				t.Errorf("waiter %d: %v %v", i, k, err)
			}
		}()
	}
	wg.Wait()
	if got := h.hits.Load() - before; got != 1 {
		t.Errorf("%d concurrent unknown-kid requests made %d fetches, want 1 shared", waiters, got)
	}
	for i, d := range took {
		// One fetch deadline, plus scheduling slack far below a second one.
		if d > timeout+timeout*8/10 {
			t.Errorf("waiter %d ended after %v, want within one fetch deadline (%v)", i, d, timeout)
		}
	}
	// The interval counts from the end of the failed fetch: right after
	// it, an unknown kid does not ask the hanging server again.
	if _, err := r.keys(ctx, "rotated-in", "RS256", nil); err != nil {
		t.Fatal(err)
	}
	if got := h.hits.Load() - before; got != 1 {
		t.Errorf("refetched %d times within the interval after the failed fetch, want 1 in all", got)
	}
	// The failure is logged with the URL and the reason.
	logMu.Lock()
	if len(logs) != 1 || !strings.Contains(logs[0], h.srv.URL+"/jwks") || !(strings.Contains(logs[0], "deadline") || strings.Contains(logs[0], "timeout")) {
		t.Errorf("failure log %q, want one line naming the URL and the reason", logs)
	}
	logMu.Unlock()

	// A request whose own deadline is shorter stops waiting at it.
	time.Sleep(timeout)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	if _, err := r.keys(short, "rotated-in", "RS256", nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > timeout/2 {
		t.Errorf("a request with a 100ms deadline waited %v", d)
	}
}

// TestFetchFailureLoggedOncePerInterval: a JWKS URL that fails is logged
// with the URL and the reason, once per interval however often it fails.
func TestFetchFailureLoggedOncePerInterval(t *testing.T) {
	p := newIDP(t)
	p.down.Store(true)
	now := testNow
	r := manualKeys(t, p.srv.URL+"/jwks", &now)
	r.issuer = "https://idp.example"
	var logs []string
	r.logf = func(format string, args ...any) { logs = append(logs, fmt.Sprintf(format, args...)) }
	fetch := func() {
		r.mu.Lock()
		fl := r.startFetchLocked()
		r.mu.Unlock()
		<-fl.done
	}
	fetch()
	fetch() // the background refresher and an unknown kid, within one interval
	if len(logs) != 1 || !strings.Contains(logs[0], p.srv.URL+"/jwks") || !strings.Contains(logs[0], "503") ||
		!strings.Contains(logs[0], `"https://idp.example"`) {
		t.Fatalf("logs %q, want one line with the issuer, URL and status", logs)
	}
	now = now.Add(31 * time.Second)
	fetch()
	if len(logs) != 2 || !strings.Contains(logs[1], "1 more failures") {
		t.Fatalf("after the interval: %q", logs)
	}
}
