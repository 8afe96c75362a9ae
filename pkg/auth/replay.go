package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
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
