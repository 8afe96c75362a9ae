// Package pluginkit is Warden's runtime on top of go-pdk, and the only
// package under pkg/ that imports go-pdk. A plugin's main hands it a
// Plugin value; pluginkit then
//
//   - writes the plugin's -dump with a rich schema in Kong's schema
//     language (package schema), which go-pdk cannot;
//   - runs each instance's config through decode, defaults, Validate and
//     the plugin's compile step once, and answers every request of an
//     instance whose config failed with a generic 500, logging the
//     precise error once;
//   - recovers panics in every phase (500, stack logged once);
//   - hands each phase a *Kong with few-call request helpers, the
//     identity contract, exits and audit events.
package pluginkit

import (
	"fmt"
	"reflect"
)

// Phase names, as Kong names the events (go-pdk server/rpc.go).
const (
	PhaseRewrite  = "rewrite"
	PhaseAccess   = "access"
	PhaseResponse = "response"
	PhaseLog      = "log"
)

// Rewriter handles the rewrite phase. Kong runs it only for global plugins.
type Rewriter interface{ Rewrite(k *Kong) error }

// Accesser handles the access phase.
type Accesser interface{ Access(k *Kong) error }

// Responder handles the response phase. Declaring it makes Kong buffer
// every upstream response for routes the plugin runs on.
type Responder interface{ Response(k *Kong) error }

// Logger handles the log phase, which Kong runs in a timer after the
// response was sent, with saved request data
// (kong/runloop/plugin_servers/plugin.lua build_phases).
type Logger interface{ Log(k *Kong) error }

// Plugin describes one Warden plugin binary. C is the config struct, H the
// compiled handler; the phases H implements are the phases the binary
// declares, and each declared phase costs Kong one event round trip per
// request, so H implements only what it uses.
type Plugin[C any, H any] struct {
	// Name is the Kong plugin name, which is also the binary's name.
	Name string
	// Version is reported to Kong in the dump.
	Version string
	// Priority orders the plugin among Kong's (higher runs first).
	Priority int
	// New compiles a decoded, defaulted and validated config once per
	// instance: regexps, schemas, shared clients. Its error fails the
	// instance closed.
	New func(cfg *C) (H, error)
}

// phases returns the phase bit set H implements, in Kong's order.
func phasesOf(h reflect.Type) (mask int, names []string) {
	checks := []struct {
		bit   int
		name  string
		iface reflect.Type
	}{
		{bitRewrite, PhaseRewrite, reflect.TypeFor[Rewriter]()},
		{bitAccess, PhaseAccess, reflect.TypeFor[Accesser]()},
		{bitResponse, PhaseResponse, reflect.TypeFor[Responder]()},
		{bitLog, PhaseLog, reflect.TypeFor[Logger]()},
	}
	for _, c := range checks {
		if h.Implements(c.iface) {
			mask |= c.bit
			names = append(names, c.name)
		}
	}
	return mask, names
}

func (p Plugin[C, H]) check() error {
	if p.Name == "" || p.Version == "" || p.New == nil {
		return fmt.Errorf("pluginkit: Plugin needs Name, Version and New")
	}
	if mask, _ := phasesOf(reflect.TypeFor[H]()); mask == 0 {
		return fmt.Errorf("pluginkit: handler %s implements no phase", reflect.TypeFor[H]())
	}
	return nil
}

// Version is the Warden release every plugin reports to Kong.
const Version = "0.1.0"
