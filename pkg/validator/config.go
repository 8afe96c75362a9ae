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
	// shadow denies and let them through). Default block.
	Mode string `json:"mode" kong:"required,one_of=block|log_only"`
	// FailureStatus is the status for parameter and body schema
	// violations: 400 or 422. Malformed JSON and threat limits are
	// always 400. Default 400.
	FailureStatus int `json:"failure_status" kong:"required,one_of=400|422"`
	// UnknownOperation is what a request matching no operation gets:
	// allow (only the global checks run), 404, or 405 (404 when no
	// operation has the path). Default allow.
	UnknownOperation string `json:"unknown_operation" kong:"required,one_of=allow|404|405"`
	// MaxErrors caps the violations listed in an answer. Default 10.
	MaxErrors int `json:"max_errors" kong:"required,between=1:100"`
	// MaxBodyBytes is the largest request body, checked on
	// Content-Length before reading and on the bytes read: 413 beyond.
	// Default 1048576.
	MaxBodyBytes int `json:"max_body_bytes" kong:"required,between=1:67108864"`
	// AllowedContentTypes lists the media ranges a request body may have
	// (type/subtype, type/*, type/*+json, */*, optional parameters that
	// must then match). A body with no or another type gets 415.
	// Operations may override it. Default ["application/json"].
	AllowedContentTypes []string `json:"allowed_content_types" kong:"required,len_min=1"`
	// Draft is the JSON Schema draft of inline schemas: 4, 6 or 7. A
	// schema's $schema, if any, must name the same draft. Default 7.
	Draft int `json:"draft" kong:"required,one_of=4|6|7"`
	// BasePath is stripped from the request path before matching
	// operations (an OpenAPI server URL's path). Default none.
	BasePath string `json:"base_path" match:"^/"`
	// JSONLimits are the JSON threat limits, checked on every JSON body
	// before any schema.
	JSONLimits JSONLimits `json:"json_limits"`
	// Operations are the validated operations. Exclusive with the
	// OpenAPI options.
	Operations []Operation `json:"operations"`
	// OpenAPISpec is an inline OpenAPI 3.0 or 3.1 document (JSON or
	// YAML) whose operations become the checks (JSON, form-encoded and
	// multipart bodies, deepObject parameters). External $refs refused;
	// what cannot be checked is refused, every problem named; imported
	// once per process by content hash (docs/openapi.md).
	OpenAPISpec string `json:"openapi_spec"`
	// OpenAPIFile is the path of an OpenAPI document, read once when the
	// config loads. Exclusive with openapi_spec.
	OpenAPIFile string `json:"openapi_file"`
	// InjectionGuard is the optional SQL injection, XSS and path
	// traversal pattern check. Off by default.
	InjectionGuard InjectionGuard `json:"injection_guard"`
	// ResponseValidation checks upstream responses against the
	// operations' documented responses. Off by default; it needs the
	// binary started with -response-phase, which makes Kong buffer every
	// upstream response on the plugin's routes.
	ResponseValidation ResponseValidation `json:"response_validation"`
}

// ResponseValidation configures the checking of upstream responses.
type ResponseValidation struct {
	// Enabled turns it on. It needs warden-validator started with
	// -response-phase (in pluginserver_warden_validator_query_cmd and
	// _start_cmd); without it the instance fails closed. Default false.
	Enabled bool `json:"enabled"`
	// Mode is log_only (audit an invalid response and deliver it) or
	// block (answer 502 instead). Default log_only: a response schema
	// mismatch is the upstream's bug, and block turns it into an outage;
	// choose block to keep properties the documented schemas refuse from
	// leaving (statuses documented without content are not checked).
	Mode string `json:"mode" kong:"required,one_of=block|log_only"`
	// MaxBodyBytes is the largest response body checked, after gzip or
	// deflate decoding; a larger one is a violation. Default 1048576.
	MaxBodyBytes int `json:"max_body_bytes" kong:"required,between=1:67108864"`
	// MaxValues is the most values (scalars, arrays and objects) in a
	// response body checked; more is a violation. It bounds the work of
	// checking an invalid body. Default 200000.
	MaxValues int `json:"max_values" kong:"required,between=1:10000000"`
}

// JSONLimits configures Limits.
type JSONLimits struct {
	// MaxDepth is the deepest nesting of arrays and objects. Default 32.
	MaxDepth int `json:"max_depth" kong:"required,between=1:512"`
	// MaxArrayLength is the most elements in one array. Default 1000.
	MaxArrayLength int `json:"max_array_length" kong:"required,between=1:1000000"`
	// MaxObjectEntries is the most members in one object. Default 256.
	MaxObjectEntries int `json:"max_object_entries" kong:"required,between=1:1000000"`
	// MaxKeyLength is the longest member name, in characters. Default 128.
	MaxKeyLength int `json:"max_key_length" kong:"required,between=1:1000000"`
	// MaxStringLength is the longest string, in characters. Default 16384.
	MaxStringLength int `json:"max_string_length" kong:"required,between=1:67108864"`
	// MaxNumberLength is the longest number literal, in bytes. Default 64.
	MaxNumberLength int `json:"max_number_length" kong:"required,between=1:1000"`
	// MaxValues is the most values (scalars, arrays and objects) in one
	// document: it bounds the work an invalid document of the largest
	// size costs. Default 50000.
	MaxValues int `json:"max_values" kong:"required,between=1:10000000"`
	// AllowDuplicateKeys accepts objects naming a member twice. Default
	// false: parsers disagree on which member wins.
	AllowDuplicateKeys bool `json:"allow_duplicate_keys"`
}

// Operation is one method and path template with its checks.
type Operation struct {
	// Method is the HTTP method, upper case.
	Method string `json:"method" kong:"required,one_of=GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS"`
	// Path is an OpenAPI path template: /orders/{id}.
	Path string `json:"path" kong:"required" match:"^/"`
	// BodySchema is the JSON Schema (as JSON text) of a JSON body.
	BodySchema string `json:"body_schema"`
	// BodyRequired refuses a request without a body. Default false.
	BodyRequired bool `json:"body_required"`
	// ContentTypes overrides allowed_content_types for this operation.
	ContentTypes []string `json:"content_types"`
	// Parameters are the query, header, path and cookie parameters.
	Parameters []Parameter `json:"parameters"`
	// Responses are the documented responses, checked when
	// response_validation is enabled.
	Responses []Response `json:"responses"`

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
	Status string `json:"status" kong:"required"`
	// ContentTypes are the media ranges the body may have (as
	// allowed_content_types); a body with another or no type is a
	// violation, and so is no body. None: when body_schema is set, JSON
	// (application/json and application/*+json); else the body is not
	// checked.
	ContentTypes []string `json:"content_types"`
	// BodySchema is the JSON Schema (as JSON text) of a JSON body.
	BodySchema string `json:"body_schema"`

	// bodySchemas are compiled schemas by media range, from an OpenAPI
	// document; they beat BodySchema.
	bodySchemas map[string]bodySchema
}

// Parameter is one request parameter.
type Parameter struct {
	// Name is the parameter name (case-insensitive for headers).
	Name string `json:"name" kong:"required,len_min=1"`
	// In is query, header, path or cookie.
	In string `json:"in" kong:"required,one_of=query|header|path|cookie"`
	// Required refuses a request without the parameter. Path parameters
	// are always required.
	Required bool `json:"required"`
	// Schema is the parameter's JSON Schema (as JSON text); strings are
	// coerced to its type (integer, number, boolean, array) first.
	Schema string `json:"schema" kong:"required"`
	// Style is how an array is written: form (query, cookie; default),
	// simple (path, header; default), spaceDelimited or pipeDelimited;
	// or, for a query object, deepObject (filter[gte]=1). Bracketed
	// spellings of a query parameter's name (limit[]=, limit[0]=), which
	// qs, PHP and Rack read as the name, are checked as the name.
	Style string `json:"style" kong:"one_of=form|simple|spaceDelimited|pipeDelimited|deepObject"`
	// Explode, for form style, means one occurrence per array item
	// (?id=1&id=2) rather than ?id=1,2. Default true for form.
	Explode *bool `json:"explode"`

	// compiled is the schema an OpenAPI document's import compiled.
	compiled *Schema
}

// InjectionGuard configures the pattern check.
type InjectionGuard struct {
	// Enabled turns the guard on. Default false.
	Enabled bool `json:"enabled"`
	// Locations are where values are checked: query, header, path, body.
	// Default all four.
	Locations []string `json:"locations" kong:"set,one_of=query|header|path|body"`
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

// SetDefaults fills the response validation defaults.
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
