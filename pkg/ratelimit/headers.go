package ratelimit

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Header names.
const (
	HeaderLimit      = "RateLimit-Limit"
	HeaderRemaining  = "RateLimit-Remaining"
	HeaderReset      = "RateLimit-Reset"
	HeaderRetryAfter = "Retry-After"
	// HeaderPolicy and HeaderRateLimit are the IETF draft's structured
	// fields (draft-ietf-httpapi-ratelimit-headers: RateLimit-Policy
	// lists every policy, RateLimit reports the one closest to refusing).
	HeaderPolicy    = "RateLimit-Policy"
	HeaderRateLimit = "RateLimit"
)

// seconds rounds a wait up to whole seconds, at least 1, as Kong does for
// RateLimit-Reset (kong/plugins/rate-limiting/handler.lua: max(1, ...)).
func seconds(d time.Duration) int64 {
	return max(1, int64(math.Ceil(d.Seconds())))
}

// Headers returns the rate-limit response headers for res: Kong's
// X-RateLimit-Limit-<Window> and X-RateLimit-Remaining-<Window> per limit,
// RateLimit-Limit/Remaining/Reset of the tightest limit, the IETF draft's
// RateLimit-Policy and RateLimit, and Retry-After when refused. A decision
// without limit states (fallback allow or deny) gets only Retry-After.
func Headers(res Result, refused bool) map[string][]string {
	h := make(map[string][]string, 2*len(res.States)+6)
	if tight, ok := res.Tightest(); ok {
		var policy strings.Builder
		for i, s := range res.States {
			w := s.Limit.Window()
			h["X-RateLimit-Limit-"+w] = []string{strconv.FormatInt(s.Limit.Rate, 10)}
			h["X-RateLimit-Remaining-"+w] = []string{strconv.FormatInt(s.Remaining, 10)}
			if i > 0 {
				policy.WriteString(", ")
			}
			policy.WriteString(policyName(s.Limit))
			policy.WriteString(";q=")
			policy.WriteString(strconv.FormatInt(s.Limit.Rate, 10))
			policy.WriteString(";w=")
			policy.WriteString(strconv.FormatInt(seconds(s.Limit.Period), 10))
		}
		reset := strconv.FormatInt(seconds(tight.Reset), 10)
		h[HeaderLimit] = []string{strconv.FormatInt(tight.Limit.Rate, 10)}
		h[HeaderRemaining] = []string{strconv.FormatInt(tight.Remaining, 10)}
		h[HeaderReset] = []string{reset}
		h[HeaderPolicy] = []string{policy.String()}
		h[HeaderRateLimit] = []string{policyName(tight.Limit) + ";r=" + strconv.FormatInt(tight.Remaining, 10) + ";t=" + reset}
	}
	if refused {
		h[HeaderRetryAfter] = []string{strconv.FormatInt(seconds(res.RetryAfter()), 10)}
	}
	return h
}

// policyName is a limit's name in the IETF fields, a quoted string.
func policyName(l Limit) string {
	return `"` + strings.ToLower(l.Window()) + `"`
}
