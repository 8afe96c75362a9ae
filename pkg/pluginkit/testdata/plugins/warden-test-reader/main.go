// Command warden-test-reader reads the identity another plugin stored in
// kong.ctx.shared and forwards its subject to the upstream. It also makes
// exactly one PDK call per request when no identity is wanted, for the
// runtime overhead benchmark.
package main

import (
	"github.com/warden-gw/warden/pkg/pluginkit"
)

// Config selects what the reader does.
type Config struct {
	// Identity reads the identity contract; otherwise one header is read.
	Identity bool `json:"identity"`
}

type handler struct{ cfg *Config }

// Access forwards the identity's subject, or reads one header.
func (h *handler) Access(k *pluginkit.Kong) error {
	if !h.cfg.Identity {
		// The same single call gopdk-baseline makes, so the benchmark
		// measures the runtime's own cost.
		_, err := k.PDK.Request.GetHeader("x-bench")
		return err
	}
	id, ok, err := k.Identity()
	if err != nil {
		return err
	}
	sub := "anonymous"
	if ok {
		sub = id.Subject + " via " + id.Method
	}
	return k.PDK.ServiceRequest.SetHeader("x-identity", sub)
}

func main() {
	pluginkit.Main(pluginkit.Plugin[Config, *handler]{
		Name: "warden-test-reader", Version: pluginkit.Version, Priority: 900,
		New: func(c *Config) (*handler, error) { return &handler{cfg: c}, nil },
	})
}
