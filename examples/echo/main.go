// Command echo is the example upstream: it answers every request with a
// JSON description of what reached it (method, path, query, headers, body
// size), so a Kong operator can see what the gateway forwarded, added and
// stripped. Given warden-auth's public key, it also verifies the signed
// identity assertion, as a backend that does not trust its network should.
package main

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/warden-gw/warden/pkg/auth"
)

// maxBody is the most body bytes echoed back.
const maxBody = 4096

// Echo is what the upstream saw.
type Echo struct {
	Service  string              `json:"service"`
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	RawQuery string              `json:"raw_query,omitempty"`
	Headers  map[string][]string `json:"headers"`
	BodySize int                 `json:"body_size"`
	Body     string              `json:"body,omitempty"`
	// Assertion is the verdict on warden-auth's identity assertion.
	Assertion *Assertion `json:"identity_assertion,omitempty"`
}

// Assertion is what the upstream made of the identity assertion header.
type Assertion struct {
	Verified bool   `json:"verified"`
	Error    string `json:"error,omitempty"`
	Subject  string `json:"sub,omitempty"`
	Scope    string `json:"scope,omitempty"`
	Consumer string `json:"consumer,omitempty"`
	Method   string `json:"method,omitempty"`
}

// verifier checks assertions with warden-auth's public key.
type verifier struct {
	header, issuer, audience string
	key                      crypto.PublicKey
}

func (v *verifier) check(r *http.Request) *Assertion {
	tok := r.Header.Get(v.header)
	if tok == "" {
		return nil
	}
	c, err := auth.VerifyAssertion(tok, v.key, v.issuer, v.audience, time.Now())
	if err != nil {
		return &Assertion{Error: err.Error()}
	}
	return &Assertion{Verified: true, Subject: c.Subject, Scope: c.Scope, Consumer: c.Consumer, Method: c.Method}
}

// parsePublicKey reads a PEM or one-line base64 SPKI DER public key.
func parsePublicKey(s string) (crypto.PublicKey, error) {
	var der []byte
	if b, _ := pem.Decode([]byte(s)); b != nil {
		der = b.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(strings.TrimSpace(s)); err != nil {
			return nil, fmt.Errorf("public key is neither PEM nor base64")
		}
	}
	return x509.ParsePKIXPublicKey(der)
}

func handler(service string, v *verifier) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		e := Echo{
			Service:  service,
			Method:   r.Method,
			Path:     r.URL.Path,
			RawQuery: r.URL.RawQuery,
			Headers:  map[string][]string{},
			BodySize: len(body),
		}
		if v != nil {
			e.Assertion = v.check(r)
		}
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			e.Headers[k] = r.Header[k]
		}
		if len(body) > maxBody {
			body = body[:maxBody]
		}
		e.Body = string(body)
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(e)
	}
}

func main() {
	listen := flag.String("listen", envOr("ECHO_LISTEN", "127.0.0.1:8080"), "address to listen on")
	name := flag.String("name", envOr("ECHO_NAME", "echo"), "service name shown in answers")
	pubKey := flag.String("assertion-public-key", os.Getenv("WARDEN_ASSERTION_PUBLIC_KEY"), "warden-auth's assertion public key (PEM or base64 SPKI); verify assertions when set")
	header := flag.String("assertion-header", "x-warden-identity", "header carrying the identity assertion")
	audience := flag.String("assertion-audience", envOr("ECHO_ASSERTION_AUDIENCE", "orders"), "aud this upstream expects in assertions")
	flag.Parse()
	var v *verifier
	if *pubKey != "" {
		key, err := parsePublicKey(*pubKey)
		if err != nil {
			log.Fatalf("assertion public key: %v", err)
		}
		v = &verifier{header: *header, issuer: "warden", audience: *audience, key: key}
		log.Printf("verifying identity assertions in %s (aud %s)", *header, *audience)
	}
	srv := &http.Server{Addr: *listen, Handler: handler(*name, v), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("echo upstream listening on http://%s", *listen)
	log.Fatal(srv.ListenAndServe())
}

func envOr(env, def string) string {
	if v := os.Getenv(env); v != "" {
		return v
	}
	return def
}
