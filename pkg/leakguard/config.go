package leakguard

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
)

// Actions a direction takes on findings at or above its confidence bar.
const (
	ActionBlock   = "block"
	ActionRedact  = "redact"
	ActionLogOnly = "log_only"
)

// What to do with a body that cannot be scanned.
const (
	UnscannablePass  = "pass"
	UnscannableBlock = "block"
)

// Defaults.
const (
	DefaultRequestAction      = ActionBlock
	DefaultResponseAction     = ActionRedact
	DefaultActMinConfidence   = "high"
	DefaultMaxScanBytes       = 1 << 20
	MaxMaxScanBytes           = 64 << 20
	DefaultUnscannableAction  = UnscannablePass
	DefaultMaxFindingsAudited = 20
)

// DefaultContentTypes are the text-like media types scanned by default:
// every JSON type (+json, -json such as AWS's application/x-amz-json-1.1,
// JSON lines), every XML, JavaScript and YAML type, all of text/*, forms
// and the other textual application types.
var DefaultContentTypes = []string{
	"application/json", "application/*json*", "text/*", "application/*xml*",
	"application/x-www-form-urlencoded", "application/*javascript*", "application/ecmascript",
	"application/*yaml*", "application/graphql", "application/toml", "application/x-pem-file",
	"application/jwt", "application/x-sh", "application/sql", "application/csv",
}

// DefaultRequestSkipHeaders are the request's own credential headers. A
// client presents its credential there on every request (a bearer JWT,
// an API key for key-auth, a session cookie); flagging it would block
// every authenticated call, and the auth plugins that run before this one
// already vetted it. A secret pasted into any other header is scanned.
//
// x-warden-identity is warden-auth's signed identity assertion: Kong's
// kong.service.request.set_header is ngx.req.set_header
// (kong/pdk/service/request.lua), so plugins that run after warden-auth
// see the request headers it set, the assertion (a JWT) included.
var DefaultRequestSkipHeaders = []string{
	"authorization", "proxy-authorization", "cookie", "apikey", "x-api-key", "x-warden-identity",
}

// DefaultRequestSkipQueryParams are the query parameters Kong's key-auth
// and jwt plugins read credentials from (config.key_names default
// "apikey"; jwt uri_param_names default "jwt").
var DefaultRequestSkipQueryParams = []string{"apikey", "jwt"}

// DefaultResponseSkipHeaders: Set-Cookie carries the session the upstream
// deliberately issues to this client.
var DefaultResponseSkipHeaders = []string{"set-cookie"}

// Config is warden-leakguard's plugin configuration.
type Config struct {
	// Request configures scanning of the client's request (access phase).
	Request RequestConfig `json:"request" desc:"Scanning of the client's request in the access phase: what to scan and what to do with findings."`
	// Response configures scanning of the upstream's response (response
	// phase, which makes Kong buffer upstream responses).
	Response ResponseConfig `json:"response" desc:"Scanning of the upstream response in the response phase (Kong buffers the whole response for it)."`
	// BuiltinRules enables Warden's built-in detectors.
	BuiltinRules bool `json:"builtin_rules" desc:"Enable the built-in detectors (cloud keys, VCS and registry tokens, private keys, JWTs, URLs with passwords...)."`
	// RulesTOML holds extra rules in gitleaks TOML ([[rules]] id, regex,
	// keywords, entropy, secretGroup, allowlists).
	RulesTOML string `json:"rules_toml" desc:"Extra detection rules in gitleaks TOML format ([[rules]] with id, regex, keywords, entropy, secretGroup, allowlists)."`
	// RulesFile is a path to a gitleaks TOML file read at config time.
	RulesFile string `json:"rules_file" desc:"Path of a gitleaks TOML rules file, read once when the plugin instance starts."`
	// AllowRules lists rule ids that never produce findings.
	AllowRules []string `json:"allow_rules" desc:"Rule ids that are switched off (allow-list by rule id)."`
	// AllowValues lists RE2 expressions; a secret matching one is ignored.
	AllowValues []string `json:"allow_values" desc:"RE2 expressions; a found secret matching any of them is ignored (allow-list by value pattern)."`
	// AllowPaths lists RE2 expressions over the request path; matching
	// requests and their responses are not scanned.
	AllowPaths []string `json:"allow_paths" desc:"RE2 expressions over the request path; requests whose path matches, and their responses, are not scanned."`
	// AllowRoutes lets the responses of some routes carry tokens their
	// API legitimately returns (a login endpoint's JWT), by rule id
	// and/or JSON pointer.
	AllowRoutes []AllowRoute `json:"allow_routes" desc:"Tokens a route's responses legitimately carry (a login endpoint's JWT): path, rule ids and/or JSON pointers; such findings in those responses are ignored, anywhere else they are acted on."`
	// ContentTypes are the media types whose bodies are scanned
	// ("type/subtype", "type/*", "type/*+suffix", "type/*word*").
	ContentTypes []string `json:"content_types" desc:"Media types whose bodies are scanned: type/subtype, type/*, type/*+suffix or type/*word* (subtype containing word). A body without Content-Type is scanned; a textual body of another type is audited as unscanned."`
	// MaxScanBytes is the largest body scanned, in bytes, after decoding;
	// at most MaxMaxScanBytes.
	MaxScanBytes int `json:"max_scan_bytes" kong:"between=1:67108864" desc:"Largest body scanned, in bytes after gzip/deflate decoding. Compressed bodies decoding past it are refused (decompression bomb)."`
	// UnscannableAction is what happens to a body larger than
	// MaxScanBytes or in an encoding other than gzip/deflate: pass
	// (unscanned, audited) or block.
	UnscannableAction string `json:"unscannable_action" kong:"one_of=pass|block" desc:"For a body over max_scan_bytes or with an undecodable Content-Encoding: pass it unscanned (audited) or block it."`
	// FingerprintKey keys the HMAC-SHA256 fingerprints in findings. Empty:
	// a random key per plugin instance (fingerprints then only correlate
	// within one instance's lifetime).
	FingerprintKey string `json:"fingerprint_key" kong:"referenceable,encrypted" desc:"Key for the HMAC-SHA256 fingerprints of found secrets in audit events; use a vault reference. Empty: random per instance."`
}

// RequestConfig configures the request direction.
type RequestConfig struct {
	// Enabled turns request scanning on.
	Enabled bool `json:"enabled" desc:"Scan requests in the access phase."`
	// Action on findings at or above ActMinConfidence (block answers 400).
	Action string `json:"action" kong:"one_of=block|redact|log_only" desc:"block answers 400, redact rewrites the secret to the upstream, log_only only audits."`
	// ActMinConfidence is the lowest rule confidence Action applies to;
	// lower findings are only audited.
	ActMinConfidence string `json:"act_min_confidence" kong:"one_of=low|medium|high" desc:"Lowest rule confidence the action applies to; findings below it are only audited."`
	// Query scans the query string.
	Query bool `json:"query" desc:"Scan the query string parameters."`
	// Headers scans request headers except SkipHeaders.
	Headers bool `json:"headers" desc:"Scan request headers, except skip_headers."`
	// Body scans the request body.
	Body bool `json:"body" desc:"Scan the request body (text-like content types)."`
	// SkipHeaders are header names never scanned (lower case).
	SkipHeaders []string `json:"skip_headers" desc:"Request header names (lower case) not scanned, such as the credential headers a client authenticates with on every request, which the auth plugins before this one have vetted."`
	// SkipQueryParams are query parameters never scanned.
	SkipQueryParams []string `json:"skip_query_params" desc:"Query parameter names not scanned, such as those Kong's key-auth and jwt plugins read credentials from."`
}

// ResponseConfig configures the response direction.
type ResponseConfig struct {
	// Enabled turns response scanning on.
	Enabled bool `json:"enabled" desc:"Scan upstream responses in the response phase."`
	// Action on findings at or above ActMinConfidence (block answers 502).
	Action string `json:"action" kong:"one_of=block|redact|log_only" desc:"block answers 502, redact replaces each secret with [REDACTED:<rule-id>], log_only only audits."`
	// ActMinConfidence is the lowest rule confidence Action applies to.
	ActMinConfidence string `json:"act_min_confidence" kong:"one_of=low|medium|high" desc:"Lowest rule confidence the action applies to; findings below it are only audited."`
	// Headers scans response headers except SkipHeaders.
	Headers bool `json:"headers" desc:"Scan upstream response headers, except skip_headers."`
	// Body scans the response body.
	Body bool `json:"body" desc:"Scan the upstream response body (text-like content types)."`
	// SkipHeaders are header names never scanned (lower case).
	SkipHeaders []string `json:"skip_headers" desc:"Response header names (lower case) not scanned, such as set-cookie: the session the upstream deliberately issues to this client."`
}

// SetDefaults fills the defaults.
func (c *Config) SetDefaults() {
	c.BuiltinRules = true
	c.ContentTypes = append([]string(nil), DefaultContentTypes...)
	c.MaxScanBytes = DefaultMaxScanBytes
	c.UnscannableAction = DefaultUnscannableAction
}

// SetDefaults fills the defaults.
func (c *RequestConfig) SetDefaults() {
	c.Enabled, c.Query, c.Headers, c.Body = true, true, true, true
	c.Action = DefaultRequestAction
	c.ActMinConfidence = DefaultActMinConfidence
	c.SkipHeaders = append([]string(nil), DefaultRequestSkipHeaders...)
	c.SkipQueryParams = append([]string(nil), DefaultRequestSkipQueryParams...)
}

// SetDefaults fills the defaults.
func (c *ResponseConfig) SetDefaults() {
	c.Enabled, c.Headers, c.Body = true, true, true
	c.Action = DefaultResponseAction
	c.ActMinConfidence = DefaultActMinConfidence
	c.SkipHeaders = append([]string(nil), DefaultResponseSkipHeaders...)
}

// Validate checks the config, naming each bad field. Rules themselves are
// compiled (and refused with their id) by New.
func (c *Config) Validate() error {
	var errs config.Errors
	checkAction := func(path, v string) {
		switch v {
		case ActionBlock, ActionRedact, ActionLogOnly:
		default:
			errs.Add(path, "must be block, redact or log_only")
		}
	}
	checkConf := func(path, v string) {
		if _, err := ParseConfidence(v); err != nil {
			errs.Add(path, "must be low, medium or high")
		}
	}
	checkAction("request.action", c.Request.Action)
	checkAction("response.action", c.Response.Action)
	checkConf("request.act_min_confidence", c.Request.ActMinConfidence)
	checkConf("response.act_min_confidence", c.Response.ActMinConfidence)
	checkLower := func(path string, names []string) {
		for i, n := range names {
			if n == "" || n != strings.ToLower(n) {
				errs.Add(path+"["+strconv.Itoa(i)+"]", "must be a non-empty lower-case name")
			}
		}
	}
	checkLower("request.skip_headers", c.Request.SkipHeaders)
	checkLower("response.skip_headers", c.Response.SkipHeaders)
	if c.MaxScanBytes < 1 || c.MaxScanBytes > MaxMaxScanBytes {
		errs.Add("max_scan_bytes", "must be between 1 and %d", MaxMaxScanBytes)
	}
	switch c.UnscannableAction {
	case UnscannablePass, UnscannableBlock:
	default:
		errs.Add("unscannable_action", "must be pass or block")
	}
	for i, p := range c.ContentTypes {
		if err := validTypePattern(p); err != nil {
			errs.Add("content_types["+strconv.Itoa(i)+"]", "%v", err)
		}
	}
	for i, e := range c.AllowValues {
		if _, err := regexp.Compile(e); err != nil {
			errs.Add("allow_values["+strconv.Itoa(i)+"]", "not an RE2 expression: %v", err)
		}
	}
	for i, e := range c.AllowPaths {
		if _, err := regexp.Compile(e); err != nil {
			errs.Add("allow_paths["+strconv.Itoa(i)+"]", "not an RE2 expression: %v", err)
		}
	}
	if c.RulesTOML != "" && c.RulesFile != "" {
		errs.Add("rules_file", "set rules_toml or rules_file, not both")
	}
	if !c.BuiltinRules && c.RulesTOML == "" && c.RulesFile == "" {
		errs.Add("builtin_rules", "no rules: enable builtin_rules or give rules_toml or rules_file")
	}
	if !c.Request.Enabled && !c.Response.Enabled {
		errs.Add("request.enabled", "request and response scanning are both off")
	}
	return errs.Err()
}
