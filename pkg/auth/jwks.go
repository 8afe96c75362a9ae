package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
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
// most once per unknownKID interval counted from the end of the last
// fetch, so a flood of made-up kids costs the identity provider one
// request per interval. At most one fetch runs at a time: every request
// that needs one waits for the fetch under way (singleflight), and no
// wait outlasts that fetch's deadline (or the request's context). When
// the provider is down the last good set keeps serving.
type remoteKeys struct {
	f          *fetcher
	jwksURL    string // configured; empty with discovery
	issuer     string
	discovery  bool
	refresh    time.Duration
	minRefresh time.Duration
	maxRefresh time.Duration
	unknownKID time.Duration
	budget     time.Duration // deadline of one fetch, discovery included
	now        func() time.Time
	logf       func(format string, args ...any)

	set atomic.Pointer[keySet]

	mu          sync.Mutex // guards the fields below
	inflight    *flight    // the fetch under way, nil when none
	lastEnd     time.Time  // end of the last fetch; zero before the first
	lastUnknown time.Time  // end of the last fetch an unknown kid waited for
	lastLog     time.Time  // last failure logged
	suppressed  int        // failures not logged since lastLog
	resolved    string     // jwks_uri found by discovery
	fetches     int        // fetch attempts, for tests and diagnostics
	startOnce   sync.Once
	manual      bool // tests: no background refresher
}

// flight is one fetch that any number of requests wait for. Its fields
// are written before done is closed.
type flight struct {
	done     chan struct{}
	deadline time.Time // wall clock: the fetch ends by then
	unknown  bool      // an unknown kid waits for it (guarded by mu)
	next     time.Duration
	err      error
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
			budget:     fetchBudget(hs, is.Discovery),
			now:        time.Now,
			logf:       log.Printf,
		}, nil
	})
}

// fetchBudget is the deadline of one fetch: one request timeout, two
// with discovery (the document, then the key set).
func fetchBudget(hs HTTPSettings, discovery bool) time.Duration {
	d := time.Duration(hs.TimeoutMS) * time.Millisecond
	if discovery {
		d *= 2
	}
	return d
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
		fl := r.inflight
		if fl == nil {
			fl = r.startFetchLocked()
		}
		r.mu.Unlock()
		<-fl.done
		time.Sleep(fl.next)
	}
}

// keys returns the candidate keys for a token's kid and alg. It fetches
// when there is no set yet, or when kid is unknown and the last fetch
// ended longer ago than the unknown-kid interval; a fetch already under
// way is waited for instead.
func (r *remoteKeys) keys(ctx context.Context, kid, alg string, dst []verifyKey) ([]verifyKey, error) {
	r.start()
	if c := r.set.Load().candidates(kid, alg, dst); len(c) > 0 {
		return c, nil
	}
	r.mu.Lock()
	// A fetch may have ended while this request waited for the lock.
	if c := r.set.Load().candidates(kid, alg, dst); len(c) > 0 {
		r.mu.Unlock()
		return c, nil
	}
	have := r.set.Load() != nil
	fl := r.inflight
	if fl == nil {
		// No set yet: a provider that just failed is not asked again
		// before the interval. An unknown kid: at most one refetch per
		// interval, counted from the end of the last one.
		last := r.lastEnd
		if have {
			last = r.lastUnknown
		}
		if !last.IsZero() && r.now().Sub(last) < r.unknownKID {
			r.mu.Unlock()
			if !have {
				return dst, ErrKeysUnavailable
			}
			return dst, nil
		}
		fl = r.startFetchLocked()
	}
	fl.unknown = fl.unknown || have
	r.mu.Unlock()
	if err := fl.wait(ctx); err != nil {
		if r.set.Load() == nil {
			return dst, fmt.Errorf("%w: %v", ErrKeysUnavailable, err)
		}
		return dst, nil // the last good set has no such key
	}
	ks := r.set.Load()
	if ks == nil {
		return dst, fmt.Errorf("%w: %v", ErrKeysUnavailable, fl.err)
	}
	return ks.candidates(kid, alg, dst), nil
}

// fetchGrace is how long a waiter waits past the fetch's deadline for
// the fetch to end by it and record its outcome.
const fetchGrace = 100 * time.Millisecond

// wait blocks until the fetch ends, its deadline passes or ctx is done.
func (fl *flight) wait(ctx context.Context) error {
	t := time.NewTimer(time.Until(fl.deadline) + fetchGrace)
	defer t.Stop()
	select {
	case <-fl.done:
		return nil
	case <-t.C:
		return errFetchWait
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errFetchWait ends a wait that reached the fetch's deadline.
var errFetchWait = fmt.Errorf("key fetch did not end in time")

// startFetchLocked starts a fetch that requests can share. The fetch
// runs apart from any request, so one request giving up does not cancel
// it for the others; it ends by its own deadline.
func (r *remoteKeys) startFetchLocked() *flight {
	fl := &flight{done: make(chan struct{}), deadline: time.Now().Add(r.budget)}
	r.inflight = fl
	r.fetches++
	go func() {
		ctx, cancel := context.WithDeadline(context.Background(), fl.deadline)
		next, url, err := r.fetch(ctx)
		cancel()
		fl.next, fl.err = next, err
		r.mu.Lock()
		r.inflight = nil
		r.lastEnd = r.now()
		if fl.unknown {
			r.lastUnknown = r.lastEnd
		}
		if err != nil {
			r.logFailureLocked(url, err)
		}
		r.mu.Unlock()
		close(fl.done)
	}()
	return fl
}

// logFailureLocked logs a failed fetch with the URL and the reason, at
// most once per unknown-kid interval, counting the lines it drops. The
// URL and the error come from the config and the provider, never from a
// request: no token reaches the log.
func (r *remoteKeys) logFailureLocked(url string, err error) {
	now := r.now()
	if !r.lastLog.IsZero() && now.Sub(r.lastLog) < r.unknownKID {
		r.suppressed++
		return
	}
	var more string
	if r.suppressed > 0 {
		more = fmt.Sprintf(" (%d more failures since the last line)", r.suppressed)
	}
	r.lastLog, r.suppressed = now, 0
	r.logf("warden-auth: keys of issuer %q unavailable from %s: %v%s", r.issuer, url, err, more)
}

// fetch fetches the set (discovering its URL first if needed) and
// returns when to refresh next and the URL it failed at. On failure the
// last good set stays. Only one fetch runs at a time (the flight), so it
// alone touches resolved.
func (r *remoteKeys) fetch(ctx context.Context) (time.Duration, string, error) {
	url := r.jwksURL
	if r.discovery {
		if r.resolved == "" {
			u, err := r.discover(ctx)
			if err != nil {
				return r.unknownKID, r.discoveryURL(), err
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
		return r.unknownKID, url, err
	}
	ks, err := parseJWKS(resp.body, maxJWKSKeys)
	if err != nil {
		return r.unknownKID, url, err
	}
	r.set.Store(ks)
	return r.interval(resp.maxAge), url, nil
}

// interval turns a Cache-Control max-age into the refresh interval.
func (r *remoteKeys) interval(maxAge time.Duration) time.Duration {
	if maxAge == 0 {
		return r.refresh
	}
	return min(max(maxAge, r.minRefresh), r.maxRefresh)
}

// discoveryURL is where the issuer's OIDC discovery document lives.
func (r *remoteKeys) discoveryURL() string {
	return strings.TrimSuffix(r.issuer, "/") + "/.well-known/openid-configuration"
}

// discover reads the OIDC discovery document (OpenID Connect Discovery
// 1.0 section 4) and returns its jwks_uri. The document's issuer must be
// exactly the configured one (section 4.3).
func (r *remoteKeys) discover(ctx context.Context) (string, error) {
	resp, err := r.f.get(ctx, r.discoveryURL())
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
