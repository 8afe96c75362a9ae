package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/warden-gw/warden/pkg/pool"
	"github.com/warden-gw/warden/pkg/ratelimit"
)

// replayStore remembers DPoP proof ids. add records key for ttl and
// reports whether it was new: false means the proof was seen before.
// An error means the store could not tell; the caller fails closed.
type replayStore interface {
	add(ctx context.Context, key [32]byte, ttl time.Duration, now time.Time) (bool, error)
}

// replayKey scopes a proof's jti by the thumbprint of the key that
// signed it (RFC 9449 11.1): two clients' ids never collide.
func replayKey(jkt, jti string) [32]byte {
	h := sha256.New()
	h.Write([]byte(jkt))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// errReplayFull refuses a proof when the local store holds maxEntries
// live ids: dropping one would let that proof be replayed.
var errReplayFull = errors.New("local replay store full")

// localReplay is the in-process store (dpop.replay: local), for a single
// Kong node: bounded, sharded, expired ids dropped as it fills.
type localReplay struct {
	shards   [cacheShards]localReplayShard
	perShard int
}

type localReplayShard struct {
	mu sync.Mutex
	m  map[[32]byte]int64 // key -> expiry, unix nanoseconds
}

var localReplays = pool.New[*localReplay]()

// sharedLocalReplay returns the process-wide local store: Kong restarts
// a plugin instance on any config change, and a store per instance would
// forget every proof id then. Ids are scoped by key, so instances can
// share one store.
func sharedLocalReplay(maxEntries int) (*localReplay, error) {
	return localReplays.Get(maxEntries, func() (*localReplay, error) { return newLocalReplay(maxEntries), nil })
}

func newLocalReplay(maxEntries int) *localReplay {
	r := &localReplay{perShard: maxEntries/cacheShards + 1}
	for i := range r.shards {
		r.shards[i].m = make(map[[32]byte]int64)
	}
	return r
}

func (r *localReplay) add(_ context.Context, key [32]byte, ttl time.Duration, now time.Time) (bool, error) {
	s := &r.shards[key[0]%cacheShards]
	n := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if until, ok := s.m[key]; ok && n < until {
		return false, nil
	}
	if len(s.m) >= r.perShard {
		for k, until := range s.m {
			if n >= until {
				delete(s.m, k)
			}
		}
		if len(s.m) >= r.perShard {
			return false, errReplayFull
		}
	}
	s.m[key] = n + int64(ttl)
	return true, nil
}

// errBreakerOpen refuses a proof while the Redis circuit breaker is open.
var errBreakerOpen = errors.New("redis circuit breaker open")

// redisReplay is the shared store (dpop.replay: redis): one SET NX with
// an expiry per proof, on the Redis client and circuit breaker
// warden-ratelimit uses (package ratelimit's SharedBackend: the same
// settings, topologies, TLS and failure modes; one client per settings
// in the process). Redis unreachable, slow or the breaker open is an
// error: the proof is refused (fail closed).
type redisReplay struct {
	b      *ratelimit.Backend
	prefix string
}

func newRedisReplay(r ratelimit.RedisConfig) (*redisReplay, error) {
	b, err := ratelimit.SharedBackend(r, nil)
	if err != nil {
		return nil, err
	}
	return &redisReplay{b: b, prefix: r.KeyPrefix + "dpop:"}, nil
}

func (r *redisReplay) add(ctx context.Context, key [32]byte, ttl time.Duration, _ time.Time) (bool, error) {
	if !r.b.Breaker.Allow() {
		return false, errBreakerOpen
	}
	var buf [len(key) * 2]byte
	hex.Encode(buf[:], key[:])
	// SET key 1 NX PX ttl: one round trip, atomic across every node.
	fresh, err := r.b.Client.SetNX(ctx, r.prefix+string(buf[:]), 1, ttl).Result()
	r.b.Breaker.Done(err)
	return fresh, err
}
