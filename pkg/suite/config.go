// Package suite is warden-suite's config: any of Warden's five policies
// for one route, service or the whole node in one Kong plugin entity,
// each in the schema of the stand-alone plugin that runs it alone.
package suite

import (
	"errors"

	"github.com/warden-gw/warden/pkg/auth"
	"github.com/warden-gw/warden/pkg/authz"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/leakguard"
	"github.com/warden-gw/warden/pkg/ratelimit"
	"github.com/warden-gw/warden/pkg/validator"
)

// Config names the policies to run; those left out do not run. They run
// in the order the stand-alone plugins' priorities give: auth, validator,
// authz, ratelimit, leakguard.
type Config struct {
	Auth      *auth.Config      `json:"auth" desc:"Authentication, as warden-auth's config: JWT, API keys, OAuth2 introspection. Left out, requests are not authenticated here."`
	Validator *validator.Config `json:"validator" desc:"Request (and response) validation, as warden-validator's config."`
	Authz     *authz.Config     `json:"authz" desc:"Authorization rules, as warden-authz's config; they see the identity auth established in the same event."`
	RateLimit *ratelimit.Config `json:"ratelimit" desc:"Rate limits, as warden-ratelimit's config; limits by consumer or claim count the identity auth established in the same event."`
	LeakGuard *leakguard.Config `json:"leakguard" desc:"Leaked-secret scanning, as warden-leakguard's config. Scanning responses needs the response phase, which warden-suite declares unless started with -response-phase=false."`
	// ShareIdentity stores the identity auth established in
	// kong.ctx.shared, for Warden plugins that run after this one as
	// separate plugins.
	ShareIdentity bool `json:"share_identity" desc:"Also store the authenticated identity for stand-alone Warden plugins that run after this one (warden-authz, warden-ratelimit): one more PDK call per authenticated request. Policies inside this plugin never need it."`
}

// Validate checks each policy's config, naming fields from the top of
// this one (auth.api_keys..., ratelimit.limits[1]...).
func (c *Config) Validate() error {
	if c.Auth == nil && c.Authz == nil && c.Validator == nil && c.RateLimit == nil && c.LeakGuard == nil {
		return config.Errorf("", "configure at least one of auth, validator, authz, ratelimit, leakguard")
	}
	if c.ShareIdentity && c.Auth == nil {
		return config.Errorf("share_identity", "needs auth: only an identity this plugin established is shared")
	}
	var errs []error
	for _, p := range c.parts() {
		if v, ok := p.cfg.(config.Validator); ok {
			errs = append(errs, config.Prefix(p.name, v.Validate()))
		}
	}
	return errors.Join(errs...)
}

// SetScope hands the instance's scope to the policies that key on it.
func (c *Config) SetScope(routeID, serviceID string) {
	if c.RateLimit != nil {
		c.RateLimit.SetScope(routeID, serviceID)
	}
}

type part struct {
	name string
	cfg  any
}

// parts are the configured policies, in running order.
func (c *Config) parts() []part {
	var out []part
	add := func(name string, present bool, cfg any) {
		if present {
			out = append(out, part{name, cfg})
		}
	}
	add("auth", c.Auth != nil, c.Auth)
	add("validator", c.Validator != nil, c.Validator)
	add("authz", c.Authz != nil, c.Authz)
	add("ratelimit", c.RateLimit != nil, c.RateLimit)
	add("leakguard", c.LeakGuard != nil, c.LeakGuard)
	return out
}
