// Package leakguard finds leaked secrets in HTTP traffic: cloud keys,
// VCS and registry tokens (GitHub's and npm's CRC32 checksums verified),
// chat and payment keys, private keys, JWTs, URLs with passwords and
// password-like assignments. It is warden-leakguard's policy: pure Go,
// no PDK.
//
// Detection: a Scanner holds the rules (built-in, from BuiltinRules, plus
// gitleaks TOML rules from ParseGitleaks). One pass of an Aho-Corasick
// automaton over the input finds the rules' keywords; each rule's RE2
// regex then runs only on windows around its keywords' hits, merged per
// rule and widened to the nearest separator so word boundaries are the
// same as in the whole input, however many hits a body has. PEM rules run from each BEGIN line to the
// first END line after it, however long the key. Matches pass the rule's entropy minimum,
// checksum, placeholder filter and allow-lists; overlaps keep the more
// confident finding.
//
// Policy: a Guard (New) scans a Request (query parameters, headers other
// than the client's own credential headers, body) or a Response (headers,
// body). Bodies are scanned by content type: JSON string by string (each
// member value as "name=value" so key-value rules see the name) and
// redacted with JSON escaping, so valid JSON stays valid; forms field by
// field; other text-like types as bytes. gzip and deflate are decoded up
// to max_scan_bytes; more output is refused as a decompression bomb.
// Findings at or above a direction's act_min_confidence get its action
// (block, redact, log_only); lower ones are only reported. Decision.Counts
// counts every finding by rule and action, for metrics. The headers alone
// decide whether a body is read at all (PlanRequestBody,
// PlanResponseBody): out-of-scope types, empty bodies, bodies over the
// limit and encodings we cannot decode never cross the PDK socket.
//
// A Finding never holds the secret: rule, location, JSON pointer or field
// name (with any secret in it redacted), length and a truncated
// HMAC-SHA256 fingerprint under the configured key.
//
// Coverage (issue #14): member values of {"k":…,"v":…}-style pair
// objects are scanned under their sibling's name; a key-value rule also
// reads HTML name="…" value="…" pairs; base64 values that decode to
// printable text are decoded once and scanned, within max_scan_bytes of
// decoding per body; a secret found next to its key id takes the key
// id's confidence. allow_routes lets chosen routes return chosen tokens
// (by rule id and/or JSON pointer). In requests, jwt and keyed-secret
// keep their former confidence (medium, low): a client sending its own
// password, client_secret or token is normal, the same in a response is
// a leak.
//
// Package leaktest holds the regression set, one sample per built-in
// rule written with the rules. The module in bench/leakguard measures
// recall and precision on a provider corpus written from the providers'
// documentation (formats.go), throughput next to gitleaks, and today's
// response phase interleaved with the one before issue #14 (go -C
// bench/leakguard run .).
package leakguard
