// Package boundcache is a bounded map from string keys to values with
// per-entry expiry, for state whose keys an attacker chooses: it never
// holds more than its capacity, and making room for a new key examines at
// most Sample entries, however full it is.
//
// Keys are spread over shards by a seeded hash, each with its own lock,
// so concurrent requests for different keys rarely wait on each other.
// A full shard evicts by sampling, as Redis does under its volatile-ttl
// policy (https://redis.io/topics/lru-cache, "approximated randomized
// algorithms"): of Sample entries from a random position, the first
// expired one, else the one expiring soonest. An entry's expiry is the
// caller's measure of how long it matters, so the entry evicted is the
// one that would have mattered for the shortest time among those
// examined.
//
// Nothing drops an expired entry on its own: Get drops the one it reads,
// an insert into a full shard reuses one, and Sweep drops them all, for
// an owner that wants the memory of an idle cache back.
package boundcache

import (
	"hash/maphash"
	"math/rand/v2"
	"sync"
)

// Sample is how many entries an insert into a full shard examines to
// choose the one to evict.
const Sample = 8

const (
	// maxShards bounds the number of locks: enough that concurrent
	// requests on a gateway's cores seldom share one.
	maxShards = 32
	// minShardCap keeps a small cache in few shards: keys spread over
	// shards unevenly, and a shard evicting while others have room
	// wastes less of the capacity when shards are larger.
	minShardCap = 16
	// minCompact is the smallest shard backing that Sweep rebuilds:
	// below it the memory is not worth the copy.
	minCompact = 64
)

// Cache maps string keys to values of type V. Its zero value is not
// usable; make one with New.
type Cache[V any] struct {
	seed   maphash.Seed
	mask   uint64
	shards []shard[V]
}

// shard holds its entries in three parallel slices, so that choosing a
// victim reads expiries only, contiguous in memory.
type shard[V any] struct {
	mu      sync.Mutex
	cap     int
	index   map[string]int32 // key → position in the slices
	keys    []string
	expires []int64
	vals    []V
	stats   Stats
	_       [64]byte // keeps neighbouring shards' locks off one cache line
}

// Stats count a cache's work since it was made.
type Stats struct {
	// Inserts is how many keys were added.
	Inserts uint64
	// Evictions is how many unexpired entries were dropped to make room.
	Evictions uint64
	// Examined is how many entries were looked at to choose what to
	// drop: at most Sample per insert into a full shard.
	Examined uint64
}

// New returns an empty cache holding at most capacity entries (at least
// one). Memory grows with the entries held, not with capacity.
func New[V any](capacity int) *Cache[V] {
	capacity = max(capacity, 1)
	n := 1
	for n < maxShards && capacity/(2*n) >= minShardCap {
		n *= 2
	}
	c := &Cache[V]{seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]shard[V], n)}
	for i := range c.shards {
		s := &c.shards[i]
		s.cap = capacity / n
		if i < capacity%n {
			s.cap++
		}
		s.index = map[string]int32{}
	}
	return c
}

func (c *Cache[V]) shard(key string) *shard[V] {
	return &c.shards[maphash.String(c.seed, key)&c.mask]
}

// Get returns key's value if it is held and has not expired at now (its
// expiry is after now); an expired entry is dropped.
func (c *Cache[V]) Get(key string, now int64) (V, bool) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[key]
	if !ok {
		var zero V
		return zero, false
	}
	if s.expires[i] <= now {
		s.remove(i)
		var zero V
		return zero, false
	}
	return s.vals[i], true
}

// Put sets key's value and expiry, making room if key is new.
func (c *Cache[V]) Put(key string, val V, expires, now int64) {
	c.Update(key, now, func(v *V) int64 {
		*v = val
		return expires
	})
}

// Update runs f on key's value under its shard's lock and sets the
// expiry f returns. The value is V's zero value if key is new or had
// expired at now; a new key makes room for itself first. f must not use
// the cache.
func (c *Cache[V]) Update(key string, now int64, f func(v *V) (expires int64)) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[key]
	if !ok {
		i = s.insert(key, now)
	} else if s.expires[i] <= now {
		var zero V
		s.vals[i] = zero
	}
	s.expires[i] = f(&s.vals[i])
}

// Len returns how many entries the cache holds, expired ones included.
func (c *Cache[V]) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.keys)
		s.mu.Unlock()
	}
	return n
}

// Sweep drops every entry expired at now and returns how many are left.
// It locks one shard at a time, so a concurrent request waits at most for
// one shard's sweep (capacity/shards entries, 3125 of a 100,000 cache). A
// shard left with under a quarter of the entries its arrays have room
// for moves them to smaller arrays and a new index: a Go map never
// shrinks, and without that a cache swept empty would keep the memory of
// its busiest moment.
func (c *Cache[V]) Sweep(now int64) (left int) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.sweep(now)
		left += len(s.keys)
		s.mu.Unlock()
	}
	return left
}

// Stats returns the cache's counts.
func (c *Cache[V]) Stats() Stats {
	var t Stats
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		t.Inserts += s.stats.Inserts
		t.Evictions += s.stats.Evictions
		t.Examined += s.stats.Examined
		s.mu.Unlock()
	}
	return t
}

// insert adds key, which the shard does not hold, with a zero value,
// evicting another entry if the shard is full, and returns its position;
// s.mu is held.
func (s *shard[V]) insert(key string, now int64) int32 {
	s.stats.Inserts++
	var zero V
	i := int32(len(s.keys))
	if int(i) < s.cap {
		s.keys = append(s.keys, key)
		s.expires = append(s.expires, 0)
		s.vals = append(s.vals, zero)
	} else {
		i = s.victim(now)
		delete(s.index, s.keys[i])
		s.keys[i], s.expires[i], s.vals[i] = key, 0, zero
	}
	s.index[key] = i
	return i
}

// victim chooses the entry to evict from a full shard: of Sample
// consecutive entries from a random one (all of them in a shard that
// small), the first expired at now, else the one expiring soonest; s.mu
// is held. Consecutive expiries share a cache line or two where
// scattered ones cost a miss each; the sample is less even (entries made
// together sit together), the trade Redis makes too, sampling consecutive
// buckets for eviction (dictGetSomeKeys in its dict.c).
func (s *shard[V]) victim(now int64) int32 {
	n := int32(len(s.expires))
	var start int32
	if n > Sample {
		start = rand.Int32N(n)
	}
	best := int32(-1)
	for j := range min(Sample, n) {
		i := start + j
		if i >= n {
			i -= n
		}
		s.stats.Examined++
		if s.expires[i] <= now {
			return i
		}
		if best < 0 || s.expires[i] < s.expires[best] {
			best = i
		}
	}
	s.stats.Evictions++
	return best
}

// remove drops the entry at i, moving the last one into its place; s.mu
// is held.
func (s *shard[V]) remove(i int32) {
	delete(s.index, s.keys[i])
	last := int32(len(s.keys) - 1)
	if i != last {
		s.keys[i], s.expires[i], s.vals[i] = s.keys[last], s.expires[last], s.vals[last]
		s.index[s.keys[i]] = i
	}
	var zero V
	s.keys[last], s.vals[last] = "", zero // for the collector
	s.keys, s.expires, s.vals = s.keys[:last], s.expires[:last], s.vals[:last]
}

// sweep drops the entries expired at now; s.mu is held.
func (s *shard[V]) sweep(now int64) {
	for i := int32(0); int(i) < len(s.keys); {
		if s.expires[i] <= now {
			s.remove(i) // the last entry moves to i: look at i again
		} else {
			i++
		}
	}
	if n := len(s.keys); cap(s.keys) >= minCompact && n < cap(s.keys)/4 {
		s.compact()
	}
}

// compact moves the entries to arrays and an index sized for them; s.mu
// is held.
func (s *shard[V]) compact() {
	n := len(s.keys)
	s.keys = append(make([]string, 0, n), s.keys...)
	s.expires = append(make([]int64, 0, n), s.expires...)
	s.vals = append(make([]V, 0, n), s.vals...)
	s.index = make(map[string]int32, n)
	for i, k := range s.keys {
		s.index[k] = int32(i)
	}
}
