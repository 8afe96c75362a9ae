package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// OnError says what a Redis-backed limiter decides when Redis fails or
// the circuit breaker is open.
type OnError string

// The outage behaviours.
const (
	// OnErrorAllow lets the request through uncounted (fail open).
	OnErrorAllow OnError = "allow"
	// OnErrorDeny refuses the request (fail closed).
	OnErrorDeny OnError = "deny"
	// OnErrorLocal decides with an in-process limiter admitting this
	// node's share of the limits (Options.Nodes), so that the gateway
	// nodes together admit about the limit.
	OnErrorLocal OnError = "local"
)

// Source tells how a decision was made.
type Source string

// Decision sources. The fallback ones are audited and counted.
const (
	SourceRedis         Source = "redis"
	SourceLocal         Source = "local"
	SourceKnownOver     Source = "known_over_limit"
	SourceFallbackAllow Source = "fallback_allow"
	SourceFallbackDeny  Source = "fallback_deny"
	SourceFallbackLocal Source = "fallback_local"
)

// Fallback reports whether s is an outage decision.
func (s Source) Fallback() bool {
	return s == SourceFallbackAllow || s == SourceFallbackDeny || s == SourceFallbackLocal
}

// Decision is a Result and how it was reached.
type Decision struct {
	Result
	Source Source
	// Err is why Redis was not used, for fallback decisions.
	Err error
}

// Options configure a Limiter.
type Options struct {
	Algorithm Algorithm
	Limits    []Limit
	// Cost is what one request consumes (1 if zero).
	Cost int64
	// CountRejected makes refused requests consume quota too.
	CountRejected bool
	// Redis is the shared store; nil means a local-only limiter.
	Redis *Redis
	// Timeout bounds one Redis decision.
	Timeout time.Duration
	// OnError is the outage behaviour (OnErrorLocal if empty).
	OnError OnError
	// Breaker guards Redis; nil means none.
	Breaker *Breaker
	// RememberOverLimit refuses identifiers known to be over a limit
	// without asking Redis until they may pass again.
	RememberOverLimit bool
	// MaxLocalKeys bounds the in-process state (DefaultLocalMaxKeys if 0).
	MaxLocalKeys int
	// Local is the in-process store (policy local, and the local
	// fallback); nil means a new one for this limiter.
	Local *Local
	// Now is the local clock (time.Now if nil): the in-process limiter,
	// the breaker and the known-over-limit cache use it; Redis decisions
	// use Redis TIME.
	Now func() time.Time
	// Nodes returns how many gateway nodes share the limits; the local
	// fallback admits limits/Nodes() (rounded down, at least 1). Nil, or
	// an answer below 2, means the whole limits.
	Nodes func() int
	// OnFallback, if set, is called with every outage decision's source
	// and the reason Redis was not used.
	OnFallback func(s Source, err error)
}

// Limiter decides the limits of one plugin instance.
type Limiter struct {
	o       Options
	local   *Local
	blocked *blocked
	counts  [6]atomic.Int64
}

var sources = [...]Source{SourceRedis, SourceLocal, SourceKnownOver, SourceFallbackAllow, SourceFallbackDeny, SourceFallbackLocal}

// New validates o and returns a limiter.
func New(o Options) (*Limiter, error) {
	if len(o.Limits) == 0 {
		return nil, fmt.Errorf("%w: no limits", ErrInvalidLimit)
	}
	for i, l := range o.Limits {
		if err := l.Validate(); err != nil {
			return nil, fmt.Errorf("limits[%d]: %w", i, err)
		}
	}
	if _, err := ParseAlgorithm(string(o.Algorithm)); err != nil {
		return nil, err
	}
	if o.Cost <= 0 {
		o.Cost = 1
	}
	if o.OnError == "" {
		o.OnError = OnErrorLocal
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Limiter{o: o, local: o.Local}
	if l.local == nil {
		l.local = NewLocal(o.Algorithm, o.MaxLocalKeys, o.Now)
	}
	if o.RememberOverLimit && !o.CountRejected {
		max := o.MaxLocalKeys
		if max <= 0 {
			max = DefaultLocalMaxKeys
		}
		l.blocked = newBlocked(max)
	}
	return l, nil
}

// Limits returns the configured limits.
func (l *Limiter) Limits() []Limit { return l.o.Limits }

// Count returns how many decisions came from source.
func (l *Limiter) Count(s Source) int64 {
	for i, x := range sources {
		if x == s {
			return l.counts[i].Load()
		}
	}
	return 0
}

func (l *Limiter) count(s Source) {
	for i, x := range sources {
		if x == s {
			l.counts[i].Add(1)
		}
	}
}

// Decide decides one request of identifier, its limits scaled by
// multiplier (a tier; 1 for none).
func (l *Limiter) Decide(ctx context.Context, identifier string, multiplier float64) Decision {
	d := l.decide(ctx, identifier, multiplier)
	l.count(d.Source)
	if l.o.OnFallback != nil && d.Source.Fallback() {
		l.o.OnFallback(d.Source, d.Err)
	}
	return d
}

func (l *Limiter) decide(ctx context.Context, identifier string, multiplier float64) Decision {
	limits := l.o.Limits
	if multiplier != 1 && multiplier > 0 {
		limits = make([]Limit, len(l.o.Limits))
		for i, lim := range l.o.Limits {
			limits[i] = lim.Scale(multiplier)
		}
	}
	if l.o.Redis == nil {
		return Decision{Result: l.local.Decide(identifier, limits, l.o.Cost, l.o.CountRejected), Source: SourceLocal}
	}
	var bkey string
	if l.blocked != nil {
		bkey = identifier + "\x00" + strconv.FormatFloat(multiplier, 'g', -1, 64)
		if res, ok := l.blocked.get(bkey, l.o.Now()); ok {
			return Decision{Result: res, Source: SourceKnownOver}
		}
	}
	if l.o.Breaker != nil && !l.o.Breaker.Allow() {
		return l.fallback(identifier, limits, ErrCircuitOpen)
	}
	if l.o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.o.Timeout)
		defer cancel()
	}
	res, err := l.o.Redis.Decide(ctx, identifier, limits, l.o.Cost, l.o.CountRejected)
	if l.o.Breaker != nil {
		l.o.Breaker.Done(breakerError(err))
	}
	if err != nil {
		return l.fallback(identifier, limits, err)
	}
	if !res.Allowed && l.blocked != nil {
		l.blocked.put(bkey, res, l.o.Now())
	}
	if res.Allowed && l.o.OnError == OnErrorLocal {
		// The local fallback's counters also hold what this node
		// admitted through Redis, so a fallback decision (a timeout, an
		// open breaker) admits only what is left of this node's share
		// of the window, not a share on top of it.
		l.local.Decide(identifier, l.share(limits), l.o.Cost, true)
	}
	return Decision{Result: res, Source: SourceRedis}
}

// breakerError keeps a reply the script could not be parsed from out of
// the breaker's count: Redis answered, so it is not down.
func breakerError(err error) error {
	if errors.Is(err, ErrBadReply) {
		return nil
	}
	return err
}

func (l *Limiter) fallback(identifier string, limits []Limit, err error) Decision {
	switch l.o.OnError {
	case OnErrorAllow:
		return Decision{Result: Result{Allowed: true}, Source: SourceFallbackAllow, Err: err}
	case OnErrorDeny:
		return Decision{Result: Result{Allowed: false}, Source: SourceFallbackDeny, Err: err}
	}
	res := l.local.Decide(identifier, l.share(limits), l.o.Cost, l.o.CountRejected)
	return Decision{Result: res, Source: SourceFallbackLocal, Err: err}
}

// share is this node's part of limits for the local fallback: each of n
// nodes deciding on its own admits limit/n, so together they admit about
// the limit instead of n times it.
func (l *Limiter) share(limits []Limit) []Limit {
	if l.o.Nodes == nil {
		return limits
	}
	n := l.o.Nodes()
	if n < 2 {
		return limits
	}
	out := make([]Limit, len(limits))
	for i, lim := range limits {
		out[i] = lim.Scale(1 / float64(n))
	}
	return out
}
