package ratelimit

import (
	"time"

	"github.com/warden-gw/warden/pkg/ratelimit/internal/boundcache"
)

// blocked remembers identifiers known to be over a limit until that
// limit lets them through again, so their requests are refused without a
// round trip. It holds at most max entries; when full, a new refusal
// takes the place of one ending soonest among a few sampled (an
// identifier forgotten costs a round trip, nothing worse).
type blocked struct {
	entries *boundcache.Cache[blockEntry]
}

type blockEntry struct {
	until time.Time
	res   Result
}

func newBlocked(max int) *blocked {
	return &blocked{entries: boundcache.New[blockEntry](max)}
}

// get returns the refusal cached for key, with waits shortened to now.
func (b *blocked) get(key string, now time.Time) (Result, bool) {
	e, ok := b.entries.Get(key, sinceStart(now))
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
	until := now.Add(wait)
	b.entries.Put(key, blockEntry{until: until, res: res}, sinceStart(until), sinceStart(now))
}

// processStart is when the process started, for sinceStart.
var processStart = time.Now()

// sinceStart is t in nanoseconds since the process started, on the
// monotonic clock when t has a reading of it (as time.Now's do), so a
// step of the wall clock does not change which refusals hold.
func sinceStart(t time.Time) int64 { return int64(t.Sub(processStart)) }
