package pluginkit

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"

	"github.com/Kong/go-pdk/server"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/metrics"
	"github.com/warden-gw/warden/pkg/schema"
)

// processRuntime is what all instances of a plugin process share.
type processRuntime struct {
	name       string
	logger     *log.Logger
	audit      *audit.Sink
	metrics    *metrics.Registry
	auditLevel auditLevel
}

func (rt *processRuntime) logf(format string, args ...any) {
	rt.logger.Printf(format, args...)
}

// Main runs the plugin server and exits the process when it stops. It is
// all a plugin's main function calls.
func Main[C, H any](p Plugin[C, H]) {
	if err := Run(p, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		os.Exit(1)
	}
}

// Run parses args, then either writes the dump to stdout (-dump) or serves
// Kong on the plugin socket until that fails. go-pdk owns the socket
// protocol; its flags (-kong-prefix, -dump, -help) are registered on the
// default flag set, so ours go there too.
func Run[C, H any](p Plugin[C, H], args []string, stdout, stderr io.Writer) error {
	if err := p.check(); err != nil {
		return err
	}
	pluginName = p.Name
	fs := flag.CommandLine
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics on this address (env "+envName(p.Name, "METRICS_ADDR")+")")
	auditFile := fs.String("audit-file", "", "also append audit events to this file (env WARDEN_AUDIT_FILE)")
	auditLevel := fs.String("audit", "", "which decisions become audit events: all (default), all_ids, deny or off (env WARDEN_AUDIT)")
	responsePhase := new(bool)
	if p.OptionalResponse {
		responsePhase = fs.Bool(ResponsePhaseFlag, p.ResponseByDefault, "declare the response phase: Kong then buffers every upstream response on the plugin's routes (give the same value to both the query and the start command)")
	}
	responseByDefault = p.ResponseByDefault
	if err := fs.Parse(args); err != nil {
		return err
	}
	mask, _ := p.phases(*responsePhase)
	declared = mask
	if fs.Lookup("dump").Value.String() == "true" {
		return dump(p, *responsePhase, stdout)
	}
	rt, err := newProcessRuntime(p.Name, stderr, envOr(*metricsAddr, envName(p.Name, "METRICS_ADDR")), envOr(*auditFile, "WARDEN_AUDIT_FILE"), envOr(*auditLevel, "WARDEN_AUDIT"))
	if err != nil {
		return err
	}
	compile := func(raw []byte) (any, error) {
		cfg, err := config.Load[C](raw)
		if err != nil {
			return nil, err
		}
		if s, ok := any(cfg).(Scoped); ok {
			m := parseMeta(raw)
			s.SetScope(m.RouteID, m.ServiceID)
		}
		return p.New(cfg)
	}
	// An optional response phase is always served, declared or not: with
	// -response-phase in the query command but not the start command,
	// Kong sends response events, and a server without the method would
	// close the connection, which Kong answers by restarting the instance
	// and retrying without end (kong/runloop/plugin_servers/rpc/pb_rpc.lua
	// handle_event), hanging the request. run answers such events.
	serve := mask
	if p.OptionalResponse {
		serve |= bitResponse
	}
	constructor := func() any {
		return wrap(serve, &instance{rt: rt, compile: compile})
	}
	log.SetOutput(knownNoiseFilter{w: stderr})
	// StartServer parses the default flag set again; every flag is known.
	return server.StartServer(constructor, p.Version, p.Priority)
}

// knownNoiseFilter drops the one line go-pdk logs on every access-phase
// exit: Kong never answers the kong.response.exit call and closes the
// connection when the request ends (kong/pdk/response.lua exit yields the
// plugin's coroutine), so go-pdk's servePb fails writing to it and logs
// "write unix <socket>->@: use of closed network connection"
// (go-pdk server/pbserver.go). Every other line of go-pdk's standard
// logger passes.
type knownNoiseFilter struct{ w io.Writer }

func (f knownNoiseFilter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("write unix ")) && bytes.HasSuffix(bytes.TrimRight(p, "\n"), []byte(": use of closed network connection")) {
		return len(p), nil
	}
	return f.w.Write(p)
}

func newProcessRuntime(name string, stderr io.Writer, metricsAddr, auditFile, auditLevel string) (*processRuntime, error) {
	level, err := parseAuditLevel(auditLevel)
	if err != nil {
		return nil, fmt.Errorf("-audit (WARDEN_AUDIT): %w", err)
	}
	rt := &processRuntime{
		name:       name,
		logger:     log.New(stderr, name+": ", log.LstdFlags),
		audit:      audit.NewSink(stderr),
		metrics:    Metrics(),
		auditLevel: level,
	}
	if auditFile != "" {
		if err := rt.audit.OpenFile(auditFile); err != nil {
			return nil, fmt.Errorf("audit file: %w", err)
		}
	}
	if metricsAddr != "" {
		addr, err := rt.metrics.Serve(metricsAddr, rt.logf)
		if err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		rt.logf("metrics on http://%s/metrics", addr)
	}
	return rt, nil
}

// PluginInfo is one entry of the dump's Plugins list, in go-pdk's field
// order and names (go-pdk server/rpc.go pluginInfo), which Kong reads in
// kong/runloop/plugin_servers/process.lua.
type PluginInfo struct {
	Name     string
	Phases   []string
	Version  string
	Priority int
	Schema   schema.Plugin
}

// DumpInfo is what `<plugin> -dump` writes (go-pdk server/os.go serverInfo).
type DumpInfo struct {
	Protocol   string
	SocketPath string
	Plugins    []PluginInfo
}

// Info returns the plugin's dump entry with its optional phase as it is by default.
func Info[C, H any](p Plugin[C, H]) (PluginInfo, error) { return pluginInfo(p, p.ResponseByDefault) }

func pluginInfo[C, H any](p Plugin[C, H], responsePhase bool) (PluginInfo, error) {
	sch, err := schema.ForPlugin(p.Name, reflect.TypeFor[C]())
	if err != nil {
		return PluginInfo{}, err
	}
	_, phases := p.phases(responsePhase)
	return PluginInfo{Name: p.Name, Phases: phases, Version: p.Version, Priority: p.Priority, Schema: sch}, nil
}

// Dump writes the JSON Kong's query command reads, with the optional phase as it is by default.
func Dump[C, H any](p Plugin[C, H], w io.Writer) error { return dump(p, p.ResponseByDefault, w) }

func dump[C, H any](p Plugin[C, H], responsePhase bool, w io.Writer) error {
	info, err := pluginInfo(p, responsePhase)
	if err != nil {
		return err
	}
	prefix := flag.CommandLine.Lookup("kong-prefix").Value.String()
	d := DumpInfo{
		Protocol:   "ProtoBuf:1",
		SocketPath: filepath.Join(prefix, socketName(p.Name)+".socket"),
		Plugins:    []PluginInfo{info},
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

// socketName is the name go-pdk listens under: the executable's base name
// (go-pdk server/os.go getSocketPath), which should be the plugin name.
func socketName(name string) string {
	if exe, err := os.Executable(); err == nil {
		return filepath.Base(exe)
	}
	return name
}

func envName(plugin, suffix string) string {
	return strings.ToUpper(strings.ReplaceAll(plugin, "-", "_")) + "_" + suffix
}

func envOr(v, env string) string {
	if v != "" {
		return v
	}
	return os.Getenv(env)
}

// Logf writes a line to stderr, prefixed with the process's plugin name,
// for use outside request handling (compile steps). Kong logs it at info
// (below its default log_level): what an operator must see goes through
// the fail-closed path instead. Never pass a secret.
func Logf(format string, args ...any) { log.Printf(pluginName+": "+format, args...) }

var (
	metricsOnce sync.Once
	procMetrics *metrics.Registry
)

// Metrics is the process's metrics registry, for plugins that count more
// than decisions (register counters in the compile step with
// Metrics().CounterVec; instances share them). It carries the plugin name
// as a constant label once Main runs.
func Metrics() *metrics.Registry {
	metricsOnce.Do(func() {
		procMetrics = metrics.New(pluginName)
	})
	return procMetrics
}

// pluginName is set by Run before anything asks for Metrics.
var pluginName = filepath.Base(os.Args[0])
