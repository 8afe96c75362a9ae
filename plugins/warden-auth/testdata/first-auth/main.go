// Command first-auth stands in for an auth plugin that runs before
// warden-auth (Kong's jwt plugin has priority 1450): a request carrying
// x-first-auth is authenticated as the consumer that header names.
package main

import (
	"fmt"

	"github.com/Kong/go-pdk/client"
	"github.com/Kong/go-pdk/entities"

	"github.com/warden-gw/warden/pkg/pluginkit"
)

// Config names the request header carrying the consumer.
type Config struct {
	Header string `json:"header"`
}

// SetDefaults sets the default header.
func (c *Config) SetDefaults() { c.Header = "x-first-auth" }

type handler struct{ header string }

func newHandler(c *Config) (*handler, error) { return &handler{header: c.Header}, nil }

// Access authenticates the consumer the configured header names.
func (h *handler) Access(k *pluginkit.Kong) error {
	name, err := k.Header(h.header)
	if err != nil || len(name) == 0 {
		return err
	}
	c, err := k.PDK.Client.LoadConsumer(name[0], true)
	if err != nil || c.Id == "" {
		return fmt.Errorf("loading consumer: %v", err)
	}
	return k.PDK.Client.Authenticate(&entities.Consumer{Id: c.Id, Username: c.Username},
		&client.AuthenticatedCredential{Id: "first-auth-cred", ConsumerId: c.Id})
}

func main() {
	pluginkit.Main(pluginkit.Plugin[Config, *handler]{
		Name: "first-auth", Version: pluginkit.Version, Priority: 1450, New: newHandler,
	})
}
