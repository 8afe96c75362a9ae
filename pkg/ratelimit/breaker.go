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

// Breaker stops calling Redis after consecutive failures so that no
// request waits on a dead server: after Threshold failures in a row it
// opens for Cooldown, during which Allow says no at once; then it lets one
// probe through at a time until one succeeds, which closes it. A request
// therefore waits at most one operation timeout per cooldown, however
// many arrive (envoyproxy/ratelimit #462 stalled every request instead).
type Breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time
	onChange  func(from, to BreakerState)

	mu        sync.Mutex
	failures  int
	openUntil time.Time
	probing   bool
}

// NewBreaker returns a closed breaker; now is its clock (time.Now if nil).
func NewBreaker(threshold int, cooldown time.Duration, now func() time.Time) *Breaker {
	if now == nil {
		now = time.Now
	}
	return &Breaker{threshold: max(threshold, 1), cooldown: cooldown, now: now}
}

// OnChange sets a function told of every state change (for metrics),
// called outside the breaker's lock. Set it before the breaker is shared.
func (b *Breaker) OnChange(f func(from, to BreakerState)) { b.onChange = f }

// state is the current state; b.mu is held.
func (b *Breaker) state() BreakerState {
	switch {
	case b.failures < b.threshold:
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
	if b.failures < b.threshold {
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

// Done records the outcome of an allowed call.
func (b *Breaker) Done(err error) {
	b.mu.Lock()
	from := b.state()
	b.probing = false
	if err == nil {
		b.failures = 0
	} else {
		b.failures++
		if b.failures >= b.threshold {
			b.openUntil = b.now().Add(b.cooldown)
		}
	}
	to := b.state()
	b.mu.Unlock()
	if from != to {
		b.changed(from, to)
	}
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
	return b.failures >= b.threshold && b.now().Before(b.openUntil)
}
