package ratelimit

import (
	"runtime"
	"sync"
	"time"
)

// localStores holds the in-process counters (policy local, and the local
// fallback), one store per algorithm and namespace, shared by the
// limiters compiled with them.
//
// Kong restarts every instance whose config it rebuilt, and go-pdk drops
// an instance idle for 60 s (server/instance.go expireInstances), Kong
// starting a new one with the same config on the next request: a store
// must outlive its instances while it holds counts, or waiting would reset
// a client's counters. A store goes once no limiter uses it and every
// count in it has expired: nothing could tell it from a new one then.
var localStores = &stores{}

// sweepEvery is how often the janitor sweeps the stores (TestJanitor
// shortens it).
var sweepEvery = time.Minute

type storeKey struct {
	alg Algorithm
	ns  string
}

type storeEntry struct {
	local *Local
	users int // limiters holding local whose cleanup has not run
}

// stores is a registry of Local stores counting their users. A janitor
// goroutine, running while the registry holds a store, drops expired
// entries from every store and removes the stores no one uses that are
// left empty.
type stores struct {
	// now is the clock of the stores made (time.Now if nil).
	now func() time.Time

	mu      sync.Mutex
	m       map[storeKey]*storeEntry
	running bool // a janitor runs
}

// newLimiter is New with o.Local the store for o.Algorithm and ns, which
// counts the limiter as a user until the limiter becomes unreachable.
func (r *stores) newLimiter(o Options, ns string) (*Limiter, error) {
	var u storeUse
	o.Local, u = r.acquire(o.Algorithm, ns)
	l, err := New(o)
	if err != nil {
		u.release()
		return nil, err
	}
	// The limiter holds the store (l.local, l.o.Local): unreachable, it
	// can count nothing more. u does not reach l.
	runtime.AddCleanup(l, storeUse.release, u)
	return l, nil
}

// storeUse is one limiter's use of a store.
type storeUse struct {
	r *stores
	k storeKey
}

// acquire returns the store for alg and ns, made on first use (or again
// once removed), counted as used until u.release.
func (r *stores) acquire(alg Algorithm, ns string) (*Local, storeUse) {
	k := storeKey{alg, ns}
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.m[k]
	if e == nil {
		if r.m == nil {
			r.m = map[storeKey]*storeEntry{}
		}
		e = &storeEntry{local: NewLocal(alg, 0, r.now)}
		r.m[k] = e
		if !r.running {
			r.running = true
			go r.janitor(sweepEvery)
		}
	}
	e.users++
	return e.local, storeUse{r, k}
}

// release counts one user of u's store less. It runs on the runtime's
// cleanup goroutine: it must not block for long.
func (u storeUse) release() {
	u.r.mu.Lock()
	defer u.r.mu.Unlock()
	if e := u.r.m[u.k]; e != nil {
		e.users--
	}
}

// janitor sweeps every period until the registry is empty.
func (r *stores) janitor(period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for range t.C {
		if r.sweep() == 0 {
			r.mu.Lock()
			// A store made since the sweep is left to this janitor.
			if len(r.m) == 0 {
				r.running = false
				r.mu.Unlock()
				return
			}
			r.mu.Unlock()
		}
	}
}

// sweep drops the expired entries of every store, removes the stores
// without users or entries, and returns how many stores are left. The
// stores are swept without the registry's lock, so compiling an instance
// never waits for a sweep.
func (r *stores) sweep() int {
	r.mu.Lock()
	all := make([]*storeEntry, 0, len(r.m))
	for _, e := range r.m {
		all = append(all, e)
	}
	r.mu.Unlock()
	for _, e := range all {
		e.local.sweep()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, e := range r.m {
		// Without users nothing writes to the store, so an entry left
		// now stays until a sweep drops it. Len counts the entries that
		// expired since the sweep too: they wait for the next one.
		if e.users == 0 && e.local.entries.Len() == 0 {
			delete(r.m, k)
		}
	}
	return len(r.m)
}

// len returns how many stores the registry holds.
func (r *stores) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}
