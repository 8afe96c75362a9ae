// Command warden-validator is the Kong plugin server for request
// validation: JSON threat limits, JSON Schema bodies and parameters,
// content types, sizes and OpenAPI import (package validator), and
// optional response validation, whose response phase the binary declares
// only when started with -response-phase.
package main

import (
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/stage"
	"github.com/warden-gw/warden/pkg/validator"
)

// priority 995: after authentication (Kong's jwt 1450, key-auth 1250,
// basic-auth 1100), like Kong Enterprise's request-validator (999).
const priority = 995

func main() {
	pluginkit.Main(pluginkit.Plugin[validator.Config, *stage.Validator]{
		Name: "warden-validator", Version: pluginkit.Version, Priority: priority, New: stage.NewValidator,
		// Response validation: see stage.Validator.Response.
		OptionalResponse: true,
	})
}
