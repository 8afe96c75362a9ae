package leakguard

import (
	"strconv"
	"strings"

	"github.com/warden-gw/warden/pkg/httpbody"
)

// BodyPlan is what a phase does with a body, decided from the headers
// alone: a body that will not be scanned is never moved over the PDK
// socket (kong.request.get_raw_body, kong.service.response.get_raw_body).
type BodyPlan int

// Body plans.
const (
	// PlanSkip: nothing to scan (body scanning off, a content type out of
	// scope, or no body: Content-Length 0, or a request announcing none).
	PlanSkip BodyPlan = iota
	// PlanRead: read the body and scan it.
	PlanRead
	// PlanTooLarge: Content-Length is over max_scan_bytes; the body is
	// unscanned and unscannable_action applies (set Request or Response.BodyTooLarge).
	PlanTooLarge
	// PlanUndecodable: a Content-Encoding other than gzip, x-gzip,
	// deflate or identity; the body is unscanned and unscannable_action
	// applies (set BodyUndecodable).
	PlanUndecodable
)

// String names the plan.
func (p BodyPlan) String() string {
	switch p {
	case PlanSkip:
		return "skip"
	case PlanRead:
		return "read"
	case PlanTooLarge:
		return "too_large"
	case PlanUndecodable:
		return "undecodable"
	}
	return "unknown"
}

// PlanRequestBody plans the request body. Headers have lower-case names
// (Kong's kong.request.get_headers). http1 says the request came over
// HTTP/1.x, where a request with neither Content-Length nor
// Transfer-Encoding has no body (RFC 9112 section 6.3). HTTP/2 and HTTP/3
// requests (Kong's HTTPS listener speaks HTTP/2) may carry a body with
// neither, and nginx passes it upstream, so there only Content-Length: 0
// proves there is none, and such a request is read like a response (RFC
// 9113 section 8.1.1).
func (g *Guard) PlanRequestBody(headers map[string][]string, http1 bool) BodyPlan {
	if !g.ScansRequestBody() {
		return PlanSkip
	}
	if n, ok := contentLength(headers); ok && n == 0 {
		return PlanSkip
	}
	if http1 && headerValue(headers, "content-length") == "" && headerValue(headers, "transfer-encoding") == "" {
		return PlanSkip
	}
	return g.planBody(headers)
}

// PlanResponseBody plans the upstream response body. Without a
// Content-Length (a chunked upstream) the body is read: only its bytes
// tell whether it is empty.
func (g *Guard) PlanResponseBody(headers map[string][]string) BodyPlan {
	if !g.ScansResponseBody() {
		return PlanSkip
	}
	if n, ok := contentLength(headers); ok && n == 0 {
		return PlanSkip
	}
	return g.planBody(headers)
}

func (g *Guard) planBody(headers map[string][]string) BodyPlan {
	switch n, ok := contentLength(headers); {
	case !g.BodyInScope(headers):
		return PlanSkip
	case ok && n > int64(g.maxScan):
		return PlanTooLarge
	case !httpbody.Decodable(headerValue(headers, "content-encoding")):
		return PlanUndecodable
	}
	return PlanRead
}

// contentLength parses the Content-Length header, any case.
func contentLength(headers map[string][]string) (int64, bool) {
	v := headerValue(headers, "content-length")
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil && n >= 0
}
