package auth

import (
	"sync"
	"time"
)

const cacheShards = 16

// cache is a bounded map from a SHA-256 key to a value that expires at a
// fixed time. It is sharded so concurrent requests rarely contend. When a
// shard is full, expired entries are dropped first, then an arbitrary one:
// the bound holds whatever a client sends.
type cache[V any] struct {
	shards   [cacheShards]cacheShard[V]
	perShard int
}

type cacheShard[V any] struct {
	mu sync.RWMutex
	m  map[[32]byte]cacheEntry[V]
}

type cacheEntry[V any] struct {
	v     V
	until int64 // unix nanoseconds
}

// newCache returns a cache holding about max entries, or nil (a cache
// that holds nothing) when max is 0.
func newCache[V any](max int) *cache[V] {
	if max <= 0 {
		return nil
	}
	c := &cache[V]{perShard: max/cacheShards + 1}
	for i := range c.shards {
		c.shards[i].m = make(map[[32]byte]cacheEntry[V])
	}
	return c
}

func (c *cache[V]) shard(k *[32]byte) *cacheShard[V] { return &c.shards[k[0]%cacheShards] }

// get returns the live value for k at now.
func (c *cache[V]) get(k [32]byte, now time.Time) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	s := c.shard(&k)
	s.mu.RLock()
	e, ok := s.m[k]
	s.mu.RUnlock()
	if !ok || now.UnixNano() >= e.until {
		return zero, false
	}
	return e.v, true
}

// put stores v under k until the given time.
func (c *cache[V]) put(k [32]byte, v V, until, now time.Time) {
	if c == nil || !until.After(now) {
		return
	}
	s := c.shard(&k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.m[k]; !exists && len(s.m) >= c.perShard {
		s.evict(now.UnixNano())
	}
	s.m[k] = cacheEntry[V]{v: v, until: until.UnixNano()}
}

// evict drops expired entries among a bounded sample, or one arbitrary
// entry when none has expired.
func (s *cacheShard[V]) evict(now int64) {
	const sample = 32
	n, dropped := 0, false
	var victim [32]byte
	for k, e := range s.m {
		if now >= e.until {
			delete(s.m, k)
			dropped = true
		} else if n == 0 {
			victim = k
		}
		if n++; n == sample {
			break
		}
	}
	if !dropped {
		delete(s.m, victim)
	}
}

// len counts entries, expired ones included (for tests).
func (c *cache[V]) len() int {
	if c == nil {
		return 0
	}
	n := 0
	for i := range c.shards {
		c.shards[i].mu.RLock()
		n += len(c.shards[i].m)
		c.shards[i].mu.RUnlock()
	}
	return n
}
