package harness

// Route matching after Kong's traditional_compatible router
// (kong/router/transform.lua get_priority, kong/router/utils.lua
// get_upstream_uri_v0): prefix paths, methods, hosts (with wildcards); a
// route's priority is its number of matching fields, then plain hosts, then
// the length of the matched path; declaration order breaks ties.

import (
	"net"
	"sort"
	"strings"
)

type router struct{ routes []*Route }

type match struct {
	route  *Route
	prefix string // matched path prefix, "/" when the route has no paths
}

func newRouter(routes []*Route) *router {
	return &router{routes: routes}
}

func (r *router) find(method, host, path string) *match {
	type cand struct {
		m      match
		weight int
		plain  bool
		length int
		order  int
	}
	var cands []cand
	hostOnly := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		hostOnly = h
	}
	for _, rt := range r.routes {
		if rt.Service != nil && !rt.Service.Enabled {
			continue
		}
		weight := 0
		if len(rt.Methods) > 0 {
			if !containsFold(rt.Methods, method) {
				continue
			}
			weight++
		}
		plain := len(rt.Hosts) > 0
		if len(rt.Hosts) > 0 {
			ok := false
			for _, h := range rt.Hosts {
				if strings.Contains(h, "*") {
					plain = false
				}
				if hostMatches(h, host, hostOnly) {
					ok = true
				}
			}
			if !ok {
				continue
			}
			weight++
		}
		prefix, length := "/", 0
		if len(rt.Paths) > 0 {
			best := -1
			for _, p := range rt.Paths {
				if strings.HasPrefix(path, p) && len(p) > best {
					best, prefix = len(p), p
				}
			}
			if best < 0 {
				continue
			}
			length = best
			weight++
		}
		cands = append(cands, cand{m: match{route: rt, prefix: prefix}, weight: weight, plain: plain, length: length, order: rt.order})
	}
	if len(cands) == 0 {
		return nil
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.weight != b.weight {
			return a.weight > b.weight
		}
		if a.plain != b.plain {
			return a.plain
		}
		if a.length != b.length {
			return a.length > b.length
		}
		return a.order < b.order
	})
	m := cands[0].m
	return &m
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

// hostMatches compares a route host (maybe "*.x", "x.*" or "x:port") with the request Host.
func hostMatches(pattern, host, hostOnly string) bool {
	target := hostOnly
	if strings.Contains(pattern, ":") {
		target = host
	}
	pattern, target = strings.ToLower(pattern), strings.ToLower(target)
	switch {
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(target, pattern[1:]) && len(target) > len(pattern)-1
	case strings.HasSuffix(pattern, ".*"):
		return strings.HasPrefix(target, pattern[:len(pattern)-1]) && len(target) > len(pattern)-1
	}
	return pattern == target
}

// sanitizePostfix is sanitize_uri_postfix (kong/router/utils.lua), which
// atc.lua set_upstream_uri applies to what follows the matched prefix.
func sanitizePostfix(p string) string {
	switch {
	case p == "." || p == "..":
		return ""
	case strings.HasPrefix(p, "./"):
		return p[2:]
	case strings.HasPrefix(p, "../"):
		return p[3:]
	}
	return p
}

// upstreamURI is get_upstream_uri_v0 (path_handling "v0").
func upstreamURI(rt *Route, prefix, reqPath, base string) string {
	if base == "" {
		base = "/"
	}
	postfix := ""
	if rt.StripPath && len(rt.Paths) > 0 {
		postfix = strings.TrimPrefix(reqPath, prefix)
	} else {
		postfix = strings.TrimPrefix(reqPath, "/")
	}
	postfix = sanitizePostfix(postfix)
	strip := rt.StripPath
	if strings.HasSuffix(base, "/") {
		if strip {
			if postfix == "" {
				if base == "/" {
					return "/"
				}
				if strings.HasSuffix(reqPath, "/") {
					return base
				}
				return base[:len(base)-1]
			}
			if strings.HasPrefix(postfix, "/") {
				return base[:len(base)-1] + postfix
			}
			return base + postfix
		}
		return base + strings.TrimPrefix(reqPath, "/")
	}
	if strip {
		if postfix == "" {
			if len(reqPath) > 1 && strings.HasSuffix(reqPath, "/") {
				return base + "/"
			}
			return base
		}
		if strings.HasPrefix(postfix, "/") {
			return base + postfix
		}
		return base + "/" + postfix
	}
	if reqPath == "/" {
		return base
	}
	return base + reqPath
}
