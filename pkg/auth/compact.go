package auth

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// maxKIDBytes bounds a kid: it is only a map key, but nothing longer is
// plausible.
const maxKIDBytes = 256

// header is the JOSE header of a JWS. Members that would let the token
// choose its own key, or change how it is processed, are only noted, to
// refuse the token.
type header struct {
	Alg, Kid, Typ                 string
	Crit, JKU, JWK, X5U, X5C, B64 bool
}

// member records one header member. Member names are case sensitive
// (RFC 7515 4): "ALG" is an unknown member, ignored like any other.
func (h *header) member(name string, raw []byte) error {
	var dst *string
	switch name {
	case "alg":
		dst = &h.Alg
	case "kid":
		dst = &h.Kid
	case "typ":
		dst = &h.Typ
	case "crit":
		h.Crit = true
	case "jku":
		h.JKU = true
	case "jwk":
		h.JWK = true
	case "x5u":
		h.X5U = true
	case "x5c":
		h.X5C = true
	case "b64":
		h.B64 = true
	}
	if dst == nil {
		return nil
	}
	if raw[0] != '"' {
		return fmt.Errorf("%s is not a string", name)
	}
	s, err := decodeString(raw)
	*dst = s
	return err
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
	if err := walkObject(hb, out.header.member); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformedToken, err)
	}
	if err := checkHeader(&out.header); err != nil {
		return nil, err
	}
	pb, err := b64(p)
	if err != nil {
		return nil, fmt.Errorf("%w: payload encoding", ErrMalformedToken)
	}
	out.claims = make(map[string]any, 12)
	if err := decodeObject(pb, func(name string, v any) error {
		out.claims[name] = v
		return nil
	}); err != nil {
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
	case h.JKU || h.JWK || h.X5U || h.X5C:
		return fmt.Errorf("%w: embedded key or key URL", ErrUnsupportedHeader)
	case h.Crit || h.B64:
		return fmt.Errorf("%w: crit or b64", ErrUnsupportedHeader)
	case len(h.Kid) > maxKIDBytes:
		return fmt.Errorf("%w: kid too long", ErrMalformedToken)
	}
	return nil
}

// b64url is unpadded base64url that refuses stray bits. Built once:
// Strict returns a new Encoding on every call.
var b64url = base64.RawURLEncoding.Strict()

// b64 decodes unpadded base64url strictly (no padding, no stray bits).
func b64(s string) ([]byte, error) { return b64url.DecodeString(s) }
