package stage

import (
	"errors"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/suite"
)

// Suite runs the configured policies of a warden-suite instance in one
// event per phase, in the order of the stand-alone plugins' priorities
// (auth 1420, validator 995, authz 940, ratelimit 905, leakguard 800;
// Kong runs higher priorities first, kong/runloop/plugins_iterator.lua).
// The policies share the event's pluginkit.Kong: each request fact is
// read once, whichever policy asks first; the identity auth establishes
// is handed on in process; their writes are made together when the event
// ends, or settled by the exit of the policy that refuses. Audit events
// and decision metrics carry each policy's stand-alone plugin name.
type Suite struct {
	access   []step
	response []step
	bodyMax  int64
}

type step struct {
	stage *pluginkit.Stage
	run   func(k *pluginkit.Kong) error
}

// Stage names: the stand-alone plugins that take the same decisions.
const (
	NameAuth      = "warden-auth"
	NameValidator = "warden-validator"
	NameAuthz     = "warden-authz"
	NameRateLimit = "warden-ratelimit"
	NameLeakGuard = "warden-leakguard"
)

// NewSuite compiles each configured policy, naming a failing field from
// the top of the suite's config (validator.operations[1]...).
func NewSuite(cfg *suite.Config) (*Suite, error) {
	s := &Suite{}
	var errs []error
	add := func(st *pluginkit.Stage, field string, access, response func(*pluginkit.Kong) error, err error) {
		if err != nil {
			errs = append(errs, config.Prefix(field, err))
			return
		}
		s.access = append(s.access, step{st, access})
		if response != nil {
			s.response = append(s.response, step{st, response})
		}
	}
	if cfg.Auth != nil {
		a, err := NewAuth(cfg.Auth, cfg.ShareIdentity)
		add(pluginkit.NewStage(NameAuth), "auth", a.Access, nil, err)
	}
	if cfg.Validator != nil {
		v, err := NewValidator(cfg.Validator)
		add(pluginkit.NewStage(NameValidator), "validator", v.Access, v.Response, err)
		s.bodyMax = max(s.bodyMax, int64(cfg.Validator.MaxBodyBytes))
	}
	if cfg.Authz != nil {
		a, err := NewAuthz(cfg.Authz)
		add(pluginkit.NewStage(NameAuthz), "authz", a.Access, nil, err)
	}
	if cfg.RateLimit != nil {
		st := pluginkit.NewStage(NameRateLimit)
		r, err := NewRateLimit(cfg.RateLimit, st.Metrics)
		add(st, "ratelimit", r.Access, nil, err)
	}
	if cfg.LeakGuard != nil {
		st := pluginkit.NewStage(NameLeakGuard)
		l, err := NewLeakGuard(cfg.LeakGuard, st.Metrics)
		add(st, "leakguard", l.Access, l.Response, err)
		if err == nil {
			s.bodyMax = max(s.bodyMax, int64(l.g.MaxScanBytes()))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// Access runs the policies' access checks until one answers the client.
func (s *Suite) Access(k *pluginkit.Kong) error {
	k.WantBody(s.bodyMax)
	return s.run(k, s.access)
}

// Response runs the response checks of the policies that have them; Kong
// sends the event only when the process declared the phase.
func (s *Suite) Response(k *pluginkit.Kong) error { return s.run(k, s.response) }

func (s *Suite) run(k *pluginkit.Kong, steps []step) error {
	for _, st := range steps {
		k.Enter(st.stage)
		if err := st.run(k); err != nil {
			return err
		}
		if k.Exited() {
			return nil
		}
	}
	k.Enter(nil)
	return nil
}
