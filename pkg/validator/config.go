package validator

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/warden-gw/warden/pkg/config"
)

// Modes.
const (
	ModeBlock   = "block"
	ModeLogOnly = "log_only"
)

// Answers for a request that matches no operation.
const (
	UnknownAllow    = "allow"
	UnknownNotFound = "404"
	// UnknownMethodNotAllowed answers 405 (with Allow) when the path is
	// known for other methods, and 404 when it is not known at all.
	UnknownMethodNotAllowed = "405"
)

// Defaults.
const (
	DefaultMode             = ModeBlock
	DefaultFailureStatus    = 400
	DefaultUnknownOperation = UnknownAllow
	DefaultMaxErrors        = 10
	DefaultDraft            = 7
	DefaultContentType      = "application/json"
)

// Config is the warden-validator plugin configuration.
type Config struct {
	// Mode is block (refuse invalid requests) or log_only (audit them as
	// shadow denies and let them through).
	Mode string `json:"mode" kong:"required,one_of=block|log_only" desc:"block refuses an invalid request with a problem+json answer; log_only audits it (shadow_deny) and lets it through."`
	// FailureStatus is the status for parameter and body schema
	// violations: 400 or 422. Malformed JSON and threat limits are
	// always 400.
	FailureStatus int `json:"failure_status" kong:"required,one_of=400|422" desc:"Status for parameter, body schema and injection guard violations: 400 or 422. Malformed JSON and JSON threat limits always answer 400."`
	// UnknownOperation is what a request matching no operation gets:
	// allow (only the global checks run), 404, or 405 (404 when no
	// operation has the path).
	UnknownOperation string `json:"unknown_operation" kong:"required,one_of=allow|404|405" desc:"Answer to a request matching no operation: allow (only the global checks run), 404, or 405 with Allow when other methods have the path (404 when none has)."`
	// MaxErrors caps the violations listed in an answer.
	MaxErrors int `json:"max_errors" kong:"required,between=1:100" desc:"Most violations listed in one answer; further ones are left out."`
	// MaxBodyBytes is the largest request body, checked on
	// Content-Length before reading and on the bytes read: 413 beyond.
	MaxBodyBytes int `json:"max_body_bytes" kong:"required,between=1:67108864" desc:"Largest request body, in bytes: checked on Content-Length before reading, and on the bytes read; larger answers 413."`
	// AllowedContentTypes lists the media ranges a request body may have
	// (type/subtype, type/*, type/*+json, */*, optional parameters that
	// must then match). A body with no or another type gets 415.
	// Operations may override it.
	AllowedContentTypes []string `json:"allowed_content_types" kong:"required,len_min=1" desc:"Media ranges a request body may have (type/subtype, type/*, type/*+json, */*; parameters, when given, must match). A body with another type or none gets 415. An operation's content_types overrides it."`
	// Draft is the JSON Schema draft of inline schemas: 4, 6 or 7. A
	// schema's $schema, if any, must name the same draft.
	Draft int `json:"draft" kong:"required,one_of=4|6|7" desc:"JSON Schema draft of inline schemas: 4, 6 or 7. A schema's own $schema, if any, must name the same draft."`
	// BasePath is stripped from the request path before matching
	// operations (an OpenAPI server URL's path).
	BasePath string `json:"base_path" match:"^/" desc:"Path prefix stripped before operations are matched (an OpenAPI server URL's path, such as /v1). Requests outside it match no operation and get only the global checks."`
	// JSONLimits are the JSON threat limits, checked on every JSON body
	// before any schema.
	JSONLimits JSONLimits `json:"json_limits" desc:"JSON threat limits, checked on every JSON body while it is parsed, before any schema; a body beyond one answers 400."`
	// Operations are the validated operations. Exclusive with the
	// OpenAPI options.
	Operations []Operation `json:"operations" desc:"Operations checked, each a method and path template with its parameters and body schema. Exclusive with openapi_spec and openapi_file."`
	// OpenAPISpec is an inline OpenAPI 3.0 or 3.1 document (JSON or
	// YAML) whose operations become the checks (JSON, form-encoded and
	// multipart bodies, deepObject parameters). External $refs refused;
	// what cannot be checked is refused, every problem named; imported
	// once per process by content hash (docs/openapi.md).
	OpenAPISpec string `json:"openapi_spec" desc:"Inline OpenAPI 3.0 or 3.1 document (JSON or YAML) whose operations become the checks. External $refs and what cannot be checked are refused, every problem named (docs/openapi.md)."`
	// OpenAPIFile is the path of an OpenAPI document, read once when the
	// config loads. Exclusive with openapi_spec.
	OpenAPIFile string `json:"openapi_file" desc:"Path of an OpenAPI 3.0 or 3.1 document on the Kong node, read when the plugin instance starts; as openapi_spec otherwise. Exclusive with openapi_spec."`
	// InjectionGuard is the optional SQL injection, XSS and path
	// traversal pattern check.
	InjectionGuard InjectionGuard `json:"injection_guard" desc:"Pattern check for SQL injection, XSS and path traversal in request values: a tripwire for the obvious, not a WAF."`
	// ResponseValidation checks upstream responses against the
	// operations' documented responses. It needs the binary started
	// with -response-phase, which makes Kong buffer every
	// upstream response on the plugin's routes.
	ResponseValidation ResponseValidation `json:"response_validation" desc:"Check upstream responses against the operations' documented responses. Needs the binary started with -response-phase, which makes Kong buffer every upstream response on the plugin's routes."`
}

// ResponseValidation configures the checking of upstream responses.
type ResponseValidation struct {
	// Enabled turns it on. It needs warden-validator started with
	// -response-phase (in pluginserver_warden_validator_query_cmd and
	// _start_cmd); without it the instance fails closed.
	Enabled bool `json:"enabled" desc:"Check upstream responses. Needs warden-validator started with -response-phase in both its query and start commands; without it the instance fails closed. Needs an operation that documents a response."`
	// Mode is log_only (audit an invalid response and deliver it) or
	// block (answer 502 instead): block keeps properties the documented
	// schemas refuse from leaving (statuses documented without content
	// are not checked).
	Mode string `json:"mode" kong:"required,one_of=block|log_only" desc:"log_only audits an invalid response and delivers it; block answers 502 instead (a response schema mismatch is the upstream's bug, so block turns it into an outage, but keeps undocumented properties from leaving)."`
	// MaxBodyBytes is the largest response body checked, after gzip or
	// deflate decoding; a larger one is a violation.
	MaxBodyBytes int `json:"max_body_bytes" kong:"required,between=1:67108864" desc:"Largest response body checked, in bytes after gzip or deflate decoding; a larger one is a violation."`
	// MaxValues is the most values (scalars, arrays and objects) in a
	// response body checked; more is a violation. It bounds the work of
	// checking an invalid body.
	MaxValues int `json:"max_values" kong:"required,between=1:10000000" desc:"Most values (scalars, arrays and objects) in a response body checked; more is a violation. Bounds the work of checking an invalid body."`
}

// JSONLimits configures Limits.
type JSONLimits struct {
	// MaxDepth is the deepest nesting of arrays and objects.
	MaxDepth int `json:"max_depth" kong:"required,between=1:512" desc:"Deepest nesting of arrays and objects in a JSON body."`
	// MaxArrayLength is the most elements in one array.
	MaxArrayLength int `json:"max_array_length" kong:"required,between=1:1000000" desc:"Most elements in one JSON array."`
	// MaxObjectEntries is the most members in one object.
	MaxObjectEntries int `json:"max_object_entries" kong:"required,between=1:1000000" desc:"Most members in one JSON object."`
	// MaxKeyLength is the longest member name, in characters.
	MaxKeyLength int `json:"max_key_length" kong:"required,between=1:1000000" desc:"Longest JSON member name, in characters."`
	// MaxStringLength is the longest string, in characters.
	MaxStringLength int `json:"max_string_length" kong:"required,between=1:67108864" desc:"Longest JSON string, in characters."`
	// MaxNumberLength is the longest number literal, in bytes.
	MaxNumberLength int `json:"max_number_length" kong:"required,between=1:1000" desc:"Longest JSON number literal, in bytes."`
	// MaxValues is the most values (scalars, arrays and objects) in one
	// document: it bounds the work an invalid document of the largest
	// size costs.
	MaxValues int `json:"max_values" kong:"required,between=1:10000000" desc:"Most values (scalars, arrays and objects) in one JSON document; bounds the work an invalid document of the largest size costs."`
	// AllowDuplicateKeys accepts objects naming a member twice, on which
	// parsers disagree about the member that wins.
	AllowDuplicateKeys bool `json:"allow_duplicate_keys" desc:"Accept JSON objects naming a member twice. Off: refused, since parsers disagree on which member wins."`
}

// Operation is one method and path template with its checks.
type Operation struct {
	// Method is the HTTP method, upper case.
	Method string `json:"method" kong:"required,one_of=GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS" desc:"HTTP method of the operation, upper case."`
	// Path is an OpenAPI path template: /orders/{id}.
	Path string `json:"path" kong:"required" match:"^/" desc:"OpenAPI path template, such as /orders/{id}, matched after base_path is stripped."`
	// BodySchema is the JSON Schema (as JSON text) of a JSON body.
	BodySchema string `json:"body_schema" desc:"JSON Schema (as JSON text) of a JSON request body. Empty: the body is not checked against a schema."`
	// BodyRequired refuses a request without a body.
	BodyRequired bool `json:"body_required" desc:"Refuse a request of this operation that has no body."`
	// ContentTypes overrides allowed_content_types for this operation.
	ContentTypes []string `json:"content_types" desc:"Media ranges a body of this operation may have, instead of allowed_content_types. Empty: allowed_content_types."`
	// Parameters are the query, header, path and cookie parameters.
	Parameters []Parameter `json:"parameters" desc:"Query, header, path and cookie parameters of the operation, each checked against its schema."`
	// Responses are the documented responses, checked when
	// response_validation is enabled.
	Responses []Response `json:"responses" desc:"Documented responses of the operation, checked when response_validation is enabled."`

	// bodySchemas are compiled schemas by media range, from an OpenAPI
	// document; they beat BodySchema.
	bodySchemas map[string]bodySchema
	// at names an imported operation in its document ("paths./a.get"),
	// for errors.
	at string
}

// Response is one documented response of an operation. The most specific
// status wins: a code, then its class, then default. An undocumented
// status is not checked.
type Response struct {
	// Status is a status code ("200"), a class ("2XX") or "default".
	Status string `json:"status" kong:"required" desc:"Status the response is documented for: a code (200), a class (2XX) or 'default'. The most specific wins; an undocumented status is not checked."`
	// ContentTypes are the media ranges the body may have (as
	// allowed_content_types); a body with another or no type is a
	// violation, and so is no body. None: when body_schema is set, JSON
	// (application/json and application/*+json); else the body is not
	// checked.
	ContentTypes []string `json:"content_types" desc:"Media ranges the response body may have (as allowed_content_types); another type or no body is a violation. Empty: JSON when body_schema is set, else the body is not checked."`
	// BodySchema is the JSON Schema (as JSON text) of a JSON body.
	BodySchema string `json:"body_schema" desc:"JSON Schema (as JSON text) of a JSON response body. Empty: the body is not checked against a schema."`

	// bodySchemas are compiled schemas by media range, from an OpenAPI
	// document; they beat BodySchema.
	bodySchemas map[string]bodySchema
}

// Parameter is one request parameter.
type Parameter struct {
	// Name is the parameter name (case-insensitive for headers).
	Name string `json:"name" kong:"required,len_min=1" desc:"Parameter name (case-insensitive for headers)."`
	// In is query, header, path or cookie.
	In string `json:"in" kong:"required,one_of=query|header|path|cookie" desc:"Where the parameter is: query, header, path or cookie."`
	// Required refuses a request without the parameter. Path parameters
	// are always required.
	Required bool `json:"required" desc:"Refuse a request without the parameter. Path parameters are always required."`
	// Schema is the parameter's JSON Schema (as JSON text); strings are
	// coerced to its type (integer, number, boolean, array) first.
	Schema string `json:"schema" kong:"required" desc:"JSON Schema (as JSON text) of the value; strings are first converted to the schema's type (integer, number, boolean, array)."`
	// Style is how an array is written: form (query, cookie; unset means
	// form there), simple (path, header; unset means simple there),
	// spaceDelimited or pipeDelimited; or, for a query object, deepObject
	// (filter[gte]=1). Bracketed
	// spellings of a query parameter's name (limit[]=, limit[0]=), which
	// qs, PHP and Rack read as the name, are checked as the name.
	Style string `json:"style" kong:"one_of=form|simple|spaceDelimited|pipeDelimited|deepObject" desc:"How an array or object is written: form, spaceDelimited, pipeDelimited or deepObject (filter[gte]=1) for query, form for cookie, simple for path and header. Unset: form for query and cookie, simple for path and header."`
	// Explode, for form style, means one occurrence per array item
	// (?id=1&id=2) rather than ?id=1,2. Unset: true for a query
	// parameter of form style, false otherwise.
	Explode *bool `json:"explode" desc:"For form style: one occurrence per array item (id=1&id=2) rather than one comma-separated value (id=1,2). Unset: true for query parameters of form style, false otherwise."`

	// compiled is the schema an OpenAPI document's import compiled.
	compiled *Schema
}

// InjectionGuard configures the pattern check.
type InjectionGuard struct {
	// Enabled turns the guard on.
	Enabled bool `json:"enabled" desc:"Turn the injection guard on; a match is a violation answered with failure_status."`
	// Locations are where values are checked: query, header, path, body.
	Locations []string `json:"locations" kong:"set,one_of=query|header|path|body" desc:"Where values are checked: query, header, path, body."`
}

// SetDefaults fills the defaults.
func (c *Config) SetDefaults() {
	c.Mode = DefaultMode
	c.FailureStatus = DefaultFailureStatus
	c.UnknownOperation = DefaultUnknownOperation
	c.MaxErrors = DefaultMaxErrors
	c.MaxBodyBytes = DefaultMaxBodyBytes
	c.AllowedContentTypes = []string{DefaultContentType}
	c.Draft = DefaultDraft
}

// SetDefaults fills the default limits.
func (l *JSONLimits) SetDefaults() {
	l.MaxDepth = DefaultMaxDepth
	l.MaxArrayLength = DefaultMaxArrayLength
	l.MaxObjectEntries = DefaultMaxObjectEntries
	l.MaxKeyLength = DefaultMaxKeyLength
	l.MaxStringLength = DefaultMaxStringLength
	l.MaxNumberLength = DefaultMaxNumberLength
	l.MaxValues = DefaultMaxValues
}

// SetDefaults fills the response validation defaults. Mode log_only: a
// response schema mismatch is the upstream's bug, and block turns it into
// an outage.
func (r *ResponseValidation) SetDefaults() {
	r.Mode = ModeLogOnly
	r.MaxBodyBytes = DefaultMaxBodyBytes
	r.MaxValues = DefaultMaxResponseValues
}

// SetDefaults fills the default locations.
func (g *InjectionGuard) SetDefaults() {
	g.Locations = []string{"query", "header", "path", "body"}
}

// Validate checks what the Kong schema cannot: ranges for configs that
// did not come through Kong, exclusive options, and every schema and
// media range (by compiling them).
func (c *Config) Validate() error {
	var errs config.Errors
	switch c.Mode {
	case ModeBlock, ModeLogOnly:
	default:
		errs.Add("mode", "must be block or log_only")
	}
	if c.FailureStatus != 400 && c.FailureStatus != 422 {
		errs.Add("failure_status", "must be 400 or 422")
	}
	switch c.UnknownOperation {
	case UnknownAllow, UnknownNotFound, UnknownMethodNotAllowed:
	default:
		errs.Add("unknown_operation", "must be allow, 404 or 405")
	}
	if c.MaxErrors < 1 || c.MaxErrors > 100 {
		errs.Add("max_errors", "must be between 1 and 100")
	}
	if c.MaxBodyBytes < 1 || c.MaxBodyBytes > 64<<20 {
		errs.Add("max_body_bytes", "must be between 1 and 67108864")
	}
	if _, ok := Draft(c.Draft).lib(); !ok {
		errs.Add("draft", "must be 4, 6 or 7")
	}
	if c.BasePath != "" && (!strings.HasPrefix(c.BasePath, "/") || c.BasePath != normalizePath(c.BasePath)) {
		errs.Add("base_path", "must be a normalized path starting with /")
	}
	if len(c.AllowedContentTypes) == 0 {
		errs.Add("allowed_content_types", "must list at least one media range")
	}
	for i, ct := range c.AllowedContentTypes {
		if _, err := parseMediaRange(ct); err != nil {
			errs.Add(fmt.Sprintf("allowed_content_types[%d]", i), "%v", err)
		}
	}
	l := c.JSONLimits
	for _, f := range []struct {
		name      string
		v, lo, hi int
	}{
		{"max_depth", l.MaxDepth, 1, maxDepthLimit},
		{"max_array_length", l.MaxArrayLength, 1, 1000000},
		{"max_object_entries", l.MaxObjectEntries, 1, 1000000},
		{"max_key_length", l.MaxKeyLength, 1, 1000000},
		{"max_string_length", l.MaxStringLength, 1, 64 << 20},
		{"max_number_length", l.MaxNumberLength, 1, 1000},
		{"max_values", l.MaxValues, 1, 10000000},
	} {
		if f.v < f.lo || f.v > f.hi {
			errs.Add("json_limits."+f.name, "must be between %d and %d", f.lo, f.hi)
		}
	}
	if c.OpenAPISpec != "" && c.OpenAPIFile != "" {
		errs.Add("openapi_file", "openapi_spec and openapi_file are exclusive")
	}
	if (c.OpenAPISpec != "" || c.OpenAPIFile != "") && len(c.Operations) > 0 {
		errs.Add("operations", "operations and an OpenAPI document are exclusive")
	}
	for i, loc := range c.InjectionGuard.Locations {
		switch loc {
		case "query", "header", "path", "body":
		default:
			errs.Add(fmt.Sprintf("injection_guard.locations[%d]", i), "must be query, header, path or body")
		}
	}
	switch rv := c.ResponseValidation; {
	case rv.Mode != ModeBlock && rv.Mode != ModeLogOnly:
		errs.Add("response_validation.mode", "must be block or log_only")
	case rv.MaxBodyBytes < 1 || rv.MaxBodyBytes > 64<<20:
		errs.Add("response_validation.max_body_bytes", "must be between 1 and 67108864")
	case rv.MaxValues < 1 || rv.MaxValues > 10000000:
		errs.Add("response_validation.max_values", "must be between 1 and 10000000")
	}
	// Compiling is the only complete check of schemas and templates;
	// New compiles again, which costs a config load, not a request.
	ops, err := c.operations()
	var still *stillImporting
	if err != nil && !errors.As(err, &still) {
		errs.Check("", err)
	}
	if c.ResponseValidation.Enabled && err == nil && !slices.ContainsFunc(ops, func(o *operation) bool { return len(o.responses) > 0 }) {
		errs.Add("response_validation.enabled", "no operation documents a response")
	}
	return errs.Err()
}

// limits returns the threat limits.
func (c *Config) limits() Limits {
	l := c.JSONLimits
	return Limits{
		MaxBytes: c.MaxBodyBytes, MaxDepth: l.MaxDepth, MaxArrayLength: l.MaxArrayLength,
		MaxObjectEntries: l.MaxObjectEntries, MaxKeyLength: l.MaxKeyLength,
		MaxStringLength: l.MaxStringLength, MaxNumberLength: l.MaxNumberLength,
		MaxValues: l.MaxValues, AllowDuplicateKeys: l.AllowDuplicateKeys,
	}
}

// operations compiles the configured operations, from the OpenAPI
// document when there is one. A document is imported once per process
// (importCached); when its import is still running after importWait,
// the error is a *stillImporting: Validate lets the config through and
// New returns a Validator that waits for it.
func (c *Config) operations() ([]*operation, error) {
	spec := []byte(c.OpenAPISpec)
	if c.OpenAPIFile != "" {
		b, err := os.ReadFile(c.OpenAPIFile)
		if err != nil {
			return nil, config.Errorf("openapi_file", "cannot read: %v", err)
		}
		spec = b
	}
	if len(spec) > 0 {
		d := importCached(spec, c.ResponseValidation.Enabled)
		if !d.wait(importWait) {
			return nil, &stillImporting{d}
		}
		return c.operationsFrom(d)
	}
	return compileOperations(c.Operations, Draft(c.Draft), c, "operations")
}

// operationsFrom compiles the operations of a finished import.
func (c *Config) operationsFrom(d *importedDoc) ([]*operation, error) {
	field := "openapi_spec"
	if c.OpenAPIFile != "" {
		field = "openapi_file"
	}
	if d.err != nil {
		return nil, config.Prefix(field, d.err)
	}
	// What compileOperations reads of c besides the document.
	key := field + "\x00" + strings.Join(c.AllowedContentTypes, "\x00")
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.compiled[key]; ok {
		return r.ops, r.err
	}
	ops, err := compileOperations(d.ops, d.draft, c, field)
	if d.compiled == nil {
		d.compiled = map[string]compiledOps{}
	}
	d.compiled[key] = compiledOps{ops, err}
	return ops, err
}

// importWait bounds how long Validate and New wait for an OpenAPI import:
// under Kong's 60 s socket timeout on cmd_start_instance, so Kong keeps
// the instance rather than starting another. A variable for tests.
var importWait = 20 * time.Second

// stillImporting is an import that outlasted importWait.
type stillImporting struct{ doc *importedDoc }

func (e *stillImporting) Error() string {
	return "the OpenAPI document is still being imported"
}
