package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/url"
)

// Certificate-bound tokens (RFC 8705 3): a token whose cnf["x5t#S256"]
// is the SHA-256 of a certificate's DER is good only over a TLS
// connection on which the client presented that certificate. The TLS
// handshake proved the client holds its private key; the certificate
// need not chain to a CA (RFC 8705 2.2, self-signed certificates), so
// nginx's $ssl_client_verify is not consulted.

// maxEscapedCertBytes bounds $ssl_client_escaped_cert: a PEM certificate,
// each byte escaped at most to three.
const maxEscapedCertBytes = 3 * 16 << 10

// boundX5t reads cnf["x5t#S256"] from token claims or an introspection
// answer: "" when the token is not certificate-bound.
func boundX5t(claims map[string]any) string {
	cnf, _ := claims["cnf"].(map[string]any)
	x5t, _ := cnf["x5t#S256"].(string)
	return x5t
}

// checkCertBinding compares the connection's client certificate with a
// token's cnf["x5t#S256"], in constant time.
func checkCertBinding(req Request, x5t string) error {
	if req.ClientCert == nil {
		return fmt.Errorf("%w: no client certificate available", ErrCertBinding)
	}
	escaped, err := req.ClientCert()
	if err != nil {
		return fmt.Errorf("%w: reading the client certificate: %v", ErrCertBinding, err)
	}
	if escaped == "" {
		return fmt.Errorf("%w: no client certificate on the connection", ErrCertBinding)
	}
	if len(escaped) > maxEscapedCertBytes {
		return fmt.Errorf("%w: client certificate too large", ErrCertBinding)
	}
	// nginx escapes the PEM as a URI component (ngx_event_openssl.c
	// ngx_ssl_get_escaped_certificate): "+" stays a plus, so not
	// QueryUnescape.
	raw, err := url.PathUnescape(escaped)
	if err != nil {
		return fmt.Errorf("%w: client certificate not escaped PEM", ErrCertBinding)
	}
	block, _ := pem.Decode([]byte(raw))
	if block == nil || block.Type != "CERTIFICATE" {
		return fmt.Errorf("%w: client certificate not PEM", ErrCertBinding)
	}
	sum := sha256.Sum256(block.Bytes)
	var got [43]byte
	base64.RawURLEncoding.Encode(got[:], sum[:])
	if subtle.ConstantTimeCompare(got[:], []byte(x5t)) != 1 {
		return fmt.Errorf("%w: client certificate is not the token's", ErrCertBinding)
	}
	return nil
}
