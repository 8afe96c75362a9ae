package ratelimit

import (
	"sync"
	"time"
)

// BreakerState is where a circuit breaker is.
type BreakerState string

// Breaker states.
const (
	// BreakerClosed calls Redis.
	BreakerClosed BreakerState = "closed"
	// BreakerOpen skips Redis until its cooldown ends.
	BreakerOpen BreakerState = "open"
	// BreakerHalfOpen lets one probe call through.
	BreakerHalfOpen BreakerState = "half_open"
)

// DefaultBreakerWindow is how far back a breaker counts calls unless
// SetWindow says otherwise.
const DefaultBreakerWindow = 10 * time.Second

// breakerBuckets is the resolution of the breaker's window.
const breakerBuckets = 10

// Breaker stops calling Redis when it fails, so that no request waits on
// a dead server. It opens when, within its window, at least Threshold
// calls failed and they are at least half of the calls: a dead Redis
// fails every call and opens it after Threshold of them, while the odd
// slow call of a loaded host (a scheduler stall times out every call in
// flight at once) among thousands of answered ones never does. Open, it
// skips Redis for Cooldown, during which Allow says no at once; then it
// lets one probe through at a time until one succeeds, which closes it.
// A request therefore waits at most one operation timeout per cooldown,
// however many arrive (envoyproxy/ratelimit #462 stalled every request
// instead).
type Breaker struct {
	threshold int
	cooldown  time.Duration
	width     time.Duration // of one bucket
	now       func() time.Time
	onChange  func(from, to BreakerState)

	mu        sync.Mutex
	buckets   [breakerBuckets]breakerBucket
	open      bool
	openUntil time.Time
	probing   bool
}

// breakerBucket counts the calls that ended in one slice of the window.
type breakerBucket struct {
	slice        int64 // time / width
	calls, fails int
}

// NewBreaker returns a closed breaker opening on threshold failures
// within DefaultBreakerWindow; now is its clock (time.Now if nil).
func NewBreaker(threshold int, cooldown time.Duration, now func() time.Time) *Breaker {
	if now == nil {
		now = time.Now
	}
	b := &Breaker{threshold: max(threshold, 1), cooldown: cooldown, now: now}
	b.SetWindow(DefaultBreakerWindow)
	return b
}

// SetWindow sets how far back the breaker counts calls. Set it before
// the breaker is shared.
func (b *Breaker) SetWindow(d time.Duration) {
	b.width = max(d/breakerBuckets, time.Millisecond)
}

// OnChange sets a function told of every state change (for metrics),
// called outside the breaker's lock. Set it before the breaker is shared.
func (b *Breaker) OnChange(f func(from, to BreakerState)) { b.onChange = f }

// state is the current state; b.mu is held.
func (b *Breaker) state() BreakerState {
	switch {
	case !b.open:
		return BreakerClosed
	case b.probing:
		return BreakerHalfOpen
	}
	return BreakerOpen
}

// State returns the breaker's state. An open breaker whose cooldown has
// ended stays open until the next Allow lets a probe through.
func (b *Breaker) State() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state()
}

// Allow reports whether a call may go to Redis. A true answer must be
// followed by Done.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	if !b.open {
		b.mu.Unlock()
		return true
	}
	if b.probing || b.now().Before(b.openUntil) {
		b.mu.Unlock()
		return false
	}
	b.probing = true
	b.mu.Unlock()
	b.changed(BreakerOpen, BreakerHalfOpen)
	return true
}

// Done records the outcome of an allowed call. While the breaker is open
// (calls allowed before it opened may end then, besides the probe) a
// success closes it and a failure keeps it open for another cooldown.
func (b *Breaker) Done(err error) {
	b.mu.Lock()
	from := b.state()
	now := b.now()
	switch {
	case b.open && err == nil:
		b.open, b.probing = false, false
		b.buckets = [breakerBuckets]breakerBucket{}
	case b.open:
		b.probing = false
		b.openUntil = now.Add(b.cooldown)
	default:
		calls, fails := b.record(now, err != nil)
		if err != nil && fails >= b.threshold && 2*fails >= calls {
			b.open = true
			b.openUntil = now.Add(b.cooldown)
		}
	}
	to := b.state()
	b.mu.Unlock()
	if from != to {
		b.changed(from, to)
	}
}

// record counts one call and returns the calls and failures within the
// window; b.mu is held.
func (b *Breaker) record(now time.Time, failed bool) (calls, fails int) {
	slice := now.UnixNano() / int64(b.width)
	bk := &b.buckets[slice%breakerBuckets]
	if bk.slice != slice {
		*bk = breakerBucket{slice: slice}
	}
	bk.calls++
	if failed {
		bk.fails++
	}
	for _, x := range b.buckets {
		if slice-x.slice < breakerBuckets {
			calls += x.calls
			fails += x.fails
		}
	}
	return calls, fails
}

func (b *Breaker) changed(from, to BreakerState) {
	if b.onChange != nil {
		b.onChange(from, to)
	}
}

// Open reports whether the breaker is refusing calls now.
func (b *Breaker) Open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open && b.now().Before(b.openUntil)
}
