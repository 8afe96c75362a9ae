// Command warden-ratelimit is the Kong plugin server for Warden's rate
// limiting: limits per second, minute, hour or day by consumer, credential,
// client IP, header or claim, with tiers per group, role or scope; counted
// in Redis (standalone, Sentinel or Cluster, over TLS if asked) by sliding
// window, fixed window or GCRA in one atomic round trip, or in process. When
// Redis fails it allows, denies or limits locally, as configured, and a
// refusal is a 429 with RateLimit headers; the package ratelimit holds the
// algorithms.
package main

import (
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/ratelimit"
	"github.com/warden-gw/warden/pkg/stage"
)

// priority runs the plugin after authentication and authorization
// (warden-authz 940, acl 950) and right after Kong's own rate-limiting
// (910): higher priorities run first.
const priority = 905

func main() {
	pluginkit.Main(pluginkit.Plugin[ratelimit.Config, *stage.RateLimit]{
		Name:     "warden-ratelimit",
		Version:  pluginkit.Version,
		Priority: priority,
		New: func(c *ratelimit.Config) (*stage.RateLimit, error) {
			return stage.NewRateLimit(c, pluginkit.Metrics())
		},
	})
}
