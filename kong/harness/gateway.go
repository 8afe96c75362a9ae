package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Options configures Start.
type Options struct {
	ConfigPath string                      // DB-less kong.yml (_format_version "3.0")
	Config     []byte                      // or the YAML inline (one of the two)
	PluginDir  string                      // folder holding plugin binaries; binary name = plugin name
	Prefix     string                      // Kong prefix (sockets go here); a temp dir when empty
	Listen     string                      // proxy listen address; "127.0.0.1:0" when empty
	LookupEnv  func(string) (string, bool) // env vault lookups ({vault://env/NAME}); os.LookupEnv when nil
	Resolve    map[string]string           // host -> IP override for upstream URLs (like curl --resolve)
	Log        io.Writer                   // gateway and plugin server logs; os.Stderr when nil
	// LogLevel is Kong's log_level: lines below it are not written, as
	// nginx's error_log drops them. "notice" (Kong's default,
	// kong/templates/kong_defaults.lua) when empty. Plugin servers' own
	// output is logged at info (process.lua grab_logs), so a stock Kong
	// shows none of it; kong.log.* calls keep their level.
	LogLevel string
	// ServerArgs are extra arguments for a plugin server, by plugin name,
	// given to both its query (-dump) and its start command, as an
	// operator writes them into pluginserver_<name>_query_cmd and
	// _start_cmd (kong/conf_loader/init.lua).
	ServerArgs map[string][]string
	// QueryArgs, when set for a plugin, replace its ServerArgs in the
	// query command only: the misconfiguration of a flag given to one
	// command and not the other, for tests that show what it does.
	QueryArgs map[string][]string
	// Env names the environment variables plugin servers keep, as
	// nginx's env directive does (KONG_NGINX_MAIN_ENV=NAME injects one:
	// kong/templates/nginx.lua nginx_main_directives). Kong spawns plugin
	// servers from a worker (kong/runloop/plugin_servers/process.lua
	// ngx_pipe.spawn, no environ option), whose environment nginx clears
	// but for TZ and those names (nginx core module, env directive; Kong
	// maintainers in Kong/kong#6149), so the harness starts them with
	// that environment. The query command runs at init, in the master,
	// with the whole environment.
	Env []string

	ListenTLS   string // also serve HTTPS here (Kong's proxy_listen ... ssl); off when empty
	TLSCertFile string // PEM certificate for ListenTLS; a self-signed one for localhost when empty
	TLSKeyFile  string // its PEM key
	// TLSVerifyClient is nginx's ssl_verify_client on the TLS listener,
	// which Kong operators inject with nginx_proxy_ssl_verify_client
	// (kong.conf.default "NGINX injected directives"; the template puts
	// nginx_proxy_directives in the proxy server block,
	// kong/templates/nginx_kong.lua): "" or "off" (no certificate asked
	// for), "optional_no_ca", "optional" or "on".
	TLSVerifyClient string
	// TLSClientCAFile is nginx's ssl_client_certificate: the PEM CAs a
	// client certificate is verified against.
	TLSClientCAFile string
}

// Gateway is a running harness: plugin servers plus an HTTP proxy listener.
type Gateway struct {
	cfg      *Config
	servers  map[string]*pluginServer
	confs    []*pluginConf // in iterator order (priority, then name desc)
	router   *router
	log      *logger
	stats    *statsStore
	opts     Options
	nodeID   string
	ln       net.Listener
	tlsLn    net.Listener
	clientCA *x509.CertPool // verifies client certificates for $ssl_client_verify; nil: none
	srv      *http.Server
	client   *http.Client
	tempDir  string
	logWG    sync.WaitGroup
	closeErr error
	once     sync.Once
}

// pluginConf is one enabled plugin entity with its processed config.
type pluginConf struct {
	id      string
	name    string
	entity  *PluginConfig
	server  *pluginServer
	config  map[string]any // processed config, as the plugin's Lua table
	json    []byte         // cjson_encode(conf) sent with cmd_start_instance
	seq     int64
	routeID string
	svcID   string
	consID  string
}

// Start discovers and starts the plugin servers named in the config, applies
// their schemas and listens for proxy traffic.
func Start(ctx context.Context, opts Options) (*Gateway, error) {
	data := opts.Config
	if opts.ConfigPath != "" {
		if data != nil {
			return nil, fmt.Errorf("%w: set ConfigPath or Config, not both", ErrConfig)
		}
		var err error
		if data, err = os.ReadFile(opts.ConfigPath); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	cfg, err := LoadConfig(data)
	if err != nil {
		return nil, err
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	lvl, err := parseLogLevel(opts.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	w := opts.Log
	if w == nil {
		w = os.Stderr
	}
	g := &Gateway{cfg: cfg, servers: map[string]*pluginServer{}, log: &logger{w: w, min: lvl}, stats: newStatsStore(), opts: opts,
		router: newRouter(cfg.Routes), nodeID: deterministicUUID("node")}
	if opts.Prefix == "" {
		// Unix socket paths are limited to ~108 bytes: keep the prefix short.
		dir, err := os.MkdirTemp("", "kh")
		if err != nil {
			return nil, err
		}
		g.tempDir, opts.Prefix = dir, dir
		g.opts.Prefix = dir
	} else if err := os.MkdirAll(opts.Prefix, 0o755); err != nil {
		return nil, err
	}
	if err := g.startPlugins(ctx); err != nil {
		g.Close()
		return nil, err
	}
	g.client = newUpstreamClient(opts.Resolve)
	listen := opts.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		g.Close()
		return nil, err
	}
	g.ln = ln
	g.srv = &http.Server{Handler: http.HandlerFunc(g.serve), ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = g.srv.Serve(ln) }()
	g.log.notice("", "harness listening on %s", g.URL())
	if opts.ListenTLS != "" {
		tc, err := tlsConfig(opts.TLSCertFile, opts.TLSKeyFile)
		if err == nil {
			g.clientCA, err = clientAuth(tc, opts.TLSVerifyClient, opts.TLSClientCAFile)
		}
		if err != nil {
			g.Close()
			return nil, err
		}
		tln, err := net.Listen("tcp", opts.ListenTLS)
		if err != nil {
			g.Close()
			return nil, err
		}
		g.tlsLn = tls.NewListener(tln, tc)
		go func() { _ = g.srv.Serve(g.tlsLn) }()
		g.log.notice("", "harness listening on %s", g.TLSURL())
	}
	return g, nil
}

func (g *Gateway) startPlugins(ctx context.Context) error {
	var errs []error
	names := map[string]bool{}
	for _, p := range g.cfg.Plugins {
		names[p.Name] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		bin := filepath.Join(g.opts.PluginDir, n)
		qargs, ok := g.opts.QueryArgs[n]
		if !ok {
			qargs = g.opts.ServerArgs[n]
		}
		info, err := queryPlugin(ctx, bin, qargs...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if info.Name != n {
			errs = append(errs, fmt.Errorf("%w: binary %s dumps plugin name %q", ErrDiscovery, bin, info.Name))
			continue
		}
		g.servers[n] = newPluginServer(info, bin, g.opts.ServerArgs[n], workerEnv(g.opts.Env), g.opts.Prefix, g.log)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// Schema application for every plugin entity (Admin API / declarative import).
	var seq int64
	for _, p := range g.cfg.Plugins {
		ps := g.servers[p.Name]
		rec, err := configRecord(ps.info.Schema)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Where, err))
			continue
		}
		warn := func(msg string) { g.log.warn("", "%s", msg) }
		conf, err := applyRecord(rec, p.Config, g.opts.LookupEnv, warn)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (plugin %s): %w", p.Where, p.Name, err))
			continue
		}
		if !p.Enabled {
			continue // get_plugin_config: disabled plugins are not iterated
		}
		pc := &pluginConf{id: p.ID, name: p.Name, entity: p, server: ps, config: conf}
		if p.Route != nil {
			pc.routeID = p.Route.ID
		}
		if p.Service != nil {
			pc.svcID = p.Service.ID
		}
		if p.Consumer != nil {
			pc.consID = p.Consumer.ID
		}
		// plugins_iterator.lua get_plugin_config adds route_id, service_id,
		// consumer_id, plugin_instance_name, __plugin_id, __ws_id, __key__ and
		// __seq__ (ngx.shared incr starting at 1).
		seq++
		pc.seq = seq
		full := make(map[string]any, len(conf)+8)
		for k, v := range conf {
			full[k] = v
		}
		if pc.routeID != "" {
			full["route_id"] = pc.routeID
		}
		if pc.svcID != "" {
			full["service_id"] = pc.svcID
		}
		if pc.consID != "" {
			full["consumer_id"] = pc.consID
		}
		if p.InstanceName != "" {
			full["plugin_instance_name"] = p.InstanceName
		}
		full["__plugin_id"] = p.ID
		full["__ws_id"] = defaultWorkspaceID
		full["__key__"] = cacheKey(p)
		full["__seq__"] = seq
		if pc.json, err = json.Marshal(full); err != nil {
			errs = append(errs, fmt.Errorf("%s: encoding config: %w", p.Where, err))
			continue
		}
		g.confs = append(g.confs, pc)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// kong/db/dao/plugins.lua sort_by_handler_priority: priority desc, ties by name desc.
	sort.SliceStable(g.confs, func(i, j int) bool {
		a, b := g.servers[g.confs[i].name].info, g.servers[g.confs[j].name].info
		if a.Priority == b.Priority {
			return a.Name > b.Name
		}
		return a.Priority > b.Priority
	})
	for _, n := range sorted {
		if err := g.servers[n].start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// URL is the proxy's base URL, http://127.0.0.1:PORT.
func (g *Gateway) URL() string {
	if g.ln == nil {
		return ""
	}
	return "http://" + g.ln.Addr().String()
}

// TLSURL is the HTTPS proxy's base URL, or "" without ListenTLS.
func (g *Gateway) TLSURL() string {
	if g.tlsLn == nil {
		return ""
	}
	return "https://" + g.tlsLn.Addr().String()
}

// Calls reports the PDK calls made while serving the request with that
// X-Kong-Request-Id. Log-phase calls are included once the log phase ended.
func (g *Gateway) Calls(requestID string) CallStats { return g.stats.snapshot(requestID) }

// Plugins lists what each plugin's -dump said, sorted by name.
func (g *Gateway) Plugins() []PluginInfo {
	out := make([]PluginInfo, 0, len(g.servers))
	for _, ps := range g.servers {
		out = append(out, ps.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Enabled describes each enabled plugin entity: name and where it applies.
func (g *Gateway) Enabled() []PluginConfig {
	out := make([]PluginConfig, 0, len(g.confs))
	for _, pc := range g.confs {
		out = append(out, *pc.entity)
	}
	return out
}

// WaitLogs blocks until every log phase started so far has finished.
func (g *Gateway) WaitLogs() { g.logWG.Wait() }

// Close stops the listener and the plugin servers.
func (g *Gateway) Close() error {
	g.once.Do(func() {
		if g.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			g.closeErr = g.srv.Shutdown(ctx)
			cancel()
		}
		g.logWG.Wait()
		for _, ps := range g.servers {
			ps.stop()
		}
		if g.tempDir != "" {
			_ = os.RemoveAll(g.tempDir)
		}
	})
	return g.closeErr
}
