package auth

import (
	"errors"
	"net/http"
)

// Sentinel errors. Callers match them with errors.Is; every Denial wraps
// one. Messages name the failed check, never a token or key value.
var (
	ErrNoCredential       = errors.New("no credential")
	ErrMultipleTokens     = errors.New("more than one credential")
	ErrTokenTooLarge      = errors.New("token too large")
	ErrMalformedToken     = errors.New("malformed token")
	ErrUnsupportedHeader  = errors.New("token header not allowed")
	ErrAlgorithm          = errors.New("algorithm not allowed")
	ErrUnknownIssuer      = errors.New("unknown issuer")
	ErrUnknownKey         = errors.New("no key for token")
	ErrSignature          = errors.New("signature invalid")
	ErrExpired            = errors.New("token expired")
	ErrMissingExp         = errors.New("token has no exp")
	ErrNotYetValid        = errors.New("token not yet valid")
	ErrIssuedInFuture     = errors.New("token issued in the future")
	ErrLifetime           = errors.New("token lifetime too long")
	ErrAudience           = errors.New("audience not accepted")
	ErrType               = errors.New("token type not accepted")
	ErrClaim              = errors.New("claim check failed")
	ErrInactive           = errors.New("token not active")
	ErrUnknownAPIKey      = errors.New("unknown api key")
	ErrKeysUnavailable    = errors.New("signing keys unavailable")
	ErrIntrospectionDown  = errors.New("introspection endpoint unavailable")
	ErrConsumerNotFound   = errors.New("consumer not found")
	ErrResponseTooLarge   = errors.New("response too large")
	ErrInsecureURL        = errors.New("plain http not allowed")
	ErrAssertionKey       = errors.New("assertion key unusable")
	ErrAssertionInvalid   = errors.New("identity assertion invalid")
	ErrUnexpectedResponse = errors.New("unexpected response")
	ErrDPoPProof          = errors.New("dpop proof invalid")
	ErrDPoPReplay         = errors.New("dpop proof replayed")
	ErrDPoPBinding        = errors.New("dpop proof key is not the token's")
	ErrDPoPRequired       = errors.New("token must be presented with dpop")
	ErrDPoPNotBound       = errors.New("token is not dpop-bound")
	ErrReplayStoreDown    = errors.New("dpop replay store unavailable")
	ErrDPoPNonce          = errors.New("dpop proof needs a fresh server nonce")
	ErrCertBinding        = errors.New("client certificate is not the token's")
	ErrMTLSRequired       = errors.New("token must be certificate-bound")
)

// Reason codes for audit events: stable snake_case, one per failed check.
const (
	ReasonOK                = "authenticated"
	ReasonAnonymous         = "anonymous"
	ReasonNoCredential      = "missing_credential"
	ReasonMultipleTokens    = "multiple_credentials"
	ReasonTokenTooLarge     = "token_too_large"
	ReasonMalformed         = "malformed_token"
	ReasonHeader            = "forbidden_token_header"
	ReasonAlgorithm         = "algorithm_not_allowed"
	ReasonUnknownIssuer     = "unknown_issuer"
	ReasonUnknownKey        = "unknown_key"
	ReasonSignature         = "bad_signature"
	ReasonExpired           = "token_expired"
	ReasonMissingExp        = "missing_exp"
	ReasonNotYetValid       = "token_not_yet_valid"
	ReasonIssuedInFuture    = "iat_in_future"
	ReasonLifetime          = "lifetime_too_long"
	ReasonAudience          = "audience_mismatch"
	ReasonType              = "type_not_allowed"
	ReasonClaim             = "claim_check_failed"
	ReasonInactive          = "token_inactive"
	ReasonUnknownAPIKey     = "unknown_api_key"
	ReasonKeysUnavailable   = "keys_unavailable"
	ReasonIntrospectionDown = "introspection_unavailable"
	ReasonConsumerNotFound  = "consumer_not_found"
	ReasonDPoPProof         = "invalid_dpop_proof"
	ReasonDPoPReplay        = "dpop_replay"
	ReasonDPoPBinding       = "dpop_binding_mismatch"
	ReasonDPoPRequired      = "dpop_required"
	ReasonDPoPNotBound      = "dpop_token_not_bound"
	ReasonReplayStoreDown   = "replay_store_unavailable"
	ReasonDPoPNonce         = "dpop_nonce_required"
	ReasonCertBinding       = "mtls_binding_mismatch"
	ReasonMTLSRequired      = "mtls_required"
)

// reasons maps each sentinel to its reason code and answer. Checked in
// order; the first sentinel the error wraps wins.
var reasons = []struct {
	err    error
	reason string
	status int
	// oauth is the RFC 6750 error code in WWW-Authenticate, "" for none.
	oauth string
}{
	{ErrNoCredential, ReasonNoCredential, http.StatusUnauthorized, ""},
	{ErrMultipleTokens, ReasonMultipleTokens, http.StatusBadRequest, "invalid_request"},
	{ErrTokenTooLarge, ReasonTokenTooLarge, http.StatusUnauthorized, "invalid_token"},
	{ErrMalformedToken, ReasonMalformed, http.StatusUnauthorized, "invalid_token"},
	{ErrUnsupportedHeader, ReasonHeader, http.StatusUnauthorized, "invalid_token"},
	{ErrAlgorithm, ReasonAlgorithm, http.StatusUnauthorized, "invalid_token"},
	{ErrUnknownIssuer, ReasonUnknownIssuer, http.StatusUnauthorized, "invalid_token"},
	{ErrKeysUnavailable, ReasonKeysUnavailable, http.StatusServiceUnavailable, ""},
	{ErrIntrospectionDown, ReasonIntrospectionDown, http.StatusServiceUnavailable, ""},
	{ErrUnknownKey, ReasonUnknownKey, http.StatusUnauthorized, "invalid_token"},
	{ErrSignature, ReasonSignature, http.StatusUnauthorized, "invalid_token"},
	{ErrExpired, ReasonExpired, http.StatusUnauthorized, "invalid_token"},
	{ErrMissingExp, ReasonMissingExp, http.StatusUnauthorized, "invalid_token"},
	{ErrNotYetValid, ReasonNotYetValid, http.StatusUnauthorized, "invalid_token"},
	{ErrIssuedInFuture, ReasonIssuedInFuture, http.StatusUnauthorized, "invalid_token"},
	{ErrLifetime, ReasonLifetime, http.StatusUnauthorized, "invalid_token"},
	{ErrAudience, ReasonAudience, http.StatusUnauthorized, "invalid_token"},
	{ErrType, ReasonType, http.StatusUnauthorized, "invalid_token"},
	{ErrClaim, ReasonClaim, http.StatusUnauthorized, "invalid_token"},
	{ErrInactive, ReasonInactive, http.StatusUnauthorized, "invalid_token"},
	{ErrUnknownAPIKey, ReasonUnknownAPIKey, http.StatusUnauthorized, ""},
	{ErrConsumerNotFound, ReasonConsumerNotFound, http.StatusUnauthorized, "invalid_token"},
	// RFC 9449 7.1: a bad or replayed proof is invalid_dpop_proof; a
	// proof by another key, or a token presented with the wrong scheme,
	// is about the token: invalid_token.
	{ErrDPoPProof, ReasonDPoPProof, http.StatusUnauthorized, "invalid_dpop_proof"},
	{ErrDPoPReplay, ReasonDPoPReplay, http.StatusUnauthorized, "invalid_dpop_proof"},
	{ErrDPoPBinding, ReasonDPoPBinding, http.StatusUnauthorized, "invalid_token"},
	{ErrDPoPRequired, ReasonDPoPRequired, http.StatusUnauthorized, "invalid_token"},
	{ErrDPoPNotBound, ReasonDPoPNotBound, http.StatusUnauthorized, "invalid_token"},
	{ErrReplayStoreDown, ReasonReplayStoreDown, http.StatusServiceUnavailable, ""},
	{ErrDPoPNonce, ReasonDPoPNonce, http.StatusUnauthorized, "use_dpop_nonce"},
	// RFC 8705 3: a certificate that does not match is invalid_token.
	{ErrCertBinding, ReasonCertBinding, http.StatusUnauthorized, "invalid_token"},
	{ErrMTLSRequired, ReasonMTLSRequired, http.StatusUnauthorized, "invalid_token"},
}

// Denial is why a request was refused: the status to answer with, the
// reason code to audit and the RFC 6750 error code. Its Err wraps the
// sentinel and says which check failed, for logs and tests; it never
// holds a credential.
type Denial struct {
	Status int
	Reason string
	OAuth  string
	Err    error
	// DPoP answers with a DPoP challenge (RFC 9449 7.1) rather than a
	// Bearer one: the request used DPoP, or the token needs it.
	DPoP bool
	// Nonce is a fresh DPoP server nonce to send (DPoP-Nonce, RFC 9449
	// 8) with a use_dpop_nonce error.
	Nonce string
}

func (d *Denial) Error() string { return d.Reason + ": " + d.Err.Error() }
func (d *Denial) Unwrap() error { return d.Err }

// Reasons returns the reason code of every check d's error reports (a
// token can break several rules at once), in the order of the reasons
// table, the first being d.Reason.
func (d *Denial) Reasons() []string {
	var out []string
	for _, r := range reasons {
		if errors.Is(d.Err, r.err) {
			out = append(out, r.reason)
		}
	}
	if len(out) == 0 || out[0] != d.Reason {
		out = append([]string{d.Reason}, out...)
	}
	return out
}

// deny classifies err into a Denial. An error wrapping no sentinel is a
// malformed token: the safe answer for anything unexpected about input.
func deny(err error) *Denial {
	var d *Denial
	if errors.As(err, &d) {
		return d
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return &Denial{Status: r.status, Reason: r.reason, OAuth: r.oauth, Err: err}
		}
	}
	return &Denial{Status: http.StatusUnauthorized, Reason: ReasonMalformed, OAuth: "invalid_token", Err: err}
}
