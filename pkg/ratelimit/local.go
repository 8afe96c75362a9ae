package ratelimit

import (
	"math"
	"time"

	"github.com/warden-gw/warden/pkg/ratelimit/internal/boundcache"
)

// Local decides limits in process memory with the same algorithms and
// the same all-or-nothing rule as the Redis scripts. It serves
// `policy: local` and the `on_redis_error: local` fallback; its counts are
// per plugin process, not shared between gateway nodes.
type Local struct {
	algorithm Algorithm
	now       func() time.Time
	// entries holds each identifier's slots, one per limit, until the
	// state stops mattering (µs).
	entries *boundcache.Cache[[]slot]
}

// DefaultLocalMaxKeys bounds the identifiers a Local limiter remembers.
const DefaultLocalMaxKeys = 100_000

// slot is one limit's state: window index, current and previous counts
// for the windows, theoretical arrival time for GCRA.
type slot struct {
	w    int64
	c, p float64
	tat  float64
}

// NewLocal returns an in-process limiter remembering at most maxKeys
// identifiers (DefaultLocalMaxKeys if maxKeys <= 0); now is its clock
// (time.Now if nil). When full, a new identifier takes the place of one
// whose state mattered the shortest among a few sampled: hostile
// identifiers cannot grow memory, nor make an insert cost more.
func NewLocal(alg Algorithm, maxKeys int, now func() time.Time) *Local {
	if maxKeys <= 0 {
		maxKeys = DefaultLocalMaxKeys
	}
	if now == nil {
		now = time.Now
	}
	return &Local{algorithm: alg, now: now, entries: boundcache.New[[]slot](maxKeys)}
}

// Decide decides all limits of identifier, as Redis.Decide does.
func (l *Local) Decide(identifier string, limits []Limit, cost int64, countRejected bool) Result {
	now := float64(l.now().UnixMicro())
	var res Result
	l.entries.Update(identifier, int64(now), func(slots *[]slot) int64 {
		if len(*slots) != len(limits) {
			*slots = make([]slot, len(limits))
		}
		var keep float64
		res, keep = l.step(*slots, limits, float64(cost), countRejected, now)
		return int64(now + keep)
	})
	return res
}

// sweep drops the identifiers whose state stopped mattering and returns
// how many are left.
func (l *Local) sweep() int { return l.entries.Sweep(l.now().UnixMicro()) }

// step mirrors the scripts in lua.go; keep is how long (µs) the state
// matters.
func (l *Local) step(slots []slot, limits []Limit, cost float64, countRejected bool, now float64) (Result, float64) {
	res := Result{Allowed: true, Algorithm: l.algorithm, At: time.UnixMicro(int64(now)), States: make([]LimitState, len(limits))}
	type pending struct {
		s                      slot
		weight, elapsed, newAt float64
		ok                     bool
	}
	ps := make([]pending, len(limits))
	for i, lim := range limits {
		s := slots[i]
		rate, period := float64(lim.Rate), float64(lim.Period.Microseconds())
		var p pending
		switch l.algorithm {
		case GCRA:
			interval := period / rate
			if s.tat < now {
				s.tat = now
			}
			p.newAt = s.tat + cost*interval
			p.ok = p.newAt-float64(lim.EffectiveBurst())*interval <= now
		default:
			win := int64(math.Floor(now / period))
			p.elapsed = now - float64(win)*period
			switch {
			case s.w == win:
			case s.w == win-1 && l.algorithm == SlidingWindow:
				s.p, s.c = s.c, 0
			default:
				s.p, s.c = 0, 0
			}
			s.w = win
			if l.algorithm == SlidingWindow {
				p.weight = s.p * (period - p.elapsed) / period
			}
			p.ok = p.weight+s.c+cost <= rate
		}
		p.s = s
		ps[i] = p
		if !p.ok {
			res.Allowed = false
		}
	}
	consume := res.Allowed || countRejected
	var keep float64
	for i, lim := range limits {
		p := ps[i]
		s := p.s
		rate, period := float64(lim.Rate), float64(lim.Period.Microseconds())
		st := LimitState{Limit: lim}
		var retry float64
		switch l.algorithm {
		case GCRA:
			interval := period / rate
			burst := float64(lim.EffectiveBurst())
			if consume {
				s.tat = p.newAt
			}
			if !p.ok {
				retry = math.Ceil(s.tat + (cost-burst)*interval - now)
				if cost > burst {
					retry = math.Ceil(s.tat + cost*interval - now)
				}
			}
			rem := max(0, math.Floor(burst-(s.tat-now)/interval+1e-9))
			st.Remaining = int64(rem)
			st.Reset = micros(max(0, math.Ceil(s.tat-now-(burst-rem-1)*interval)))
			keep = max(keep, s.tat-now)
		default:
			if consume {
				s.c += cost
			}
			if !p.ok {
				retry = period - p.elapsed
				if l.algorithm == SlidingWindow {
					retry = slidingWait(rate, period, p.elapsed, s.c, s.p, cost)
				}
			}
			rem := max(0, math.Floor(rate-p.weight-s.c))
			st.Remaining = int64(rem)
			st.Reset = micros(period - p.elapsed)
			if l.algorithm == SlidingWindow && rem < rate {
				st.Reset = micros(slidingWait(rate, period, p.elapsed, s.c, s.p, rem+1))
			}
			keep = max(keep, 2*period-p.elapsed)
		}
		st.RetryAfter = micros(retry)
		slots[i] = s
		res.States[i] = st
	}
	return res, keep
}

// slidingWait is how long until need units fit, as wait in
// slidingScript: the previous window's weight decays during this window,
// and the current count starts to decay when the next one begins.
func slidingWait(rate, period, elapsed, c, p, need float64) float64 {
	var w float64
	switch {
	case need > rate:
		w = 2*period - elapsed
	case c+need <= rate:
		w = math.Ceil(period - elapsed - (rate-c-need)*period/p)
	default:
		e := max(0, math.Ceil(period-(rate-need)*period/c))
		w = period - elapsed + e
	}
	return max(w, 1)
}

func micros(us float64) time.Duration { return time.Duration(us) * time.Microsecond }
