package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxKeyTries bounds the signature checks one token without a kid may
// cost: a key set of many keys must not multiply an attacker's work.
const maxKeyTries = 4

// issuerVerifier verifies the tokens of one issuer with its own keys.
type issuerVerifier struct {
	cfg    *Issuer
	static *keySet // PEM/JWK public keys and HMAC secrets
	remote *remoteKeys
	times  timeRules
	checks claimChecks
	types  []string
	// methods are the allowed algorithms' implementations, looked up
	// once: jwt.GetSigningMethod takes a global lock.
	methods map[string]jwt.SigningMethod
}

func newIssuerVerifier(is *Issuer, hs HTTPSettings, f *fetcher) (*issuerVerifier, error) {
	v := &issuerVerifier{
		cfg: is,
		times: timeRules{
			leeway:      time.Duration(is.LeewaySec) * time.Second,
			maxLifetime: time.Duration(is.MaxLifetimeSec) * time.Second,
			allowNoExp:  is.UnsafeAllowMissingExp,
		},
		checks: claimChecks{audiences: is.Audiences, required: is.RequiredClaims, values: is.ClaimValues},
	}
	v.methods = make(map[string]jwt.SigningMethod, len(is.Algorithms))
	for _, alg := range is.Algorithms {
		if m := jwt.GetSigningMethod(alg); m != nil && algFamily(alg) != familyNone {
			v.methods[alg] = m
		}
	}
	for _, t := range is.Types {
		v.types = append(v.types, normType(t))
	}
	var keys []verifyKey
	for i, pk := range is.PublicKeys {
		k, err := parsePublicKey(pk)
		if err != nil {
			return nil, fmt.Errorf("public_keys[%d]: %w", i, err)
		}
		keys = append(keys, k)
	}
	for _, s := range is.HMACSecrets {
		keys = append(keys, verifyKey{key: []byte(s)})
	}
	v.static = newKeySet(keys)
	if is.JWKSURL != "" || is.Discovery {
		r, err := newRemoteKeys(is, hs, f)
		if err != nil {
			return nil, err
		}
		v.remote = r
	}
	return v, nil
}

// normType compares typ values as RFC 8725 3.11 suggests: case
// insensitive, without an "application/" prefix.
func normType(t string) string {
	t = strings.ToLower(t)
	return strings.TrimPrefix(t, "application/")
}

// verify checks the token's header, signature and claims, and returns
// its expiry.
func (v *issuerVerifier) verify(ctx context.Context, p *parsed, now time.Time) (time.Time, error) {
	alg := p.header.Alg
	if !slices.Contains(v.cfg.Algorithms, alg) {
		return time.Time{}, fmt.Errorf("%w: not allowed for this issuer", ErrAlgorithm)
	}
	if len(v.types) > 0 && !slices.Contains(v.types, normType(p.header.Typ)) {
		return time.Time{}, ErrType
	}
	var buf [maxKeyTries + 1]verifyKey
	// Static keys are few (config caps them); a fetched set may be large,
	// so a token without a kid may try only a few of its keys.
	cands := v.static.candidates(p.header.Kid, alg, buf[:0])
	if len(cands) == 0 && v.remote != nil {
		var err error
		if cands, err = v.remote.keys(ctx, p.header.Kid, alg, cands); err != nil {
			return time.Time{}, err
		}
		if len(cands) > maxKeyTries {
			return time.Time{}, fmt.Errorf("%w: token without kid matches too many keys", ErrUnknownKey)
		}
	}
	if len(cands) == 0 {
		return time.Time{}, ErrUnknownKey
	}
	method := v.methods[alg]
	if method == nil {
		return time.Time{}, ErrAlgorithm
	}
	ok := false
	for _, k := range cands {
		if method.Verify(p.signingInput, p.signature, k.key) == nil {
			ok = true
			break
		}
	}
	if !ok {
		return time.Time{}, ErrSignature
	}
	exp, terr := v.times.check(p.claims, now)
	if cerr := v.checks.check(p.claims); terr != nil || cerr != nil {
		return time.Time{}, errors.Join(terr, cerr)
	}
	return exp, nil
}
