// Command warden-suite is the Kong plugin server that runs any of
// Warden's five policies (auth, validator, authz, ratelimit, leakguard)
// in one plugin entity: one access event reads each request fact once
// and writes every change in as few PDK calls as Kong allows, where the
// five stand-alone plugins pay an event and their own reads each. The
// response phase (leakguard's response scanning, the validator's response
// validation) is declared unless it runs with -response-phase=false.
package main

import (
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/stage"
	"github.com/warden-gw/warden/pkg/suite"
)

// priority is warden-auth's (1420): every policy runs where
// authentication does, before Kong's acl (950), rate-limiting (910) and
// the transformers (kong/plugins/*/handler.lua PRIORITY), which then see
// the consumer. A Kong plugin that must run between two Warden policies
// needs the stand-alone plugins.
const priority = 1420

func main() {
	pluginkit.Main(pluginkit.Plugin[suite.Config, *stage.Suite]{
		Name:              "warden-suite",
		Version:           pluginkit.Version,
		Priority:          priority,
		New:               stage.NewSuite,
		OptionalResponse:  true,
		ResponseByDefault: true,
	})
}
