package main

import (
	"errors"
	"fmt"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/validator"
)

// handler adapts package validator to Kong. It declares only the access
// phase: response-body validation is not built, because declaring the
// response phase makes Kong buffer every upstream response and costs an
// extra event RPC on every request of every route using this binary.
type handler struct {
	v *validator.Validator
}

func newHandler(cfg *validator.Config) (*handler, error) {
	v, err := validator.New(cfg)
	if err != nil {
		return nil, err
	}
	return &handler{v: v}, nil
}

// Access reads the method, the request target and the headers (three
// calls), the body only when there is one (a fourth), and answers with at
// most one exit.
func (h *handler) Access(k *pluginkit.Kong) error {
	method, err := k.PDK.Request.GetMethod()
	if err != nil {
		return fmt.Errorf("reading method: %w", err)
	}
	// The raw target; package validator normalizes the path as
	// kong.request.get_path would (kong/pdk/request.lua), saving a call.
	target, err := k.PDK.Request.GetPathWithQuery()
	if err != nil {
		return fmt.Errorf("reading path: %w", err)
	}
	headers, err := k.Headers()
	if err != nil {
		return fmt.Errorf("reading headers: %w", err)
	}
	d, err := h.v.Check(&validator.Request{Method: method, PathWithQuery: target, Headers: headers}, func(max int64) ([]byte, error) {
		b, err := k.RawBody(max)
		if errors.Is(err, pluginkit.ErrBodyTooLarge) {
			return nil, validator.ErrBodyTooLarge
		}
		return b, err
	})
	if err != nil {
		return err
	}
	if d.Valid() {
		return nil
	}
	e := audit.Event{Decision: audit.Deny, Reason: d.Reason, Status: d.Status, Details: details(d)}
	if h.v.LogOnly() {
		e.Decision = audit.ShadowDeny
		k.Audit(e)
		return nil
	}
	k.Audit(e)
	k.Exit(d.Response())
	return nil
}

// details are codes and locations only, never values.
func details(d validator.Decision) map[string]any {
	locs := make([]string, len(d.Violations))
	codes := make([]string, len(d.Violations))
	for i, v := range d.Violations {
		locs[i], codes[i] = v.Location, v.Code
	}
	return map[string]any{"operation": d.Operation, "violations": d.Total, "locations": locs, "codes": codes}
}
