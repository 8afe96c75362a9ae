// Command idp is a DEMO-ONLY identity provider for `make run` and `make
// demo`: OIDC discovery, a JWKS with an RS256 and an ES256 key, and a
// token endpoint that hands a short-lived access token (RFC 9068, typ
// at+jwt) to anyone who names a demo user:
//
//	curl -s -d user=alice localhost:9000/token
//	curl -s -H 'accept: text/plain' 'localhost:9000/token?user=bob&alg=ES256'
//
// Sender-constrained tokens: dpop_client=client-a (or dpop_jkt=<RFC 7638
// thumbprint>) binds the token to a DPoP key (cnf.jkt, token_type DPoP),
// x5t_s256=<certificate SHA-256> to a client certificate (cnf
// x5t#S256). For shell clients the IdP plays two DPoP clients, client-a
// and client-b, and signs their proofs:
//
//	curl -s -G localhost:9000/demo/dpop-proof --data-urlencode client=client-a \
//	  --data-urlencode htm=GET --data-urlencode htu=https://localhost:8443/users/alice/orders/1 \
//	  --data-urlencode token=$TOKEN
//
// Users: alice (orders:read orders:write), bob (orders:read), ops (role
// admin). There are no passwords, plain HTTP, and keys generated at start
// unless given: never run it anywhere a real token matters.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"flag"
	"log"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	listen := flag.String("listen", envOr("IDP_LISTEN", "127.0.0.1:9000"), "address to listen on")
	issuer := flag.String("issuer", envOr("IDP_ISSUER", "http://127.0.0.1:9000"), "issuer URL (iss of tokens, base of discovery)")
	aud := flag.String("audience", envOr("IDP_AUDIENCE", "orders,admin"), "comma-separated aud of issued tokens")
	ttl := flag.Duration("ttl", 5*time.Minute, "lifetime of issued tokens")
	rsaPath := flag.String("rsa-key", "", "PEM RSA private key for RS256 (generated when empty)")
	ecPath := flag.String("ec-key", "", "PEM P-256 private key for ES256 (generated when empty)")
	flag.Parse()

	rsaKey, err := loadOrGenerate(*rsaPath, func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })
	if err != nil {
		log.Fatal(err)
	}
	ecKey, err := loadOrGenerate(*ecPath, func() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) })
	if err != nil {
		log.Fatal(err)
	}
	idp, err := NewIdP(*issuer, strings.Split(*aud, ","), *ttl, rsaKey, ecKey)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *listen, Handler: idp.Handler(), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("DEMO-ONLY identity provider %s listening on http://%s (no passwords, plain HTTP)", idp.Issuer, *listen)
	log.Fatal(srv.ListenAndServe())
}

func envOr(env, def string) string {
	if v := os.Getenv(env); v != "" {
		return v
	}
	return def
}
