package boundcache

import (
	"strconv"
	"sync"
	"testing"
)

func TestCapacityNeverExceeded(t *testing.T) {
	t.Parallel()
	for _, capacity := range []int{1, 7, 16, 64, 100, 1000, 4099} {
		t.Run(strconv.Itoa(capacity), func(t *testing.T) {
			t.Parallel()
			c := New[int](capacity)
			sum := 0
			for i := range c.shards {
				sum += c.shards[i].cap
			}
			if sum != capacity {
				t.Fatalf("shards hold %d together, want %d", sum, capacity)
			}
			for i := range 20 * capacity {
				c.Put(strconv.Itoa(i), i, 1000, 0)
				if n := c.Len(); n > capacity {
					t.Fatalf("after %d inserts the cache holds %d, capacity %d", i+1, n, capacity)
				}
			}
			// Every shard has been offered far more keys than it holds.
			if n := c.Len(); n != capacity {
				t.Errorf("full cache holds %d, want %d", n, capacity)
			}
		})
	}
}

// TestFloodExaminesAFewEntriesPerInsert: once full of live entries, each
// new key costs at most Sample entries examined, whatever the capacity:
// no insert scans its shard.
func TestFloodExaminesAFewEntriesPerInsert(t *testing.T) {
	t.Parallel()
	for _, capacity := range []int{10_000, 100_000} {
		t.Run(strconv.Itoa(capacity), func(t *testing.T) {
			t.Parallel()
			c := New[int](capacity)
			fill(t, c, capacity)
			if shard := capacity / len(c.shards); shard <= 10*Sample {
				t.Fatalf("shards of %d entries: too small to tell a sample from a scan", shard)
			}
			before := c.Stats()
			const flood = 5000
			for i := range flood {
				prev := c.Stats().Examined
				c.Put("attacker"+strconv.Itoa(i), i, int64(2000+i), int64(i))
				if d := c.Stats().Examined - prev; d == 0 || d > Sample {
					t.Fatalf("insert %d into a full cache examined %d entries, want 1 to %d", i, d, Sample)
				}
			}
			after := c.Stats()
			if n := after.Inserts - before.Inserts; n != flood {
				t.Errorf("%d inserts counted, want %d", n, flood)
			}
			if c.Len() != capacity {
				t.Errorf("cache holds %d after the flood, want %d", c.Len(), capacity)
			}
		})
	}
}

// fill puts distinct live keys into c until every shard is full.
func fill(t *testing.T, c *Cache[int], capacity int) {
	t.Helper()
	for i := 0; c.Len() < capacity; i += 100 {
		if i > 10*capacity {
			t.Fatalf("cache holds %d after %d distinct keys; want it full", c.Len(), i)
		}
		for j := i; j < i+100; j++ {
			c.Put("legit"+strconv.Itoa(j), j, 1_000_000, 0)
		}
	}
}

// TestVictim: a shard no larger than Sample is examined whole, so the
// choice is exact: the first expired entry, else the one expiring
// soonest.
func TestVictim(t *testing.T) {
	t.Parallel()
	c := New[string](Sample)
	if len(c.shards) != 1 {
		t.Fatalf("%d shards for %d entries, want 1", len(c.shards), Sample)
	}
	// Expiries 80, 70, ..., 10: k7 expires first.
	for i := range Sample {
		c.Put("k"+strconv.Itoa(i), "v", int64(10*(Sample-i)), 0)
	}
	held := func(key string) bool {
		_, ok := c.shards[0].index[key]
		return ok
	}
	c.Put("new1", "v", 100, 0)
	if held("k7") || !held("new1") {
		t.Fatal("the entry expiring soonest (k7) was not the one evicted")
	}
	if s := c.Stats(); s.Evictions != 1 {
		t.Errorf("%d evictions of live entries counted, want 1", s.Evictions)
	}
	// At 65 k1 (70) is live and k2..k6 (60..20) have expired; the
	// first of them in the shard goes, and it is no eviction of a live
	// entry.
	c.Put("new2", "v", 100, 65)
	if held("k2") || !held("k0") || !held("k1") || !held("new1") || !held("new2") || c.Len() != Sample {
		t.Fatalf("a live entry was evicted while expired ones were held: %v", c.shards[0].index)
	}
	if s := c.Stats(); s.Evictions != 1 {
		t.Errorf("%d evictions of live entries counted, want still 1", s.Evictions)
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	c := New[int](64)
	c.Put("a", 1, 100, 0)
	if v, ok := c.Get("a", 99); !ok || v != 1 {
		t.Fatalf("Get before expiry = %d, %v; want 1, true", v, ok)
	}
	if _, ok := c.Get("a", 100); ok {
		t.Fatal("Get at the expiry found the entry")
	}
	if c.Len() != 0 {
		t.Errorf("an expired entry read by Get is still held (%d entries)", c.Len())
	}

	// Update sees the value until it expires, the zero value after.
	incr := func(now int64) (seen int) {
		c.Update("n", now, func(v *int) int64 {
			seen = *v
			*v++
			return now + 10
		})
		return seen
	}
	if a, b, d := incr(0), incr(5), incr(14); a != 0 || b != 1 || d != 2 {
		t.Fatalf("Update saw %d, %d, %d; want 0, 1, 2 (each call moves the expiry)", a, b, d)
	}
	if seen := incr(24); seen != 0 {
		t.Errorf("Update after the expiry saw %d, want the zero value", seen)
	}
	inserts := c.Stats().Inserts
	c.Put("n", 7, 50, 30)
	if v, ok := c.Get("n", 49); !ok || v != 7 || c.Stats().Inserts != inserts {
		t.Errorf("Put on a held key: Get = %d, %v, inserts %d → %d; want 7, true, no insert", v, ok, inserts, c.Stats().Inserts)
	}
}

// TestRemoveKeepsIndex: dropping an expired entry moves another into its
// place; every key still finds its own value.
func TestRemoveKeepsIndex(t *testing.T) {
	t.Parallel()
	c := New[int](Sample)
	for i := range Sample {
		c.Put(strconv.Itoa(i), i, int64(100+i), 0)
	}
	for _, i := range []int{0, 3, 7} {
		c.Put(strconv.Itoa(i), i, 1, 0)
		if _, ok := c.Get(strconv.Itoa(i), 1); ok {
			t.Fatalf("key %d found after its expiry", i)
		}
	}
	for i := range Sample {
		v, ok := c.Get(strconv.Itoa(i), 2)
		if want := i != 0 && i != 3 && i != 7; ok != want || (ok && v != i) {
			t.Errorf("key %d: Get = %d, %v; want %d, %v", i, v, ok, i, want)
		}
	}
}

// TestSweep: Sweep drops exactly the entries expired at now, from every
// shard, and every key left still finds its own value.
func TestSweep(t *testing.T) {
	t.Parallel()
	const n = 1000
	c := New[int](4 * n) // room to spare: no shard evicts
	if len(c.shards) < 2 {
		t.Fatalf("%d shard: the test wants several", len(c.shards))
	}
	for i := range n {
		c.Put(strconv.Itoa(i), i, int64(i%10), 0) // expiries 0..9
	}
	if c.Len() != n {
		t.Fatalf("cache holds %d, want %d", c.Len(), n)
	}
	if left := c.Sweep(-1); left != n {
		t.Errorf("Sweep before any expiry left %d, want %d", left, n)
	}
	if left := c.Sweep(4); left != n/2 || c.Len() != n/2 {
		t.Fatalf("Sweep(4) left %d (Len %d), want %d: the entries expiring 5..9", left, c.Len(), n/2)
	}
	for i := range n {
		s := c.shard(strconv.Itoa(i))
		s.mu.Lock()
		j, held := s.index[strconv.Itoa(i)]
		ok := held && s.vals[j] == i && s.keys[j] == strconv.Itoa(i)
		s.mu.Unlock()
		if want := i%10 > 4; held != want || (held && !ok) {
			t.Fatalf("key %d: held %v (index consistent %v), want held %v", i, held, ok, want)
		}
	}
	if s := c.Stats(); s.Evictions != 0 {
		t.Errorf("a sweep counted %d evictions; it drops only expired entries", s.Evictions)
	}
	if left := c.Sweep(9); left != 0 || c.Len() != 0 {
		t.Errorf("Sweep after every expiry left %d (Len %d), want 0", left, c.Len())
	}
}

// TestSweepShrinks: a shard swept nearly empty gives its arrays and
// index back, and keeps working.
func TestSweepShrinks(t *testing.T) {
	t.Parallel()
	const n = 4096
	c := New[int](4 * n) // room to spare: no shard evicts
	for i := range n {
		expires := int64(10)
		if i%100 == 0 {
			expires = 1000 // a few outlive the sweep
		}
		c.Put(strconv.Itoa(i), i, expires, 0)
	}
	before := 0
	for i := range c.shards {
		before += cap(c.shards[i].keys)
	}
	left := c.Sweep(10)
	after := 0
	for i := range c.shards {
		s := &c.shards[i]
		after += cap(s.keys)
		if cap(s.expires) != cap(s.keys) || cap(s.vals) != cap(s.keys) || len(s.index) != len(s.keys) {
			t.Fatalf("shard %d: caps %d/%d/%d, index %d for %d entries", i, cap(s.keys), cap(s.expires), cap(s.vals), len(s.index), len(s.keys))
		}
	}
	if left != (n+99)/100 || after > 2*left {
		t.Fatalf("Sweep left %d entries in arrays of %d (%d before); want %d entries, arrays at most twice that", left, after, before, (n+99)/100)
	}
	for i := 0; i < n; i += 100 {
		if v, ok := c.Get(strconv.Itoa(i), 10); !ok || v != i {
			t.Fatalf("key %d after the shrink: %d, %v", i, v, ok)
		}
	}
	// The shrunk cache fills to its capacity again.
	fill(t, c, 4*n)
}

// TestConcurrent runs Get, Put, Update and Sweep from many goroutines (run with
// -race): the bound holds, and Update is atomic per key.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	const (
		capacity   = 256
		goroutines = 8
		rounds     = 2000
	)
	c := New[int](capacity)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				// One shared counter; the rest floods and reads.
				c.Update("shared", 0, func(v *int) int64 {
					*v++
					return 1 << 62
				})
				k := strconv.Itoa(g*rounds + i)
				c.Put(k, i, int64(i), 0)
				c.Get(strconv.Itoa(g*rounds+i/2), int64(i/2))
			}
		}()
	}
	// A sweeper too: it drops only expired entries, never the shared one.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range rounds / 10 {
			c.Sweep(int64(10 * i))
		}
	}()
	wg.Wait()
	if n := c.Len(); n > capacity {
		t.Errorf("cache holds %d, capacity %d", n, capacity)
	}
	// The shared key expires last of all, so no insert evicted it.
	if v, ok := c.Get("shared", 0); !ok || v != goroutines*rounds {
		t.Errorf("shared counter = %d, %v; want %d, true", v, ok, goroutines*rounds)
	}
}

// BenchmarkFloodPut adds new keys to a full cache of live entries and
// reports the entries examined per insert.
func BenchmarkFloodPut(b *testing.B) {
	const capacity = 100_000
	keys := make([]string, 10*capacity)
	for i := range keys {
		keys[i] = "attacker" + strconv.Itoa(i)
	}
	c := New[int](capacity)
	for i := 0; c.Len() < capacity; i++ {
		c.Put("legit"+strconv.Itoa(i), i, 1<<62, 0)
	}
	before := c.Stats()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		c.Put(keys[i%len(keys)], i, int64(i+capacity), int64(i))
	}
	b.StopTimer()
	after := c.Stats()
	b.ReportMetric(float64(after.Examined-before.Examined)/float64(b.N), "examined/op")
}
