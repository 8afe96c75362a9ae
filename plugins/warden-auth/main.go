// Command warden-auth is the Kong plugin server for Warden's
// authentication: JWT (static keys, JWKS, OIDC discovery), API keys and
// OAuth2 token introspection, mapped to Kong consumers and the Warden
// identity contract; it strips the credential before proxying and can sign
// the identity it forwards, so the upstream need not trust the network.
package main

import (
	"github.com/warden-gw/warden/pkg/auth"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/stage"
)

// priority 1420 runs after Kong's jwt (1450) and before key-auth (1250)
// and basic-auth (1100), among Kong's auth plugins (kong/plugins/*/handler.lua
// PRIORITY), so anonymous OR-chaining with them works either way round.
const priority = 1420

func main() {
	pluginkit.Main(pluginkit.Plugin[auth.Config, *stage.Auth]{
		Name:     "warden-auth",
		Version:  pluginkit.Version,
		Priority: priority,
		// The identity goes to warden-authz and warden-ratelimit, which
		// run in other processes.
		New: func(c *auth.Config) (*stage.Auth, error) { return stage.NewAuth(c, true) },
	})
}
