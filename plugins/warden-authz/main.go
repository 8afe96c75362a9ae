// Command warden-authz is the Kong plugin server for Warden's
// authorization rules: see package authz.
package main

import (
	"github.com/warden-gw/warden/pkg/authz"
	"github.com/warden-gw/warden/pkg/pluginkit"
)

// priority runs the plugin after authentication (Kong's auth plugins
// 1000-1450, warden-auth) and acl (950), before Kong Enterprise's opa (920)
// and rate limiting (910), so refused requests never count against a
// limit.
const priority = 940

func main() {
	pluginkit.Main(pluginkit.Plugin[authz.Config, *handler]{
		Name:     "warden-authz",
		Version:  pluginkit.Version,
		Priority: priority,
		New:      newHandler,
	})
}
