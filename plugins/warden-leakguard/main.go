// Command warden-leakguard is the Kong plugin server that finds leaked
// secrets (cloud keys, tokens, private keys, passwords in URLs) in requests
// and upstream responses, and blocks, redacts or logs them, never logging
// the secret itself.
package main

import (
	"github.com/warden-gw/warden/pkg/leakguard"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/stage"
)

// priority 800 runs after authentication (warden-auth 1420), request
// validation (warden-validator 995), authorization (warden-authz 940) and
// rate limiting (warden-ratelimit 905): requests those refuse are never
// scanned, and their answers are Kong's own, not upstream responses.
const priority = 800

func main() {
	pluginkit.Main(pluginkit.Plugin[leakguard.Config, *stage.LeakGuard]{
		Name:     "warden-leakguard",
		Version:  pluginkit.Version,
		Priority: priority,
		New: func(c *leakguard.Config) (*stage.LeakGuard, error) {
			return stage.NewLeakGuard(c, pluginkit.Metrics())
		},
		// Responses are scanned by default; -response-phase=false spares
		// a process that scans only requests the event and the buffering.
		OptionalResponse:  true,
		ResponseByDefault: true,
	})
}
