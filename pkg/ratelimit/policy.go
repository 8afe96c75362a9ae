package ratelimit

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Policy is a compiled Config: what one plugin instance enforces.
type Policy struct {
	limiter  *Limiter
	kinds    []string
	fallback string
	header   string
	claim    string
	tiers    []Tier
	needs    Needs
	fbNeeds  Needs
	status   int
	message  string
	shadow   bool
	hide     bool
}

// CompileOptions are seams for tests.
type CompileOptions struct {
	// Backend replaces the shared Redis backend for cfg.Redis.
	Backend *Backend
	// Now is the local clock (time.Now if nil). Set, the limiter counts
	// in a store of its own, not in the one shared by every instance
	// with the same algorithm and namespace.
	Now func() time.Time
	// Hooks report outage events, for metrics.
	Hooks Hooks
}

// Hooks are told about outage events, for metrics; nil fields are
// skipped. They run on the request path: keep them to a counter.
type Hooks struct {
	// Fallback is called for every decision made without Redis because
	// it failed or its breaker was open, with the decision's source and
	// the reason Redis was not used.
	Fallback func(s Source, err error)
	// BreakerChange is called on every state change of the Redis
	// backend's circuit breaker, which instances with the same Redis
	// settings share: the first instance's hook is the one kept.
	BreakerChange func(from, to BreakerState)
}

// Compile builds the policy of cfg, which must be defaulted and valid.
// For policy redis it takes the process-wide client for cfg.Redis; it
// does not contact Redis, so a Redis that is down at start does not fail
// the instance: its requests follow on_redis_error.
func Compile(cfg *Config) (*Policy, error) { return CompileWith(cfg, CompileOptions{}) }

// CompileWith is Compile with test seams.
func CompileWith(cfg *Config, co CompileOptions) (*Policy, error) {
	alg, err := ParseAlgorithm(cfg.Algorithm)
	if err != nil {
		return nil, err
	}
	limits := make([]Limit, len(cfg.Limits))
	for i, l := range cfg.Limits {
		limits[i] = l.toLimit()
	}
	o := Options{
		Algorithm:         alg,
		Limits:            limits,
		Cost:              int64(cfg.Cost),
		CountRejected:     cfg.CountRejected,
		OnError:           OnError(cfg.OnRedisError),
		RememberOverLimit: cfg.RememberOverLimit,
		Now:               co.Now,
		OnFallback:        co.Hooks.Fallback,
	}
	if cfg.Policy == PolicyRedis {
		b := co.Backend
		if b == nil {
			if b, err = SharedBackend(cfg.Redis, co.Hooks.BreakerChange); err != nil {
				return nil, err
			}
		}
		o.Redis = NewRedis(b.Client, cfg.Redis.KeyPrefix+namespace(cfg)+":", alg)
		o.Breaker = b.Breaker
		o.Timeout = time.Duration(cfg.Redis.TimeoutMS) * time.Millisecond
		o.Nodes = nodeCount(cfg.GatewayNodes, b.Nodes)
	}
	var lim *Limiter
	if co.Now == nil {
		// Kong restarts every instance whose config it rebuilt, on any
		// config change (kong/runloop/plugins_iterator.lua gives each a
		// new __seq__, plugin_servers/plugin.lua then closes and starts
		// it), and go-pdk drops an instance idle for 60 s: in-process
		// counters live in a store shared by algorithm and namespace, as
		// Redis counters are, so a new instance does not reset them. The
		// store is freed once no limiter uses it and it holds no
		// unexpired count (stores.go).
		lim, err = localStores.newLimiter(o, namespace(cfg))
	} else {
		lim, err = New(o)
	}
	if err != nil {
		return nil, err
	}
	p := &Policy{
		limiter:  lim,
		kinds:    cfg.LimitBy,
		fallback: cfg.FallbackBy,
		header:   strings.ToLower(cfg.HeaderName), // Kong lower-cases request header names
		claim:    cfg.ClaimName,
		status:   cfg.ErrorCode,
		message:  cfg.ErrorMessage,
		shadow:   cfg.Shadow,
		hide:     cfg.HideClientHeaders,
	}
	for _, t := range cfg.Tiers {
		p.tiers = append(p.tiers, Tier{By: t.By, Claim: t.Claim, Value: t.Value, Multiplier: t.Multiplier})
	}
	p.needs = needsFor(cfg.LimitBy, len(p.tiers) > 0)
	p.fbNeeds = needsFor([]string{cfg.FallbackBy}, false)
	return p, nil
}

// nodeCount is the node count the local fallback divides by: the
// configured gateway_nodes, else the count learnt from Redis heartbeats
// (asking starts them), else 1 (nothing learnt yet: Redis was down since
// this process started).
func nodeCount(configured int, learnt *Nodes) func() int {
	if configured > 0 {
		return func() int { return configured }
	}
	return func() int { return max(learnt.Count(), 1) }
}

// namespace names an instance's counters: the configured one, or a
// digest of its scope (route and service ids, as Kong's rate-limiting
// keys its counters: kong/plugins/rate-limiting/policies/init.lua
// get_local_key) and of everything that defines a counter.
func namespace(cfg *Config) string {
	if cfg.Namespace != "" {
		return cfg.Namespace
	}
	b, _ := json.Marshal([]any{cfg.Limits, cfg.LimitBy, cfg.FallbackBy, cfg.HeaderName, cfg.ClaimName, cfg.Cost, cfg.routeID, cfg.serviceID})
	return hashHex(string(b))[:12]
}

// Needs says which request data Decide uses, fallback aside.
func (p *Policy) Needs() Needs { return p.needs }

// FallbackNeeds says what the fallback identifier needs; read it only
// when Missing reports the limit_by identifier incomplete, which spares
// identified requests a PDK call.
func (p *Policy) FallbackNeeds() Needs { return p.fbNeeds }

// Missing reports whether a limit_by value of r is missing, so the
// fallback identifier applies.
func (p *Policy) Missing(r Request) bool {
	for _, k := range p.kinds {
		if _, ok := identifierValue(k, r, p.header, p.claim); !ok {
			return true
		}
	}
	return false
}

// Unidentified reports whether neither limit_by nor fallback_by has a
// value in r, so the client IP identifies it (read it then, as Kong
// does, only when needed).
func (p *Policy) Unidentified(r Request) bool {
	if !p.Missing(r) {
		return false
	}
	_, ok := identifierValue(p.fallback, r, p.header, p.claim)
	return !ok
}

// Limiter returns the policy's limiter.
func (p *Policy) Limiter() *Limiter { return p.limiter }

// Verdict is the policy's answer for one request.
type Verdict struct {
	Decision
	// Refuse is true when the request must be answered with Status and
	// Message instead of being proxied.
	Refuse bool
	// ShadowRefused is true when shadow mode let through a request the
	// limits refuse.
	ShadowRefused bool
	// Identified is false when neither limit_by nor fallback_by found a
	// value and the request was counted by its client IP (or, without
	// one, in a shared "unidentified" bucket).
	Identified bool
	// Tier is the matching tier, nil for none.
	Tier *Tier
	// Headers go on the response (the refusal or the proxied one); nil
	// when hide_client_headers is set.
	Headers map[string][]string
	Status  int
	Message string
}

// Reason is the audit reason code of the verdict.
func (v Verdict) Reason() string {
	switch {
	case v.Source == SourceFallbackDeny:
		return "redis_unavailable_deny"
	case v.Source == SourceFallbackAllow:
		return "redis_unavailable_allow"
	case v.Source == SourceFallbackLocal && !v.Allowed:
		return "rate_limited_local_fallback"
	case v.Source == SourceFallbackLocal:
		return "redis_unavailable_local"
	case v.Source == SourceKnownOver:
		return "rate_limited_known"
	case !v.Allowed:
		return "rate_limited"
	}
	return "within_limit"
}

// Decide counts r and decides it.
func (p *Policy) Decide(ctx context.Context, r Request) Verdict {
	id, identified := identify(p.kinds, p.fallback, r, p.header, p.claim)
	v := Verdict{Identified: identified, Status: p.status, Message: p.message}
	mult := 1.0
	if v.Tier = tierFor(p.tiers, r.Identity); v.Tier != nil {
		mult = v.Tier.Multiplier
	}
	// Identifiers are hashed: a header may carry a credential, and keys
	// stay bounded whatever a client sends.
	v.Decision = p.limiter.Decide(ctx, "#"+hashHex(id), mult)
	refused := !v.Allowed
	v.Refuse = refused && !p.shadow
	v.ShadowRefused = refused && p.shadow
	if !p.hide {
		v.Headers = Headers(v.Result, v.Refuse)
	}
	return v
}
