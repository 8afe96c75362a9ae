package ratelimit

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warden-gw/warden/pkg/config"
)

// Defaults.
const (
	DefaultAlgorithm     = string(SlidingWindow)
	DefaultPolicy        = PolicyRedis
	DefaultLimitBy       = IdentifierConsumer
	DefaultFallbackBy    = IdentifierIP
	DefaultCost          = 1
	DefaultErrorCode     = 429
	DefaultErrorMessage  = "API rate limit exceeded" // Kong's (kong/plugins/rate-limiting/schema.lua)
	DefaultOnRedisError  = string(OnErrorLocal)
	DefaultRedisMode     = RedisStandalone
	DefaultRedisAddress  = "127.0.0.1:6379"
	DefaultRedisPoolSize = 20
	DefaultRedisTimeout  = 500 // ms
	DefaultKeyPrefix     = "warden:rl:"
	DefaultBreakerFails  = 5
	DefaultBreakerWinMS  = 10_000
	DefaultBreakerCoolMS = 500
)

// Policies.
const (
	PolicyRedis = "redis"
	PolicyLocal = "local"
)

// Redis modes.
const (
	RedisStandalone = "standalone"
	RedisSentinel   = "sentinel"
	RedisCluster    = "cluster"
)

// Config is the warden-ratelimit plugin configuration.
type Config struct {
	// Limits are the rates enforced together; a request passes only if
	// every one allows it. Required, at most one per window.
	Limits []LimitConfig `json:"limits" kong:"required,len_min=1,len_max=8" desc:"Rates enforced together, at most one per window: a request passes only if every limit allows it."`
	// Algorithm is sliding_window, fixed_window or gcra.
	Algorithm string `json:"algorithm" kong:"required,one_of=sliding_window|fixed_window|gcra" desc:"Counting algorithm: sliding_window (smooth, approximate), fixed_window (Kong's), gcra (even spacing with burst)."`
	// Policy is redis (shared by all gateway nodes) or local (per plugin
	// process, needs no Redis).
	Policy string `json:"policy" kong:"required,one_of=redis|local" desc:"Where counters live: redis (shared by every gateway node) or local (this plugin process only, no Redis needed)."`
	// LimitBy names what a counter belongs to; several entries combine
	// (consumer and ip: one counter per consumer per address).
	LimitBy []string `json:"limit_by" kong:"required,len_min=1,len_max=4,one_of=consumer|credential|ip|header|path|service|route|claim" desc:"What a counter belongs to; several entries are combined into one identifier."`
	// FallbackBy is used when a LimitBy value is missing (an anonymous
	// request limited by consumer).
	FallbackBy string `json:"fallback_by" kong:"required,one_of=consumer|credential|ip|header|path|service|route|claim" desc:"Identifier used when a limit_by value is missing, for example an anonymous request limited by consumer."`
	// HeaderName is the request header for the header identifier.
	HeaderName string `json:"header_name" kong:"len_max=256" desc:"Request header whose value identifies the client when limit_by or fallback_by includes header; required then."`
	// ClaimName is the identity claim for the claim identifier.
	ClaimName string `json:"claim_name" kong:"len_max=256" desc:"Identity claim (from warden-auth) whose value identifies the client when limit_by or fallback_by includes claim; required then."`
	// Cost is the units one request consumes.
	Cost int `json:"cost" kong:"required,between=1:1000000" desc:"Units one request consumes from every limit. Must fit in each limit (and, for gcra, its burst), or every request would be refused."`
	// CountRejected makes refused requests consume quota.
	CountRejected bool `json:"count_rejected" desc:"Refused requests consume quota too, so a client that keeps sending past its limit stays refused. Off: only requests that pass are counted."`
	// Tiers scale the limits for matching principals; the first match wins.
	Tiers []TierConfig `json:"tiers" kong:"len_max=32" desc:"Scale the limits for matching principals, by group, role, scope, consumer or claim; the first matching tier applies. A principal matching none gets the limits as configured."`
	// Namespace names the counters. Empty: counters belong to
	// the instance's scope, as Kong's rate-limiting keys them by the
	// plugin's route and service (kong/plugins/rate-limiting/policies/
	// init.lua get_local_key): a digest of the route id, the service id
	// (none for a global plugin, whose counters every route shares) and
	// the limit and identifier settings. The same instance on every node,
	// and again after Kong restarts it on a config change or go-pdk drops
	// it when idle, finds its counters; two routes with equal configs count apart. Set, it is the
	// counters' whole name: every instance with the same namespace,
	// algorithm and Redis shares them, whatever its scope (the opt-in to
	// sharing).
	Namespace string `json:"namespace" kong:"len_max=64" match:"^[%w%-_.]*$" desc:"Counter name. Empty: counters per plugin scope (route and service, as Kong's rate-limiting) and limit settings. Set: shared by every instance with this namespace, whatever its route or service."`
	// HideClientHeaders sends no rate-limit headers (Retry-After included,
	// as Kong does).
	HideClientHeaders bool `json:"hide_client_headers" desc:"Send clients no rate-limit headers (RateLimit-*, X-RateLimit-*, and Retry-After too, as Kong's rate-limiting does)."`
	// ErrorCode is the status of a refusal.
	ErrorCode int `json:"error_code" kong:"required,between=400:599" desc:"HTTP status answered to a refused request."`
	// ErrorMessage is the message of a refusal.
	ErrorMessage string `json:"error_message" kong:"required,len_min=1,len_max=512" desc:"Message in the body of a refused request."`
	// Shadow counts and audits refusals but never refuses.
	Shadow bool `json:"shadow" desc:"Count, and audit refusals as shadow_deny, but never refuse a request: to try limits out before enforcing them."`
	// OnRedisError is allow, deny or local: what to decide when Redis
	// fails or its circuit breaker is open.
	OnRedisError string `json:"on_redis_error" kong:"required,one_of=allow|deny|local" desc:"Decision when Redis fails or its circuit breaker is open: allow (fail open), deny (fail closed), local (in-process limiter admitting this node's share of the limits, see gateway_nodes)."`
	// GatewayNodes is how many gateway nodes share the limits: with
	// on_redis_error local, each node admits limit/gateway_nodes (rounded
	// down, at least 1) while Redis is unusable. 0 learns it:
	// every node writes a heartbeat to Redis every 2 s and counts the
	// nodes heard from in the last 10 s; before its first answer (Redis
	// down since the process started) a node admits the whole limit.
	GatewayNodes int `json:"gateway_nodes" kong:"between=0:100000" desc:"Gateway nodes sharing the limits: during a Redis outage with on_redis_error local each node admits limit/gateway_nodes. 0 learns the count from Redis heartbeats (nodes heard from in the last 10 s)."`
	// RememberOverLimit refuses identifiers known to be over a limit
	// without a Redis round trip until they may pass again.
	RememberOverLimit bool `json:"remember_over_limit" desc:"Refuse an identifier known to be over a limit without a Redis round trip until it may pass again, so a client hammering past its limit costs Redis nothing."`
	// Redis is the connection for policy redis.
	Redis RedisConfig `json:"redis" desc:"Redis connection, used with policy redis."`

	// routeID and serviceID are the instance's scope (SetScope).
	routeID, serviceID string
}

// SetScope records the ids of the route and the service the instance is
// configured on (empty for a global plugin), which Kong adds to its
// config; the default namespace is per scope. pluginkit calls it before
// Compile.
func (c *Config) SetScope(routeID, serviceID string) {
	c.routeID, c.serviceID = routeID, serviceID
}

// LimitConfig is one rate.
type LimitConfig struct {
	// Window is second, minute, hour or day.
	Window string `json:"window" kong:"required,one_of=second|minute|hour|day" desc:"Length of the window: second, minute, hour or day; one limit per window."`
	// Limit is the units allowed per window.
	Limit int `json:"limit" kong:"required,between=1:1000000000" desc:"Units allowed per window; a request consumes cost units."`
	// Burst is how many units GCRA allows at once; 0 means Limit. Only
	// for algorithm gcra.
	Burst int `json:"burst" kong:"between=0:1000000000" desc:"For algorithm gcra only: units allowed at once on top of the even spacing of limit per window. 0 means limit."`
}

// TierConfig scales the limits of matching principals.
type TierConfig struct {
	// By is what to match: group, role, scope, consumer (username or id)
	// or claim.
	By string `json:"by" kong:"required,one_of=group|role|scope|consumer|claim" desc:"What a principal is matched by: group, role, scope, consumer (username or id) or claim."`
	// Claim is the claim name when By is claim.
	Claim string `json:"claim" kong:"len_max=256" desc:"Claim name when by is claim (required then, refused otherwise)."`
	// Value is the group, role, scope, consumer or claim value to match.
	Value string `json:"value" kong:"required,len_min=1,len_max=256" desc:"Group, role, scope, consumer or claim value a principal must have for the tier to apply."`
	// Multiplier scales every limit (and burst): 10 for ten times.
	Multiplier float64 `json:"multiplier" kong:"required,between=0.001:100000" desc:"Factor applied to every limit and burst for a matching principal: 10 allows ten times as much, 0.5 half."`
}

// RedisConfig is how to reach Redis.
type RedisConfig struct {
	// Mode is standalone, sentinel or cluster.
	Mode string `json:"mode" kong:"required,one_of=standalone|sentinel|cluster" desc:"Redis topology: standalone (one server), sentinel (addresses are the sentinels) or cluster (addresses are seed nodes)."`
	// Addresses are host:port: the server (standalone), the sentinels, or
	// cluster seed nodes.
	Addresses []string `json:"addresses" kong:"required,len_min=1,len_max=16,elem_len_min=3" desc:"host:port of the server (standalone, exactly one), of the sentinels (sentinel) or of cluster seed nodes (cluster)."`
	// SentinelMaster is the master name for sentinel mode.
	SentinelMaster string `json:"sentinel_master" kong:"len_max=256" desc:"Name of the master the sentinels monitor; required in sentinel mode."`
	// SentinelUsername and SentinelPassword authenticate to the sentinels.
	SentinelUsername string `json:"sentinel_username" kong:"referenceable,len_max=256" desc:"ACL username for the sentinels, when they require one; may be a vault reference."`
	SentinelPassword string `json:"sentinel_password" kong:"referenceable,encrypted,len_max=1024" desc:"Password for the sentinels, when they require one; use a vault reference."`
	// Username and Password are the Redis ACL credentials.
	Username string `json:"username" kong:"referenceable,len_max=256" desc:"Redis ACL username. Empty with a password: the password alone authenticates (AUTH password)."`
	Password string `json:"password" kong:"referenceable,encrypted,len_max=1024" desc:"Redis password (AUTH, or ACL with username); use a vault reference. Empty: no authentication."`
	// Database is the database number (standalone and sentinel).
	Database int `json:"database" kong:"between=0:1024" desc:"Database number (standalone and sentinel; Redis Cluster has only database 0)."`
	// SSL enables TLS.
	SSL bool `json:"ssl" desc:"Connect to Redis (and sentinels) over TLS."`
	// SSLVerify checks the server certificate.
	SSLVerify bool `json:"ssl_verify" desc:"Verify the Redis server's TLS certificate and name. Turn off only for testing."`
	// ServerName is the TLS server name (SNI and verification).
	ServerName string `json:"server_name" kong:"len_max=256" desc:"TLS server name sent (SNI) and verified. Empty: the host of the address connected to."`
	// CACert is the PEM of the CAs to trust instead of the system's.
	CACert string `json:"ca_cert" kong:"referenceable,len_max=65536" desc:"PEM certificates of the CAs trusted for the Redis server. Empty: the system's roots."`
	// ClientCert and ClientKey are a PEM client certificate and key.
	ClientCert string `json:"client_cert" kong:"referenceable,len_max=65536" desc:"PEM client certificate for TLS client authentication; goes with client_key."`
	ClientKey  string `json:"client_key" kong:"referenceable,encrypted,len_max=65536" desc:"PEM private key of client_cert; use a vault reference."`
	// PoolSize is the connections per node.
	PoolSize int `json:"pool_size" kong:"required,between=1:1000" desc:"Connections to each Redis node per plugin server process (one process per plugin per Kong node)."`
	// TimeoutMS bounds one decision: connect, write, read. Redis
	// answers in well under a millisecond, but on a loaded host a
	// scheduler stall can hold a call for tens of milliseconds, and a
	// call that times out is decided by on_redis_error instead.
	TimeoutMS int `json:"timeout_ms" kong:"required,between=1:10000" desc:"Bound on one Redis call (connect, write, read), in milliseconds; a call that times out counts as Redis failing. Redis answers in well under a millisecond, but a scheduler stall on a loaded host can hold a call for tens of milliseconds."`
	// KeyPrefix starts every key.
	KeyPrefix string `json:"key_prefix" kong:"required,len_max=64" desc:"Prefix of every Redis key written. No braces: the Cluster hash tag is the identifier's."`
	// BreakerFailures is how many failed calls within breaker_window_ms
	// open the circuit breaker, provided they are also at least half of
	// the calls in that window: a dead Redis opens it after this many
	// calls, a few timeouts among many answered calls never do.
	BreakerFailures int `json:"breaker_failures" kong:"required,between=1:1000" desc:"Failed calls within breaker_window_ms that open the circuit breaker, provided they are also at least half of the calls in that window: a dead Redis opens it after this many calls, a few timeouts among many answered calls never do."`
	// BreakerWindowMS is how far back the breaker counts calls and
	// failures.
	BreakerWindowMS int `json:"breaker_window_ms" kong:"required,between=100:600000" desc:"How far back the circuit breaker counts calls and failures, in milliseconds."`
	// BreakerCooldownMS is how long an open breaker skips Redis before
	// probing it again.
	BreakerCooldownMS int `json:"breaker_cooldown_ms" kong:"required,between=10:600000" desc:"How long an open circuit breaker skips Redis (Redis counts as failing) before letting one call probe it, in milliseconds."`
}

// SetDefaults fills the defaults.
func (c *Config) SetDefaults() {
	c.Algorithm = DefaultAlgorithm
	c.Policy = DefaultPolicy
	c.LimitBy = []string{DefaultLimitBy}
	c.FallbackBy = DefaultFallbackBy
	c.Cost = DefaultCost
	c.ErrorCode = DefaultErrorCode
	c.ErrorMessage = DefaultErrorMessage
	c.OnRedisError = DefaultOnRedisError
	c.RememberOverLimit = true
}

// SetDefaults fills the defaults.
func (r *RedisConfig) SetDefaults() {
	r.Mode = DefaultRedisMode
	r.Addresses = []string{DefaultRedisAddress}
	r.SSLVerify = true
	r.PoolSize = DefaultRedisPoolSize
	r.TimeoutMS = DefaultRedisTimeout
	r.KeyPrefix = DefaultKeyPrefix
	r.BreakerFailures = DefaultBreakerFails
	r.BreakerWindowMS = DefaultBreakerWinMS
	r.BreakerCooldownMS = DefaultBreakerCoolMS
}

var namespacePattern = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)

var windows = map[string]time.Duration{
	"second": time.Second,
	"minute": time.Minute,
	"hour":   time.Hour,
	"day":    24 * time.Hour,
}

func (l LimitConfig) toLimit() Limit {
	return Limit{Rate: int64(l.Limit), Period: windows[l.Window], Burst: int64(l.Burst)}
}

// Validate checks the config, naming every bad field.
func (c *Config) Validate() error {
	var errs config.Errors
	if len(c.Limits) == 0 {
		errs.Add("limits", "at least one limit is required")
	}
	seen := map[string]bool{}
	for i, l := range c.Limits {
		p := "limits[" + strconv.Itoa(i) + "]"
		if _, ok := windows[l.Window]; !ok {
			errs.Add(p+".window", "must be second, minute, hour or day")
		} else if seen[l.Window] {
			errs.Add(p+".window", "duplicate window %s", l.Window)
		}
		seen[l.Window] = true
		if l.Limit <= 0 {
			errs.Add(p+".limit", "must be positive")
		}
		if l.Burst < 0 {
			errs.Add(p+".burst", "must not be negative")
		}
		if l.Burst > 0 && c.Algorithm != string(GCRA) {
			errs.Add(p+".burst", "applies to algorithm gcra only")
		}
	}
	if _, err := ParseAlgorithm(c.Algorithm); err != nil {
		errs.Add("algorithm", "must be sliding_window, fixed_window or gcra")
	}
	if c.Policy != PolicyRedis && c.Policy != PolicyLocal {
		errs.Add("policy", "must be redis or local")
	}
	if len(c.LimitBy) == 0 {
		errs.Add("limit_by", "at least one identifier is required")
	}
	used := map[string]bool{}
	for i, by := range c.LimitBy {
		p := "limit_by[" + strconv.Itoa(i) + "]"
		if !validIdentifier(by) {
			errs.Add(p, "unknown identifier %q", by)
		} else if used[by] {
			errs.Add(p, "duplicate identifier %s", by)
		}
		used[by] = true
	}
	if !validIdentifier(c.FallbackBy) {
		errs.Add("fallback_by", "unknown identifier %q", c.FallbackBy)
	}
	used[c.FallbackBy] = true
	if used[IdentifierHeader] && c.HeaderName == "" {
		errs.Add("header_name", "required when limiting by header")
	}
	if used[IdentifierClaim] && c.ClaimName == "" {
		errs.Add("claim_name", "required when limiting by claim")
	}
	if c.Cost < 1 {
		errs.Add("cost", "must be at least 1")
	}
	c.checkCost(&errs)
	for i, t := range c.Tiers {
		p := "tiers[" + strconv.Itoa(i) + "]"
		if !slices.Contains([]string{"group", "role", "scope", "consumer", "claim"}, t.By) {
			errs.Add(p+".by", "must be group, role, scope, consumer or claim")
		}
		if t.By == "claim" && t.Claim == "" {
			errs.Add(p+".claim", "required when by is claim")
		}
		if t.By != "claim" && t.Claim != "" {
			errs.Add(p+".claim", "only for by claim")
		}
		if t.Value == "" {
			errs.Add(p+".value", "required")
		}
		if !(t.Multiplier > 0) || t.Multiplier > 100000 {
			errs.Add(p+".multiplier", "must be above 0 and at most 100000")
		}
	}
	if c.ErrorCode < 400 || c.ErrorCode > 599 {
		errs.Add("error_code", "must be between 400 and 599")
	}
	if c.ErrorMessage == "" {
		errs.Add("error_message", "required")
	}
	switch OnError(c.OnRedisError) {
	case OnErrorAllow, OnErrorDeny, OnErrorLocal:
	default:
		errs.Add("on_redis_error", "must be allow, deny or local")
	}
	if c.GatewayNodes < 0 {
		errs.Add("gateway_nodes", "must not be negative")
	}
	if !namespacePattern.MatchString(c.Namespace) {
		errs.Add("namespace", "only letters, digits, '-', '_' and '.'")
	}
	if c.Policy == PolicyRedis {
		errs.Check("redis", c.Redis.Validate())
	}
	return errs.Err()
}

// Validate checks the Redis settings. Messages never contain secrets.
func (r *RedisConfig) Validate() error {
	var errs config.Errors
	switch r.Mode {
	case RedisStandalone:
		if len(r.Addresses) != 1 {
			errs.Add("addresses", "standalone mode takes exactly one address")
		}
	case RedisSentinel:
		if r.SentinelMaster == "" {
			errs.Add("sentinel_master", "required in sentinel mode")
		}
	case RedisCluster:
		if r.Database != 0 {
			errs.Add("database", "Redis Cluster has only database 0")
		}
	default:
		errs.Add("mode", "must be standalone, sentinel or cluster")
	}
	if len(r.Addresses) == 0 {
		errs.Add("addresses", "at least one address is required")
	}
	for i, a := range r.Addresses {
		host, port, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			errs.Add(fmt.Sprintf("addresses[%d]", i), "must be host:port")
		}
	}
	if (r.ClientCert == "") != (r.ClientKey == "") {
		errs.Add("client_key", "client_cert and client_key go together")
	}
	if !r.SSL && (r.CACert != "" || r.ClientCert != "" || r.ServerName != "") {
		errs.Add("ssl", "must be true when TLS settings are given")
	}
	if strings.ContainsAny(r.KeyPrefix, "{}") {
		errs.Add("key_prefix", "must not contain braces: the hash tag is the identifier's")
	}
	if r.PoolSize < 1 {
		errs.Add("pool_size", "must be at least 1")
	}
	if r.TimeoutMS < 1 {
		errs.Add("timeout_ms", "must be at least 1")
	}
	if r.BreakerFailures < 1 {
		errs.Add("breaker_failures", "must be at least 1")
	}
	if r.BreakerWindowMS < 100 {
		errs.Add("breaker_window_ms", "must be at least 100")
	}
	if r.BreakerCooldownMS < 10 {
		errs.Add("breaker_cooldown_ms", "must be at least 10")
	}
	return errs.Err()
}

// checkCost refuses a cost that no request could ever pay: above a
// limit's rate (the windows), or above its burst (GCRA), a request is
// refused whatever the counters say, forever. Tiers scale limits down as
// well as up, so each tier is checked too.
func (c *Config) checkCost(errs *config.Errors) {
	gcra := c.Algorithm == string(GCRA)
	capacity := func(l Limit) int64 {
		if gcra {
			return l.EffectiveBurst()
		}
		return l.Rate
	}
	field := func(i int) string {
		p := "limits[" + strconv.Itoa(i) + "]"
		if gcra && c.Limits[i].Burst > 0 {
			return p + ".burst"
		}
		return p + ".limit"
	}
	for i, lc := range c.Limits {
		if _, ok := windows[lc.Window]; !ok || lc.Limit <= 0 || lc.Burst < 0 {
			continue // reported above
		}
		l := lc.toLimit()
		if n := capacity(l); int64(c.Cost) > n {
			errs.Add("cost", "%d is more than %s (%d): every request would be refused", c.Cost, field(i), n)
			continue
		}
		for j, t := range c.Tiers {
			if !(t.Multiplier > 0) {
				continue // reported below
			}
			if n := capacity(l.Scale(t.Multiplier)); int64(c.Cost) > n {
				errs.Add("tiers["+strconv.Itoa(j)+"].multiplier", "scales %s to %d, less than cost %d: every request of the tier would be refused", field(i), n, c.Cost)
			}
		}
	}
}
