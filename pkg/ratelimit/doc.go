// Package ratelimit is warden-ratelimit's policy: which counter a request
// belongs to, how many units it may use per window, and what to answer.
// It never imports go-pdk; the plugin reads the request into a Request,
// calls Policy.Decide and turns the Verdict into headers or a refusal.
//
// The steps, as for every Warden plugin: a Config is decoded and
// defaulted, Validate names each wrong field, Compile builds a Policy
// once per plugin instance (limits, identifier kinds, tiers, the shared
// Redis backend), and Decide runs per request.
//
// Counting lives in Redis (policy redis, shared by every gateway node) or
// in the process (policy local). In Redis every limit of a request is
// decided in one round trip: one Lua script per algorithm (lua.go) reads
// the identifier's one hash, decides all limits, and writes only if the
// request passes (or refused requests count). Redis TIME is the only
// clock. The identifier is the key's {hash tag}, so Redis Cluster never
// answers CROSSSLOT.
//
// When Redis fails, on_redis_error decides: allow, deny, or local (an
// in-process limiter admitting this node's share of the limits: the
// configured gateway_nodes, or the node count learnt from heartbeats in
// Redis, nodes.go). A circuit breaker shared by every instance with the
// same Redis settings stops calling a dead server once failures are
// both several and at least half of the recent calls, so no request waits
// on it more than one timeout per cooldown, and the odd timeout of a
// loaded host does not open it. Hooks report fallback decisions and breaker state changes
// for metrics; identifiers known to be over a limit are refused without a
// round trip until they may pass again.
//
// Response headers follow both the IETF draft (RateLimit-Policy and
// RateLimit) and Kong's rate-limiting (X-RateLimit-Limit-<Window>,
// X-RateLimit-Remaining-<Window>, RateLimit-Limit, RateLimit-Remaining,
// RateLimit-Reset), with Retry-After on refusals.
package ratelimit
