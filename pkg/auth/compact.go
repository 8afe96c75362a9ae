package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// maxKIDBytes bounds a kid: it is only a map key, but nothing longer is
// plausible.
const maxKIDBytes = 256

// header is the JOSE header of a JWS. Members that would let the token
// choose its own key are read only to refuse the token.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
	JKU  json.RawMessage `json:"jku"`
	JWK  json.RawMessage `json:"jwk"`
	X5U  json.RawMessage `json:"x5u"`
	X5C  json.RawMessage `json:"x5c"`
	B64  json.RawMessage `json:"b64"`
}

// parsed is a JWS in compact form, decoded but not verified.
type parsed struct {
	header       header
	claims       map[string]any
	signingInput string // header.payload, as signed
	signature    []byte
}

// looksLikeJWT reports whether s has the shape of a compact JWS (three
// dot-separated parts), without decoding it.
func looksLikeJWT(s string) bool { return strings.Count(s, ".") == 2 }

// parseCompact decodes a compact JWS strictly: exactly three non-empty
// unpadded base64url parts, a JSON object header and payload, no
// duplicate or unknown-critical header members, no embedded keys. It does
// bounded work: the caller has capped len(token).
func parseCompact(token string) (*parsed, error) {
	h, rest, ok := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(s, ".") {
		return nil, fmt.Errorf("%w: not three parts", ErrMalformedToken)
	}
	if h == "" || p == "" || s == "" {
		return nil, fmt.Errorf("%w: empty part", ErrMalformedToken)
	}
	hb, err := b64(h)
	if err != nil {
		return nil, fmt.Errorf("%w: header encoding", ErrMalformedToken)
	}
	var out parsed
	if err := strictObject(hb, &out.header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformedToken, err)
	}
	if err := checkHeader(&out.header); err != nil {
		return nil, err
	}
	pb, err := b64(p)
	if err != nil {
		return nil, fmt.Errorf("%w: payload encoding", ErrMalformedToken)
	}
	if err := strictObject(pb, &out.claims); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrMalformedToken, err)
	}
	if out.signature, err = b64(s); err != nil {
		return nil, fmt.Errorf("%w: signature encoding", ErrMalformedToken)
	}
	out.signingInput = token[:len(h)+1+len(p)]
	return &out, nil
}

// checkHeader refuses what the token must not decide: no algorithm or
// none, keys or key locations carried in the token, and any crit
// extension (this verifier understands none, RFC 7515 4.1.11).
func checkHeader(h *header) error {
	switch {
	case h.Alg == "" || strings.EqualFold(h.Alg, "none"):
		return fmt.Errorf("%w: alg none or missing", ErrAlgorithm)
	case algFamily(h.Alg) == familyNone:
		return fmt.Errorf("%w: unsupported alg", ErrAlgorithm)
	case h.JKU != nil || h.JWK != nil || h.X5U != nil || h.X5C != nil:
		return fmt.Errorf("%w: embedded key or key URL", ErrUnsupportedHeader)
	case h.Crit != nil || h.B64 != nil:
		return fmt.Errorf("%w: crit or b64", ErrUnsupportedHeader)
	case len(h.Kid) > maxKIDBytes:
		return fmt.Errorf("%w: kid too long", ErrMalformedToken)
	}
	return nil
}

// b64 decodes unpadded base64url strictly (no padding, no stray bits).
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// strictObject decodes a JSON object into v, refusing anything after it
// and duplicate top-level members (a token whose header or claims parse
// differently in two parsers is an attack).
func strictObject(b []byte, v any) error {
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	if err := noDuplicateKeys(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON")
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// noDuplicateKeys scans the top level of a JSON object for repeated
// member names.
func noDuplicateKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("not a JSON object")
	}
	seen := make(map[string]struct{}, 16)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("invalid JSON")
		}
		k, _ := t.(string)
		if _, dup := seen[k]; dup {
			return fmt.Errorf("duplicate member")
		}
		seen[k] = struct{}{}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("invalid JSON")
		}
	}
	return nil
}
