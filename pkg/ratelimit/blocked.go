package ratelimit

import (
	"sync"
	"time"
)

// blocked remembers identifiers known to be over a limit until that
// limit lets them through again, so their requests are refused without a
// round trip. It holds at most max entries; when full, expired entries are
// dropped first, then new ones are not remembered (they cost a round
// trip, nothing worse).
type blocked struct {
	mu      sync.Mutex
	max     int
	entries map[string]blockEntry
}

type blockEntry struct {
	until time.Time
	res   Result
}

func newBlocked(max int) *blocked {
	return &blocked{max: max, entries: map[string]blockEntry{}}
}

// get returns the refusal cached for key, with waits shortened to now.
func (b *blocked) get(key string, now time.Time) (Result, bool) {
	b.mu.Lock()
	e, ok := b.entries[key]
	if ok && !now.Before(e.until) {
		delete(b.entries, key)
		ok = false
	}
	b.mu.Unlock()
	if !ok {
		return Result{}, false
	}
	res := Result{States: make([]LimitState, len(e.res.States))}
	elapsed := e.until.Sub(now)
	for i, s := range e.res.States {
		wait := e.res.RetryAfter()
		shift := wait - elapsed // time passed since the refusal
		s.Reset = max(s.Reset-shift, 0)
		if s.RetryAfter > 0 {
			s.RetryAfter = max(s.RetryAfter-shift, time.Microsecond)
		}
		res.States[i] = s
	}
	return res, true
}

// put remembers a refusal for as long as it holds.
func (b *blocked) put(key string, res Result, now time.Time) {
	wait := res.RetryAfter()
	if wait <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.entries) >= b.max {
		for k, e := range b.entries {
			if !now.Before(e.until) {
				delete(b.entries, k)
			}
		}
		if len(b.entries) >= b.max {
			return
		}
	}
	b.entries[key] = blockEntry{until: now.Add(wait), res: res}
}
