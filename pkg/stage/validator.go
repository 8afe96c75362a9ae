package stage

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync/atomic"
	"time"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/respond"
	"github.com/warden-gw/warden/pkg/validator"
)

// Validator adapts package validator to Kong. Its response phase is
// declared only when the binary runs with -response-phase:
// declaring it makes Kong buffer every upstream response on the routes
// the plugin runs on and costs an event round trip per request, so a
// process that validates no response does not declare it.
type Validator struct {
	v *validator.Validator

	// An operator who puts -response-phase in the start command but not
	// in the query command gets an instance that compiles and a Kong that
	// never sends it a response event: said once, in the log, when no
	// response event came for the proxied requests that should have had
	// one, missingResponseAfter of them over at least missingResponseWait
	// (Kong's default upstream read timeout), or ten times as many:
	// requests in flight at start-up are no misconfiguration.
	awaiting  atomic.Int64
	firstSeen atomic.Int64 // unix nanoseconds of the first awaiting request
	responded atomic.Bool
	warned    atomic.Bool
}

const (
	missingResponseAfter = 100
	missingResponseWait  = time.Minute
)

// declares is pluginkit.Declares, replaced by tests that compile configs
// outside a running plugin server.
var declares = pluginkit.Declares

// needResponsePhase refuses a config whose field turns on a check of
// responses in a process that did not declare the response phase: Kong
// would never send the event, and the responses would go out unchecked.
func needResponsePhase(on bool, field string) error {
	if on && !declares(pluginkit.PhaseResponse) {
		return config.Errorf(field, "%s", pluginkit.NeedsResponsePhase())
	}
	return nil
}

// NewValidator compiles cfg.
func NewValidator(cfg *validator.Config) (*Validator, error) {
	if err := needResponsePhase(cfg.ResponseValidation.Enabled, "response_validation.enabled"); err != nil {
		return nil, err
	}
	v, err := validator.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Validator{v: v}, nil
}

// Access reads the request line and the headers (two calls), the body
// only when there is one (a third), and answers with at most one exit.
func (h *Validator) Access(k *pluginkit.Kong) error {
	method, target, err := k.RequestLine()
	if err != nil {
		return err
	}
	headers, err := k.Headers()
	if err != nil {
		return fmt.Errorf("reading headers: %w", err)
	}
	http1, err := k.HTTP1()
	if err != nil {
		return err
	}
	d, err := h.v.Check(&validator.Request{Method: method, PathWithQuery: target, Headers: headers, HTTP1: http1}, func(max int64) ([]byte, error) {
		b, err := k.RawBody(max)
		if errors.Is(err, pluginkit.ErrBodyTooLarge) {
			return nil, validator.ErrBodyTooLarge
		}
		return b, err
	})
	if err != nil {
		return err
	}
	if !d.Valid() {
		refuseInvalid(k, d, h.v.LogOnly(), d.Response(), nil)
		return nil
	}
	// Every decision is audited and counted, as the other plugins do; an
	// allow event costs no PDK call (pluginkit takes its ids from the
	// instance's scope).
	allowed := audit.Event{Decision: audit.Allow, Reason: reasonValid, Details: map[string]any{"operation": d.Operation}}
	if d.Operation == "" {
		allowed.Reason, allowed.Details = reasonUnknownOperation, nil
	}
	k.Audit(allowed)
	rules := h.v.ResponsesOf(d, method)
	switch {
	case rules == nil:
	case pluginkit.UpgradeSkipsResponse(headers):
		// Kong never runs response handlers for a WebSocket upgrade, so
		// the answer to one would go out unchecked.
		d := rules.Unverifiable()
		refuseInvalid(k, d, h.v.ResponseLogOnly(), d.Response(), map[string]any{"direction": "response"})
	case !h.responded.Load():
		now := time.Now().UnixNano()
		h.firstSeen.CompareAndSwap(0, now)
		n := h.awaiting.Add(1)
		waited := time.Duration(now - h.firstSeen.Load())
		if (n >= missingResponseAfter && waited >= missingResponseWait || n >= 10*missingResponseAfter) && h.warned.CompareAndSwap(false, true) {
			k.Logf("response_validation is on, but Kong sent no response event for %d proxied requests whose responses are documented (over %s): does %s declare the response phase (-%s)?", n, waited.Round(time.Second), pluginkit.QueryCmd(), pluginkit.ResponsePhaseFlag)
		}
	}
	return nil
}

// Response checks the upstream response against the documented one. It
// reads nothing when the instance validates no response; else the
// client's method and target (two calls) find the operation, the status
// (a third) its documented response, and the headers and the body (a
// fourth and a fifth) are read only when there is something to check.
// Kong has buffered the response for this phase, so a blocked one never
// reaches the client.
func (h *Validator) Response(k *pluginkit.Kong) error {
	if !h.v.ValidatesResponses() {
		return nil
	}
	h.responded.Store(true)
	method, target, err := k.RequestLine()
	if err != nil {
		return err
	}
	rules := h.v.Responses(method, target)
	if rules == nil {
		return nil
	}
	status, err := k.PDK.ServiceResponse.GetStatus()
	if err != nil {
		return fmt.Errorf("reading response status: %w", err)
	}
	spec := rules.For(status)
	if spec == nil {
		return nil
	}
	// kong.response.get_headers: the upstream's headers, which Kong has
	// copied onto the response (kong/init.lua Kong.response);
	// kong.service.response.get_headers returns none in this phase.
	headers, err := k.PDK.Response.GetHeaders(pluginkit.MaxHeaders)
	if err != nil {
		return fmt.Errorf("reading response headers: %w", err)
	}
	d, err := spec.Check(lowerKeys(headers), k.PDK.ServiceResponse.GetRawBody)
	if err != nil {
		return fmt.Errorf("reading response body: %w", err)
	}
	if !d.Valid() {
		refuseInvalid(k, d, h.v.ResponseLogOnly(), pluginkit.Replacing(headers, validator.ResponseProblem()), map[string]any{"direction": "response", "upstream_status": status})
	}
	return nil
}

// refuse audits a failed decision, with extra details, and answers with
// r, or only audits it as a shadow deny when logOnly.
func refuseInvalid(k *pluginkit.Kong, d validator.Decision, logOnly bool, r respond.Response, extra map[string]any) {
	e := audit.Event{Decision: audit.Deny, Reason: d.Reason, Status: d.Status, Details: validatorDetails(d)}
	maps.Copy(e.Details, extra)
	if logOnly {
		e.Decision = audit.ShadowDeny
		k.Audit(e)
		return
	}
	k.Decide(e, r)
}

// Reason codes of requests warden-validator allows.
const (
	reasonValid            = "valid"
	reasonUnknownOperation = "unknown_operation_allowed"
)

// lowerKeys lower-cases header names, which the response getters return
// as the upstream sent them.
func lowerKeys(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h))
	for name, vs := range h {
		l := strings.ToLower(name)
		out[l] = append(out[l], vs...)
	}
	return out
}

// details are codes and locations only, never values.
func validatorDetails(d validator.Decision) map[string]any {
	locs := make([]string, len(d.Violations))
	codes := make([]string, len(d.Violations))
	for i, v := range d.Violations {
		locs[i], codes[i] = v.Location, v.Code
	}
	return map[string]any{"operation": d.Operation, "violations": d.Total, "locations": locs, "codes": codes}
}
