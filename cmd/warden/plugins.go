package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warden-gw/warden/pkg/auth"
	"github.com/warden-gw/warden/pkg/authz"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/leakguard"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/ratelimit"
	"github.com/warden-gw/warden/pkg/schema"
	"github.com/warden-gw/warden/pkg/suite"
	"github.com/warden-gw/warden/pkg/validator"
)

// plugin is one Warden plugin as the checker knows it: its config type and
// the steps pluginkit.Run takes for every instance (config.Load, then the
// compile function the plugin's handler constructor calls). The handler
// constructors live in the plugins' main packages and only wrap these
// pkg functions (plus logging), so calling the pkg functions runs the same
// checks without importing go-pdk; TestRegistry guards the list.
type plugin struct {
	name    string
	config  reflect.Type
	compile func(raw []byte) error
	// notes, when set, says what a config that compiles may not mean
	// (warden-authz: rules other rules take decisions from).
	notes func(raw []byte) []string
}

func entry[C, T any](name string, compile func(*C) (T, error)) plugin {
	return plugin{
		name:   name,
		config: reflect.TypeFor[C](),
		compile: func(raw []byte) error {
			cfg, err := config.Load[C](raw)
			if err != nil {
				return err
			}
			_, err = compile(cfg)
			return err
		},
	}
}

// plugins are the Warden plugins, by name: the five policies and
// warden-suite, which runs any of them in one entity.
var plugins = []plugin{
	entry("warden-auth", checkAuth),
	withNotes(entry("warden-authz", authz.Compile), authzNotes),
	entry("warden-leakguard", leakguard.New),
	entry("warden-ratelimit", ratelimit.Compile),
	entry("warden-validator", validator.New),
	withNotes(entry("warden-suite", checkSuite), suiteNotes),
}

// checkAuth compiles offline: checking a config must not fetch the
// issuers' keys.
func checkAuth(c *auth.Config) (*auth.Authenticator, error) { return auth.New(c, auth.Offline()) }

// checkSuite compiles each policy a warden-suite config names, as the
// stand-alone plugins' entries do, naming fields from the suite's top.
func checkSuite(c *suite.Config) (struct{}, error) {
	var errs []error
	check := func(field string, err error) { errs = append(errs, config.Prefix(field, err)) }
	if c.Auth != nil {
		_, err := checkAuth(c.Auth)
		check("auth", err)
	}
	if c.Validator != nil {
		_, err := validator.New(c.Validator)
		check("validator", err)
	}
	if c.Authz != nil {
		_, err := authz.Compile(c.Authz)
		check("authz", err)
	}
	if c.RateLimit != nil {
		_, err := ratelimit.Compile(c.RateLimit)
		check("ratelimit", err)
	}
	if c.LeakGuard != nil {
		_, err := leakguard.New(c.LeakGuard)
		check("leakguard", err)
	}
	return struct{}{}, errors.Join(errs...)
}

// suiteNotes are the notes of the authz rules inside a warden-suite
// config.
func suiteNotes(raw []byte) []string {
	var doc struct {
		Authz json.RawMessage `json:"authz"`
	}
	if json.Unmarshal(raw, &doc) != nil || len(doc.Authz) == 0 || string(doc.Authz) == "null" {
		return nil
	}
	notes := authzNotes(doc.Authz)
	for i, n := range notes {
		notes[i] = "authz: " + n
	}
	return notes
}

func withNotes(p plugin, notes func(raw []byte) []string) plugin {
	p.notes = notes
	return p
}

func lookupPlugin(name string) (plugin, bool) {
	for _, p := range plugins {
		if p.name == name {
			return p, true
		}
	}
	return plugin{}, false
}

// schemaMap is the plugin's Kong schema as derived in process, in the form
// harness.ApplySchema reads (JSON objects as maps).
func (p plugin) schemaMap() (map[string]any, error) {
	s, err := schema.ForPlugin(p.name, p.config)
	if err != nil {
		return nil, err
	}
	return toMap(s)
}

func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// dumpInfo runs `DIR/<name> -dump`, as Kong's plugin-server query command
// does, and returns the plugin's entry.
func dumpInfo(dir, name string) (pluginkit.PluginInfo, map[string]any, error) {
	bin := filepath.Join(dir, name)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "-dump")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if msg := bytes.TrimSpace(errb.Bytes()); len(msg) > 0 {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return pluginkit.PluginInfo{}, nil, fmt.Errorf("running %s -dump: %w", bin, err)
	}
	var typed pluginkit.DumpInfo
	if err := json.Unmarshal(out.Bytes(), &typed); err != nil || len(typed.Plugins) != 1 {
		return pluginkit.PluginInfo{}, nil, fmt.Errorf("%s -dump: not a plugin info document (%v)", bin, err)
	}
	var raw struct {
		Plugins []struct{ Schema map[string]any }
	}
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		return pluginkit.PluginInfo{}, nil, fmt.Errorf("%s -dump: %w", bin, err)
	}
	info := typed.Plugins[0]
	if info.Name != name {
		return pluginkit.PluginInfo{}, nil, fmt.Errorf("%s -dump names plugin %q", bin, info.Name)
	}
	return info, raw.Plugins[0].Schema, nil
}

// quietRedis drops go-redis's log lines: compiling a redis rate-limit
// policy builds its client, whose pool may try to dial hosts that exist
// only where the gateway runs.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quietRedis{}) }
