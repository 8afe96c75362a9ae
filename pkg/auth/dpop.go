package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DPoP modes of an issuer (or of introspection): whether tokens may, or
// must, be presented with a DPoP proof (RFC 9449).
const (
	DPoPOff      = "off"
	DPoPAllowed  = "allowed"
	DPoPRequired = "required"
)

// Certificate binding modes (mtls_binding, RFC 8705): the same words.
const (
	MTLSOff      = DPoPOff
	MTLSAllowed  = DPoPAllowed
	MTLSRequired = DPoPRequired
)

// maxDPoPJTIBytes bounds a proof's jti (RFC 9449 11.1 asks for at least
// 96 bits of randomness; nothing legitimate is near this).
const maxDPoPJTIBytes = 256

// dpopVerifier checks DPoP proofs (RFC 9449 4.3). It is built once per
// config and never changes.
type dpopVerifier struct {
	algs     []string
	algsText string // for WWW-Authenticate algs=
	methods  map[string]jwt.SigningMethod
	window   time.Duration
	maxBytes int
	replay   replayStore
	nonces   *nonceSource // nil: no server nonce required
}

func newDPoPVerifier(s *DPoPSettings, replay replayStore) *dpopVerifier {
	var nonces *nonceSource
	if s.NonceSecret != "" {
		nonces = newNonceSource(s.NonceSecret, time.Duration(s.NonceLifetimeSec)*time.Second)
	}
	d := &dpopVerifier{
		algs:     s.Algorithms,
		algsText: strings.Join(s.Algorithms, " "),
		methods:  make(map[string]jwt.SigningMethod, len(s.Algorithms)),
		window:   time.Duration(s.IATWindowSec) * time.Second,
		maxBytes: s.MaxProofBytes,
		replay:   replay,
		nonces:   nonces,
	}
	for _, alg := range s.Algorithms {
		if f := algFamily(alg); f != familyNone && f != familyHMAC {
			d.methods[alg] = jwt.GetSigningMethod(alg)
		}
	}
	return d
}

// proofRequest is what a proof is checked against: the request's method
// and its target URI normalized (normalizeHTU), and the access token.
type proofRequest struct {
	method string
	htu    string
	token  string
}

// dpopProof is a decoded proof, its signature checked.
type dpopProof struct {
	jkt   string // RFC 7638 thumbprint of its jwk
	jti   string
	nonce string
}

// dpopHeader is a proof's JOSE header. Key locations and certificates
// are only noted, to refuse the proof: its key is the jwk, and only it.
type dpopHeader struct {
	alg, typ  string
	jwk       []byte
	forbidden string // the first forbidden member seen
}

func (h *dpopHeader) member(name string, raw []byte) error {
	switch name {
	case "alg", "typ":
		if raw[0] != '"' {
			return fmt.Errorf("%s is not a string", name)
		}
		s, err := decodeString(raw)
		if name == "alg" {
			h.alg = s
		} else {
			h.typ = s
		}
		return err
	case "jwk":
		if raw[0] != '{' {
			return fmt.Errorf("jwk is not an object")
		}
		h.jwk = raw
	case "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64":
		if h.forbidden == "" {
			h.forbidden = name
		}
	}
	return nil
}

// verify checks a proof against the request (RFC 9449 4.3, steps 1 to
// 11 but replay and nonce, which the caller checks after the binding) and
// returns its key's thumbprint. Every failure wraps ErrDPoPProof and
// names the check, never a value.
func (d *dpopVerifier) verify(proof string, req proofRequest, now time.Time) (dpopProof, error) {
	var out dpopProof
	if len(proof) > d.maxBytes {
		return out, fmt.Errorf("%w: proof larger than %d bytes", ErrDPoPProof, d.maxBytes)
	}
	h64, rest, ok1 := strings.Cut(proof, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s64, ".") || h64 == "" || p64 == "" || s64 == "" {
		return out, fmt.Errorf("%w: not a compact JWS", ErrDPoPProof)
	}
	hb, err := b64(h64)
	if err != nil {
		return out, fmt.Errorf("%w: header encoding", ErrDPoPProof)
	}
	var h dpopHeader
	if err := walkObject(hb, h.member); err != nil {
		return out, fmt.Errorf("%w: header: %v", ErrDPoPProof, err)
	}
	switch {
	case h.typ != "dpop+jwt":
		return out, fmt.Errorf("%w: typ is not dpop+jwt", ErrDPoPProof)
	case h.forbidden != "":
		return out, fmt.Errorf("%w: header member %s not allowed", ErrDPoPProof, h.forbidden)
	case !slices.Contains(d.algs, h.alg) || d.methods[h.alg] == nil:
		return out, fmt.Errorf("%w: alg not allowed", ErrDPoPProof)
	case h.jwk == nil:
		return out, fmt.Errorf("%w: no jwk", ErrDPoPProof)
	}
	key, jkt, err := proofKey(h.jwk)
	if err != nil {
		return out, fmt.Errorf("%w: jwk: %v", ErrDPoPProof, err)
	}
	if !key.fits(h.alg) {
		return out, fmt.Errorf("%w: jwk does not fit alg", ErrDPoPProof)
	}
	sig, err := b64(s64)
	if err != nil {
		return out, fmt.Errorf("%w: signature encoding", ErrDPoPProof)
	}
	if d.methods[h.alg].Verify(proof[:len(h64)+1+len(p64)], sig, key.key) != nil {
		return out, fmt.Errorf("%w: signature", ErrDPoPProof)
	}
	pb, err := b64(p64)
	if err != nil {
		return out, fmt.Errorf("%w: payload encoding", ErrDPoPProof)
	}
	var c struct{ jti, htm, htu, ath, nonce, iat []byte }
	if err := walkObject(pb, func(name string, raw []byte) error {
		switch name {
		case "jti":
			c.jti = raw
		case "htm":
			c.htm = raw
		case "htu":
			c.htu = raw
		case "ath":
			c.ath = raw
		case "nonce":
			c.nonce = raw
		case "iat":
			c.iat = raw
		}
		return nil
	}); err != nil {
		return out, fmt.Errorf("%w: payload: %v", ErrDPoPProof, err)
	}
	str := func(name string, raw []byte) (string, error) {
		if len(raw) == 0 || raw[0] != '"' {
			return "", fmt.Errorf("%w: %s missing or not a string", ErrDPoPProof, name)
		}
		s, err := decodeString(raw)
		if err != nil {
			return "", fmt.Errorf("%w: %s: %v", ErrDPoPProof, name, err)
		}
		return s, nil
	}
	if out.jti, err = str("jti", c.jti); err != nil {
		return out, err
	}
	if out.jti == "" || len(out.jti) > maxDPoPJTIBytes {
		return out, fmt.Errorf("%w: jti empty or too long", ErrDPoPProof)
	}
	htm, err := str("htm", c.htm)
	if err != nil {
		return out, err
	}
	if htm != req.method {
		return out, fmt.Errorf("%w: htm is not the request method", ErrDPoPProof)
	}
	htu, err := str("htu", c.htu)
	if err != nil {
		return out, err
	}
	if n, err := normalizeHTUClaim(htu); err != nil || n != req.htu {
		return out, fmt.Errorf("%w: htu is not the request URI", ErrDPoPProof)
	}
	ath, err := str("ath", c.ath)
	if err != nil {
		return out, err
	}
	sum := sha256.Sum256([]byte(req.token))
	var want [43]byte
	base64.RawURLEncoding.Encode(want[:], sum[:])
	if subtle.ConstantTimeCompare([]byte(ath), want[:]) != 1 {
		return out, fmt.Errorf("%w: ath is not the hash of the access token", ErrDPoPProof)
	}
	if len(c.iat) == 0 {
		return out, fmt.Errorf("%w: iat missing", ErrDPoPProof)
	}
	iatV, err := decodeValue(c.iat)
	if err != nil {
		return out, fmt.Errorf("%w: iat", ErrDPoPProof)
	}
	iat, _, err := numericDate(map[string]any{"iat": iatV}, "iat")
	if err != nil {
		return out, fmt.Errorf("%w: iat is not a NumericDate", ErrDPoPProof)
	}
	if iat.Before(now.Add(-d.window)) || iat.After(now.Add(d.window)) {
		return out, fmt.Errorf("%w: iat outside the accepted window", ErrDPoPProof)
	}
	if len(c.nonce) > 0 {
		if out.nonce, err = str("nonce", c.nonce); err != nil {
			return out, err
		}
	}
	out.jkt = jkt
	return out, nil
}

// privateJWKMembers would make a jwk a private (or symmetric) key: a
// proof carrying one is refused, whatever else it holds.
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// proofKey reads the public key of a proof's jwk header and its RFC 7638
// SHA-256 thumbprint, computed from the key itself so that two spellings
// of one key have one thumbprint.
func proofKey(raw []byte) (verifyKey, string, error) {
	var j jwk
	var bad string
	err := walkObject(raw, func(name string, v []byte) error {
		if slices.Contains(privateJWKMembers, name) {
			bad = name
			return nil
		}
		var dst *string
		switch name {
		case "kty":
			dst = &j.Kty
		case "crv":
			dst = &j.Crv
		case "x":
			dst = &j.X
		case "y":
			dst = &j.Y
		case "n":
			dst = &j.N
		case "e":
			dst = &j.E
		case "alg":
			dst = &j.Alg
		case "use":
			dst = &j.Use
		}
		if dst == nil {
			return nil
		}
		if v[0] != '"' {
			return fmt.Errorf("%s is not a string", name)
		}
		s, err := decodeString(v)
		*dst = s
		return err
	})
	if err != nil {
		return verifyKey{}, "", err
	}
	if bad != "" {
		return verifyKey{}, "", fmt.Errorf("private member %s", bad)
	}
	k, err := j.verifyKey()
	if err != nil {
		return verifyKey{}, "", err
	}
	jkt, err := jwkThumbprint(k.key)
	return k, jkt, err
}

// jwkThumbprint is the RFC 7638 SHA-256 thumbprint of a public key: the
// required members in lexicographic order, no whitespace, base64url of
// the key's canonical bytes (RFC 7518 6.2.1.2, 6.3.1.1; RFC 8037 2).
func jwkThumbprint(pub any) (string, error) {
	enc := base64.RawURLEncoding.EncodeToString
	var members string
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil {
			return "", err
		}
		size := (len(raw) - 1) / 2
		members = `{"crv":"` + k.Curve.Params().Name + `","kty":"EC","x":"` + enc(raw[1:1+size]) + `","y":"` + enc(raw[1+size:]) + `"}`
	case *rsa.PublicKey:
		e := []byte{byte(k.E >> 24), byte(k.E >> 16), byte(k.E >> 8), byte(k.E)}
		for len(e) > 1 && e[0] == 0 {
			e = e[1:]
		}
		members = `{"e":"` + enc(e) + `","kty":"RSA","n":"` + enc(k.N.Bytes()) + `"}`
	case ed25519.PublicKey:
		members = `{"crv":"Ed25519","kty":"OKP","x":"` + enc(k) + `"}`
	default:
		return "", fmt.Errorf("unsupported key type %T", pub)
	}
	sum := sha256.Sum256([]byte(members))
	return enc(sum[:]), nil
}

// check runs the DPoP rules of a token's issuer on a request: the proof
// when the token came with the DPoP scheme, the binding (the token's
// cnf.jkt is the proof key's thumbprint), the server nonce when one is
// required, then replay. A token bound to a key never passes as Bearer
// (RFC 9449 7.1), whatever the mode, once DPoP is on for its issuer.
func (d *dpopVerifier) check(ctx context.Context, mode string, bound string, cred credential, req Request, now time.Time) error {
	if mode == "" || mode == DPoPOff {
		if cred.loc.dpop {
			return fmt.Errorf("%w: DPoP not accepted for this issuer", ErrDPoPNotBound)
		}
		return nil
	}
	if !cred.loc.dpop {
		if bound != "" {
			return fmt.Errorf("%w: DPoP-bound token sent as Bearer", ErrDPoPRequired)
		}
		if mode == DPoPRequired {
			return fmt.Errorf("%w: this issuer's tokens need DPoP", ErrDPoPRequired)
		}
		return nil
	}
	if bound == "" {
		return fmt.Errorf("%w: token has no cnf.jkt", ErrDPoPNotBound)
	}
	proofs := req.Headers["dpop"]
	if len(proofs) != 1 {
		return fmt.Errorf("%w: %d DPoP headers, want 1", ErrDPoPProof, len(proofs))
	}
	target, err := requestHTU(req)
	if err != nil {
		return fmt.Errorf("%w: request URI: %v", ErrDPoPProof, err)
	}
	p, err := d.verify(proofs[0], proofRequest{method: req.Method, htu: target, token: cred.value}, now)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(p.jkt), []byte(bound)) != 1 {
		return fmt.Errorf("%w: proof key is not the token's cnf.jkt", ErrDPoPBinding)
	}
	if d.nonces != nil {
		if err := d.nonces.check(p.nonce, now); err != nil {
			return err
		}
	}
	// Replay last: one store round trip, for proofs valid in every other
	// way. A jti is scoped by the key that signed it; it is remembered
	// for as long as its iat stays in the window.
	fresh, err := d.replay.add(ctx, replayKey(p.jkt, p.jti), 2*d.window, now)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrReplayStoreDown, err)
	}
	if !fresh {
		return fmt.Errorf("%w: jti seen before", ErrDPoPReplay)
	}
	return nil
}

// boundJKT reads cnf.jkt (RFC 9449 6.1) from token claims or an
// introspection answer: "" when the token is not DPoP-bound.
func boundJKT(claims map[string]any) string {
	cnf, _ := claims["cnf"].(map[string]any)
	jkt, _ := cnf["jkt"].(string)
	return jkt
}
