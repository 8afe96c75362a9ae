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
	// fields, as draft-ietf-httpapi-ratelimit-headers-10 defines them:
	// RateLimit-Policy lists every policy (section 3), RateLimit reports
	// the one closest to refusing (section 4).
	HeaderPolicy    = "RateLimit-Policy"
	HeaderRateLimit = "RateLimit"
	// burstParam is the vendor parameter of a GCRA policy item: how many
	// units may be used at once. The draft's q and w describe the rate
	// only, and it asks for vendor-prefixed parameters beyond them, its
	// example being acme-burst (section 3.1).
	burstParam = "warden-burst"
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
//
// Each value tells the truth for the algorithm that decided:
// RateLimit-Reset and RateLimit's t are the seconds until additional
// quota is made available (draft-10 section 4.1.2; LimitState.Reset): the
// window's end for the fixed window, when the next unit returns for the
// sliding window and GCRA, never later than Retry-After (section 6), and
// for a request of cost 1 equal to it. A GCRA policy item carries its
// burst (warden-burst), which q per w does not tell.
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
			if res.Algorithm == GCRA {
				policy.WriteString(";" + burstParam + "=")
				policy.WriteString(strconv.FormatInt(s.Limit.EffectiveBurst(), 10))
			}
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
