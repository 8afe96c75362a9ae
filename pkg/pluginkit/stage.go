package pluginkit

import "github.com/warden-gw/warden/pkg/metrics"

// Stage is one policy inside a plugin that runs several (warden-suite):
// while a Kong event is in a stage, its audit events and decision metrics
// carry the stage's name, the name of the stand-alone plugin that takes
// the same decisions, so an operator's queries and alerts read the same
// whichever shape runs; audit events say which plugin ran them (via).
type Stage struct {
	Name    string
	Metrics *metrics.Registry
}

// NewStage returns the stage name, counted in this process's metrics.
func NewStage(name string) *Stage { return &Stage{Name: name, Metrics: Metrics().Child(name)} }

// Enter attributes what follows in the event to s; nil returns to the
// plugin itself.
func (k *Kong) Enter(s *Stage) { k.stage = s }

// InStage returns the stage the event is in, or nil.
func (k *Kong) InStage() *Stage { return k.stage }

func (k *Kong) decisionMetrics() *metrics.Registry {
	if k.stage != nil {
		return k.stage.Metrics
	}
	return k.in.rt.metrics
}
