// Package validator is the policy behind the warden-validator plugin:
// request validation in front of an API, in the spirit of Kong Enterprise's
// request-validator and oas-validation, Apigee's JSONThreatProtection and
// OASValidation and AWS API Gateway's request validators.
//
// For each request it checks, in order and stopping at the first failing
// stage: the request line is one nginx would have accepted and upstreams
// read as matched here (a method of upper-case A-Z, '_' and '-', no raw
// '#' in the target, else 400); the operation (method and path template)
// is known; the size
// (Content-Length, then the bytes actually read); the Content-Type against
// an allow-list; the JSON threat limits, by one streaming pass that also
// decodes the body; the parameters (query decoded as nginx decodes it, with
// malformed escapes refused; header, path, cookie), coerced
// from strings OpenAPI-style and checked against their JSON Schemas; the
// body against its JSON Schema (a JSON body, or a form-encoded or
// multipart one decoded by its OpenAPI encoding); and, when enabled, an
// injection guard. An OpenAPI document is compiled once per process, its
// component schemas shared by every operation (docs/openapi.md).
//
// Schemas are compiled once per configuration with gojsonschema. Nothing a
// schema says can make a request, or a config load, touch the network or
// the disk: every $ref must be local, $id may not move the base URI, and
// the loader handed to gojsonschema refuses every fetch.
//
// Violations are reported with a location (body/items/2/quantity,
// query/limit) and a stable code; messages are written here from the
// schema, never from the submitted value.
//
// The package never imports go-pdk: plain values in, a Decision out.
package validator
