package ratelimit

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Algorithm names a counting method.
type Algorithm string

// The algorithms.
const (
	// SlidingWindow weighs the previous fixed window's count by its
	// overlap with a window sliding up to now: smooth at boundaries,
	// approximate within about a percent for steady traffic.
	SlidingWindow Algorithm = "sliding_window"
	// FixedWindow counts per window aligned to the epoch, as Kong's
	// rate-limiting does: exact, but allows up to twice the rate across a
	// window boundary.
	FixedWindow Algorithm = "fixed_window"
	// GCRA spaces requests evenly (one unit per period/rate) and allows a
	// burst: exact, and no boundary effect.
	GCRA Algorithm = "gcra"
)

// ParseAlgorithm returns the algorithm named s.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch a := Algorithm(s); a {
	case SlidingWindow, FixedWindow, GCRA:
		return a, nil
	}
	return "", fmt.Errorf("unknown algorithm %q", s)
}

func (a Algorithm) script() *redis.Script {
	switch a {
	case FixedWindow:
		return fixedScript
	case GCRA:
		return gcraScript
	}
	return slidingScript
}

// code is the short tag of an algorithm in key names, so switching the
// algorithm of an instance never reads another algorithm's state.
func (a Algorithm) code() string {
	switch a {
	case FixedWindow:
		return "f"
	case GCRA:
		return "g"
	}
	return "s"
}

// LimitState is where one limit stands after a decision.
type LimitState struct {
	Limit Limit
	// Remaining is how many units are left.
	Remaining int64
	// Reset is how long until additional quota is made available, the
	// IETF draft's RateLimit "t" (draft-ietf-httpapi-ratelimit-headers-10
	// section 4.1.2): for the fixed window the end of the window, when
	// the whole limit returns; for the sliding window the moment the
	// weighted count has decayed by one more unit; for GCRA the moment
	// the next unit is emitted. When the limit refuses a request of cost
	// 1, that is its RetryAfter; with nothing used it is the window's end
	// (sliding, fixed) or zero (GCRA).
	Reset time.Duration
	// RetryAfter is how long until a refused request could pass, zero when
	// this limit did not refuse.
	RetryAfter time.Duration
}

// Result is the outcome of deciding all limits of one request.
type Result struct {
	Allowed bool
	// Algorithm decided the limits (empty for a fallback allow or deny).
	Algorithm Algorithm
	// At is when the decision was made, by the deciding clock (Redis TIME
	// for Redis decisions).
	At     time.Time
	States []LimitState
}

// RetryAfter is the longest wait any refusing limit asks for.
func (r Result) RetryAfter() time.Duration {
	var d time.Duration
	for _, s := range r.States {
		d = max(d, s.RetryAfter)
	}
	return d
}

// Tightest returns the most restrictive limit: the fewest remaining
// units, ties going to the longer window, the choice Kong makes for its
// RateLimit-* headers (kong/plugins/rate-limiting/handler.lua access).
func (r Result) Tightest() (LimitState, bool) {
	if len(r.States) == 0 {
		return LimitState{}, false
	}
	best := r.States[0]
	for _, s := range r.States[1:] {
		if s.Remaining < best.Remaining || (s.Remaining == best.Remaining && s.Limit.Period > best.Limit.Period) {
			best = s
		}
	}
	return best, true
}
