// Command gopdk-baseline is a minimal plain go-pdk plugin making one PDK
// call per request: the baseline the runtime's overhead is measured
// against.
package main

import (
	"github.com/Kong/go-pdk"
	"github.com/Kong/go-pdk/server"
)

// Config is empty.
type Config struct{}

// Access reads one header.
func (c *Config) Access(k *pdk.PDK) {
	_, _ = k.Request.GetHeader("x-bench")
}

func main() {
	_ = server.StartServer(func() any { return &Config{} }, "0.1.0", 900)
}
