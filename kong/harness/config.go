package harness

// DB-less declarative configuration (kong/db/declarative, kong/db/schema/entities/*.lua).
// Only the keys listed in the *Keys tables are supported; any other key is an
// error naming it, never silently ignored.

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is a validated DB-less kong.yml.
type Config struct {
	Services  []*Service
	Routes    []*Route
	Consumers []*Consumer
	Plugins   []*PluginConfig
}

// Service is a Kong service entity (kong/db/schema/entities/services.lua).
type Service struct {
	ID, Name, Protocol, Host, Path string
	Port                           int
	Retries                        int
	ConnectTimeout                 int // milliseconds, default 60000
	WriteTimeout                   int // milliseconds, default 60000
	ReadTimeout                    int // milliseconds, default 60000
	Enabled                        bool
	Tags                           []string
}

// Route is a Kong route entity (kong/db/schema/entities/routes.lua).
type Route struct {
	ID, Name                string
	Service                 *Service
	Paths, Methods, Hosts   []string
	Protocols               []string
	StripPath, PreserveHost bool
	HTTPSRedirectStatusCode int
	RegexPriority           int
	Tags                    []string
	order                   int
}

// Consumer is a Kong consumer entity.
type Consumer struct {
	ID, Username, CustomID string
	Tags                   []string
}

// PluginConfig is a plugin entity as declared (config not yet schema-processed).
type PluginConfig struct {
	ID, Name, InstanceName string
	Config                 map[string]any
	Enabled                bool
	Service                *Service
	Route                  *Route
	Consumer               *Consumer
	Protocols              []string
	Tags                   []string
	// Where names the declaration place, for messages ("services[1].plugins[2]"),
	// counting list positions from 1 as Kong's declarative errors do.
	Where string
}

// Scope describes where a plugin is enabled, e.g. "global" or "route=r1".
func (p *PluginConfig) Scope() string {
	var parts []string
	if p.Route != nil {
		parts = append(parts, "route="+nameOr(p.Route.Name, p.Route.ID))
	}
	if p.Service != nil {
		parts = append(parts, "service="+nameOr(p.Service.Name, p.Service.ID))
	}
	if p.Consumer != nil {
		parts = append(parts, "consumer="+nameOr(p.Consumer.Username, p.Consumer.ID))
	}
	if len(parts) == 0 {
		return "global"
	}
	return strings.Join(parts, ",")
}

func nameOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var (
	topKeys      = keySet("_format_version", "_transform", "services", "routes", "consumers", "plugins")
	serviceKeys  = keySet("id", "name", "url", "protocol", "host", "port", "path", "retries", "connect_timeout", "write_timeout", "read_timeout", "enabled", "tags", "routes", "plugins")
	routeKeys    = keySet("id", "name", "paths", "methods", "hosts", "protocols", "strip_path", "preserve_host", "https_redirect_status_code", "regex_priority", "path_handling", "request_buffering", "response_buffering", "service", "tags", "plugins")
	consumerKeys = keySet("id", "username", "custom_id", "tags", "plugins")
	pluginKeys   = keySet("id", "name", "instance_name", "config", "enabled", "service", "route", "consumer", "protocols", "tags")
)

func keySet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// loader accumulates errors while walking the document.
type loader struct {
	errs      []error
	cfg       *Config
	services  map[string]*Service
	routes    map[string]*Route
	consumers map[string]*Consumer
	pending   []pendingPlugin
	ids       map[string]string
}

type pendingPlugin struct {
	where string
	raw   map[string]any
	// implicit parent set by nesting
	service  *Service
	route    *Route
	consumer *Consumer
}

func (l *loader) errorf(where, format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
}

// LoadConfig parses and validates a DB-less kong.yml (_format_version "3.0").
// The error joins every problem found, each naming the key.
func LoadConfig(data []byte) (*Config, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: parsing YAML: %v", ErrConfig, err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: expected a YAML mapping at the top level", ErrConfig)
	}
	l := &loader{
		cfg:       &Config{},
		services:  map[string]*Service{},
		routes:    map[string]*Route{},
		consumers: map[string]*Consumer{},
		ids:       map[string]string{},
	}
	l.checkKeys("", root, topKeys)
	switch v := root["_format_version"].(type) {
	case nil:
		l.errorf("_format_version", "required field missing")
	case string:
		if v != "3.0" {
			l.errorf("_format_version", "unsupported version %q (the harness reads \"3.0\")", v)
		}
	default:
		l.errorf("_format_version", "expected a string")
	}
	if v, ok := root["_transform"]; ok && v != true {
		l.errorf("_transform", "only true (the default) is supported")
	}
	for i, raw := range l.list("services", root["services"]) {
		l.service(fmt.Sprintf("services[%d]", i+1), raw)
	}
	for i, raw := range l.list("consumers", root["consumers"]) {
		l.consumer(fmt.Sprintf("consumers[%d]", i+1), raw)
	}
	for i, raw := range l.list("routes", root["routes"]) {
		l.route(fmt.Sprintf("routes[%d]", i+1), raw, nil)
	}
	for i, raw := range l.list("plugins", root["plugins"]) {
		l.pending = append(l.pending, pendingPlugin{where: fmt.Sprintf("plugins[%d]", i+1), raw: raw})
	}
	for _, p := range l.pending {
		l.plugin(p)
	}
	l.checkPluginUniqueness()
	if len(l.errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrConfig, errors.Join(l.errs...))
	}
	return l.cfg, nil
}

func (l *loader) checkKeys(where string, m map[string]any, allowed map[string]bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !allowed[k] {
			l.errorf(join(where, k), "unknown field (not supported by the harness)")
		}
	}
}

func join(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

func (l *loader) list(where string, v any) []map[string]any {
	if v == nil {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		l.errorf(where, "expected an array")
		return nil
	}
	out := make([]map[string]any, 0, len(arr))
	for i, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			l.errorf(fmt.Sprintf("%s[%d]", where, i+1), "expected a record")
			continue
		}
		out = append(out, m)
	}
	return out
}

func (l *loader) str(where string, m map[string]any, key string) string {
	v, ok := m[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		l.errorf(join(where, key), "expected a string")
		return ""
	}
	if s == "" {
		// kong/db/schema/init.lua validate_field: strings get len_min = 1.
		l.errorf(join(where, key), "length must be at least 1")
	}
	return s
}

func (l *loader) boolean(where string, m map[string]any, key string, def bool) bool {
	v, ok := m[key]
	if !ok || v == nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		l.errorf(join(where, key), "expected a boolean")
		return def
	}
	return b
}

func (l *loader) integer(where string, m map[string]any, key string, def, lo, hi int) int {
	v, ok := m[key]
	if !ok || v == nil {
		return def
	}
	n, ok := v.(int)
	if !ok {
		l.errorf(join(where, key), "expected an integer")
		return def
	}
	if n < lo || n > hi {
		l.errorf(join(where, key), "value should be between %d and %d", lo, hi)
	}
	return n
}

func (l *loader) strings(where string, m map[string]any, key string) []string {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		l.errorf(join(where, key), "expected an array")
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok || s == "" {
			l.errorf(fmt.Sprintf("%s[%d]", join(where, key), i+1), "expected a string")
			continue
		}
		out = append(out, s)
	}
	return out
}

// id returns the given id (validated as a UUID) or derives one from the
// entity's kind and natural key, so ids are stable across runs.
func (l *loader) id(where string, m map[string]any, kind, natural string) string {
	if s := l.str(where, m, "id"); s != "" {
		if !isUUID(s) {
			l.errorf(join(where, "id"), "expected a valid UUID")
		}
		return s
	}
	return deterministicUUID(kind + ":" + natural)
}

func (l *loader) claimID(where, kind, id string) {
	key := kind + ":" + id
	if prev, ok := l.ids[key]; ok {
		l.errorf(where, "uniqueness violation: %s id %s also used by %s", kind, id, prev)
		return
	}
	l.ids[key] = where
}

// deterministicUUID derives a version-5-shaped UUID from a name (SHA-1, RFC 4122 layout).
func deterministicUUID(name string) string {
	sum := sha1.Sum([]byte("warden-harness/" + name))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x50
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (l *loader) service(where string, m map[string]any) {
	l.checkKeys(where, m, serviceKeys)
	s := &Service{
		Name:           l.str(where, m, "name"),
		Protocol:       l.str(where, m, "protocol"),
		Host:           l.str(where, m, "host"),
		Path:           l.str(where, m, "path"),
		Port:           l.integer(where, m, "port", 0, 0, 65535),
		Retries:        l.integer(where, m, "retries", 5, 0, 32767),
		ConnectTimeout: l.integer(where, m, "connect_timeout", 60000, 1, 2147483646),
		WriteTimeout:   l.integer(where, m, "write_timeout", 60000, 1, 2147483646),
		ReadTimeout:    l.integer(where, m, "read_timeout", 60000, 1, 2147483646),
		Enabled:        l.boolean(where, m, "enabled", true),
		Tags:           l.strings(where, m, "tags"),
	}
	// services.lua shorthand "url" expands into protocol, host, port, path.
	if raw := l.str(where, m, "url"); raw != "" {
		if s.Protocol != "" || s.Host != "" || s.Port != 0 || s.Path != "" {
			l.errorf(where, "url is mutually exclusive with protocol, host, port and path")
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			l.errorf(join(where, "url"), "invalid url %q", raw)
		} else {
			s.Protocol = u.Scheme
			s.Host = u.Hostname()
			if p := u.Port(); p != "" {
				s.Port, _ = strconv.Atoi(p)
			}
			if u.EscapedPath() != "" {
				s.Path = u.EscapedPath()
			}
		}
	}
	if s.Protocol == "" {
		s.Protocol = "http"
	}
	if s.Protocol != "http" && s.Protocol != "https" {
		l.errorf(join(where, "protocol"), "expected one of: http, https (the harness proxies HTTP only)")
	}
	if s.Port == 0 {
		// services.lua: port default 80; an https url without port gets 443.
		s.Port = 80
		if s.Protocol == "https" {
			s.Port = 443
		}
	}
	if s.Host == "" {
		l.errorf(join(where, "host"), "required field missing")
	}
	if s.Path != "" && !strings.HasPrefix(s.Path, "/") {
		l.errorf(join(where, "path"), "should start with: /")
	}
	s.ID = l.id(where, m, "service", nameOr(s.Name, where))
	l.claimID(where, "service", s.ID)
	if s.Name != "" {
		if _, dup := l.services[s.Name]; dup {
			l.errorf(join(where, "name"), "uniqueness violation: service name %q", s.Name)
		}
		l.services[s.Name] = s
	}
	l.services[s.ID] = s
	l.cfg.Services = append(l.cfg.Services, s)
	for i, raw := range l.list(join(where, "routes"), m["routes"]) {
		l.route(fmt.Sprintf("%s.routes[%d]", where, i+1), raw, s)
	}
	for i, raw := range l.list(join(where, "plugins"), m["plugins"]) {
		l.pending = append(l.pending, pendingPlugin{where: fmt.Sprintf("%s.plugins[%d]", where, i+1), raw: raw, service: s})
	}
}

func (l *loader) route(where string, m map[string]any, parent *Service) {
	l.checkKeys(where, m, routeKeys)
	r := &Route{
		Name:                    l.str(where, m, "name"),
		Paths:                   l.strings(where, m, "paths"),
		Methods:                 l.strings(where, m, "methods"),
		Hosts:                   l.strings(where, m, "hosts"),
		Protocols:               l.strings(where, m, "protocols"),
		StripPath:               l.boolean(where, m, "strip_path", true),
		PreserveHost:            l.boolean(where, m, "preserve_host", false),
		HTTPSRedirectStatusCode: l.integer(where, m, "https_redirect_status_code", 426, 0, 999),
		RegexPriority:           l.integer(where, m, "regex_priority", 0, -1<<31, 1<<31-1),
		Tags:                    l.strings(where, m, "tags"),
		order:                   len(l.cfg.Routes),
	}
	if ph := l.str(where, m, "path_handling"); ph != "" && ph != "v0" {
		l.errorf(join(where, "path_handling"), "only \"v0\" (the default) is supported by the harness")
	}
	for _, k := range []string{"request_buffering", "response_buffering"} {
		if !l.boolean(where, m, k, true) {
			l.errorf(join(where, k), "only true (the default) is supported by the harness")
		}
	}
	if r.Protocols == nil {
		r.Protocols = []string{"http", "https"} // routes.lua default
	}
	for i, p := range r.Protocols {
		if p != "http" && p != "https" {
			l.errorf(fmt.Sprintf("%s[%d]", join(where, "protocols"), i+1), "expected one of: http, https (the harness serves HTTP routes only)")
		}
	}
	for i, p := range r.Paths {
		pw := fmt.Sprintf("%s[%d]", join(where, "paths"), i+1)
		switch {
		case strings.HasPrefix(p, "~"):
			l.errorf(pw, "regex paths are %v", ErrUnsupported)
		case !strings.HasPrefix(p, "/"):
			l.errorf(pw, "should start with: / (fixed path) or ~/ (regex path)")
		}
	}
	for i, meth := range r.Methods {
		if meth != strings.ToUpper(meth) {
			l.errorf(fmt.Sprintf("%s[%d]", join(where, "methods"), i+1), "invalid value: %s", meth)
		}
	}
	if len(r.Paths) == 0 && len(r.Methods) == 0 && len(r.Hosts) == 0 {
		// routes.lua entity check for http(s) routes.
		l.errorf(where, "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'")
	}
	if ref, ok := m["service"]; ok {
		if parent != nil {
			l.errorf(join(where, "service"), "nested routes take their service from the parent")
		} else {
			r.Service = l.refService(join(where, "service"), ref)
		}
	} else {
		r.Service = parent
	}
	r.ID = l.id(where, m, "route", nameOr(r.Name, where))
	l.claimID(where, "route", r.ID)
	if r.Name != "" {
		if _, dup := l.routes[r.Name]; dup {
			l.errorf(join(where, "name"), "uniqueness violation: route name %q", r.Name)
		}
		l.routes[r.Name] = r
	}
	l.routes[r.ID] = r
	l.cfg.Routes = append(l.cfg.Routes, r)
	for i, raw := range l.list(join(where, "plugins"), m["plugins"]) {
		l.pending = append(l.pending, pendingPlugin{where: fmt.Sprintf("%s.plugins[%d]", where, i+1), raw: raw, route: r})
	}
}

func (l *loader) consumer(where string, m map[string]any) {
	l.checkKeys(where, m, consumerKeys)
	c := &Consumer{
		Username: l.str(where, m, "username"),
		CustomID: l.str(where, m, "custom_id"),
		Tags:     l.strings(where, m, "tags"),
	}
	if c.Username == "" && c.CustomID == "" {
		// consumers.lua: at_least_one_of = { "custom_id", "username" }
		l.errorf(where, "at least one of these fields must be non-empty: 'custom_id', 'username'")
	}
	c.ID = l.id(where, m, "consumer", nameOr(c.Username, "custom_id="+c.CustomID))
	l.claimID(where, "consumer", c.ID)
	if c.Username != "" {
		if _, dup := l.consumers[c.Username]; dup {
			l.errorf(join(where, "username"), "uniqueness violation: consumer username %q", c.Username)
		}
		l.consumers[c.Username] = c
	}
	l.consumers[c.ID] = c
	l.cfg.Consumers = append(l.cfg.Consumers, c)
	for i, raw := range l.list(join(where, "plugins"), m["plugins"]) {
		l.pending = append(l.pending, pendingPlugin{where: fmt.Sprintf("%s.plugins[%d]", where, i+1), raw: raw, consumer: c})
	}
}

func refKey(ref any) (string, bool) {
	switch v := ref.(type) {
	case string:
		return v, v != ""
	case map[string]any:
		// the foreign-key form { id = ... } (or name) is accepted too
		for _, k := range []string{"id", "name", "username"} {
			if s, ok := v[k].(string); ok && s != "" {
				return s, true
			}
		}
	}
	return "", false
}

func (l *loader) refService(where string, ref any) *Service {
	k, ok := refKey(ref)
	if !ok {
		l.errorf(where, "expected a service name or id")
		return nil
	}
	s := l.services[k]
	if s == nil {
		l.errorf(where, "no service named %q", k)
	}
	return s
}

func (l *loader) plugin(p pendingPlugin) {
	where, m := p.where, p.raw
	l.checkKeys(where, m, pluginKeys)
	pc := &PluginConfig{
		Name:         l.str(where, m, "name"),
		InstanceName: l.str(where, m, "instance_name"),
		Enabled:      l.boolean(where, m, "enabled", true),
		Protocols:    l.strings(where, m, "protocols"),
		Tags:         l.strings(where, m, "tags"),
		Service:      p.service,
		Route:        p.route,
		Consumer:     p.consumer,
		Where:        where,
	}
	if pc.Name == "" {
		l.errorf(join(where, "name"), "required field missing")
	}
	switch c := m["config"].(type) {
	case nil:
		pc.Config = map[string]any{}
	case map[string]any:
		pc.Config = c
	default:
		l.errorf(join(where, "config"), "expected a record")
	}
	nested := p.service != nil || p.route != nil || p.consumer != nil
	for _, key := range []string{"service", "route", "consumer"} {
		ref, ok := m[key]
		if !ok || ref == nil {
			continue
		}
		kw := join(where, key)
		if nested {
			// Nested plugins take their parent implicitly; Kong's declarative
			// flattening rejects a conflicting explicit reference.
			l.errorf(kw, "a nested plugin takes its %s from the parent entity", key)
			continue
		}
		k, ok := refKey(ref)
		if !ok {
			l.errorf(kw, "expected a %s name or id", key)
			continue
		}
		switch key {
		case "service":
			if pc.Service = l.services[k]; pc.Service == nil {
				l.errorf(kw, "no service named %q", k)
			}
		case "route":
			if pc.Route = l.routes[k]; pc.Route == nil {
				l.errorf(kw, "no route named %q", k)
			}
		case "consumer":
			if pc.Consumer = l.consumers[k]; pc.Consumer == nil {
				l.errorf(kw, "no consumer named %q", k)
			}
		}
	}
	if pc.Protocols == nil {
		// typedefs.protocols default for plugins
		pc.Protocols = []string{"grpc", "grpcs", "http", "https"}
	}
	natural := pc.Name + "|" + pc.Scope() + "|" + pc.InstanceName
	pc.ID = l.id(where, m, "plugin", natural)
	l.claimID(where, "plugin", pc.ID)
	l.cfg.Plugins = append(l.cfg.Plugins, pc)
}

// checkPluginUniqueness applies plugins.lua cache_key = { name, route, service, consumer }.
func (l *loader) checkPluginUniqueness() {
	seen := map[string]string{}
	for _, p := range l.cfg.Plugins {
		key := cacheKey(p)
		if prev, ok := seen[key]; ok {
			l.errorf(p.Where, "uniqueness violation: plugin %q already configured for the same route/service/consumer at %s", p.Name, prev)
			continue
		}
		seen[key] = p.Where
	}
}

// cacheKey mirrors kong/db/dao/plugins.lua cache_key for the default workspace:
// "plugins:<name>:<route>:<service>:<consumer>::<ws_id>".
func cacheKey(p *PluginConfig) string {
	var r, s, c string
	if p.Route != nil {
		r = p.Route.ID
	}
	if p.Service != nil {
		s = p.Service.ID
	}
	if p.Consumer != nil {
		c = p.Consumer.ID
	}
	return fmt.Sprintf("plugins:%s:%s:%s:%s::%s", p.Name, r, s, c, defaultWorkspaceID)
}

// defaultWorkspaceID stands in for kong.default_workspace (a random UUID in Kong).
var defaultWorkspaceID = deterministicUUID("workspace:default")
