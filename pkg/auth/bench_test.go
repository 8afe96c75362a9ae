package auth

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkVerify compares, in one run: golang-jwt's own verification
// (the baseline), a first-seen token (cold: full parse and signature
// check here) and a repeated token (warm: verified-token cache hit), for
// RS256 and ES256.
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
		b.Run(alg.name+"/golang-jwt", func(b *testing.B) {
			p := jwt.NewParser(jwt.WithValidMethods([]string{alg.name}), jwt.WithIssuer(testIssuerA),
				jwt.WithAudience("orders"), jwt.WithExpirationRequired(), jwt.WithTimeFunc(func() time.Time { return testNow }))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := p.Parse(tok, func(*jwt.Token) (any, error) { return alg.pub, nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
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
		})
	}
}

// BenchmarkColdDistinctTokens measures first-seen tokens that also go
// into the cache (insert and eviction included).
func BenchmarkColdDistinctTokens(b *testing.B) {
	testKeys(b)
	a := newAuth(b, staticConfig(b))
	toks := make([]string, 1024)
	for i := range toks {
		c := goodClaims()
		c["jti"] = strconv.Itoa(i)
		toks[i] = sign(b, jwt.SigningMethodES256, ecA, "", c)
	}
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			_, _ = a.Authenticate(context.Background(), bearer(toks[i%int64(len(toks))]))
		}
	})
}
