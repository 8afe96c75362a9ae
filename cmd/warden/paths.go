package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/pkg/config"
)

// Paths: how the checker names entities and fields in what it prints.

var segment = regexp.MustCompile(`^([a-z_]+)\[(\d+)\]$`)

// flattenSchemaErr renders Kong's nested error table (1-based array
// indices, "@entity" for entity checks) as "config.rules[2].path: msg"
// lines with 0-based indices, the indices Validate and the harness's
// entity paths use.
func flattenSchemaErr(prefix string, v any, out *[]string) {
	switch t := v.(type) {
	case string:
		*out = append(*out, prefix+": "+t)
	case []string:
		for _, s := range t {
			*out = append(*out, prefix+": "+s)
		}
	case []any:
		for _, s := range t {
			*out = append(*out, fmt.Sprintf("%s: %v", prefix, s))
		}
	case map[string]any:
		for k, sub := range t {
			p := prefix
			if n, err := strconv.Atoi(k); err == nil && n > 0 {
				p = fmt.Sprintf("%s[%d]", prefix, n)
			} else if k != "@entity" {
				p = joinPath(prefix, k)
			}
			flattenSchemaErr(p, sub, out)
		}
	default:
		*out = append(*out, fmt.Sprintf("%s: %v", prefix, t))
	}
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// collectRefs records, by path, the vault references Kong kept in each
// record's "$refs" while resolving them.
func collectRefs(v any, path string, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if refs, ok := t[config.RefsKey].(map[string]any); ok {
			for k, r := range refs {
				switch rv := r.(type) {
				case string:
					out[joinPath(path, k)] = rv
				case []any:
					for i, e := range rv {
						if s, ok := e.(string); ok {
							out[fmt.Sprintf("%s[%d]", joinPath(path, k), i+1)] = s
						}
					}
				case map[string]any:
					for mk, e := range rv {
						if s, ok := e.(string); ok {
							out[joinPath(joinPath(path, k), mk)] = s
						}
					}
				}
			}
		}
		for k, e := range t {
			if k != config.RefsKey {
				collectRefs(e, joinPath(path, k), out)
			}
		}
	case []any:
		for i, e := range t {
			collectRefs(e, fmt.Sprintf("%s[%d]", path, i+1), out)
		}
	}
}

// refMissing reports whether ref names one of the environment variables
// the lookup did not find (kong/vaults/env: upper case, - becomes _).
func refMissing(ref string, missing []string) bool {
	norm := strings.ToUpper(strings.ReplaceAll(ref, "-", "_"))
	for _, m := range missing {
		if strings.Contains(norm, m) {
			return true
		}
	}
	return false
}

func underAny(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

// entityPath names a plugin entity by the names of the entities it is
// declared in, "services[orders].plugins[warden-authz]", keeping an index
// where an entity has no name or the name would be ambiguous.
func entityPath(cfg *harness.Config, pc *harness.PluginConfig) string {
	parts := strings.Split(pc.Where, ".")
	for i, part := range parts {
		m := segment.FindStringSubmatch(part)
		if m == nil {
			continue
		}
		idx, _ := strconv.Atoi(m[2])
		var name string
		switch m[1] {
		case "services":
			if i == 0 && idx >= 1 && idx <= len(cfg.Services) {
				name = cfg.Services[idx-1].Name
			}
		case "routes":
			if pc.Route != nil && i == len(parts)-2 {
				name = pc.Route.Name
			}
		case "consumers":
			if pc.Consumer != nil {
				name = pc.Consumer.Username
			}
		case "plugins":
			if i == len(parts)-1 && uniqueName(cfg, pc) {
				name = pc.Name
			}
		}
		if name != "" {
			parts[i] = m[1] + "[" + name + "]"
		}
	}
	return strings.Join(parts, ".")
}

// uniqueName reports whether no other plugin entity declared in the same
// list has pc's name.
func uniqueName(cfg *harness.Config, pc *harness.PluginConfig) bool {
	list := pc.Where[:strings.LastIndex(pc.Where, "[")]
	for _, o := range cfg.Plugins {
		if o != pc && o.Name == pc.Name && o.Where[:strings.LastIndex(o.Where, "[")] == list {
			return false
		}
	}
	return true
}

// oneLine keeps one error per output line.
func oneLine(msg string) string {
	return strings.ReplaceAll(strings.TrimSpace(msg), "\n", "; ")
}
