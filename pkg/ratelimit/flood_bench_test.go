package ratelimit

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// floodCap is the capacity of the caches under a flood: the default
// bound of both.
const floodCap = 100_000

// floodKeys are the attackers' identifiers: ten times the capacity, so a
// key comes back only long after the cache has dropped it.
var floodKeys = sync.OnceValue(func() []string {
	keys := make([]string, 10*floodCap)
	for i := range keys {
		keys[i] = "#attacker" + strconv.Itoa(i)
	}
	return keys
})

// BenchmarkFlood is a flood of new identifiers into a cache already full
// of live ones: per op, one new identifier decided by the in-process
// limiter (local), or looked up in and added to the known-over-limit
// cache (known_over), as a refused request does.
func BenchmarkFlood(b *testing.B) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	keys := floodKeys()
	b.Run("local", func(b *testing.B) {
		limits := []Limit{PerHour(1 << 20)}
		l := NewLocal(FixedWindow, floodCap, now)
		for i := range floodCap {
			l.Decide("#legit"+strconv.Itoa(i), limits, 1, false)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			l.Decide(keys[i%len(keys)], limits, 1, false)
		}
	})
	b.Run("known_over", func(b *testing.B) {
		refusal := func(wait time.Duration) Result {
			return Result{States: []LimitState{{Limit: PerHour(1), Reset: wait, RetryAfter: wait}}}
		}
		bl := newBlocked(floodCap)
		for i := range floodCap {
			bl.put("#legit"+strconv.Itoa(i), refusal(2*time.Hour), at)
		}
		res := refusal(time.Hour)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			k := keys[i%len(keys)]
			if _, ok := bl.get(k, at); !ok {
				bl.put(k, res, at)
			}
		}
	})
}
