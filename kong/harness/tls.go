package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
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
