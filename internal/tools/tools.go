//go:build tools

// Package tools pins the libraries Warden's plugins are being built on, so
// go.mod and go.sum hold them while the code that uses them lands.
package tools

import (
	_ "cel.dev/cel-go/cel"
	_ "github.com/BurntSushi/toml"
	_ "github.com/Kong/go-pdk/server"
	_ "github.com/MicahParks/keyfunc/v3"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/xeipuuv/gojsonschema"
	_ "github.com/yuin/gopher-lua/pm"
	_ "gopkg.in/yaml.v3"
)
