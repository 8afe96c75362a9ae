package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkVerify compares, in one run: golang-jwt's own verification
// (the baseline), a first-seen token (cold: full parse and signature
// check here) and a repeated token (warm: verified-token cache hit), for
// RS256 and ES256. The cold and warm results also print their ratio to
// the baseline measured just before them ("x-golang-jwt": the issue's
// goals are <= 1.1 cold and <= 0.05 warm).
func BenchmarkVerify(b *testing.B) {
	testKeys(b)
	for _, alg := range []struct {
		name   string
		method jwt.SigningMethod
		key    any
		pub    any
	}{
		{"RS256", jwt.SigningMethodRS256, rsaA, &rsaA.PublicKey},
		{"ES256", jwt.SigningMethodES256, ecA, &ecA.PublicKey},
	} {
		kid := "a1"
		if alg.name == "ES256" {
			kid = "" // the static EC key is a PEM without kid
		}
		tok := sign(b, alg.method, alg.key, kid, goodClaims())
		var baseline float64 // golang-jwt ns/op, from its final run
		nsPerOp := func(b *testing.B) float64 { return float64(b.Elapsed().Nanoseconds()) / float64(b.N) }
		b.Run(alg.name+"/golang-jwt", func(b *testing.B) {
			p := baselineParser(alg.name)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := p.Parse(tok, func(*jwt.Token) (any, error) { return alg.pub, nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
			baseline = nsPerOp(b)
		})
		ratio := func(b *testing.B) {
			if baseline > 0 {
				b.ReportMetric(nsPerOp(b)/baseline, "x-golang-jwt")
			}
		}
		b.Run(alg.name+"/warden-cold", func(b *testing.B) {
			cfg := staticConfig(b)
			cfg["cache"] = map[string]any{"max_entries": 0}
			a := newAuth(b, cfg)
			req := bearer(tok)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, d := a.Authenticate(context.Background(), req); d != nil {
						b.Fatal(d)
					}
				}
			})
			ratio(b)
		})
		// The fair baseline for a cache hit: golang-jwt behind the same
		// kind of cache (SHA-256 of the token to verified claims, expiry
		// checked on a hit), so the warm ratio compares caches, not a
		// cache with a verification.
		b.Run(alg.name+"/golang-jwt-cached", func(b *testing.B) {
			p := baselineParser(alg.name)
			var cache sync.Map // [32]byte -> *jwt.Token
			verify := func() error {
				key := sha256.Sum256([]byte(tok))
				if v, ok := cache.Load(key); ok {
					if exp, err := v.(*jwt.Token).Claims.GetExpirationTime(); err == nil && exp != nil && testNow.Before(exp.Time) {
						return nil
					}
				}
				t, err := p.Parse(tok, func(*jwt.Token) (any, error) { return alg.pub, nil })
				if err == nil {
					cache.Store(key, t)
				}
				return err
			}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := verify(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run(alg.name+"/warden-warm", func(b *testing.B) {
			a := newAuth(b, staticConfig(b))
			req := bearer(tok)
			if _, d := a.Authenticate(context.Background(), req); d != nil {
				b.Fatal(d)
			}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, d := a.Authenticate(context.Background(), req); d != nil {
						b.Fatal(d)
					}
				}
			})
			ratio(b)
		})
	}
}

// baselineParser is golang-jwt checking what warden-auth checks for the
// benchmark tokens: algorithm, issuer, audience, exp required, at testNow.
func baselineParser(alg string) *jwt.Parser {
	return jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(testIssuerA),
		jwt.WithAudience("orders"), jwt.WithExpirationRequired(), jwt.WithTimeFunc(func() time.Time { return testNow }))
}

// BenchmarkCacheChurn measures first-seen ES256 tokens going through a
// full cache: each request verifies a token the cache does not hold, then
// inserts it, evicting another. 4096 distinct tokens cycle through a cache
// of 64 entries, so a token is evicted long before it comes round again;
// "hits/op" reports the cache hits seen, and must stay at 0 for the result
// to mean what its name says.
func BenchmarkCacheChurn(b *testing.B) {
	testKeys(b)
	cfg := staticConfig(b)
	cfg["cache"] = map[string]any{"max_entries": 64}
	a := newAuth(b, cfg)
	reqs := make([]Request, 4096)
	for i := range reqs {
		c := goodClaims()
		c["jti"] = strconv.Itoa(i)
		reqs[i] = bearer(sign(b, jwt.SigningMethodES256, ecA, "", c))
	}
	var n, hits atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			res, d := a.Authenticate(context.Background(), reqs[i%int64(len(reqs))])
			if d != nil {
				b.Fatal(d)
			}
			if res.Cached {
				hits.Add(1)
			}
		}
	})
	b.ReportMetric(float64(hits.Load())/float64(b.N), "hits/op")
}

// BenchmarkVerifyInterleaved measures a first-seen token against
// golang-jwt's own verification on one goroutine, alternating small
// batches of each, so both see the same machine load. It prints both
// means and "x-golang-jwt", the median of the per-batch ratios: on a busy
// machine, where the separate runs of BenchmarkVerify drift apart and a
// load spike skews a mean, the median ratio stays meaningful. One op is
// one verification of each; "cold" runs without the verified-token
// cache, "warm" repeats a cached token (goals: <= 1.1 and <= 0.05).
func BenchmarkVerifyInterleaved(b *testing.B) {
	testKeys(b)
	for _, alg := range []struct {
		name   string
		method jwt.SigningMethod
		key    any
		pub    any
		kid    string
	}{
		{"RS256", jwt.SigningMethodRS256, rsaA, &rsaA.PublicKey, "a1"},
		{"ES256", jwt.SigningMethodES256, ecA, &ecA.PublicKey, ""},
	} {
		for _, mode := range []string{"cold", "warm"} {
			b.Run(alg.name+"/"+mode, func(b *testing.B) {
				tok := sign(b, alg.method, alg.key, alg.kid, goodClaims())
				p := baselineParser(alg.name)
				keyfunc := func(*jwt.Token) (any, error) { return alg.pub, nil }
				cfg := staticConfig(b)
				if mode == "cold" {
					cfg["cache"] = map[string]any{"max_entries": 0}
				}
				a := newAuth(b, cfg)
				req := bearer(tok)
				if _, d := a.Authenticate(context.Background(), req); d != nil {
					b.Fatal(d) // and, when warm, the token is now cached
				}
				const batch = 4
				var base, ours time.Duration
				ratios := make([]float64, 0, b.N/batch+1)
				b.ResetTimer()
				for done := 0; done < b.N; done += batch {
					n := min(batch, b.N-done)
					t0 := time.Now()
					for range n {
						if _, err := p.Parse(tok, keyfunc); err != nil {
							b.Fatal(err)
						}
					}
					t1 := time.Now()
					for range n {
						if _, d := a.Authenticate(context.Background(), req); d != nil {
							b.Fatal(d)
						}
					}
					t2 := time.Now()
					base, ours = base+t1.Sub(t0), ours+t2.Sub(t1)
					ratios = append(ratios, float64(t2.Sub(t1))/float64(t1.Sub(t0)))
				}
				b.StopTimer()
				slices.Sort(ratios)
				b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "golang-jwt-ns/op")
				b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "warden-ns/op")
				b.ReportMetric(ratios[len(ratios)/2], "x-golang-jwt")
			})
		}
	}
}

// BenchmarkDPoPProof compares DPoP proof verification (RFC 9449 4.3:
// header rules, the public key from jwk and its RFC 7638 thumbprint,
// signature, htm, htu, ath, iat; replay is a store round trip and not
// measured here) with golang-jwt verifying the same ES256 proof with the
// key its jwk holds, on one goroutine in alternating batches so both see
// the same load. It prints both means and "x-golang-jwt", the median of
// the per-batch ratios (the goal: <= 1.2).
func BenchmarkDPoPProof(b *testing.B) {
	testKeys(b)
	key := newDPoPKey(b)
	const token = "access-token"
	proof := key.proof(b, token, nil)
	d := newDPoPVerifier(&DPoPSettings{Algorithms: []string{"ES256", "EdDSA", "PS256", "RS256"}, IATWindowSec: 60, MaxProofBytes: 4096}, newLocalReplay(1000))
	req := proofRequest{method: "GET", htu: "https://api.example/orders/1", token: token}
	p := jwt.NewParser(jwt.WithValidMethods([]string{"ES256", "EdDSA", "PS256", "RS256"}), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return testNow }))
	keyfunc := func(t *jwt.Token) (any, error) {
		j, _ := t.Header["jwk"].(map[string]any)
		x, err1 := base64.RawURLEncoding.DecodeString(fmt.Sprint(j["x"]))
		y, err2 := base64.RawURLEncoding.DecodeString(fmt.Sprint(j["y"]))
		if j["kty"] != "EC" || j["crv"] != "P-256" || err1 != nil || err2 != nil {
			return nil, errors.New("bad jwk")
		}
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	}
	if _, err := p.Parse(proof, keyfunc); err != nil {
		b.Fatal(err)
	}
	if _, err := d.verify(proof, req, testNow); err != nil {
		b.Fatal(err)
	}
	const batch = 4
	var base, ours time.Duration
	ratios := make([]float64, 0, b.N/batch+1)
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		t0 := time.Now()
		for range n {
			if _, err := p.Parse(proof, keyfunc); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		for range n {
			if _, err := d.verify(proof, req, testNow); err != nil {
				b.Fatal(err)
			}
		}
		t2 := time.Now()
		base, ours = base+t1.Sub(t0), ours+t2.Sub(t1)
		ratios = append(ratios, float64(t2.Sub(t1))/float64(t1.Sub(t0)))
	}
	b.StopTimer()
	slices.Sort(ratios)
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "golang-jwt-ns/op")
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "warden-ns/op")
	b.ReportMetric(ratios[len(ratios)/2], "x-golang-jwt")
}

// BenchmarkParseCompact is the JSON part of verifying a first-seen token:
// splitting, base64 and reading the header and claims (pkg/jsonscan),
// without the signature check that BenchmarkVerify's figures are mostly
// made of.
func BenchmarkParseCompact(b *testing.B) {
	testKeys(b)
	tok := sign(b, jwt.SigningMethodES256, ecA, "k1", goodClaims())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := parseCompact(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
