package harness

import "errors"

var (
	// ErrConfig marks an invalid kong.yml document.
	ErrConfig = errors.New("invalid declarative config")
	// ErrSchema marks a plugin configuration rejected by its schema.
	ErrSchema = errors.New("schema violation")
	// ErrMetaSchema marks a plugin schema (from -dump) that Kong's MetaSubSchema would reject.
	ErrMetaSchema = errors.New("invalid plugin schema")
	// ErrDiscovery marks a plugin binary whose -dump could not be used.
	ErrDiscovery = errors.New("plugin discovery failed")
	// ErrPluginServer marks a plugin server that could not be started or reached.
	ErrPluginServer = errors.New("plugin server failed")
	// ErrUnsupported marks a Kong feature this harness does not implement.
	ErrUnsupported = errors.New("not supported by the harness")
)
