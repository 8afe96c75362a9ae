package ratelimit

import (
	"fmt"
	"strconv"
	"time"
)

// Limit is one rate: Rate requests (cost units) per Period. Burst matters
// to GCRA only: how many units may arrive at once; zero means Rate.
type Limit struct {
	Rate   int64
	Period time.Duration
	Burst  int64
}

// PerSecond returns a limit of rate units per second.
func PerSecond(rate int64) Limit { return Limit{Rate: rate, Period: time.Second} }

// PerMinute returns a limit of rate units per minute.
func PerMinute(rate int64) Limit { return Limit{Rate: rate, Period: time.Minute} }

// PerHour returns a limit of rate units per hour.
func PerHour(rate int64) Limit { return Limit{Rate: rate, Period: time.Hour} }

// PerDay returns a limit of rate units per day.
func PerDay(rate int64) Limit { return Limit{Rate: rate, Period: 24 * time.Hour} }

// WithBurst returns l allowing burst units at once (GCRA).
func (l Limit) WithBurst(burst int64) Limit { l.Burst = burst; return l }

// Scale returns l with rate and burst multiplied by m (a tier), rounded
// down but never below 1.
func (l Limit) Scale(m float64) Limit {
	if m == 1 {
		return l
	}
	scale := func(n int64) int64 {
		v := int64(float64(n) * m)
		if v < 1 {
			return 1
		}
		return v
	}
	l.Rate = scale(l.Rate)
	if l.Burst > 0 {
		l.Burst = scale(l.Burst)
	}
	return l
}

// EffectiveBurst is the burst GCRA enforces.
func (l Limit) EffectiveBurst() int64 {
	if l.Burst > 0 {
		return l.Burst
	}
	return l.Rate
}

// IsZero reports whether l is the zero Limit.
func (l Limit) IsZero() bool { return l == Limit{} }

// Validate reports whether l can be enforced: a positive rate, a period
// of at least a millisecond in whole milliseconds, a non-negative burst.
func (l Limit) Validate() error {
	switch {
	case l.Rate <= 0:
		return fmt.Errorf("%w: rate %d must be positive", ErrInvalidLimit, l.Rate)
	case l.Period < time.Millisecond || l.Period%time.Millisecond != 0:
		return fmt.Errorf("%w: period %s must be whole milliseconds", ErrInvalidLimit, l.Period)
	case l.Burst < 0:
		return fmt.Errorf("%w: burst %d must not be negative", ErrInvalidLimit, l.Burst)
	}
	return nil
}

// Window is the limit's period as a header word: "Second", "Minute",
// "Hour", "Day", or the period in seconds ("30s") otherwise; Kong names
// its headers X-RateLimit-Limit-<Window>
// (kong/plugins/rate-limiting/handler.lua X_RATELIMIT_LIMIT).
func (l Limit) Window() string {
	switch l.Period {
	case time.Second:
		return "Second"
	case time.Minute:
		return "Minute"
	case time.Hour:
		return "Hour"
	case 24 * time.Hour:
		return "Day"
	}
	return strconv.FormatFloat(l.Period.Seconds(), 'f', -1, 64) + "s"
}

// String renders l as "10/s", "1000/h", "5/30s", with ",burst=20" when
// a burst is set.
func (l Limit) String() string {
	var per string
	switch l.Period {
	case time.Second:
		per = "s"
	case time.Minute:
		per = "m"
	case time.Hour:
		per = "h"
	case 24 * time.Hour:
		per = "d"
	default:
		per = l.Period.String()
	}
	s := strconv.FormatInt(l.Rate, 10) + "/" + per
	if l.Burst != 0 {
		s += ",burst=" + strconv.FormatInt(l.Burst, 10)
	}
	return s
}
