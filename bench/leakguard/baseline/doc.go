// Code copied from pkg/leakguard at fb7b3f4 (see README.md). DO NOT EDIT.

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
// same as in the whole input. PEM rules run from each BEGIN line to the
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
// Package leaktest holds the labelled corpus the rules are measured on;
// the module in bench/leakguard measures throughput and recall next to
// gitleaks (go -C bench/leakguard run .).
package baseline
