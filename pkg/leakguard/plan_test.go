package leakguard

import (
	"testing"

	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

func TestPlanBody(t *testing.T) {
	g := newGuard(t, func(c *Config) { c.MaxScanBytes = 1000 })
	off := newGuard(t, func(c *Config) { c.Request.Body, c.Response.Body = false, false })
	h := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = []string{kv[i+1]}
		}
		return m
	}
	for _, tc := range []struct {
		name      string
		g         *Guard
		headers   map[string][]string
		req, resp BodyPlan
	}{
		{"json with length", g, h("content-type", "application/json", "content-length", "20"), PlanRead, PlanRead},
		{"no content type", g, h("content-length", "20"), PlanRead, PlanRead},
		// HTTP/2 and HTTP/3 requests may carry a body with no length
		// header; HTTP/1.x ones have none (TestPlanBodyHTTP1).
		{"without length is read", g, h("content-type", "application/json"), PlanRead, PlanRead},
		{"chunked request", g, h("content-type", "text/plain", "transfer-encoding", "chunked"), PlanRead, PlanRead},
		{"empty", g, h("content-type", "application/json", "content-length", "0"), PlanSkip, PlanSkip},
		{"any-case names", g, h("Content-Type", "image/png", "Content-Length", "20"), PlanSkip, PlanSkip},
		{"binary type", g, h("content-type", "image/png", "content-length", "20"), PlanSkip, PlanSkip},
		{"too large", g, h("content-type", "text/plain", "content-length", "1001"), PlanTooLarge, PlanTooLarge},
		{"at the limit", g, h("content-type", "text/plain", "content-length", "1000"), PlanRead, PlanRead},
		{"gzip", g, h("content-type", "text/plain", "content-length", "20", "content-encoding", "GZIP"), PlanRead, PlanRead},
		{"brotli", g, h("content-type", "text/plain", "content-length", "20", "content-encoding", "br"), PlanUndecodable, PlanUndecodable},
		{"two encodings", g, h("content-type", "text/plain", "content-length", "20", "content-encoding", "gzip, br"), PlanUndecodable, PlanUndecodable},
		{"out of scope wins over encoding", g, h("content-type", "image/png", "content-length", "20", "content-encoding", "br"), PlanSkip, PlanSkip},
		{"bad length", g, h("content-type", "text/plain", "content-length", "x"), PlanRead, PlanRead},
		{"body scanning off", off, h("content-type", "text/plain", "content-length", "20"), PlanSkip, PlanSkip},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.g.PlanRequestBody(tc.headers, false); got != tc.req {
				t.Errorf("request plan %s, want %s", got, tc.req)
			}
			if got := tc.g.PlanResponseBody(tc.headers); got != tc.resp {
				t.Errorf("response plan %s, want %s", got, tc.resp)
			}
		})
	}
}

// TestPlanBodyHTTP1: over HTTP/1.x a request without Content-Length or
// Transfer-Encoding has no body (RFC 9112 6.3), so none is read; one with
// either header is planned as over HTTP/2, a malformed length included
// (nginx refuses that one before any plugin runs).
func TestPlanBodyHTTP1(t *testing.T) {
	g := newGuard(t, nil)
	for _, tc := range []struct {
		headers map[string][]string
		want    BodyPlan
	}{
		{map[string][]string{"content-type": {"application/json"}}, PlanSkip},
		{map[string][]string{}, PlanSkip},
		{map[string][]string{"content-type": {"text/plain"}, "transfer-encoding": {"chunked"}}, PlanRead},
		{map[string][]string{"content-type": {"text/plain"}, "content-length": {"20"}}, PlanRead},
		{map[string][]string{"content-type": {"text/plain"}, "content-length": {"x"}}, PlanRead},
	} {
		if got := g.PlanRequestBody(tc.headers, true); got != tc.want {
			t.Errorf("%v over HTTP/1.1: %s, want %s", tc.headers, got, tc.want)
		}
		if got := g.PlanRequestBody(tc.headers, false); got != PlanRead {
			t.Errorf("%v over HTTP/2: %s, want read", tc.headers, got)
		}
	}
}

// TestUndecodableBodyIsUnscanned: a body left unread for its encoding
// gets the unscannable policy, as a body that failed to decode does.
func TestUndecodableBodyIsUnscanned(t *testing.T) {
	for _, tc := range []struct {
		policy, action, reason string
	}{
		{UnscannablePass, ActionLogOnly, ReasonUnscannablePassed},
		{UnscannableBlock, ActionBlock, ReasonUnscannableBlock},
	} {
		g := newGuard(t, func(c *Config) { c.UnscannableAction = tc.policy })
		d := g.InspectResponse(Response{Headers: map[string][]string{"Content-Encoding": {"br"}}, BodyUndecodable: true})
		if d.Action != tc.action || d.Reason != tc.reason || d.Unscanned != UnscannedEncoding {
			t.Errorf("%s: %+v", tc.policy, d)
		}
		d = g.InspectRequest(Request{Path: "/", BodyUndecodable: true})
		if d.Action != tc.action || d.Unscanned != UnscannedEncoding {
			t.Errorf("%s request: %+v", tc.policy, d)
		}
	}
}

// TestInspectUpgrade: a request whose response the gateway will not show
// to the response phase is unscannable, so unscannable_action decides.
func TestInspectUpgrade(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		action string
	}{
		{"pass", nil, ActionLogOnly},
		{"block", func(c *Config) { c.UnscannableAction = UnscannableBlock }, ActionBlock},
		{"responses off", func(c *Config) { c.UnscannableAction = UnscannableBlock; c.Response.Enabled = false }, ""},
		{"path allowed", func(c *Config) { c.UnscannableAction = UnscannableBlock; c.AllowPaths = []string{"^/ws$"} }, ""},
	} {
		d := newGuard(t, tc.mutate).InspectUpgrade("/ws")
		if d.Action != tc.action || (tc.action != "" && d.Unscanned != UnscannedUpgrade) {
			t.Errorf("%s: %+v, want action %q", tc.name, d, tc.action)
		}
	}
}

// TestIdentityAssertionNotAFinding: warden-auth's assertion header, which
// Kong shows to every later plugin, is skipped by default and would be
// found without the default.
func TestIdentityAssertionNotAFinding(t *testing.T) {
	t.Parallel()
	h := map[string][]string{"x-warden-identity": {leaktest.NewGen(7).JWT()}}
	if d := newGuard(t, nil).InspectRequest(Request{Path: "/", Headers: h}); d.Total != 0 {
		t.Errorf("default skip list: %+v", d.Findings)
	}
	g := newGuard(t, func(c *Config) { c.Request.SkipHeaders = []string{"authorization"} })
	if d := g.InspectRequest(Request{Path: "/", Headers: h}); d.Total == 0 {
		t.Error("the JWT rule did not see the assertion once its header was scanned")
	}
}
