// Package auth is warden-auth's policy: it authenticates a request from
// plain values (its headers, optionally its query) and answers with a
// decision: who the caller is, or why it was refused. It never imports
// go-pdk; the plugin in plugins/warden-auth is a thin adapter.
//
// Three methods are supported, each configured independently:
//
//   - JWTs from several issuers, each with its own keys (static PEM or
//     JWK public keys, HMAC secrets, a JWKS URL or OIDC discovery) and its
//     own algorithm allow-list. Keys named inside a token (jku, jwk, x5u,
//     x5c) are never used: a token carrying them is refused, as is one
//     with any crit header, alg none, or a key of the wrong type.
//   - API keys, stored as SHA-256 hashes and compared in constant time
//     against every configured key, so unknown keys cost the same work.
//   - Opaque tokens checked by OAuth 2.0 token introspection (RFC 7662).
//
// A token is parsed strictly (compact form, unpadded base64url, valid
// JSON objects with no duplicate member, exact member names) and every
// time and claim rule it breaks is reported, joined, in the Denial's
// error; the client only ever sees one generic answer.
//
// Verified tokens are cached by their SHA-256 hash until they expire (or a
// configured cap), so a repeated token costs a hash and a map lookup.
//
// An authenticated request may carry a short-lived signed identity
// assertion to the upstream (see Assertion and VerifyAssertion), so a
// backend can check that the request really passed the gateway.
//
// Under failure: a JWKS fetch is shared by every request that needs it
// (one in flight per key source, each wait bounded by its deadline), an
// unknown kid refetches at most once per unknown_kid_refetch_sec counted
// from the end of the last such fetch, and a failing JWKS or discovery
// URL is logged with the issuer, URL and reason at most once per that
// interval. A failing introspection endpoint (unreachable, timeout, an
// answer other than a JSON 200) is not asked again for
// introspection.error_ttl_ms (default 2000): uncached tokens get 503 at
// once, then one request probes it. Both fail closed.
//
// Nothing in this package logs, returns or audits a token, key or secret,
// not even part of one: errors name checks, never values. The one line it
// logs itself is a key-fetch failure (issuer, URL, reason).
package auth
