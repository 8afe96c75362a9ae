// Command warden-ratelimit is the Kong plugin server for Warden's rate
// limiting: see package ratelimit.
package main

import (
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/ratelimit"
)

// priority runs the plugin after authentication and authorization
// (warden-authz 940, acl 950) and right after Kong's own rate-limiting
// (910): higher priorities run first.
const priority = 905

func main() {
	pluginkit.Main(pluginkit.Plugin[ratelimit.Config, *handler]{
		Name:     "warden-ratelimit",
		Version:  pluginkit.Version,
		Priority: priority,
		New:      newHandler,
	})
}
