package main

// bundledPlugins are the plugins Kong enables with `plugins = bundled`
// (kong/constants.lua BUNDLED_PLUGINS, Kong 3.9.1). A declarative file
// naming any other plugin that kong.conf does not enable is refused:
// kong/db/schema/entities/plugins.lua subschema_error.
var bundledPlugins = map[string]bool{
	"jwt": true, "acl": true, "correlation-id": true, "cors": true, "oauth2": true,
	"tcp-log": true, "udp-log": true, "file-log": true, "http-log": true, "key-auth": true,
	"hmac-auth": true, "basic-auth": true, "ip-restriction": true, "request-transformer": true,
	"response-transformer": true, "request-size-limiting": true, "rate-limiting": true,
	"response-ratelimiting": true, "syslog": true, "loggly": true, "datadog": true,
	"ldap-auth": true, "statsd": true, "bot-detection": true, "aws-lambda": true,
	"request-termination": true, "prometheus": true, "proxy-cache": true, "session": true,
	"acme": true, "grpc-gateway": true, "grpc-web": true, "pre-function": true,
	"post-function": true, "azure-functions": true, "zipkin": true, "opentelemetry": true,
	"ai-proxy": true, "ai-prompt-decorator": true, "ai-prompt-template": true,
	"ai-prompt-guard": true, "ai-request-transformer": true, "ai-response-transformer": true,
	"standard-webhooks": true, "redirect": true,
}

// notEnabled is Kong's error for a plugin entity whose plugin kong.conf
// does not enable (kong/db/schema/entities/plugins.lua subschema_error).
const notEnabled = "plugin '%s' not enabled; add it to the 'plugins' configuration property"
