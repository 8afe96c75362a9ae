package stage

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/leakguard"
	"github.com/warden-gw/warden/pkg/metrics"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/respond"
)

// LeakGuard adapts leakguard.Guard to Kong. PDK calls per request:
//
//	access:   get_headers, the request line, and get_raw_body only for
//	          a body to scan (2 for a GET, 3 with a body, when clean; 1,
//	          the headers, when only responses are scanned: to refuse or
//	          audit a WebSocket upgrade, whose response Kong does not
//	          buffer);
//	response: kong.response.get_headers, kong.service.response.get_raw_body
//	          only for a body to scan, get_path only with path allow-lists (2, at
//	          most 3, when clean; 1 when the headers put the body out of
//	          scope: a binary type, Content-Length 0 or over
//	          max_scan_bytes, an encoding we cannot decode).
//
// Declaring the response phase makes Kong buffer every upstream response
// on the routes this plugin runs on (kong/runloop/plugins_iterator.lua
// sets ctx.buffered_proxying; kong/init.lua then proxies through
// ngx.location.capture): no streaming, the whole body in memory, and
// time-to-first-byte becomes time-to-last-byte. Enable the plugin on the
// routes that need it, or set response.enabled=false for request-only
// scanning, and start the plugin server with -response-phase=false so
// that it does not declare the phase at all.
type LeakGuard struct {
	g        *leakguard.Guard
	findings *prometheus.CounterVec
}

// NewLeakGuard compiles cfg, counting findings in m.
func NewLeakGuard(cfg *leakguard.Config, m *metrics.Registry) (*LeakGuard, error) {
	if err := needResponsePhase(cfg.Response.Enabled, "response.enabled"); err != nil {
		return nil, err
	}
	g, err := leakguard.New(cfg)
	if err != nil {
		return nil, err
	}
	if g.RandomKey {
		pluginkit.Logf("no fingerprint_key configured; finding fingerprints use a random key and only correlate within this instance")
	}
	return &LeakGuard{g: g, findings: newFindingsCounter(m)}, nil
}

// Access scans the request, and refuses or audits one whose response
// Kong would not buffer (a WebSocket upgrade) when responses are scanned.
func (h *LeakGuard) Access(k *pluginkit.Kong) error {
	scanReq, scanResp := h.g.ScansRequests(), h.g.ScansResponses()
	if !scanReq && !scanResp {
		return nil
	}
	headers, err := k.Headers()
	if err != nil {
		return fmt.Errorf("reading headers: %w", err)
	}
	upgrade := scanResp && pluginkit.UpgradeSkipsResponse(headers)
	if !scanReq && !upgrade {
		return nil
	}
	_, pq, err := k.RequestLine()
	if err != nil {
		return err
	}
	path, query, _ := strings.Cut(pq, "?")
	if h.g.PathAllowed(path) {
		return nil
	}
	if upgrade {
		if d := h.g.InspectUpgrade(path); d.Action == leakguard.ActionBlock {
			k.Decide(leakEvent(d, "response", http.StatusBadRequest), respond.Error(http.StatusBadRequest, "Connection upgrades are not allowed on this route"))
			return nil
		} else if d.Action != "" {
			k.Audit(leakEvent(d, "response", http.StatusBadRequest))
		}
	}
	if !h.g.ScansRequests() {
		return nil
	}
	req := leakguard.Request{Path: path, RawQuery: query, Headers: headers}
	http1, err := k.HTTP1()
	if err != nil {
		return err
	}
	switch h.g.PlanRequestBody(headers, http1) {
	case leakguard.PlanRead:
		req.Body, err = k.RawBody(int64(h.g.MaxScanBytes()))
		switch {
		case errors.Is(err, pluginkit.ErrBodyTooLarge):
			req.BodyTooLarge = true
		case err != nil:
			return err
		}
	case leakguard.PlanTooLarge:
		req.BodyTooLarge = true
	case leakguard.PlanUndecodable:
		req.BodyUndecodable = true
	}
	d := h.g.InspectRequest(req)
	countFindings(h.findings, "request", d)
	if d.Action == "" {
		return nil
	}
	e := leakEvent(d, "request", http.StatusBadRequest)
	if d.Action == leakguard.ActionBlock {
		k.Decide(e, respond.Error(http.StatusBadRequest, "Bad Request"))
		return nil
	}
	k.Audit(e)
	if d.Action == leakguard.ActionRedact {
		redactRequest(k, d)
	}
	return nil
}

// redactRequest sends the upstream the redacted query, headers and body
// (kong/pdk/service/request.lua set_raw_body also sets Content-Length).
func redactRequest(k *pluginkit.Kong, d leakguard.Decision) {
	if d.QueryChanged {
		k.SetUpstreamRawQuery(d.Query)
	}
	k.SetUpstreamHeaders(d.Headers)
	if d.BodyChanged {
		if d.BodyDecoded {
			k.SetUpstreamHeaders(map[string][]string{"content-encoding": {}})
		}
		k.SetUpstreamRawBody(d.Body)
	}
}

// Response scans the buffered upstream response.
func (h *LeakGuard) Response(k *pluginkit.Kong) error {
	if !h.g.ScansResponses() {
		return nil
	}
	// kong.response.get_headers: the upstream's headers, which Kong has
	// copied onto the response (kong/init.lua Kong.response), with those
	// other plugins set; kong.service.response.get_headers returns none
	// in this phase (Kong/go-pdk#222).
	headers, err := k.PDK.Response.GetHeaders(pluginkit.MaxHeaders)
	if err != nil {
		return fmt.Errorf("reading response headers: %w", err)
	}
	res := leakguard.Response{Headers: headers}
	if h.g.NeedsPathForResponse() {
		if res.Path, err = k.Path(); err != nil {
			return fmt.Errorf("reading path: %w", err)
		}
		if h.g.PathAllowed(res.Path) {
			return nil
		}
	}
	// The headers decide whether the body crosses the socket at all.
	switch h.g.PlanResponseBody(headers) {
	case leakguard.PlanRead:
		if res.Body, err = k.PDK.ServiceResponse.GetRawBody(); err != nil {
			return fmt.Errorf("reading response body: %w", err)
		}
	case leakguard.PlanTooLarge:
		res.BodyTooLarge = true
	case leakguard.PlanUndecodable:
		res.BodyUndecodable = true
	}
	d := h.g.InspectResponse(res)
	countFindings(h.findings, "response", d)
	if d.Action == "" {
		return nil
	}
	e := leakEvent(d, "response", http.StatusBadGateway)
	if d.Action == leakguard.ActionBlock {
		k.Decide(e, pluginkit.Replacing(headers, respond.Error(http.StatusBadGateway, "An invalid response was received from the upstream server")))
		return nil
	}
	k.Audit(e)
	if d.Action == leakguard.ActionRedact {
		return redactResponse(k, d)
	}
	return nil
}

// redactResponse rewrites the response Kong is about to send. Kong has
// already copied the upstream headers onto the response (kong/init.lua
// Kong.response: kong.response.set_headers(headers) before the plugins
// run), so headers are fixed in place (one set_headers call); a changed
// body goes out with kong.response.exit, which in the response phase
// replaces what the client gets (kong/pdk/response.lua send), with its
// new Content-Length and the fixed headers.
func redactResponse(k *pluginkit.Kong, d leakguard.Decision) error {
	k.SetResponseHeaders(d.Headers)
	if !d.BodyChanged {
		return nil
	}
	status, err := k.PDK.ServiceResponse.GetStatus()
	if err != nil {
		return fmt.Errorf("reading status: %w", err)
	}
	if d.BodyDecoded {
		// The redacted body is sent decoded, so the encoding goes.
		k.SetResponseHeaders(map[string][]string{"content-encoding": {}})
	}
	k.Exit(respond.Response{
		Status:  status,
		Headers: map[string][]string{"Content-Length": {strconv.Itoa(len(d.Body))}},
		Body:    d.Body,
	})
	return nil
}

// leakEvent turns a decision into an audit event: findings carry rule,
// location, length and fingerprint, never the secret.
func leakEvent(d leakguard.Decision, direction string, blockStatus int) audit.Event {
	e := audit.Event{Reason: d.Reason, Details: map[string]any{
		"direction": direction,
		"action":    d.Action,
	}}
	switch d.Action {
	case leakguard.ActionBlock:
		e.Decision, e.Status = audit.Deny, blockStatus
	case leakguard.ActionRedact:
		e.Decision = audit.Allow
	default:
		e.Decision = audit.ShadowDeny
		if d.Total == 0 {
			e.Decision = audit.Allow // passed unscanned
		}
	}
	if d.Total > 0 {
		e.Details["findings"] = d.Findings
		e.Details["findings_total"] = d.Total
	}
	if d.Unscanned != "" {
		e.Details["unscanned"] = d.Unscanned
	}
	return e
}
