package ratelimit

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/warden-gw/warden/pkg/config"
)

// storeLimiter makes a local-only sliding window limiter of one limit on
// r's store for ns, with r's clock.
func storeLimiter(t *testing.T, r *stores, clock *fakeClock, ns string, lim Limit) *Limiter {
	t.Helper()
	l, err := r.newLimiter(Options{Algorithm: SlidingWindow, Limits: []Limit{lim}, Now: clock.Now}, ns)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// allowed decides one request of identifier on l.
func allowed(l *Limiter, identifier string) bool {
	return l.Decide(context.Background(), identifier, 1).Allowed
}

// waitUsers collects garbage until the cleanups of the unreachable
// limiters have run: the store for k has want users.
func waitUsers(t *testing.T, r *stores, k storeKey, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		r.mu.Lock()
		e := r.m[k]
		r.mu.Unlock()
		if e == nil {
			t.Fatalf("store %v is gone while waiting for its users", k)
		}
		r.mu.Lock()
		n := e.users
		r.mu.Unlock()
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("store %v has %d users after 10 s of collections, want %d", k, n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// usedOnce counts one request of "x" on a new limiter of r's store for
// ns, then lets the limiter go, as go-pdk drops an idle instance, and
// waits for the store to count no user. It returns the store.
func usedOnce(t *testing.T, r *stores, clock *fakeClock, ns string, lim Limit) *Local {
	t.Helper()
	l := storeLimiter(t, r, clock, ns, lim)
	if !allowed(l, "x") {
		t.Fatal("first request refused")
	}
	store := l.local // l is dead from here on: the collector may take it
	waitUsers(t, r, storeKey{SlidingWindow, ns}, 0)
	return store
}

// held reports whether r holds a store for k.
func held(r *stores, k storeKey) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[k] != nil
}

// TestStoreInUseSurvivesSweeps: a store with a live limiter is never
// removed, even swept empty, and its unexpired counts stay; the store
// the limiter writes to is the registry's, so a new instance shares it.
func TestStoreInUseSurvivesSweeps(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(epochHour)
	r := &stores{now: clock.Now}
	lim := storeLimiter(t, r, clock, "a", PerHour(1))
	if !allowed(lim, "x") {
		t.Fatal("first request refused")
	}
	clock.Add(30 * time.Minute)
	if r.sweep() != 1 || lim.local.entries.Len() != 1 {
		t.Fatalf("after a sweep within the hour: %d stores, %d entries; want 1, 1", r.len(), lim.local.entries.Len())
	}
	if allowed(lim, "x") {
		t.Error("a sweep forgot an unexpired count")
	}
	// Every count expired: the store is empty, and still the one in use.
	clock.Add(3 * time.Hour)
	if r.sweep() != 1 || lim.local.entries.Len() != 0 {
		t.Fatalf("after every expiry: %d stores, %d entries; want 1, 0", r.len(), lim.local.entries.Len())
	}
	other := storeLimiter(t, r, clock, "a", PerHour(1))
	if other.local != lim.local {
		t.Fatal("a store in use was removed: a new instance counts apart")
	}
	if !allowed(lim, "y") || allowed(other, "y") {
		t.Error("two live limiters of one namespace do not share counts")
	}
}

// TestStoreOutlivesItsUsers: go-pdk drops an instance idle for 60 s and
// Kong starts a new one with the same config; a store without users
// still holding counts must survive, or waiting would reset a client's
// counters.
func TestStoreOutlivesItsUsers(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(epochHour)
	r := &stores{now: clock.Now}
	k := storeKey{SlidingWindow, "b"}
	usedOnce(t, r, clock, k.ns, PerHour(1))
	clock.Add(61 * time.Second)
	r.sweep()
	if !held(r, k) {
		t.Fatal("a store without users but with unexpired counts was removed")
	}
	again := storeLimiter(t, r, clock, k.ns, PerHour(1))
	if allowed(again, "x") {
		t.Error("the new instance forgot the count of the expired one")
	}
}

// TestPolicyCountersOutliveIdleExpiry is TestStoreOutlivesItsUsers
// through Compile and the process's stores.
func TestPolicyCountersOutliveIdleExpiry(t *testing.T) {
	t.Parallel()
	ns := fmt.Sprintf("idle%d", time.Now().UnixNano())
	compile := func() *Policy {
		t.Helper()
		c, err := config.Load[Config]([]byte(`{"policy":"local","limit_by":["ip"],"namespace":"` + ns + `","limits":[{"window":"hour","limit":1}]}`))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(c)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	req := Request{IP: "192.0.2.203"} // used by no other test
	p := compile()
	if p.Decide(context.Background(), req).Refuse {
		t.Fatal("first request refused")
	}
	p = nil
	k := storeKey{SlidingWindow, ns}
	waitUsers(t, localStores, k, 0)
	localStores.sweep()
	if !compile().Decide(context.Background(), req).Refuse {
		t.Error("a policy compiled after the instance expired forgot its count")
	}
}

// TestUnusedEmptyStoreIsRemoved: once no limiter uses a store and its
// counts have expired, a sweep removes it; asked for again, it is new.
func TestUnusedEmptyStoreIsRemoved(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(epochHour)
	r := &stores{now: clock.Now}
	old := usedOnce(t, r, clock, "c", PerMinute(1))
	// The count matters for two periods (Local.step's keep).
	clock.Add(119 * time.Second)
	if r.sweep() != 1 {
		t.Fatal("a store with an unexpired count was removed")
	}
	clock.Add(time.Second)
	if n := r.sweep(); n != 0 || r.len() != 0 {
		t.Fatalf("unused store with every count expired: %d stores left, want 0", n)
	}
	if storeLimiter(t, r, clock, "c", PerMinute(1)).local == old {
		t.Error("a removed store came back")
	}
}

// TestUnusedPolicyStoreIsRemoved is TestUnusedEmptyStoreIsRemoved through
// Compile and the process's stores: a config that counted nothing and
// whose instance is gone leaves nothing behind.
func TestUnusedPolicyStoreIsRemoved(t *testing.T) {
	t.Parallel()
	ns := fmt.Sprintf("gone%d", time.Now().UnixNano())
	c, err := config.Load[Config]([]byte(`{"policy":"local","namespace":"` + ns + `","limits":[{"window":"hour","limit":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	if !held(localStores, storeKey{SlidingWindow, ns}) {
		t.Fatal("Compile made no store")
	}
	runtime.KeepAlive(p)
	// Other tests sweep localStores too: whichever sweep comes after the
	// cleanup removes the store.
	eventually(t, "the store of a gone instance that counted nothing is removed", func() bool {
		runtime.GC()
		localStores.sweep()
		return !held(localStores, storeKey{SlidingWindow, ns})
	})
}

// TestSweepFreesLiveStore: expired counts leave a store in use, so an
// idle store does not keep its memory.
func TestSweepFreesLiveStore(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(epochHour)
	r := &stores{now: clock.Now}
	lim := storeLimiter(t, r, clock, "d", PerMinute(1))
	allowed(lim, "old") // expires at 120 s
	clock.Add(90 * time.Second)
	allowed(lim, "new") // 30 s into the second window: expires at 180 s
	clock.Add(31 * time.Second)
	r.sweep()
	if n := lim.local.entries.Len(); n != 1 {
		t.Fatalf("store holds %d entries after the sweep, want 1 (the unexpired one)", n)
	}
	if allowed(lim, "new") { // the previous window still weighs 59/60
		t.Error("the sweep dropped an unexpired count")
	}
}

// TestJanitor: the janitor starts with the first store, sweeps on its
// own, and stops once the registry is empty. Not parallel: it shortens
// sweepEvery.
func TestJanitor(t *testing.T) {
	defer func(d time.Duration) { sweepEvery = d }(sweepEvery)
	sweepEvery = 10 * time.Millisecond
	clock := newFakeClock(epochHour)
	r := &stores{now: clock.Now}
	lim := storeLimiter(t, r, clock, "e", PerMinute(1))
	allowed(lim, "x")
	clock.Add(3 * time.Minute)
	eventually(t, "the janitor sweeps a live store", func() bool { return lim.local.entries.Len() == 0 })
	lim = nil
	eventually(t, "the janitor removes an unused empty store and stops", func() bool {
		runtime.GC() // runs the limiter's cleanup
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.m) == 0 && !r.running
	})
}

// eventually waits up to 10 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
	}
}
