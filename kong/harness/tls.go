package harness

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// tlsConfig loads the proxy's certificate, or makes a self-signed one for
// localhost when no files are given (Kong, too, serves a default
// self-signed certificate on its TLS listener until one is configured:
// kong/cmd/utils/prefix_handler.lua gen_default_ssl_cert).
func tlsConfig(certFile, keyFile string) (*tls.Config, error) {
	var cert tls.Certificate
	var err error
	switch {
	case certFile != "" && keyFile != "":
		cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	case certFile == "" && keyFile == "":
		var certPEM, keyPEM []byte
		if certPEM, keyPEM, err = SelfSignedCert("localhost", "127.0.0.1", "::1"); err == nil {
			cert, err = tls.X509KeyPair(certPEM, keyPEM)
		}
	default:
		return nil, fmt.Errorf("%w: set both the TLS certificate and key, or neither", ErrConfig)
	}
	if err != nil {
		return nil, fmt.Errorf("proxy TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// SelfSignedCert returns a PEM certificate and key (ECDSA P-256, valid one
// year) for the given DNS names and IP addresses.
func SelfSignedCert(hosts ...string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "warden local gateway"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}

// WriteSelfSignedCert writes a self-signed certificate and key for
// localhost to the two files (the key readable by the owner only).
func WriteSelfSignedCert(certFile, keyFile string) error {
	c, k, err := SelfSignedCert("localhost", "127.0.0.1", "::1")
	if err != nil {
		return err
	}
	if err := os.WriteFile(certFile, c, 0o644); err != nil {
		return err
	}
	return os.WriteFile(keyFile, k, 0o600)
}

// clientAuth sets tc to ask for client certificates as nginx's
// ssl_verify_client does (ngx_http_ssl_module): optional_no_ca asks for
// one and accepts any; optional verifies one if given; on requires a
// verified one. Verification uses the PEM CAs in caFile
// (ssl_client_certificate), returned for $ssl_client_verify.
func clientAuth(tc *tls.Config, mode, caFile string) (*x509.CertPool, error) {
	var pool *x509.CertPool
	if caFile != "" {
		b, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("ssl_client_certificate: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%w: ssl_client_certificate holds no PEM certificate", ErrConfig)
		}
	}
	switch mode {
	case "", "off":
	case "optional_no_ca":
		tc.ClientAuth = tls.RequestClientCert
	case "optional", "on":
		if pool == nil {
			// nginx refuses to start: "no ssl_client_certificate for
			// ssl_verify_client" (ngx_http_ssl_module.c).
			return nil, fmt.Errorf("%w: ssl_verify_client %s needs ssl_client_certificate", ErrConfig, mode)
		}
		tc.ClientAuth, tc.ClientCAs = tls.VerifyClientCertIfGiven, pool
		if mode == "on" {
			tc.ClientAuth = tls.RequireAndVerifyClientCert
		}
	default:
		return nil, fmt.Errorf("%w: ssl_verify_client %q", ErrConfig, mode)
	}
	return pool, nil
}

// clientVerify is nginx's $ssl_client_verify (ngx_event_openssl.c
// ngx_ssl_get_client_verify): NONE without a certificate, SUCCESS when it
// verified, else FAILED: and the reason, worded as OpenSSL's
// X509_verify_cert_error_string words the common ones.
func clientVerify(cs *tls.ConnectionState, pool *x509.CertPool) string {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return "NONE"
	}
	leaf := cs.PeerCertificates[0]
	var err error = x509.UnknownAuthorityError{}
	if pool != nil {
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	}
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case err == nil:
		return "SUCCESS"
	case errors.As(err, &ua):
		if bytes.Equal(leaf.RawIssuer, leaf.RawSubject) &&
			leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil {
			return "FAILED:self-signed certificate"
		}
		return "FAILED:unable to get local issuer certificate"
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return "FAILED:certificate has expired"
	case errors.As(err, &ci) && ci.Reason == x509.IncompatibleUsage:
		return "FAILED:unsupported certificate purpose"
	}
	return "FAILED:certificate verify failed"
}

// escapedCert is nginx's $ssl_client_escaped_cert (ngx_event_openssl.c
// ngx_ssl_get_escaped_certificate): the client certificate in PEM, as
// PEM_write_bio_X509 writes it, URI-component escaped; "" without one.
// Escaping every byte but unreserved ones covers what nginx escapes in
// a PEM (space, "+", "/", "=", line feeds).
func escapedCert(cs *tls.ConnectionState) string {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return ""
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cs.PeerCertificates[0].Raw})
	return strings.ReplaceAll(url.QueryEscape(string(p)), "+", "%20")
}
