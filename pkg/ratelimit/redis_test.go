package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const testRedisAddr = "127.0.0.1:6379"

var testPrefixSeq atomic.Int64

// testRedis returns a client for the shared test Redis and a key prefix
// unique to the test, deleting the test's keys at the end.
func testRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: testRedisAddr, MaxRetries: -1})
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("test Redis at %s: %v", testRedisAddr, err)
	}
	prefix := fmt.Sprintf("warden-test:%d:%d:%d:", time.Now().UnixNano(), testPrefixSeq.Add(1), len(t.Name()))
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		c.Close()
	})
	return c, prefix
}

// setClock points the store's clock (Redis TIME plus offset) at the
// absolute time at, in microseconds since the epoch.
func setClock(t testing.TB, r *Redis, c redis.Cmdable, at int64) {
	t.Helper()
	now, err := c.Time(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	r.offset = time.Duration(at-now.UnixMicro()) * time.Microsecond
}

// windowStart returns the start, in microseconds, of the window of period
// that follows the current Redis time by a few windows.
func windowStart(t testing.TB, c redis.Cmdable, period time.Duration) int64 {
	now, err := c.Time(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	p := period.Microseconds()
	return (now.UnixMicro()/p + 3) * p
}

func decide(t testing.TB, r *Redis, id string, limits []Limit, cost int64) Result {
	t.Helper()
	res, err := r.Decide(context.Background(), id, limits, cost, false)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestFixedWindowBoundary(t *testing.T) {
	t.Parallel()
	c, prefix := testRedis(t)
	r := NewRedis(c, prefix, FixedWindow)
	limits := []Limit{PerHour(5)}
	w := windowStart(t, c, time.Hour)
	ms := int64(time.Millisecond / time.Microsecond)
	// Two seconds before the window ends: five pass, the sixth waits for
	// the end.
	setClock(t, r, c, w+3600_000*ms-2000*ms)
	for i := 0; i < 5; i++ {
		res := decide(t, r, "u", limits, 1)
		if !res.Allowed || res.States[0].Remaining != int64(4-i) {
			t.Fatalf("request %d: allowed=%v remaining=%d, want true %d", i, res.Allowed, res.States[0].Remaining, 4-i)
		}
	}
	res := decide(t, r, "u", limits, 1)
	if res.Allowed {
		t.Fatal("sixth request in the window allowed")
	}
	if ra := res.RetryAfter(); ra <= time.Second || ra > 2*time.Second {
		t.Errorf("retry after %s, want about 2s", ra)
	}
	if reset := res.States[0].Reset; reset <= time.Second || reset > 2*time.Second {
		t.Errorf("reset %s, want about 2s", reset)
	}
	// Just after the boundary the full limit is back.
	setClock(t, r, c, w+3600_000*ms+50*ms)
	for i := 0; i < 5; i++ {
		if !decide(t, r, "u", limits, 1).Allowed {
			t.Fatalf("request %d of the next window refused", i)
		}
	}
	if decide(t, r, "u", limits, 1).Allowed {
		t.Fatal("sixth request of the next window allowed")
	}
}

func TestSlidingWindowWeighsPreviousWindow(t *testing.T) {
	t.Parallel()
	c, prefix := testRedis(t)
	r := NewRedis(c, prefix, SlidingWindow)
	limits := []Limit{PerMinute(10)}
	w := windowStart(t, c, time.Minute)
	ms := int64(time.Millisecond / time.Microsecond)
	setClock(t, r, c, w+500*ms)
	for i := 0; i < 10; i++ {
		if !decide(t, r, "u", limits, 1).Allowed {
			t.Fatalf("request %d refused", i)
		}
	}
	if decide(t, r, "u", limits, 1).Allowed {
		t.Fatal("eleventh request allowed")
	}
	// Half way (30.5 s) into the next window the previous ten weigh
	// 10 × 29.5/60 ≈ 4.92: five more pass, not ten as a fixed window would.
	setClock(t, r, c, w+60_000*ms+30_500*ms)
	allowed := 0
	for i := 0; i < 10; i++ {
		if decide(t, r, "u", limits, 1).Allowed {
			allowed++
		}
	}
	if allowed != 5 {
		t.Errorf("allowed %d half way into the next window, want 5", allowed)
	}
	// Two windows later nothing weighs.
	setClock(t, r, c, w+180_000*ms+100*ms)
	res := decide(t, r, "u", limits, 1)
	if !res.Allowed || res.States[0].Remaining != 9 {
		t.Errorf("after two windows: allowed=%v remaining=%d, want true 9", res.Allowed, res.States[0].Remaining)
	}
}

func TestSlidingWindowRetryAfterIsEnough(t *testing.T) {
	t.Parallel()
	c, prefix := testRedis(t)
	r := NewRedis(c, prefix, SlidingWindow)
	limits := []Limit{PerMinute(10)}
	w := windowStart(t, c, time.Minute)
	ms := int64(time.Millisecond / time.Microsecond)
	setClock(t, r, c, w+40_000*ms)
	for i := 0; i < 10; i++ {
		decide(t, r, "u", limits, 1)
	}
	// 10 s into the next window the ten weigh 10×50/60 ≈ 8.33: one passes,
	// the next is refused until the weight drops to 8, at 12 s.
	setClock(t, r, c, w+70_000*ms)
	if !decide(t, r, "u", limits, 1).Allowed {
		t.Fatal("first request at 10 s refused")
	}
	res := decide(t, r, "u", limits, 1)
	if res.Allowed {
		t.Fatal("second request at 10 s allowed")
	}
	ra := res.RetryAfter()
	if ra < 1900*time.Millisecond || ra > 2000*time.Millisecond {
		t.Fatalf("retry after %s, want about 2s", ra)
	}
	setClock(t, r, c, w+70_000*ms+ra.Microseconds()+50*ms) // drift-proof margin
	if !decide(t, r, "u", limits, 1).Allowed {
		t.Error("refused after waiting Retry-After")
	}
}

func TestGCRA(t *testing.T) {
	t.Parallel()
	c, prefix := testRedis(t)
	r := NewRedis(c, prefix, GCRA)
	ms := int64(time.Millisecond / time.Microsecond)
	start := windowStart(t, c, time.Second)

	t.Run("burst then one per interval", func(t *testing.T) {
		// Ten a minute, one every 6 s: the store's clock runs on while
		// the test decides, and on a busy machine ten requests took more
		// than the 100 ms interval of ten a second, letting an eleventh
		// through.
		limits := []Limit{PerMinute(10)}
		set := time.Now()
		setClock(t, r, c, start)
		for i := 0; i < 10; i++ {
			res := decide(t, r, "a", limits, 1)
			if !res.Allowed || res.States[0].Remaining != int64(9-i) {
				t.Fatalf("request %d: allowed=%v remaining=%d", i, res.Allowed, res.States[0].Remaining)
			}
		}
		res := decide(t, r, "a", limits, 1)
		if res.Allowed {
			t.Fatal("eleventh request allowed")
		}
		// The store's clock ran on while the test decided: on a busy
		// machine the wait is shorter by up to that much.
		if ra, ran := res.RetryAfter(), time.Since(set); ra < 6*time.Second-ran || ra > 6*time.Second {
			t.Errorf("retry after %s, want 6s less the %s since the clock was set", ra, ran)
		}
		// One and a half intervals later exactly one more fits.
		setClock(t, r, c, start+9000*ms)
		if !decide(t, r, "a", limits, 1).Allowed {
			t.Fatal("refused after one interval")
		}
		if decide(t, r, "a", limits, 1).Allowed {
			t.Fatal("two allowed after one interval")
		}
	})
	t.Run("small burst", func(t *testing.T) {
		limits := []Limit{PerSecond(10).WithBurst(2)}
		setClock(t, r, c, start)
		for i := 0; i < 2; i++ {
			if !decide(t, r, "b", limits, 1).Allowed {
				t.Fatalf("request %d refused", i)
			}
		}
		if decide(t, r, "b", limits, 1).Allowed {
			t.Fatal("third request within the burst of 2 allowed")
		}
	})
	t.Run("cost", func(t *testing.T) {
		limits := []Limit{PerSecond(10)}
		setClock(t, r, c, start)
		for i := 0; i < 3; i++ {
			if !decide(t, r, "c", limits, 3).Allowed {
				t.Fatalf("request %d of cost 3 refused", i)
			}
		}
		res := decide(t, r, "c", limits, 3)
		if res.Allowed || res.States[0].Remaining != 1 {
			t.Fatalf("fourth request of cost 3: allowed=%v remaining=%d, want false 1", res.Allowed, res.States[0].Remaining)
		}
		if !decide(t, r, "c", limits, 1).Allowed {
			t.Fatal("request of cost 1 refused with 1 remaining")
		}
	})
}

func TestAllLimitsOrNothing(t *testing.T) {
	t.Parallel()
	for _, alg := range []Algorithm{FixedWindow, SlidingWindow, GCRA} {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			c, prefix := testRedis(t)
			r := NewRedis(c, prefix, alg)
			limits := []Limit{PerSecond(3), PerHour(5)}
			ms := int64(time.Millisecond / time.Microsecond)
			start := windowStart(t, c, time.Hour) + 100*ms
			setClock(t, r, c, start)
			for i := 0; i < 3; i++ {
				if !decide(t, r, "u", limits, 1).Allowed {
					t.Fatalf("request %d refused", i)
				}
			}
			for i := 0; i < 5; i++ {
				res := decide(t, r, "u", limits, 1)
				if res.Allowed {
					t.Fatal("fourth request in a second allowed")
				}
				if got := res.States[1].Remaining; got != 2 {
					t.Fatalf("hourly remaining %d after refusals, want 2: refusals consumed quota", got)
				}
				if res.States[0].RetryAfter == 0 || res.States[1].RetryAfter != 0 {
					t.Fatalf("retry after %v/%v: want only the per-second limit to refuse", res.States[0].RetryAfter, res.States[1].RetryAfter)
				}
			}
			setClock(t, r, c, start+2000*ms)
			for i := 0; i < 2; i++ {
				if !decide(t, r, "u", limits, 1).Allowed {
					t.Fatalf("request %d of the next second refused", i)
				}
			}
			res := decide(t, r, "u", limits, 1)
			if res.Allowed || res.States[1].RetryAfter == 0 {
				t.Fatalf("sixth request in the hour: allowed=%v, hourly retry %v", res.Allowed, res.States[1].RetryAfter)
			}
		})
	}
}

func TestCountRejected(t *testing.T) {
	t.Parallel()
	c, prefix := testRedis(t)
	r := NewRedis(c, prefix, FixedWindow)
	limits := []Limit{PerHour(2)}
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		if _, err := r.Decide(ctx, "u", limits, 1, true); err != nil {
			t.Fatal(err)
		}
	}
	n, err := c.HGet(ctx, r.Key("u"), fmtInt(time.Hour.Microseconds())+"c").Int()
	if err != nil || n != 4 {
		t.Fatalf("count %d (%v), want 4: refused requests must count", n, err)
	}
}

// TestConcurrentExact hammers one key from many goroutines: exactly the
// limit passes for the fixed window and GCRA, within 1 % for the sliding
// window.
func TestConcurrentExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		alg   Algorithm
		limit Limit
		slack int
	}{
		{name: "fixed", alg: FixedWindow, limit: PerDay(500)},
		{name: "gcra", alg: GCRA, limit: PerDay(500)},
		{name: "sliding", alg: SlidingWindow, limit: PerDay(500), slack: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, prefix := testRedis(t)
			r := NewRedis(c, prefix, tt.alg)
			setClock(t, r, c, windowStart(t, c, 24*time.Hour)+int64(time.Hour/time.Microsecond))
			var allowed atomic.Int64
			var wg sync.WaitGroup
			for g := 0; g < 32; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 25; i++ {
						res, err := r.Decide(context.Background(), "hot", []Limit{tt.limit}, 1, false)
						if err != nil {
							t.Error(err)
							return
						}
						if res.Allowed {
							allowed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			if got := int(allowed.Load()); got < 500-tt.slack || got > 500 {
				t.Errorf("allowed %d of 800, want 500 (-%d)", got, tt.slack)
			}
		})
	}
}

func TestKeyHashTag(t *testing.T) {
	t.Parallel()
	r := NewRedis(nil, "rl:", SlidingWindow)
	key := r.Key(SafeIdentifier("user{1}"))
	if strings.Count(key, "{") != 1 || strings.Count(key, "}") != 1 {
		t.Errorf("key %q does not hold exactly one hash tag", key)
	}
	if strings.Contains(key, "user") {
		t.Errorf("identifier with braces kept raw in %q", key)
	}
	if got := SafeIdentifier("alice"); got != "alice" {
		t.Errorf("SafeIdentifier(alice) = %q", got)
	}
	if got := SafeIdentifier(strings.Repeat("x", 1000)); len(got) > 40 {
		t.Errorf("long identifier kept: %d bytes", len(got))
	}
}

func TestParseReply(t *testing.T) {
	t.Parallel()
	limits := []Limit{PerSecond(1), PerMinute(2)}
	tests := []struct {
		name    string
		reply   any
		wantErr bool
	}{
		{name: "ok", reply: []any{int64(1), int64(1e15), int64(0), int64(5), int64(0), int64(1), int64(7), int64(0)}},
		{name: "short", reply: []any{int64(1), int64(0)}, wantErr: true},
		{name: "not a list", reply: "x", wantErr: true},
		{name: "string element", reply: []any{int64(1), int64(1e15), "0", int64(5), int64(0), int64(1), int64(7), int64(0)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := parseReply(tt.reply, limits)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !res.Allowed || res.At.UnixMicro() != 1e15 || res.States[1].Remaining != 1 || res.States[1].Reset != 7*time.Microsecond {
				t.Errorf("parsed %+v", res)
			}
		})
	}
}

var _ = strconv.Itoa

// TestStateExpires: the one hash of an identifier lives as long as its
// longest limit needs it, and no longer.
func TestStateExpires(t *testing.T) {
	t.Parallel()
	c, prefix := testRedis(t)
	limits := []Limit{PerSecond(10), PerHour(100)}
	for _, tt := range []struct {
		alg      Algorithm
		min, max time.Duration
	}{
		// Two windows of the hour: the previous one still weighs.
		{alg: SlidingWindow, min: time.Hour, max: 2*time.Hour + time.Second},
		{alg: FixedWindow, min: 0, max: time.Hour + time.Second},
		// One unit of 100/h is due again 36 s later.
		{alg: GCRA, min: 36 * time.Second, max: 37 * time.Second},
	} {
		r := NewRedis(c, prefix, tt.alg)
		if _, err := r.Decide(context.Background(), "u", limits, 1, false); err != nil {
			t.Fatal(err)
		}
		ttl, err := c.PTTL(context.Background(), r.Key("u")).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= tt.min || ttl > tt.max {
			t.Errorf("%s: state expires in %s, want in (%s, %s]", tt.alg, ttl, tt.min, tt.max)
		}
	}
}
