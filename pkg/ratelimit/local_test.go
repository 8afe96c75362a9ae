package ratelimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/pkg/config"
)

// fakeClock is a settable clock for local state.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var epochHour = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func TestLocalAlgorithms(t *testing.T) {
	t.Parallel()
	type step struct {
		at      time.Duration // since epochHour
		cost    int64
		allowed bool
		remain  int64
		retry   time.Duration // checked when refused and set
	}
	tests := []struct {
		name   string
		alg    Algorithm
		limits []Limit
		steps  []step
	}{
		{
			name: "fixed window resets at the boundary", alg: FixedWindow, limits: []Limit{PerMinute(2)},
			steps: []step{
				{at: 59 * time.Second, cost: 1, allowed: true, remain: 1},
				{at: 59 * time.Second, cost: 1, allowed: true, remain: 0},
				{at: 59 * time.Second, cost: 1, allowed: false, remain: 0, retry: time.Second},
				{at: 60 * time.Second, cost: 1, allowed: true, remain: 1},
			},
		},
		{
			name: "sliding window weighs the previous window", alg: SlidingWindow, limits: []Limit{PerMinute(10)},
			steps: []step{
				{at: 59 * time.Second, cost: 10, allowed: true, remain: 0},
				// 45 s into the next window: weight 10 × 15/60 = 2.5.
				{at: 105 * time.Second, cost: 7, allowed: true, remain: 0},
				// Weight must drop to 2: at 48 s, 3 s from now.
				{at: 105 * time.Second, cost: 1, allowed: false, remain: 0, retry: 3 * time.Second},
				// 51 s in: weight 1.5, 7 counted: 1 left.
				{at: 111 * time.Second, cost: 1, allowed: true, remain: 0},
			},
		},
		{
			name: "gcra burst and spacing", alg: GCRA, limits: []Limit{PerSecond(4).WithBurst(2)},
			steps: []step{
				{at: 0, cost: 1, allowed: true, remain: 1},
				{at: 0, cost: 1, allowed: true, remain: 0},
				{at: 0, cost: 1, allowed: false, remain: 0, retry: 250 * time.Millisecond},
				{at: 250 * time.Millisecond, cost: 1, allowed: true, remain: 0},
				{at: 1 * time.Second, cost: 2, allowed: true, remain: 0},
				{at: 1 * time.Second, cost: 3, allowed: false, remain: 0},
			},
		},
		{
			name: "refusal by one limit consumes none", alg: FixedWindow, limits: []Limit{PerSecond(1), PerMinute(3)},
			steps: []step{
				{at: 0, cost: 1, allowed: true, remain: 0},
				{at: 100 * time.Millisecond, cost: 1, allowed: false},
				{at: 200 * time.Millisecond, cost: 1, allowed: false},
				{at: 1 * time.Second, cost: 1, allowed: true},
				{at: 2 * time.Second, cost: 1, allowed: true},
				{at: 3 * time.Second, cost: 1, allowed: false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock(epochHour)
			l := NewLocal(tt.alg, 0, clock.Now)
			for i, s := range tt.steps {
				clock.Set(epochHour.Add(s.at))
				res := l.Decide("k", tt.limits, s.cost, false)
				if res.Allowed != s.allowed {
					t.Fatalf("step %d: allowed=%v, want %v (%+v)", i, res.Allowed, s.allowed, res.States)
				}
				if !s.allowed && s.retry != 0 && res.RetryAfter() != s.retry {
					t.Fatalf("step %d: retry after %s, want %s", i, res.RetryAfter(), s.retry)
				}
				if s.allowed && res.States[0].Remaining != s.remain {
					t.Fatalf("step %d: remaining %d, want %d", i, res.States[0].Remaining, s.remain)
				}
			}
		})
	}
}

func TestLocalBoundsKeys(t *testing.T) {
	t.Parallel()
	l := NewLocal(FixedWindow, 64, nil)
	for i := 0; i < 10_000; i++ {
		l.Decide(string(rune(i)), []Limit{PerHour(1)}, 1, false)
	}
	if n := l.entries.Len(); n > 64 {
		t.Errorf("local limiter holds %d identifiers, bound 64", n)
	}
}

// TestLocalMatchesRedis drives the Lua scripts and the Go algorithms
// through the same random sequence: they must agree on every decision.
func TestLocalMatchesRedis(t *testing.T) {
	t.Parallel()
	for _, alg := range []Algorithm{FixedWindow, SlidingWindow, GCRA} {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			c, prefix := testRedis(t)
			r := NewRedis(c, prefix, alg)
			limits := []Limit{PerMinute(20), PerHour(200)}
			start := windowStart(t, c, time.Hour)
			clock := newFakeClock(time.UnixMicro(start))
			l := NewLocal(alg, 0, clock.Now)
			rng := rand.New(rand.NewPCG(1, uint64(len(alg))))
			at := start
			for i := 0; i < 300; i++ {
				// Steps of 0 to 7 s, at odd microseconds so that no
				// weighted count lands on a whole number.
				at += rng.Int64N(7_000_000) + 333
				cost := rng.Int64N(3) + 1
				setClock(t, r, c, at)
				// Now and then a refused request consumes quota too.
				countRejected := i%7 == 3
				got, err := r.Decide(context.Background(), "k", limits, cost, countRejected)
				if err != nil {
					t.Fatal(err)
				}
				// The local limiter decides at the instant Redis did.
				clock.Set(got.At)
				want := l.Decide("k", limits, cost, countRejected)
				if got.Allowed != want.Allowed {
					t.Fatalf("step %d: redis allowed=%v, local %v", i, got.Allowed, want.Allowed)
				}
				for j := range limits {
					g, w := got.States[j], want.States[j]
					if g.Remaining != w.Remaining || g.Reset != w.Reset || g.RetryAfter != w.RetryAfter {
						t.Fatalf("step %d limit %d: redis %+v, local %+v", i, j, g, w)
					}
				}
			}
		})
	}
}

// TestLocalCountersOutliveTheInstance: Kong restarts an instance on any
// config change; a new policy compiled from the same config (same
// namespace) keeps counting where the old one stopped, as with Redis, and
// one with other limits counts apart.
func TestLocalCountersOutliveTheInstance(t *testing.T) {
	t.Parallel()
	route := freshRoute()
	cfg := func(limit int) *Config {
		// No namespace: the default one is a digest of the route and the
		// limits.
		raw := fmt.Sprintf(`{"policy":"local","limit_by":["ip"],"limits":[{"window":"hour","limit":%d}]}`, limit)
		c, err := config.Load[Config]([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		c.SetScope(route, "")
		return c
	}
	decide := func(p *Policy) bool {
		return !p.Decide(context.Background(), Request{IP: "192.0.2.201"}).Refuse // used by no other test
	}
	first, err := Compile(cfg(1))
	if err != nil {
		t.Fatal(err)
	}
	if !decide(first) {
		t.Fatal("first request refused")
	}
	again, err := Compile(cfg(1))
	if err != nil {
		t.Fatal(err)
	}
	if decide(again) {
		t.Error("a restarted instance forgot the count")
	}
	other, err := Compile(cfg(2))
	if err != nil {
		t.Fatal(err)
	}
	if !decide(other) || !decide(other) || decide(other) {
		t.Error("a config with other limits does not count apart")
	}
}

// TestCountersPerScope is issue #13 item 13: by default counters belong
// to the instance's route and service, as Kong's rate-limiting keys them
// (kong/plugins/rate-limiting/policies/init.lua get_local_key), so two
// routes with equal configs count apart; the same scope compiled again
// (Kong restarting the instance) keeps its count; a namespace shares
// counters across scopes.
func TestCountersPerScope(t *testing.T) {
	t.Parallel()
	compile := func(route, service, ns string) *Policy {
		t.Helper()
		c, err := config.Load[Config]([]byte(`{"policy":"local","limit_by":["ip"],"namespace":"` + ns + `","limits":[{"window":"hour","limit":1}]}`))
		if err != nil {
			t.Fatal(err)
		}
		c.SetScope(route, service)
		p, err := Compile(c)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	allowed := func(p *Policy) bool {
		return !p.Decide(context.Background(), Request{IP: "192.0.2.202"}).Refuse // used by no other test
	}
	ns := fmt.Sprintf("scope%d", time.Now().UnixNano())
	routeA := compile("route-a-"+ns, "svc-"+ns, "")
	if !allowed(routeA) || allowed(routeA) {
		t.Fatal("route a: want one request, then a refusal")
	}
	if allowed(compile("route-a-"+ns, "svc-"+ns, "")) {
		t.Error("route a restarted: forgot its count")
	}
	if !allowed(compile("route-b-"+ns, "svc-"+ns, "")) {
		t.Error("route b with an equal config shares route a's counter")
	}
	if !allowed(compile("", "svc-"+ns, "")) {
		t.Error("an instance on the service shares route a's counter")
	}
	// A namespace is the opt-in to sharing, whatever the scope.
	if !allowed(compile("route-a-"+ns, "svc-"+ns, ns)) {
		t.Fatal("namespaced route a: first request refused")
	}
	if allowed(compile("route-b-"+ns, "svc-"+ns, ns)) {
		t.Error("namespaced route b does not share route a's counter")
	}
}

// freshRoute returns a route id no other test (nor another -count run of
// the same one) uses, so counters in the process-wide local stores start
// at zero.
func freshRoute() string { return fmt.Sprintf("%016x", rand.Uint64()) }
