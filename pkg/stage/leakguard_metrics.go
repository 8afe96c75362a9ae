package stage

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/warden-gw/warden/pkg/leakguard"
	"github.com/warden-gw/warden/pkg/metrics"
)

// findingsMetric names the per-rule counter. Its labels are the rule id
// (bounded by the config), the direction and the action: never a value,
// a fingerprint or a location name, which could carry attacker-chosen
// text and grow the series without bound.
const findingsMetric = "warden_leakguard_findings_total"

// newFindingsCounter returns the process-wide counter; every instance
// (one per config, kept for the process's life) gets the same one.
func newFindingsCounter(m *metrics.Registry) *prometheus.CounterVec {
	return m.CounterVec(findingsMetric,
		"Secrets found, by rule id, direction (request or response) and the action they got (block, redact or log_only).",
		"rule", "direction", "action")
}

// countFindings adds a decision's findings, all of them (not only the
// audited ones), to c.
func countFindings(c *prometheus.CounterVec, direction string, d leakguard.Decision) {
	for _, rc := range d.Counts {
		c.WithLabelValues(rc.Rule, direction, rc.Action).Add(float64(rc.N))
	}
}
