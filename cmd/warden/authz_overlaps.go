package main

import (
	"github.com/warden-gw/warden/pkg/authz"
	"github.com/warden-gw/warden/pkg/config"
)

// authzNotes lists the rules of a warden-authz config that other rules
// take decisions from (authz.Policy.Overlaps): where a more specific
// template decides instead, or a deny rule refuses everything, a rule
// does not mean what it reads like on its own.
func authzNotes(raw []byte) []string {
	cfg, err := config.Load[authz.Config](raw)
	if err != nil {
		return nil
	}
	p, err := authz.Compile(cfg)
	if err != nil {
		return nil
	}
	var out []string
	for _, o := range p.Overlaps() {
		out = append(out, o.String())
	}
	return out
}
