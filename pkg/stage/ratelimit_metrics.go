package stage

import (
	"github.com/warden-gw/warden/pkg/metrics"
	"github.com/warden-gw/warden/pkg/ratelimit"
)

// Metric names, beside the runtime's warden_decisions_total.
const (
	metricFallbacks = "warden_ratelimit_fallback_decisions_total"
	metricBreaker   = "warden_ratelimit_breaker_changes_total"
)

// hooks counts outage events in the process's metrics registry. The
// counters are shared by every instance (CounterVec returns the one
// registered first), and so is each Redis backend's breaker.
func hooks(m *metrics.Registry) ratelimit.Hooks {
	fallbacks := m.CounterVec(metricFallbacks,
		"Rate-limit decisions made without Redis, by decision source (fallback_allow, fallback_deny, fallback_local) and why Redis was not used (circuit_open, timeout, tls, connection, bad_reply, redis_error).",
		"source", "reason")
	changes := m.CounterVec(metricBreaker,
		"State changes of the Redis circuit breakers (closed, open, half_open).",
		"from", "to")
	return ratelimit.Hooks{
		Fallback: func(s ratelimit.Source, err error) {
			fallbacks.WithLabelValues(string(s), ratelimit.ErrorClass(err)).Inc()
		},
		BreakerChange: func(from, to ratelimit.BreakerState) {
			changes.WithLabelValues(string(from), string(to)).Inc()
		},
	}
}
