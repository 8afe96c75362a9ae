package validator

import "github.com/warden-gw/warden/pkg/uri"

// normalizePath normalizes a raw request path as kong.request.get_path
// does: matching operations on the raw path would let
// /orders/%2e%2e/admin or //admin slip past a template.
func normalizePath(p string) string { return uri.Normalize(p) }
