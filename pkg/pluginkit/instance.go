package pluginkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Kong/go-pdk"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/respond"
)

// Reason codes the runtime itself audits.
const (
	ReasonConfigInvalid = "config_invalid"
	ReasonPanic         = "panic"
	ReasonInternal      = "internal_error"
	// ReasonTooManyHeaders: a request with more header lines than a
	// plugin can be shown (ErrTooManyHeaders), refused with 431.
	ReasonTooManyHeaders = "too_many_headers"
)

// instance is one plugin instance: one config Kong started with
// cmd_start_instance. go-pdk decodes the config into it with
// json.Unmarshal (go-pdk server/instance.go StartInstance), which is where
// the whole config lifecycle runs, once.
type instance struct {
	rt      *processRuntime
	compile func(raw []byte) (any, error)

	pluginID  string
	routeID   string // the route the instance is scoped to, if any
	serviceID string // the service the instance is scoped to, if any
	handler   any
	err       error // why the config was refused; the instance fails closed

	routeService serviceCache // the service of routeID, for audit events

	panicked [4]atomic.Bool // a stack was logged for this phase
	reported atomic.Bool    // the refused config reached Kong's error log
	errLog   rateLog
}

// UnmarshalJSON runs decode, defaults, Validate and compile. It never
// fails: go-pdk would turn an error into a failed cmd_start_instance, which
// Kong retries and logs on every request (kong/runloop/plugin_servers/
// plugin.lua get_instance_id). Instead the instance keeps the error,
// logs it once here, and answers every request with a generic 500.
func (in *instance) UnmarshalJSON(raw []byte) error {
	meta := parseMeta(raw)
	in.pluginID, in.routeID, in.serviceID = meta.PluginID, meta.RouteID, meta.ServiceID
	in.handler, in.err = in.safeCompile(raw)
	if in.err != nil {
		in.rt.logf("instance %s: config refused, every request will answer 500: %s",
			in.pluginID, config.KongSummary(in.err))
	}
	return nil
}

// configMeta is what Kong adds to every config: the plugin's id and its
// scope (kong/runloop/plugins_iterator.lua get_plugin_config).
type configMeta struct {
	PluginID  string `json:"__plugin_id"`
	RouteID   string `json:"route_id"`
	ServiceID string `json:"service_id"`
}

func parseMeta(raw []byte) configMeta {
	var m configMeta
	_ = json.Unmarshal(raw, &m)
	return m
}

func (in *instance) safeCompile(raw []byte) (h any, err error) {
	defer func() {
		if r := recover(); r != nil {
			in.rt.logf("instance %s: panic compiling config: %v\n%s", in.pluginID, r, debug.Stack())
			h, err = nil, fmt.Errorf("compiling config panicked")
		}
	}()
	return in.compile(raw)
}

var phaseIndex = map[string]int{PhaseRewrite: 0, PhaseAccess: 1, PhaseResponse: 2, PhaseLog: 3}

// run handles one event. Whatever happens in the handler, the request
// either gets the handler's decision or fails closed with a generic 500;
// no panic escapes to go-pdk, which recovers nothing and would take the
// whole plugin server down.
func (in *instance) run(phase string, p *pdk.PDK) {
	k := newKong(in, phase, p)
	defer func() {
		if r := recover(); r != nil {
			in.rt.metrics.Panic(phase)
			if !in.panicked[phaseIndex[phase]].Swap(true) {
				in.rt.logf("instance %s: panic in %s phase: %v\n%s", in.pluginID, phase, r, debug.Stack())
				k.logErr("instance %s: panic in %s phase (requests fail closed with 500): %v; the stack is in this plugin server's output", in.pluginID, phase, r)
			}
			k.failClosed(ReasonPanic)
		}
		in.rt.metrics.Phase(phase, time.Since(k.start))
	}()
	if phase == PhaseResponse && !Declares(PhaseResponse) {
		undeclaredResponse.Do(func() {
			in.rt.logf("Kong sends response events, but this process does not declare the response phase: give %s and %s the same -%s setting (responses are not checked)", QueryCmd(), startCmd(), ResponsePhaseFlag)
		})
		return
	}
	if in.err != nil {
		if !in.reported.Swap(true) {
			k.logErr("instance %s: config refused, every request answers 500: %s", in.pluginID, config.KongSummary(in.err))
		}
		k.failClosed(ReasonConfigInvalid)
		return
	}
	var err error
	switch phase {
	case PhaseRewrite:
		err = in.handler.(Rewriter).Rewrite(k)
	case PhaseAccess:
		err = in.handler.(Accesser).Access(k)
	case PhaseResponse:
		err = in.handler.(Responder).Response(k)
	case PhaseLog:
		err = in.handler.(Logger).Log(k)
	}
	if err == nil && !k.exited && phase != PhaseLog {
		err = k.Flush()
	}
	if err != nil {
		k.pending = writes{} // nothing half-decided reaches Kong
	}
	switch {
	case err == nil:
	case errors.Is(err, ErrTooManyHeaders) && phase != PhaseLog && !k.exited:
		// The client's doing: a 4xx, not an internal error.
		k.Decide(audit.Event{Decision: audit.Deny, Reason: ReasonTooManyHeaders},
			respond.Error(http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large"))
	default:
		if in.errLog.printf(in.rt, "instance %s: %s phase failed closed: %v", in.pluginID, phase, err) {
			k.logErr("instance %s: %s phase failed closed (500): %v", in.pluginID, phase, err)
		}
		k.failClosed(ReasonInternal)
	}
}

// failClosed answers 500 with a generic body (except in the log phase,
// where the response is gone) and audits the error.
func (k *Kong) failClosed(reason string) {
	if k.Phase == PhaseLog || k.exited {
		k.Audit(audit.Event{Decision: audit.Error, Reason: reason})
		return
	}
	r := respond.Internal()
	if k.Phase == PhaseResponse {
		// Kong has copied the upstream's headers onto the response
		// (kong/init.lua Kong.response): a 500 must not carry them, a
		// secret in one included (one more call, on this path only).
		if h, err := k.PDK.Response.GetHeaders(MaxHeaders); err == nil {
			r = Replacing(h, r)
		}
	}
	k.Decide(audit.Event{Decision: audit.Error, Reason: reason}, r)
}

// logErr writes a line to Kong's error log at error level through the PDK
// (kong.log.err). A plugin server's own output reaches that log at info
// only (kong/runloop/plugin_servers/process.lua grab_logs: raw_log(ngx.INFO)),
// below Kong's default log_level, notice: without this an operator sees a
// 500 and nothing else. One round trip, on error paths only, and never in
// the access phase after an exit (Kong never answers a call then).
func (k *Kong) logErr(format string, args ...any) {
	if k.exited || k.PDK == nil {
		return
	}
	_ = k.PDK.Log.Err(fmt.Sprintf(format, args...)) // Kong adds "[kong] [<plugin>]"
}

// rateLog logs at most one line per interval, counting what it drops, so
// a failing dependency cannot flood Kong's error log.
type rateLog struct {
	last    atomic.Int64
	dropped atomic.Int64
}

const rateLogInterval = 10 * time.Second

func (r *rateLog) printf(rt *processRuntime, format string, args ...any) bool {
	now := time.Now().UnixNano()
	last := r.last.Load()
	if now-last < int64(rateLogInterval) || !r.last.CompareAndSwap(last, now) {
		r.dropped.Add(1)
		return false
	}
	if n := r.dropped.Swap(0); n > 0 {
		format += fmt.Sprintf(" (%d similar lines suppressed)", n)
	}
	rt.logf(format, args...)
	return true
}

// undeclaredResponse logs, once per process, response events for an
// optional response phase the process did not declare.
var undeclaredResponse sync.Once
