package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warden-gw/warden/pkg/pool"
)

// maxJWKSKeys bounds how many keys of one JWKS are kept.
const maxJWKSKeys = 64

// remoteKeys is an issuer's key set fetched from a JWKS URL, found
// directly or through OIDC discovery. Requests read the last good set
// without locking; a background goroutine refreshes it on the interval
// the response's Cache-Control asks for, within configured bounds. When a
// token names a kid the set lacks, the set is refetched at once, but at
// most once per unknownKID interval, so a flood of made-up kids costs
// the identity provider one request per interval. When the provider is
// down the last good set keeps serving.
type remoteKeys struct {
	f          *fetcher
	jwksURL    string // configured; empty with discovery
	issuer     string
	discovery  bool
	refresh    time.Duration
	minRefresh time.Duration
	maxRefresh time.Duration
	unknownKID time.Duration
	now        func() time.Time

	set atomic.Pointer[keySet]

	mu          sync.Mutex // serializes fetches; guards the fields below
	lastAttempt time.Time  // any fetch
	lastUnknown time.Time  // last fetch caused by an unknown kid
	resolved    string     // jwks_uri found by discovery
	fetches     int        // fetch attempts, for tests and diagnostics
	startOnce   sync.Once
	manual      bool // tests: no background refresher
}

// remoteSettings is everything that makes two remote key sources differ.
type remoteSettings struct {
	JWKSURL, Issuer               string
	Discovery                     bool
	Refresh, Min, Max, UnknownKID int
	HTTP                          HTTPSettings
}

var remotes = pool.New[*remoteKeys]()

// newRemoteKeys returns the process-wide key source for the issuer's
// settings; a config change that keeps them keeps the cached keys.
func newRemoteKeys(is *Issuer, hs HTTPSettings, f *fetcher) (*remoteKeys, error) {
	s := remoteSettings{is.JWKSURL, is.Issuer, is.Discovery, is.JWKSRefreshSec,
		is.JWKSMinRefreshSec, is.JWKSMaxRefreshSec, is.UnknownKIDRefetchSec, hs}
	return remotes.Get(s, func() (*remoteKeys, error) {
		return &remoteKeys{
			f:          f,
			jwksURL:    is.JWKSURL,
			issuer:     is.Issuer,
			discovery:  is.Discovery,
			refresh:    time.Duration(is.JWKSRefreshSec) * time.Second,
			minRefresh: time.Duration(is.JWKSMinRefreshSec) * time.Second,
			maxRefresh: time.Duration(is.JWKSMaxRefreshSec) * time.Second,
			unknownKID: time.Duration(is.UnknownKIDRefetchSec) * time.Second,
			now:        time.Now,
		}, nil
	})
}

// start launches the background refresher once. The source lives as long
// as the process (it is pooled), so the goroutine never stops.
func (r *remoteKeys) start() {
	if !r.manual {
		r.startOnce.Do(func() { go r.loop() })
	}
}

func (r *remoteKeys) loop() {
	for {
		r.mu.Lock()
		next, _ := r.fetchLocked(context.Background())
		r.mu.Unlock()
		time.Sleep(next)
	}
}

// keys returns the candidate keys for a token's kid and alg. It fetches
// when there is no set yet, or when kid is unknown and the last fetch is
// older than the unknown-kid interval.
func (r *remoteKeys) keys(ctx context.Context, kid, alg string, dst []verifyKey) ([]verifyKey, error) {
	r.start()
	if c := r.set.Load().candidates(kid, alg, dst); len(c) > 0 {
		return c, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// Another request may have fetched while this one waited.
	if c := r.set.Load().candidates(kid, alg, dst); len(c) > 0 {
		return c, nil
	}
	now := r.now()
	if r.set.Load() == nil {
		// No keys yet: fetch, but retry a failing provider at most once
		// per interval rather than once per request.
		if r.lastAttempt.IsZero() || now.Sub(r.lastAttempt) >= r.unknownKID {
			if _, err := r.fetchLocked(ctx); err != nil {
				return dst, fmt.Errorf("%w: %v", ErrKeysUnavailable, err)
			}
			return r.set.Load().candidates(kid, alg, dst), nil
		}
		return dst, ErrKeysUnavailable
	}
	// An unknown kid may be a key the provider just rotated in.
	if r.lastUnknown.IsZero() || now.Sub(r.lastUnknown) >= r.unknownKID {
		r.lastUnknown = now
		_, _ = r.fetchLocked(ctx) // on failure the last good set stays
		return r.set.Load().candidates(kid, alg, dst), nil
	}
	return dst, nil
}

// fetchLocked fetches the set (discovering its URL first if needed) and
// returns when to refresh next. On failure the last good set stays.
func (r *remoteKeys) fetchLocked(ctx context.Context) (time.Duration, error) {
	r.lastAttempt = r.now()
	r.fetches++
	url := r.jwksURL
	if r.discovery {
		if r.resolved == "" {
			u, err := r.discover(ctx)
			if err != nil {
				return r.unknownKID, err
			}
			r.resolved = u
		}
		url = r.resolved
	}
	resp, err := r.f.get(ctx, url)
	if err != nil {
		if r.discovery {
			r.resolved = "" // the provider may have moved its keys
		}
		return r.unknownKID, err
	}
	ks, err := parseJWKS(resp.body, maxJWKSKeys)
	if err != nil {
		return r.unknownKID, err
	}
	r.set.Store(ks)
	return r.interval(resp.maxAge), nil
}

// interval turns a Cache-Control max-age into the refresh interval.
func (r *remoteKeys) interval(maxAge time.Duration) time.Duration {
	if maxAge == 0 {
		return r.refresh
	}
	return min(max(maxAge, r.minRefresh), r.maxRefresh)
}

// discover reads the OIDC discovery document (OpenID Connect Discovery
// 1.0 section 4) and returns its jwks_uri. The document's issuer must be
// exactly the configured one (section 4.3).
func (r *remoteKeys) discover(ctx context.Context) (string, error) {
	u := strings.TrimSuffix(r.issuer, "/") + "/.well-known/openid-configuration"
	resp, err := r.f.get(ctx, u)
	if err != nil {
		return "", err
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return "", fmt.Errorf("%w: discovery document is not JSON", ErrUnexpectedResponse)
	}
	if doc.Issuer != r.issuer {
		return "", fmt.Errorf("%w: discovery document names another issuer", ErrUnexpectedResponse)
	}
	if err := checkURL(doc.JWKSURI, r.f.allowHTTP); err != nil {
		return "", fmt.Errorf("%w: jwks_uri: %v", ErrUnexpectedResponse, err)
	}
	return doc.JWKSURI, nil
}
