package baseline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Locations of findings.
const (
	LocRequestQuery   = "request.query"
	LocRequestHeader  = "request.header"
	LocRequestBody    = "request.body"
	LocResponseHeader = "response.header"
	LocResponseBody   = "response.body"
)

// Finding describes one found secret without revealing it: which rule,
// where, how long, and a keyed fingerprint that lets an operator
// correlate the same secret across events (and check a suspected value
// by computing its HMAC) but not recover it.
type Finding struct {
	Rule       string `json:"rule"`
	Confidence string `json:"confidence"`
	// Location is one of the Loc constants.
	Location string `json:"location"`
	// Name is the header, query parameter or form field; secrets in it
	// are redacted.
	Name string `json:"name,omitempty"`
	// Pointer is the RFC 6901 JSON pointer of the string in a JSON body
	// (member names redacted like Name).
	Pointer string `json:"pointer,omitempty"`
	// Length of the secret in bytes.
	Length int `json:"length"`
	// Fingerprint is hex(HMAC-SHA256(key, secret)) truncated to 16 digits.
	Fingerprint string `json:"fingerprint"`
	// Acted is true when the direction's action applied to the finding
	// (its confidence reached act_min_confidence).
	Acted bool `json:"acted"`
}

// fingerprintLen is the hex digits kept: 64 bits, enough to correlate,
// too few to confirm a guess against a large dictionary offline without
// the key anyway.
const fingerprintLen = 16

// Fingerprint returns the keyed fingerprint of secret.
func Fingerprint(key, secret []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(secret)
	return hex.EncodeToString(m.Sum(nil))[:fingerprintLen]
}
