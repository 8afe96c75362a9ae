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
	"slices"
	"strings"
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

// Scoped is implemented by a config that needs its instance's scope: the
// ids of the route and the service the plugin is configured on, which
// Kong adds to every config it hands over (route_id, service_id; empty
// for a global plugin: kong/runloop/plugins_iterator.lua
// get_plugin_config). The runtime calls SetScope after Validate, before
// New.
type Scoped interface {
	SetScope(routeID, serviceID string)
}

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
	// OptionalResponse makes H's response phase opt-in per process: the
	// binary declares it to Kong only when started with -response-phase,
	// which the operator puts in both pluginserver_<name>_query_cmd and
	// _start_cmd. Kong buffers every upstream response on each route a
	// plugin with a declared response phase runs on, whatever the
	// instance's config (kong/runloop/plugins_iterator.lua
	// get_next_and_collect sets ctx.buffered_proxying), and the external
	// plugin protocol has no way to decide per request. New learns
	// whether the phase is on from Declares.
	OptionalResponse bool
	// ResponseByDefault makes an OptionalResponse phase declared unless
	// the binary runs with -response-phase=false: for a plugin whose
	// default config checks responses (warden-leakguard), so that the
	// default works, and an operator who checks only requests can spare
	// every route the buffering and the event.
	ResponseByDefault bool
}

// ResponsePhaseFlag is the flag that declares an optional response phase.
const ResponsePhaseFlag = "response-phase"

// responseByDefault is the running plugin's ResponseByDefault, set by Run.
var responseByDefault bool

// NeedsResponsePhase is the message for a config that checks responses in
// a process that did not declare the response phase: what to change in
// Kong's configuration.
func NeedsResponsePhase() string {
	if responseByDefault {
		return fmt.Sprintf("needs the response phase: remove -%s=false from %s and %s", ResponsePhaseFlag, QueryCmd(), startCmd())
	}
	return fmt.Sprintf("needs the response phase: start %s with -%s in both %s and %s", pluginName, ResponsePhaseFlag, QueryCmd(), startCmd())
}

// QueryCmd names Kong's setting for this plugin server's query command
// (kong/conf_loader pluginserver_<name>_query_cmd, dashes as underscores).
func QueryCmd() string {
	return "pluginserver_" + strings.ReplaceAll(pluginName, "-", "_") + "_query_cmd"
}

func startCmd() string {
	return "pluginserver_" + strings.ReplaceAll(pluginName, "-", "_") + "_start_cmd"
}

// declared is the phase set this process declared to Kong, set by Run.
var declared int

// Declares reports whether this process declared phase to Kong: false
// before Run, and for an OptionalResponse plugin's response phase unless
// it runs with -response-phase.
func Declares(phase string) bool {
	for _, c := range phaseChecks {
		if c.name == phase {
			return declared&c.bit != 0
		}
	}
	return false
}

var phaseChecks = []struct {
	bit   int
	name  string
	iface reflect.Type
}{
	{bitRewrite, PhaseRewrite, reflect.TypeFor[Rewriter]()},
	{bitAccess, PhaseAccess, reflect.TypeFor[Accesser]()},
	{bitResponse, PhaseResponse, reflect.TypeFor[Responder]()},
	{bitLog, PhaseLog, reflect.TypeFor[Logger]()},
}

// phasesOf returns the phase bit set H implements, in Kong's order.
func phasesOf(h reflect.Type) (mask int, names []string) {
	for _, c := range phaseChecks {
		if h.Implements(c.iface) {
			mask |= c.bit
			names = append(names, c.name)
		}
	}
	return mask, names
}

// phases returns the phases the process declares: H's, less an optional
// response phase that was not asked for.
func (p Plugin[C, H]) phases(responsePhase bool) (mask int, names []string) {
	mask, names = phasesOf(reflect.TypeFor[H]())
	if p.OptionalResponse && !responsePhase {
		mask &^= bitResponse
		names = slices.DeleteFunc(names, func(n string) bool { return n == PhaseResponse })
	}
	return mask, names
}

func (p Plugin[C, H]) check() error {
	if p.Name == "" || p.Version == "" || p.New == nil {
		return fmt.Errorf("pluginkit: Plugin needs Name, Version and New")
	}
	mask, _ := phasesOf(reflect.TypeFor[H]())
	if mask == 0 {
		return fmt.Errorf("pluginkit: handler %s implements no phase", reflect.TypeFor[H]())
	}
	if p.OptionalResponse && (mask&bitResponse == 0 || mask == bitResponse) {
		return fmt.Errorf("pluginkit: OptionalResponse needs a handler with a response phase and another one")
	}
	if p.ResponseByDefault && !p.OptionalResponse {
		return fmt.Errorf("pluginkit: ResponseByDefault needs OptionalResponse")
	}
	return nil
}

// Version is the Warden release every plugin reports to Kong.
const Version = "0.1.0"
