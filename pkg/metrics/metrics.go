// Package metrics exposes a plugin process's decisions and phase latencies
// to Prometheus. The endpoint is off unless an address is configured; the
// counters are always kept (they cost an atomic add).
package metrics

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds one plugin process's metrics.
type Registry struct {
	reg       *prometheus.Registry
	labels    prometheus.Labels
	decisions *prometheus.CounterVec
	phases    *prometheus.HistogramVec
	panics    *prometheus.CounterVec

	mu       sync.Mutex
	children map[string]*Registry
}

// New returns a registry whose metrics carry plugin as a constant label.
func New(plugin string) *Registry {
	r := newRegistry(prometheus.NewRegistry(), plugin)
	r.reg.MustRegister(r.decisions, r.phases, r.panics,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Child returns the metrics of another plugin name served by the same
// process and endpoint: warden-suite counts each policy's decisions under
// the name of the stand-alone plugin that takes them, so dashboards and
// alerts read the same series whichever shape an operator runs. Asking
// twice for a name returns the same child.
func (r *Registry) Child(plugin string) *Registry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.children[plugin]; ok {
		return c
	}
	c := newRegistry(r.reg, plugin)
	r.reg.MustRegister(c.decisions, c.phases, c.panics)
	if r.children == nil {
		r.children = map[string]*Registry{}
	}
	r.children[plugin] = c
	return c
}

func newRegistry(reg *prometheus.Registry, plugin string) *Registry {
	labels := prometheus.Labels{"plugin": plugin}
	r := &Registry{
		reg:    reg,
		labels: labels,
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "warden_decisions_total",
			Help:        "Security decisions by outcome and reason code.",
			ConstLabels: labels,
		}, []string{"decision", "reason"}),
		phases: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        "warden_phase_duration_seconds",
			Help:        "Time spent in a plugin phase handler, PDK round trips included.",
			ConstLabels: labels,
			Buckets:     []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"phase"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "warden_panics_total",
			Help:        "Panics recovered in phase handlers.",
			ConstLabels: labels,
		}, []string{"phase"}),
	}
	return r
}

// Registerer lets a plugin add metrics of its own.
func (r *Registry) Registerer() prometheus.Registerer { return r.reg }

// Decision counts one decision.
func (r *Registry) Decision(decision, reason string) {
	r.decisions.WithLabelValues(decision, reason).Inc()
}

// Phase records how long a phase handler took.
func (r *Registry) Phase(phase string, d time.Duration) {
	r.phases.WithLabelValues(phase).Observe(d.Seconds())
}

// Panic counts one recovered panic.
func (r *Registry) Panic(phase string) { r.panics.WithLabelValues(phase).Inc() }

// Handler serves the metrics in Prometheus' text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{})
}

// Serve listens on addr and serves /metrics until the listener fails. It
// returns once listening, with the bound address; a later failure of the
// server is reported through logf.
func (r *Registry) Serve(addr string, logf func(format string, args ...any)) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", r.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			// The process keeps serving Kong, without metrics: say so.
			logf("metrics on %s stopped: %v", addr, err)
		}
	}()
	return ln.Addr(), nil
}

// CounterVec returns the plugin's own counter named name, registering it
// the first time; later calls (a new instance after a config change) get
// the same counter. Its constant plugin label comes from the registry.
func (r *Registry) CounterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: r.labels}, labels)
	if err := r.reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
		panic(fmt.Sprintf("metrics: registering %s: %v", name, err))
	}
	return c
}
