package harnesstest

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ShapeEnv selects the shape the end-to-end suites run Warden's policies
// in: unset or "plugins", each policy is its own plugin, as the test's
// config says; "suite", every scope's Warden plugin entities are merged
// into one warden-suite entity (SuiteConfig) and the same cases run
// against it, so no policy behaves differently in the bundle. make test
// runs the plugins' suites in both shapes.
const ShapeEnv = "WARDEN_SHAPE"

// Suite reports whether the suites run in the warden-suite shape.
func Suite() bool { return os.Getenv(ShapeEnv) == "suite" }

// SuiteName is warden-suite's plugin name.
const SuiteName = "warden-suite"

// policyKeys are the stand-alone plugins warden-suite runs, and the key of
// each one's config in a warden-suite config.
var policyKeys = map[string]string{
	"warden-auth":      "auth",
	"warden-validator": "validator",
	"warden-authz":     "authz",
	"warden-ratelimit": "ratelimit",
	"warden-leakguard": "leakguard",
}

// Runner returns the plugin that runs policy's decisions in this run's
// shape: policy itself, or warden-suite. Round-trip counts and plugin
// server logs are kept under the runner's name; audit events name the
// policy in both shapes.
func Runner(policy string) string {
	if _, ok := policyKeys[policy]; ok && Suite() {
		return SuiteName
	}
	return policy
}

// Field returns how a config field path of policy's config is named in
// this run's shape: "rules[1].paths" for warden-authz, or
// "authz.rules[1].paths" inside warden-suite.
func Field(policy, path string) string {
	if key, ok := policyKeys[policy]; ok && Suite() {
		if path == "" {
			return key
		}
		return key + "." + path
	}
	return path
}

// SuiteConfig rewrites a declarative config for the warden-suite shape:
// in every plugins list (top level, services, routes, consumers), the
// entities of the five Warden plugins that share a scope (the same route,
// service and consumer references, and the same other fields) become one
// warden-suite entity, at the first one's place, whose config holds each
// one's config under its key (auth, validator, authz, ratelimit,
// leakguard).
func SuiteConfig(doc []byte) ([]byte, error) {
	var root any
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("suite shape: %w", err)
	}
	if err := mergeLists(root); err != nil {
		return nil, err
	}
	return yaml.Marshal(root)
}

func mergeLists(v any) error {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if list, ok := child.([]any); ok && k == "plugins" {
				merged, err := mergePlugins(list)
				if err != nil {
					return err
				}
				t[k] = merged
				child = merged
			}
			if err := mergeLists(child); err != nil {
				return err
			}
		}
	case []any:
		for _, el := range t {
			if err := mergeLists(el); err != nil {
				return err
			}
		}
	}
	return nil
}

// mergePlugins merges one plugins list's Warden entities by scope.
func mergePlugins(list []any) ([]any, error) {
	var out []any
	suites := map[string]map[string]any{} // scope key -> the suite entity's config
	for _, el := range list {
		p, ok := el.(map[string]any)
		name, _ := p["name"].(string)
		key, isPolicy := policyKeys[name]
		if !ok || !isPolicy {
			out = append(out, el)
			continue
		}
		scope := scopeKey(p)
		cfg, seen := suites[scope]
		if !seen {
			cfg = map[string]any{}
			suites[scope] = cfg
			entity := map[string]any{}
			for k, v := range p {
				if k != "name" && k != "config" {
					entity[k] = v
				}
			}
			entity["name"], entity["config"] = SuiteName, cfg
			out = append(out, entity)
		}
		if _, dup := cfg[key]; dup {
			return nil, fmt.Errorf("suite shape: two %s entities in one scope", name)
		}
		c := p["config"]
		if c == nil {
			c = map[string]any{}
		}
		cfg[key] = c
	}
	return out, nil
}

// scopeKey is every field of an entity but its name and config, which
// must agree for two entities to share a warden-suite entity.
func scopeKey(p map[string]any) string {
	var keys []string
	for k := range p {
		if k != "name" && k != "config" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%v;", k, p[k])
	}
	return b.String()
}

// suiteArgs gives warden-suite the server arguments the test gave the
// policies' plugins, once each.
func suiteArgs(args map[string][]string) map[string][]string {
	if args == nil {
		return nil
	}
	out := map[string][]string{}
	for name, a := range args {
		if _, ok := policyKeys[name]; !ok {
			out[name] = a
			continue
		}
		for _, arg := range a {
			if !slices.Contains(out[SuiteName], arg) {
				out[SuiteName] = append(out[SuiteName], arg)
			}
		}
	}
	return out
}
