package ratelimit

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testBackend builds the client the plugin would, unshared.
func testBackend(t testing.TB, addr string, timeout time.Duration) *Backend {
	t.Helper()
	var rc RedisConfig
	rc.SetDefaults()
	rc.Addresses = []string{addr}
	rc.TimeoutMS = int(timeout.Milliseconds())
	c, err := NewClient(rc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &Backend{Client: c, Breaker: NewBreaker(3, 200*time.Millisecond, nil)}
}

func newTestLimiter(t *testing.T, b *Backend, onErr OnError, limits ...Limit) *Limiter {
	t.Helper()
	l, err := New(Options{
		Algorithm: FixedWindow, Limits: limits, Redis: NewRedis(b.Client, uniquePrefix(t), FixedWindow),
		Timeout: 50 * time.Millisecond, OnError: onErr, Breaker: b.Breaker, RememberOverLimit: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func uniquePrefix(t testing.TB) string {
	_, p := testRedis(t)
	return p
}

// TestRoundTrips counts commands on a Redis of the test's own: one script
// call decides three windows, none for a key known to be over its limit.
func TestRoundTrips(t *testing.T) {
	s := startRedis(t, 0)
	b := testBackend(t, s.Addr, time.Second)
	admin := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer admin.Close()
	l := newTestLimiter(t, b, OnErrorDeny, PerSecond(1000), PerMinute(1000), PerHour(3))
	ctx := context.Background()
	l.Decide(ctx, "warm", 1) // loads the script (EVALSHA, then EVAL)
	before := commandCalls(t, admin, "evalsha") + commandCalls(t, admin, "eval")
	for i := 0; i < 3; i++ {
		if d := l.Decide(ctx, "u", 1); !d.Allowed || d.Source != SourceRedis {
			t.Fatalf("request %d: %+v", i, d)
		}
	}
	if d := l.Decide(ctx, "u", 1); d.Allowed || d.Source != SourceRedis {
		t.Fatalf("fourth request: allowed=%v source=%s", d.Allowed, d.Source)
	}
	after := commandCalls(t, admin, "evalsha") + commandCalls(t, admin, "eval")
	if got := after - before; got != 4 {
		t.Errorf("%d script calls for 4 decisions of 3 windows, want 4", got)
	}
	for i := 0; i < 5; i++ {
		d := l.Decide(ctx, "u", 1)
		if d.Allowed || d.Source != SourceKnownOver || d.RetryAfter() <= 0 {
			t.Fatalf("known over limit: allowed=%v source=%s retry=%v", d.Allowed, d.Source, d.RetryAfter())
		}
	}
	if got := commandCalls(t, admin, "evalsha") + commandCalls(t, admin, "eval") - after; got != 0 {
		t.Errorf("%d script calls for identifiers known over their limit, want 0", got)
	}
	if n := l.Count(SourceKnownOver); n != 5 {
		t.Errorf("known-over count %d, want 5", n)
	}
}

func TestOutageModes(t *testing.T) {
	t.Parallel()
	closed := "127.0.0.1:" + itoa(freePort(t)) // nothing listens
	tests := []struct {
		mode    OnError
		allowed []bool
		source  Source
	}{
		{mode: OnErrorAllow, allowed: []bool{true, true, true}, source: SourceFallbackAllow},
		{mode: OnErrorDeny, allowed: []bool{false, false, false}, source: SourceFallbackDeny},
		{mode: OnErrorLocal, allowed: []bool{true, true, false}, source: SourceFallbackLocal},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			t.Parallel()
			b := testBackend(t, closed, 50*time.Millisecond)
			l := newTestLimiter(t, b, tt.mode, PerHour(2))
			for i, want := range tt.allowed {
				d := l.Decide(context.Background(), "u", 1)
				if d.Allowed != want || d.Source != tt.source || d.Err == nil {
					t.Fatalf("request %d: allowed=%v source=%s err=%v, want %v %s", i, d.Allowed, d.Source, d.Err, want, tt.source)
				}
			}
			if n := l.Count(tt.source); n != 3 {
				t.Errorf("counted %d fallback decisions, want 3", n)
			}
			// Three failures opened the breaker: no more dials.
			d := l.Decide(context.Background(), "u", 1)
			if !errors.Is(d.Err, ErrCircuitOpen) {
				t.Errorf("fourth decision error %v, want the open breaker", d.Err)
			}
		})
	}
}

// TestRedisDiesAndReturns kills a Redis under load, in each outage mode:
// every decision comes back within the timeout plus 50 ms (scheduling
// slack: the test shares two cores with whatever else runs) with the mode's
// answer, the breaker skips the dead server, no goroutine is left behind,
// and decisions return to Redis within three seconds of its return (a
// probe every 200 ms cooldown; on a loaded host one can time out).
func TestRedisDiesAndReturns(t *testing.T) {
	for _, tt := range []struct {
		mode    OnError
		source  Source
		allowed bool
	}{
		{mode: OnErrorAllow, source: SourceFallbackAllow, allowed: true},
		{mode: OnErrorDeny, source: SourceFallbackDeny, allowed: false},
		{mode: OnErrorLocal, source: SourceFallbackLocal, allowed: true},
	} {
		t.Run(string(tt.mode), func(t *testing.T) {
			redisDiesAndReturns(t, tt.mode, tt.source, tt.allowed)
		})
	}
}

func redisDiesAndReturns(t *testing.T, mode OnError, source Source, allowed bool) {
	s := startRedis(t, 0)
	const timeout = 50 * time.Millisecond
	b := testBackend(t, s.Addr, timeout)
	defer b.Client.Close()
	l := newTestLimiter(t, b, mode, PerHour(1_000_000))
	ctx := context.Background()
	// The first call loads the script; on a busy machine (make test) it
	// can miss the 50 ms timeout once: a healthy Redis answers within a
	// second.
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		d := l.Decide(ctx, "u", 1)
		if d.Source == SourceRedis {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("healthy Redis: source %s (%v)", d.Source, d.Err)
		}
	}
	goroutines := runtime.NumGoroutine()
	s.Stop()

	var mu sync.Mutex
	var slowest time.Duration
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				start := time.Now()
				d := l.Decide(ctx, "u", 1)
				took := time.Since(start)
				mu.Lock()
				slowest = max(slowest, took)
				mu.Unlock()
				// A decision already under way when Redis died may still
				// have been answered by it.
				if d.Source != SourceRedis && (d.Allowed != allowed || d.Source != source) {
					t.Errorf("during outage: allowed=%v source=%s, want %v %s", d.Allowed, d.Source, allowed, source)
				}
			}
		}()
	}
	wg.Wait()
	if bound := timeout + 50*time.Millisecond; slowest > bound {
		t.Errorf("slowest decision during the outage took %s, bound %s", slowest, bound)
	}
	if l.Count(source) == 0 {
		t.Error("no fallback decision counted")
	}

	startRedis(t, s.port)
	back := time.Now()
	for d := l.Decide(ctx, "u", 1); d.Source != SourceRedis; d = l.Decide(ctx, "u", 1) {
		if time.Since(back) > 3*time.Second {
			t.Fatalf("not back on Redis within 3s of its return: last decision %s, %v", d.Source, d.Err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Client.Close()
	// go-redis's pool goroutines end with the client.
	for i := 0; runtime.NumGoroutine() > goroutines && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after the outage, %d before", n, goroutines)
	}
}

func TestBreaker(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(epochHour)
	b := NewBreaker(2, time.Second, clock.Now)
	fail := errors.New("down")
	for i := 0; i < 2; i++ {
		if !b.Allow() {
			t.Fatalf("closed breaker refused call %d", i)
		}
		b.Done(fail)
	}
	if b.Allow() || !b.Open() {
		t.Fatal("breaker not open after 2 failures")
	}
	clock.Add(time.Second)
	if !b.Allow() {
		t.Fatal("no probe after the cooldown")
	}
	if b.Allow() {
		t.Fatal("second probe while the first is out")
	}
	b.Done(fail)
	if b.Allow() {
		t.Fatal("failed probe did not reopen the breaker")
	}
	clock.Add(time.Second)
	if !b.Allow() {
		t.Fatal("no probe after the second cooldown")
	}
	b.Done(nil)
	if !b.Allow() || b.Open() {
		t.Fatal("successful probe did not close the breaker")
	}
}

func TestLocalPolicyNeedsNoRedis(t *testing.T) {
	t.Parallel()
	l, err := New(Options{Algorithm: GCRA, Limits: []Limit{PerHour(2)}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, true, false} {
		if d := l.Decide(context.Background(), "u", 1); d.Allowed != want || d.Source != SourceLocal {
			t.Fatalf("request %d: allowed=%v source=%s", i, d.Allowed, d.Source)
		}
	}
	// A tier of 2× doubles the limit.
	for i, want := range []bool{true, true, true, true, false} {
		if d := l.Decide(context.Background(), "gold", 2); d.Allowed != want {
			t.Fatalf("gold request %d: allowed=%v", i, d.Allowed)
		}
	}
}

func itoa(n int) string { return fmtInt(int64(n)) }
