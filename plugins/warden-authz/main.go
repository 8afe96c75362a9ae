// Command warden-authz is the Kong plugin server for Warden's authorization:
// rules per method and path template allow or deny a request by the
// caller's roles, scopes, groups, consumer, client IP, claims (CEL
// conditions) and ownership of the object in the path, with a shadow mode
// that audits what a rule would refuse before it refuses anyone. It decides
// on the identity warden-auth, or any Kong authentication plugin,
// established; the package authz holds the rules.
package main

import (
	"github.com/warden-gw/warden/pkg/authz"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/stage"
)

// priority runs the plugin after authentication (Kong's auth plugins
// 1000-1450, warden-auth) and acl (950), before Kong Enterprise's opa (920)
// and rate limiting (910), so refused requests never count against a
// limit.
const priority = 940

func main() {
	pluginkit.Main(pluginkit.Plugin[authz.Config, *stage.Authz]{
		Name:     "warden-authz",
		Version:  pluginkit.Version,
		Priority: priority,
		New:      stage.NewAuthz,
	})
}
