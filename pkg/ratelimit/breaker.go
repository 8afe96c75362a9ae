package ratelimit

import (
	"sync"
	"time"
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

// Allow reports whether a call may go to Redis. A true answer must be
// followed by Done.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < b.threshold {
		return true
	}
	if b.probing || b.now().Before(b.openUntil) {
		return false
	}
	b.probing = true
	return true
}

// Done records the outcome of an allowed call.
func (b *Breaker) Done(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if err == nil {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= b.threshold {
		b.openUntil = b.now().Add(b.cooldown)
	}
}

// Open reports whether the breaker is refusing calls now.
func (b *Breaker) Open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failures >= b.threshold && b.now().Before(b.openUntil)
}
